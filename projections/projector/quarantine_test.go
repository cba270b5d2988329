package projector_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/docketledger/docket/projections/internal/streamgen"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/source/corrupttest"
	"github.com/docketledger/docket/projections/state"
)

// quarantineCanary is the plaintext value of the plaintext_values message:
// no row, finding or error may hold it.
const quarantineCanary = "quarantine-canary-4b1d@example.com"

// TestQuarantine writes each kind of bad message straight onto the stream
// (a raw publish, as an operator with full rights could), between good
// events of several tenants, and shows that a projector quarantines each
// at its sequence and applies everything after it: the store equals
// state.Replay of the good events, the quarantine rows and findings are
// there, and a rebuild into a new generation, by one projector in large
// batches and by four partitions, gives identical answers, quarantine
// included.
func TestQuarantine(t *testing.T) {
	eachBackend(t, func(t *testing.T, db database) {
		ctx := t.Context()
		l := newLedger(t)
		evs := streamgen.Generate(11, 1200)
		var acmeRef, otherTenant, otherRef string
		for _, ev := range evs {
			switch {
			case ev.GetSubjectRef() == "":
			case ev.GetTenant() == "acme" && acmeRef == "":
				acmeRef = ev.GetSubjectRef()
			case ev.GetTenant() != "acme" && otherRef == "":
				otherTenant, otherRef = ev.GetTenant(), ev.GetSubjectRef()
			}
		}
		bad := append(corrupttest.Messages("acme", acmeRef, quarantineCanary),
			corrupttest.Messages(otherTenant, otherRef, quarantineCanary)...)
		// Bad messages at the very start, between good ones, and last.
		want := map[uint64]corrupttest.Message{}
		publishBad := func(m corrupttest.Message) {
			ack, err := l.js.PublishMsg(ctx, m.Msg)
			if err != nil {
				t.Fatalf("publish %s: %v", m.Name, err)
			}
			want[ack.Sequence] = m
		}
		publishBad(bad[0])
		chunk := len(evs) / (len(bad) - 1)
		for i, m := range bad[1:] {
			l.append(t, evs[i*chunk:(i+1)*chunk])
			publishBad(m)
		}
		l.append(t, evs[(len(bad)-1)*chunk:])
		publishBad(corrupttest.Messages("acme", acmeRef, quarantineCanary)[0])
		total := uint64(len(evs) + len(bad) + 1)

		// The good records, read past the bad ones.
		r, err := source.NewReader(l.js, "", "")
		if err != nil {
			t.Fatal(err)
		}
		var good []source.Record
		seen := 0
		if err := r.EachStored(ctx, 1, 500, func(rec source.Record, c *source.CorruptError) error {
			if c != nil {
				seen++
				if w, ok := want[rec.Sequence]; !ok || w.Reason != c.Reason {
					t.Errorf("sequence %d: the reader says %q; want %+v", rec.Sequence, c.Reason, w)
				}
				return nil
			}
			good = append(good, rec)
			return nil
		}); err != nil {
			t.Fatalf("EachStored: %v", err)
		}
		if seen != len(want) || uint64(len(good)) != total-uint64(len(want)) {
			t.Fatalf("the reader saw %d bad and %d good messages, want %d and %d", seen, len(good), len(want), total-uint64(len(want)))
		}

		// Small batches, so that batches start and end at bad messages.
		inc := db(t, 1)
		p := catchUp(t, l, inc, projector.Config{Durable: "incremental", Batch: 7, CatchUpBatch: 7})
		if cp := checkpoint(t, inc); cp != total {
			t.Fatalf("checkpoint %d, want %d (the stream's head)", cp, total)
		}
		matchesReplay(t, inc, good)

		rows, err := inc.Quarantined(ctx, "", model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(want) {
			t.Errorf("%d quarantine rows, want %d: %+v", len(rows), len(want), rows)
		}
		counts := map[string]uint64{}
		for _, q := range rows {
			w, ok := want[q.Seq]
			counts[q.Reason]++
			if !ok || q.Reason != w.Reason || q.Tenant != w.Tenant || q.RecordedAt.IsZero() {
				t.Errorf("quarantine row %+v; want reason %q, tenant %q", q, w.Reason, w.Tenant)
			}
		}
		if got := p.Stats().Quarantined; !same(t, "Stats.Quarantined", counts, got) {
			t.Logf("rows: %+v", rows)
		}
		for _, reason := range source.Reasons {
			if counts[reason] == 0 {
				t.Errorf("no message quarantined as %s", reason)
			}
		}
		sum, err := inc.QuarantineSummary(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Count != uint64(len(want)) || len(sum.Latest) != 2 || sum.Latest[0].Seq != total || sum.Latest[1].Seq >= total {
			t.Errorf("QuarantineSummary = %+v; want %d, latest first", sum, len(want))
		}
		// One finding for each message whose subject names a tenant, in
		// that tenant's findings.
		for _, tn := range []string{"acme", otherTenant} {
			fs, err := inc.Findings(ctx, model.FindingFilter{Tenant: tn, Rule: state.RuleUnprojectable}, model.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var wantSeqs, gotSeqs []uint64
			for seq, m := range want {
				if m.Tenant == tn {
					wantSeqs = append(wantSeqs, seq)
				}
			}
			for _, f := range fs {
				gotSeqs = append(gotSeqs, f.Seq)
				if strings.Contains(f.Detail, quarantineCanary) || f.AroseAt.IsZero() {
					t.Errorf("finding %+v", f)
				}
			}
			slices.Sort(wantSeqs)
			same(t, "unprojectable findings of "+tn, wantSeqs, gotSeqs)
		}

		// A rebuild, in one projector's large batches and in partitions.
		q := queriesOf(good)
		want1 := answers(t, inc, q)
		rebuilt := db(t, 2)
		catchUp(t, l, rebuilt, projector.Config{Durable: "rebuild", CatchUpBatch: 1000})
		sameAnswers(t, "incremental", want1, "rebuild", answers(t, rebuilt, q))

		shared := db(t, 3)
		const parts = 4
		var wg sync.WaitGroup
		var projs []*projector.Projector
		for k := range parts {
			p, err := projector.New(l.js, shared, projector.Config{Partitions: parts, Partition: k, Batch: 5, CatchUpBatch: 5}, discard)
			if err != nil {
				t.Fatal(err)
			}
			projs = append(projs, p)
			wg.Go(func() { runCatchUp(t, p) })
		}
		wg.Wait()
		if cp := checkpoint(t, shared); cp != total {
			t.Fatalf("the partitions' checkpoint is %d, want %d", cp, total)
		}
		sameAnswers(t, "incremental", want1, "four partitions", answers(t, shared, q))
		var n uint64
		for _, p := range projs {
			for _, c := range p.Stats().Quarantined {
				n += c
			}
		}
		if n != uint64(len(want)) {
			t.Errorf("the partitions quarantined %d messages between them, want %d (each once)", n, len(want))
		}
	})
}
