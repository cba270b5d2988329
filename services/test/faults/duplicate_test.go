package faults_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

// TestSameEventFromSeveralClients: several clients append the identical
// event (or batch: same event ids) at the same moment, round after round,
// each on its own connection. Every caller gets a success; exactly one of
// them is told the event was stored and the others that it was a
// duplicate, all with the same sequence; the stream holds each event once
// and the read models one audit row per event. In each of the Emitter's
// three ways of publishing: atomic batches (the default), asynchronous
// publishing (atomic_append=false), and with expected_last_sequence
// (checked one by one).
func TestSameEventFromSeveralClients(t *testing.T) {
	clients := scale(6, 12)
	rounds := scale(30, 300)
	for _, mode := range []struct {
		name    string
		atomic  bool
		checked bool
	}{
		{"atomic batches", true, false},
		{"async publish", false, false},
		{"expected_last_sequence", true, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			cfg := baseConfig(t, "")
			cfg.AtomicAppend = &mode.atomic
			d := startDocketd(t, cfg)
			conns := d.newClients(t, clients)
			var (
				stored, dups, failures int
				ours                   = map[string]uint64{} // event id -> the sequence every caller was told
				problems               []string
			)
			problem := func(format string, args ...any) {
				if len(problems) < 20 {
					problems = append(problems, fmt.Sprintf(format, args...))
				}
			}
			for r := range rounds {
				size := 1 + 2*(r%2) // batches of 1 and of 3 events, in turn
				ref := fmt.Sprintf("dup-r%d", r)
				evs := make([]*eventsv1.Event, size)
				for j := range evs {
					evs[j] = newEvent(ref, r*3+j)
				}
				req := &apiv1.AppendRequest{Events: evs}
				if mode.checked {
					req.ExpectedLastSequence = map[string]uint64{ref: 0} // a new subject
				}
				type answer struct {
					resp *apiv1.AppendResponse
					err  error
				}
				answers := make([]answer, clients)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for c := range clients {
					own := proto.Clone(req).(*apiv1.AppendRequest)
					wg.Go(func() {
						<-start
						ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
						defer cancel()
						resp, err := conns[c].Append(ctx, connect.NewRequest(own))
						if err == nil {
							answers[c].resp = resp.Msg
						}
						answers[c].err = err
					})
				}
				close(start)
				wg.Wait()
				for j, ev := range evs {
					id := ev.GetEventId()
					nonDup, seqs := 0, map[uint64]int{}
					for c, a := range answers {
						if a.err != nil {
							if j == 0 {
								failures++
								problem("round %d, client %d: %v (code %s)", r, c, a.err, connect.CodeOf(a.err))
							}
							continue
						}
						res := a.resp.GetResults()
						if len(res) != size || res[j].GetEventId() != id {
							problem("round %d, client %d: results %v for %d events", r, c, res, size)
							continue
						}
						seqs[res[j].GetSequence()]++
						if res[j].GetDuplicate() {
							dups++
						} else {
							nonDup++
							stored++
						}
					}
					if nonDup != 1 {
						problem("round %d, event %d: %d callers were told it was stored, want exactly 1", r, j, nonDup)
					}
					if len(seqs) != 1 {
						problem("round %d, event %d: callers were given different sequences %v", r, j, seqs)
					}
					for seq := range seqs {
						ours[id] = seq
					}
				}
			}

			st := readStream(t, d.JetStream())
			missing, moved := st.checkAcked(ours)
			dupIDs, extra := st.duplicates()
			waitProjected(t, d, st.last, time.Minute)
			gen := d.ReadModels().Status().Generation
			d.stop(t)
			audit := compareAudit(sqliteAudit(t, filepath.Join(cfg.DataDir, "readmodels.db"), gen), st)
			t.Logf("%d rounds × %d clients (%d distinct events, batches of 1 and 3): answers stored %d, duplicate %d, errors %d; "+
				"stream holds %d messages, event ids stored more than once %d (%d extra messages), answered events missing %d, at another sequence %d; %s",
				rounds, clients, len(ours), stored, dups, failures, st.msgs, dupIDs, extra, len(missing), len(moved), audit)
			for _, p := range problems {
				t.Error(p)
			}
			if dupIDs > 0 || len(missing) > 0 || len(moved) > 0 || st.msgs != uint64(len(ours)) {
				t.Errorf("the stream holds %d messages for %d events: %d ids stored more than once, %d missing %v, %d moved %v",
					st.msgs, len(ours), dupIDs, len(missing), missing, len(moved), moved)
			}
			if !audit.ok() {
				t.Errorf("read models: %s", audit)
			}
		})
	}
}
