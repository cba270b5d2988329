// Package sagatest starts what a test of a saga needs, all of it real: an
// in-process JetStream with the events stream, a keyring over an
// in-memory key store, an Emitter, and the projector into SQLite.
package sagatest

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/store/sqlite"
	"github.com/nats-io/nats.go/jetstream"
)

// Fixture is the running parts.
type Fixture struct {
	JS        jetstream.JetStream
	Stream    jetstream.Stream
	Keyring   *keys.Keyring
	Emitter   *events.Emitter
	Store     model.Store
	Projector *projector.Projector
	// Ctx ends when the test does.
	Ctx context.Context
}

// Start starts them; they stop when the test ends.
func Start(t *testing.T) *Fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := natstest.Start(t)
	_, js := natstest.Connect(t, srv)
	stream, err := events.EnsureStream(ctx, js, events.StreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	kek, _ := keys.NewLocalKEK(bytes.Repeat([]byte{3}, 32))
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rm.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	p, err := projector.New(js, store, projector.Config{MaxWait: 20 * time.Millisecond}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	go p.Run(ctx)
	return &Fixture{JS: js, Stream: stream, Keyring: kr, Emitter: em, Store: store, Projector: p, Ctx: ctx}
}

// ReadPosition is the read models' checkpoint, as a saga wants it.
func (f *Fixture) ReadPosition() uint64 { return f.Projector.Stats().Checkpoint }
