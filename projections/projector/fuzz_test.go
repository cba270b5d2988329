package projector_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/source/corrupttest"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/docketledger/docket/projections/store/sqlite"
	"github.com/nats-io/nats.go"
)

// FuzzDecodeThenWrite: whatever bytes, subject and type header a stored
// message has, source.Decode either refuses it with a *CorruptError (the
// projector quarantines it) or returns a record that the projection folds
// and the SQLite store writes without error: no stored message can stop
// the projector. (The PostgreSQL store holds the same values; TestQuarantine
// runs every kind of refused message through both.)
func FuzzDecodeThenWrite(f *testing.F) {
	for _, m := range corrupttest.Messages("acme", "s-1", "fuzz@example.org") {
		f.Add(m.Msg.Subject, m.Msg.Header.Get(events.HeaderType), m.Msg.Data)
	}
	good := corrupttest.Msg(corrupttest.Event("acme", "s-1"))
	f.Add(good.Subject, good.Header.Get(events.HeaderType), good.Data)

	store, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "fuzz.db"), 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	pg, err := postgres.Open(f.Context(), pgtest.Start(f), 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { pg.Close() })
	cat := state.NewCatalogue()
	seq := uint64(0)
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, subject, typ string, data []byte) {
		h := nats.Header{}
		if typ != "" {
			h.Set(events.HeaderType, typ)
		}
		rec, err := source.Decode(seq+1, at, subject, h, data)
		if err != nil {
			var bad *source.CorruptError
			if !errors.As(err, &bad) || bad.Reason == "" || bad.Sequence != seq+1 {
				t.Fatalf("Decode: %v, not a *CorruptError with a reason", err)
			}
			return
		}
		b, err := projector.Build(t.Context(), store, cat, nil, seq, []source.Record{rec})
		if err != nil {
			t.Fatalf("a decoded event does not fold: %v", err)
		}
		if err := store.Apply(t.Context(), b); err != nil {
			t.Fatalf("a decoded event does not write: %v", err)
		}
		if err := pg.Apply(t.Context(), b); err != nil {
			t.Fatalf("a decoded event does not write to PostgreSQL: %v", err)
		}
		seq++
	})
}
