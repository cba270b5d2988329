package readmodels

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/nats-io/nats.go/jetstream"
)

func appendDemo(t *testing.T, js jetstream.JetStream, subjects int) int {
	t.Helper()
	ds, err := demo.Generate(demo.Config{Subjects: subjects})
	if err != nil {
		t.Fatal(err)
	}
	kek, _ := keys.NewLocalKEK(bytes.Repeat([]byte{8}, 32))
	kr, _ := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	e, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(ds.Events); i += 500 {
		if _, err := e.Append(context.Background(), ds.Events[i:min(i+500, len(ds.Events))]...); err != nil {
			t.Fatal(err)
		}
	}
	return len(ds.Events)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// snapshot is every subject's state and history, as JSON, for comparing
// generations.
func snapshot(t *testing.T, r model.Reader) string {
	t.Helper()
	ctx := context.Background()
	subjects, err := r.SubjectsOf(ctx, demo.DefaultTenant, model.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, s := range subjects {
		h, err := r.History(ctx, s.Tenant, s.SubjectRef, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s, h)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func TestRebuildSwitchesWhileQueriesGoOn(t *testing.T) {
	ctx := context.Background()
	s := natstest.Start(t)
	_, js := natstest.Connect(t, s)
	if _, err := events.EnsureStream(ctx, js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	n := appendDemo(t, js, 60)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "readmodels.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	backend, err := OpenBackend(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	m, err := NewManager(ctx, backend, js, projector.Config{}, log)
	if err != nil {
		t.Fatal(err)
	}
	m.poll = 50 * time.Millisecond
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.Run(runCtx) }()
	defer func() { stop(); wg.Wait() }()
	waitFor(t, "the projector to catch up", func() bool { return m.Status().Checkpoint == uint64(n) })
	before := snapshot(t, m.Reader())

	// Queries keep answering during the rebuild and across the switch.
	var queries, failures atomic.Int64
	qctx, stopQueries := context.WithCancel(ctx)
	var qwg sync.WaitGroup
	qwg.Add(1)
	go func() {
		defer qwg.Done()
		for qctx.Err() == nil {
			if _, err := m.Reader().SubjectsOf(ctx, demo.DefaultTenant, model.Page{Limit: 10}); err != nil {
				failures.Add(1)
			}
			queries.Add(1)
		}
	}()

	other, err := OpenBackend(ctx, dsn) // as `docket projections rebuild` does
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var reports int
	gen, err := Rebuild(ctx, other, js, projector.Config{}, log, 10*time.Millisecond, func(Progress) { reports++ })
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if gen != 2 || reports == 0 {
		t.Fatalf("Rebuild made generation %d with %d progress reports", gen, reports)
	}
	waitFor(t, "the manager to switch", func() bool { return m.Status().Generation == 2 })
	stopQueries()
	qwg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d of %d queries failed during the rebuild", failures.Load(), queries.Load())
	}
	if after := snapshot(t, m.Reader()); after != before {
		t.Fatal("the rebuilt generation answers differently from the incremental one")
	}

	// The new generation keeps up with new events.
	appendDemo(t, js, 61) // another data set: new events for the same tenant
	stream, err := js.Stream(ctx, events.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	si, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "generation 2 to follow new events", func() bool { return m.Status().Checkpoint == si.State.LastSeq })
}
