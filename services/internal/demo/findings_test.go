package demo_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/services/internal/demo"
	"google.golang.org/protobuf/proto"
)

// The projection logic finds exactly the compliance problems the demo
// plants: each planted problem once, naming exactly its events, and nothing
// else (time-based rules judged at the data set's last occurred_at).
func TestProjectionFindsExactlyThePlantedProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  demo.Config
	}{
		{"default", demo.Config{}},
		{"seed 4, 400 subjects", demo.Config{Seed: 4, Subjects: 400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := generate(t, tc.cfg)
			recs := make([]source.Record, len(ds.Events))
			for i, ev := range ds.Events {
				b, err := proto.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				recs[i] = source.Record{Sequence: uint64(i + 1), RecordedAt: ev.GetOccurredAt().AsTime(), Data: b, Event: ev}
			}
			res, err := state.Replay(recs, ds.Events[len(ds.Events)-1].GetOccurredAt().AsTime())
			if err != nil {
				t.Fatal(err)
			}
			// planted rule + event id -> index of the planted problem
			planted := map[[2]string]int{}
			for i, p := range ds.Planted {
				for _, id := range p.EventIDs {
					planted[[2]string{p.Rule, id}] = i
				}
			}
			hits := make([]int, len(ds.Planted))
			for _, f := range res.Findings {
				trigger := strings.TrimPrefix(f.ID, f.Rule+":")
				i, ok := planted[[2]string{f.Rule, trigger}]
				if !ok {
					t.Errorf("finding %s was not planted: %s", f.ID, f.Detail)
					continue
				}
				hits[i]++
				if got, want := sortedCopy(f.EventIDs), sortedCopy(ds.Planted[i].EventIDs); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("finding %s names events %v, the planted problem %v", f.ID, got, want)
				}
			}
			for i, p := range ds.Planted {
				if hits[i] != 1 {
					t.Errorf("planted %s %v: found %d times, want once", p.Rule, p.EventIDs, hits[i])
				}
			}
		})
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
