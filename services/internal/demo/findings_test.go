package demo_test

import (
	"time"

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
			res := replay(t, ds)
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

// replay folds the data set in memory, judging time-based rules at its
// last occurred_at.
func replay(t *testing.T, ds *demo.Dataset) *state.Result {
	t.Helper()
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
	return res
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// The demo records how the controller handled some planted problems
// (FindingStatusChanged): the statuses name only findings the data set
// raises, and leave the findings as they are. Worked out from
// handledFindings: undeclared-recipient findings acknowledged 20 days
// before the end of the year, unanswered access requests assigned an hour
// later, the web-enquiries retention group accepted as a risk 10 days
// before the end (so each of its findings that arose by then), one
// newsletter sent after a withdrawal resolved 5 days before the end.
func TestDemoHandlesSomeFindings(t *testing.T) {
	ds := generate(t, demo.Config{})
	res := replay(t, ds)
	end := demo.DefaultStart.Add(demo.Span)
	exists := map[string]bool{}
	for _, f := range res.Findings {
		exists[f.ID] = true
	}
	for _, r := range res.FindingStatus {
		for _, id := range r.FindingIDs {
			if !exists[id] {
				t.Errorf("%s names finding %s, which the data set does not raise", r.Status, id)
			}
		}
	}
	statuses := state.NewFindingStatuses(res.FindingStatus, time.Time{})
	count := map[string]int{}
	for i := range res.Findings {
		f := &res.Findings[i]
		st := statuses.Status(f)
		count[st]++
		switch {
		case f.Group == "retention_exceeded:web-enquiries":
			want := state.StatusOpen
			if !f.AroseAt.After(end.Add(-10 * 24 * time.Hour)) {
				want = state.StatusRiskAccepted
			}
			if st != want {
				t.Errorf("retention finding %s, arose %s: %s, want %s", f.ID, f.AroseAt, st, want)
			}
		case st == state.StatusRiskAccepted:
			t.Errorf("finding %s of group %s accepted as a risk", f.ID, f.Group)
		case f.Rule == demo.RuleUndeclaredRecipient && f.AroseAt.Before(end.Add(-20*24*time.Hour)) && st != state.StatusAcknowledged:
			t.Errorf("undeclared-recipient finding %s, arose %s: %s, want acknowledged", f.ID, f.AroseAt, st)
		}
	}
	for _, st := range []string{state.StatusAcknowledged, state.StatusAssigned, state.StatusRiskAccepted, state.StatusResolved} {
		if count[st] == 0 {
			t.Errorf("no finding is %s (statuses: %v)", st, count)
		}
	}
	if count[state.StatusResolved] != 1 {
		t.Errorf("%d findings resolved, want 1", count[state.StatusResolved])
	}
}
