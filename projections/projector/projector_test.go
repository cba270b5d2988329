package projector_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/internal/streamgen"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/projector"
	"github.com/nats-io/nats.go/jetstream"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestProjectorMatchesReplay: a generated stream appended through a real
// Emitter into a real JetStream and projected by CatchUp gives, in each
// store, exactly what the reference projection (state.Replay) gives over
// the same stored records.
func TestProjectorMatchesReplay(t *testing.T) {
	eachBackend(t, func(t *testing.T, db database) {
		l := newLedger(t)
		l.append(t, streamgen.Generate(1, 3000))
		store := db(t, 1)
		p := catchUp(t, l, store, projector.Config{Batch: 250, CatchUpBatch: 250})
		recs := l.records(t)
		if got := p.Stats().Applied; got != uint64(len(recs)) {
			t.Errorf("applied %d events, the stream holds %d", got, len(recs))
		}
		matchesReplay(t, store, recs)
	})
}

// failingStore is a real store whose Apply fails every failEvery-th call,
// before writing anything: as a store whose connection drops would.
type failingStore struct {
	model.Store
	calls, failEvery int
}

func (f *failingStore) Apply(ctx context.Context, b *model.Batch) error {
	f.calls++
	if f.calls%f.failEvery == 0 {
		return errors.New("injected failure")
	}
	return f.Store.Apply(ctx, b)
}

// TestProjectorSurvivesFailedWrites: while one batch is written the next
// is already folded (from the cached states); when the write fails, the
// folded batch must be thrown away with the cache, and the projector
// must resume from the stored checkpoint. The result equals the reference
// projection.
func TestProjectorSurvivesFailedWrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, db database) {
		l := newLedger(t)
		l.append(t, streamgen.Generate(4, 2000))
		store := &failingStore{Store: db(t, 1), failEvery: 3}
		p := catchUp(t, l, store, projector.Config{Batch: 100, CatchUpBatch: 100, Backoff: time.Millisecond})
		recs := l.records(t)
		if store.calls < 25 {
			t.Fatalf("%d Apply calls: too few failures to test", store.calls)
		}
		if got := p.Stats().Applied; got != uint64(len(recs)) {
			t.Errorf("applied %d events, the stream holds %d", got, len(recs))
		}
		matchesReplay(t, store, recs)
	})
}

// TestIncrementalEqualsRebuild: projecting a stream in two goes (half,
// then the rest) and projecting it from scratch in one go, into another
// generation of the same database, answer every query identically.
func TestIncrementalEqualsRebuild(t *testing.T) {
	eachBackend(t, func(t *testing.T, db database) {
		l := newLedger(t)
		evs := streamgen.Generate(2, 2400)
		l.append(t, evs[:1200])
		inc := db(t, 1)
		p, err := projector.New(l.js, inc, projector.Config{Durable: "incremental", Batch: 97, CatchUpBatch: 97}, discard)
		if err != nil {
			t.Fatal(err)
		}
		runCatchUp(t, p)
		if cp, _ := inc.Checkpoint(t.Context()); cp != 1200 {
			t.Fatalf("checkpoint after the first half = %d, want 1200", cp)
		}
		l.append(t, evs[1200:])
		runCatchUp(t, p)

		rebuilt := db(t, 2)
		// Catch-up batches of 1000 against the incremental side's batches of 97.
		catchUp(t, l, rebuilt, projector.Config{Durable: "rebuild", CatchUpBatch: 1000})

		for _, s := range []model.Store{inc, rebuilt} {
			if cp, err := s.Checkpoint(t.Context()); err != nil || cp != 2400 {
				t.Fatalf("generation %d: checkpoint = %d, %v; want 2400", s.Generation(), cp, err)
			}
		}
		q := queriesOf(l.records(t))
		want, got := answers(t, rebuilt, q), answers(t, inc, q)
		sameAnswers(t, "rebuild", want, "incremental", got)
		if n := nonEmpty(want); n < len(want)/2 {
			t.Errorf("only %d of %d answers hold anything: the comparison proves little", n, len(want))
		}
	})
}

// TestProjectorNeverAppliesTwice: a restarted projector, and one whose
// durable consumer was replaced by one behind (or ahead of) the store's
// checkpoint, neither applies an event twice nor skips one.
func TestProjectorNeverAppliesTwice(t *testing.T) {
	eachBackend(t, func(t *testing.T, db database) {
		ctx := t.Context()
		l := newLedger(t)
		evs := streamgen.Generate(3, 1150)
		l.append(t, evs[:1000])
		const durable = "projector"
		cfg := projector.Config{Durable: durable, Batch: 200, CatchUpBatch: 200}

		store := db(t, 1)
		p := catchUp(t, l, store, cfg)
		if got := p.Stats().Applied; got != 1000 {
			t.Fatalf("first CatchUp applied %d, want 1000", got)
		}
		q := queriesOf(l.records(t))
		before := answers(t, store, q)
		cp := checkpoint(t, store)
		rows := auditRows(t, store, q)
		if cp != 1000 || rows != 1000 {
			t.Fatalf("checkpoint %d, %d audit rows; want 1000 and 1000", cp, rows)
		}

		// A restart: the store reopened, a new projector.
		store.Close()
		store = db(t, 1)
		p = catchUp(t, l, store, cfg)
		if got := p.Stats().Applied; got != 0 {
			t.Errorf("restarted projector applied %d events, want 0", got)
		}
		unchanged := func(step string) {
			t.Helper()
			if got := checkpoint(t, store); got != cp {
				t.Errorf("%s: checkpoint moved from %d to %d", step, cp, got)
			}
			if got := auditRows(t, store, q); got != rows {
				t.Errorf("%s: %d audit rows, want %d", step, got, rows)
			}
			sameAnswers(t, "before", before, step, answers(t, store, q))
		}
		unchanged("after restart")

		// A consumer behind the checkpoint, as after restoring a backup of
		// the read models: made by hand to start at sequence 1.
		replaceConsumer(t, l, durable, 1)
		p = catchUp(t, l, store, cfg)
		if got := p.Stats().Applied; got != 0 {
			t.Errorf("CatchUp with a consumer at sequence 1 applied %d events, want 0", got)
		}
		// Run (not CatchUp) takes the consumer even with nothing new.
		replaceConsumer(t, l, durable, 1)
		p, err := projector.New(l.js, store, cfg, discard)
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		if err := p.Run(runCtx); err != nil && runCtx.Err() == nil {
			t.Fatalf("Run: %v", err)
		}
		cancel()
		if got := p.Stats().Applied; got != 0 {
			t.Errorf("Run with a consumer at sequence 1 applied %d events, want 0", got)
		}
		unchanged("consumer behind the checkpoint")

		// New events after a consumer behind: exactly those are applied.
		replaceConsumer(t, l, durable, 1)
		l.append(t, evs[1000:1100])
		p = catchUp(t, l, store, cfg)
		if got := p.Stats().Applied; got != 100 {
			t.Errorf("CatchUp after 100 more events applied %d, want 100", got)
		}
		if got := checkpoint(t, store); got != 1100 {
			t.Errorf("checkpoint = %d, want 1100", got)
		}
		if got := auditRows(t, store, queriesOf(l.records(t))); got != 1100 {
			t.Errorf("%d audit rows, want 1100", got)
		}

		// A consumer ahead of the checkpoint must not make it skip any.
		replaceConsumer(t, l, durable, 1121)
		l.append(t, evs[1100:])
		p = catchUp(t, l, store, cfg)
		if got := p.Stats().Applied; got != 50 {
			t.Errorf("CatchUp with a consumer ahead applied %d, want 50", got)
		}
		recs := l.records(t)
		if got := auditRows(t, store, queriesOf(recs)); got != 1150 {
			t.Errorf("%d audit rows, want 1150", got)
		}
		matchesReplay(t, store, recs)
	})
}

// TestSQLiteEqualsPostgres is the differential test: the same stream
// projected into SQLite and into PostgreSQL answers every Reader query
// identically — every subject, tenant and filter the stream gives rise
// to, time ranges on both axes, in one page and in small pages.
func TestSQLiteEqualsPostgres(t *testing.T) {
	l := newLedger(t)
	evs := streamgen.Generate(4, 5000)
	l.append(t, evs)
	recs := l.records(t)

	var stores []model.Store
	for _, b := range backends {
		s := b.fresh(t)(t, 1)
		catchUp(t, l, s, projector.Config{Durable: "differential-" + b.name})
		stores = append(stores, s)
	}
	q := queriesOf(recs)
	lite, pg := answers(t, stores[0], q), answers(t, stores[1], q)
	sameAnswers(t, backends[0].name, lite, backends[1].name, pg)
	if n := nonEmpty(lite); n < len(lite)/2 {
		t.Errorf("only %d of %d answers hold anything: the comparison proves little", n, len(lite))
	}
	t.Logf("%d events, %d queries compared, %d with rows", len(recs), len(lite), nonEmpty(lite))
	// Every payload type went through both stores.
	seen := map[string]bool{}
	for _, r := range recs {
		seen[events.PayloadField(r.Event)] = true
	}
	for _, f := range streamgen.PayloadFields() {
		if !seen[string(f)] {
			t.Errorf("the stream holds no %s event", f)
		}
	}
}

// ---------------------------------------------------------------------------

func checkpoint(t *testing.T, s model.Store) uint64 {
	t.Helper()
	cp, err := s.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// auditRows counts the audit rows of every subject and the
// controller-level ones, through the Reader.
func auditRows(t *testing.T, r model.Reader, q queries) int {
	t.Helper()
	n := 0
	for _, tn := range q.tenants {
		for _, ref := range append([]string{""}, q.subjects[tn]...) {
			rows, err := r.History(t.Context(), tn, ref, model.Page{})
			if err != nil {
				t.Fatal(err)
			}
			n += len(rows)
		}
	}
	return n
}

// replaceConsumer deletes the durable consumer and creates one by hand
// that starts at sequence start.
func replaceConsumer(t *testing.T, l *ledger, durable string, start uint64) {
	t.Helper()
	ctx := t.Context()
	if err := l.stream.DeleteConsumer(ctx, durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("delete consumer: %v", err)
	}
	if _, err := l.stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       durable,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   start,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       time.Minute,
		MaxAckPending: 1000,
		FilterSubject: events.SubjectPrefix + ".>",
	}); err != nil {
		t.Fatalf("create consumer at %d: %v", start, err)
	}
}

// TestPartitionsEqualOne: four projectors, each applying one partition of
// the data subjects into one shared store at the same time, give exactly
// the read models one projector gives, and the reference projection's.
func TestPartitionsEqualOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, db database) {
		l := newLedger(t)
		l.append(t, streamgen.Generate(5, 3000))
		one := db(t, 1)
		catchUp(t, l, one, projector.Config{Durable: "one", Batch: 200, CatchUpBatch: 200})
		shared := db(t, 2)
		const parts = 4
		var wg sync.WaitGroup
		for k := range parts {
			p, err := projector.New(l.js, shared, projector.Config{Partitions: parts, Partition: k, Batch: 150, CatchUpBatch: 150}, discard)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() { runCatchUp(t, p) })
		}
		wg.Wait()
		if cp := checkpoint(t, shared); cp != 3000 {
			t.Fatalf("the shared store's checkpoint is %d, want 3000", cp)
		}
		recs := l.records(t)
		q := queriesOf(recs)
		sameAnswers(t, "one projector", answers(t, one, q), "four partitions", answers(t, shared, q))
		matchesReplay(t, shared, recs)
		// Each subject's events went to one partition only.
		owners := map[int]int{}
		for _, r := range recs {
			if ref := r.Event.GetSubjectRef(); ref != "" {
				owners[projector.PartitionOf(r.Event.GetTenant(), ref, parts)]++
			}
		}
		if len(owners) != parts {
			t.Errorf("the subjects fall in %d partitions of %d: %v", len(owners), parts, owners)
		}
	})
}
