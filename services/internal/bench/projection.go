package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/docketledger/docket/projections/store/sqlite"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// ReadConfig sizes the read-side run.
type ReadConfig struct {
	Events   int // events in the stream (demo data, 25 per subject)
	Queries  int // queries per latency measurement
	Rate     int // events/s for append-to-visible latency
	Duration time.Duration
	Postgres bool
	// Batch is the projector's catch-up batch (a rebuild from sequence 1
	// is all catch-up), and the size of the raw-insert batches; 0: the
	// projector's default.
	Batch int
}

// rawInsertLimit bounds the runs that measure raw inserts, whose batches
// are prepared in memory.
const rawInsertLimit = 2_000_000

// rawGen is the read-model generation the raw inserts write.
const rawGen = 9

// RunRead measures the read side and writes its table to w.
func RunRead(ctx context.Context, cfg ReadConfig, w io.Writer) error {
	dir, err := os.MkdirTemp("", "docket-bench-read-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer pgtest.Stop()
	pcfg := projector.Config{CatchUpBatch: cfg.Batch}
	if pcfg.CatchUpBatch == 0 {
		pcfg.CatchUpBatch = projector.DefaultCatchUpBatch
	}
	fmt.Fprintf(w, "\ndocket read side: %d demo events, catch-up batches of %d events\n\n", cfg.Events, pcfg.CatchUpBatch)

	s, js, n, err := demoStream(ctx, dir, cfg.Events)
	if err != nil {
		return err
	}
	defer s.Shutdown()
	// Raw JetStream fetch of the same messages.
	fetch, err := rawFetch(ctx, js, n, 500)
	if err != nil {
		return err
	}
	cores := float64(runtime.NumCPU())
	fmt.Fprintf(w, "%-52s %12s %10s %10s\n", "scenario", "events/s", "ev/s/core", "ratio")
	fmt.Fprintf(w, "%-52s %12.0f %10.0f %10s\n", "raw JetStream fetch (ordered consumer, 500/fetch)", fetch, fetch/cores, "1.00")

	type target struct {
		name string
		open func(gen int) (model.Store, error)
	}
	// The raw inserts (generation 9) write a file of their own, so that
	// readmodels.db holds the projection's generation alone when its size
	// is measured.
	sqlitePath := filepath.Join(dir, "readmodels.db")
	targets := []target{{"sqlite", func(gen int) (model.Store, error) {
		if gen == rawGen {
			return sqlite.Open(ctx, filepath.Join(dir, "rawinserts.db"), gen)
		}
		return sqlite.Open(ctx, sqlitePath, gen)
	}}}
	var dsn string
	if cfg.Postgres {
		if dsn, err = pgtest.NewDatabase(); err != nil {
			return err
		}
		targets = append(targets, target{"postgres", func(gen int) (model.Store, error) { return postgres.Open(ctx, dsn, gen) }})
	}
	var stores []model.Store
	defer func() {
		for _, st := range stores {
			st.Close()
		}
	}()
	for _, tg := range targets {
		// Raw inserts: the rows the projector writes, prepared beforehand.
		// Raw inserts: the rows the projector writes, prepared beforehand
		// (in memory: skipped past rawInsertLimit events).
		insert := 0.0
		if n <= rawInsertLimit {
			raw, err := tg.open(rawGen)
			if err != nil {
				return err
			}
			batches, err := buildBatches(ctx, js, raw, pcfg.CatchUpBatch)
			if err != nil {
				return err
			}
			start := time.Now()
			for _, b := range batches {
				if err := raw.Apply(ctx, b); err != nil {
					return err
				}
			}
			insert = float64(n) / time.Since(start).Seconds()
			raw.Close()
		}

		st, err := tg.open(1)
		if err != nil {
			return err
		}
		stores = append(stores, st)
		p, err := projector.New(js, st, pcfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			return err
		}
		start := time.Now()
		if err := p.CatchUp(ctx); err != nil {
			return err
		}
		took := time.Since(start)
		proj := float64(n) / took.Seconds()
		if insert > 0 {
			fmt.Fprintf(w, "%-52s %12.0f %10.0f %10s\n", tg.name+": raw batched inserts of the same rows", insert, insert/cores, fmt.Sprintf("%.2f", insert/fetch))
			fmt.Fprintf(w, "%-52s %12.0f %10.0f %10s\n", tg.name+": projection (fetch, decode, fold, write)", proj, proj/cores, fmt.Sprintf("%.2f/%.2f", proj/fetch, proj/insert))
		} else {
			fmt.Fprintf(w, "%-52s %12.0f %10.0f %10s\n", tg.name+": rebuild from sequence 1 in "+took.Round(time.Second).String(), proj, proj/cores, fmt.Sprintf("%.2f", proj/fetch))
		}
	}
	fmt.Fprintln(w, "ratio: to raw fetch; for projection, to raw fetch / to raw inserts")
	fmt.Fprintf(w, "ev/s/core: events/s / runtime.NumCPU() (%d)\n", runtime.NumCPU())

	// Storage per million events.
	fmt.Fprintf(w, "\n%-52s %14s %10s\n", fmt.Sprintf("storage at %d events", n), "per 1M events", "B/event")
	sz, err := storage(ctx, js, filepath.Join(dir, "nats"), sqlitePath, dsn, 1)
	if err != nil {
		return err
	}
	sz.print(w, n)

	fmt.Fprintf(w, "\n%-52s %10s %10s\n", "query at "+strconv.Itoa(n)+" events", "p50", "p99")
	for i, st := range stores {
		subj, disc, err := queryLatency(ctx, st, demo.DefaultTenant, cfg.Queries)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-52s %10s %10s\n", targets[i].name+": subject state", subj.p(50), subj.p(99))
		fmt.Fprintf(w, "%-52s %10s %10s\n", targets[i].name+": disclosures by recipient (page of 100)", disc.p(50), disc.p(99))
	}

	lat, err := appendToVisible(ctx, filepath.Join(dir, "visible"), cfg.Rate, cfg.Duration)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%-52s %10s %10s\n", fmt.Sprintf("append to visible (sqlite), %d events/s", cfg.Rate), lat.p(50), lat.p(99))
	fmt.Fprintf(w, "\npeak memory of this process (VmHWM): %s\n", peakRSS())
	return nil
}

// demoStream starts the embedded NATS server in dir/nats, its events
// stream holding n demo events (loadDemo).
func demoStream(ctx context.Context, dir string, n int) (*server.Server, jetstream.JetStream, int, error) {
	s, js, _, err := startNATS(filepath.Join(dir, "nats"), false)
	if err != nil {
		return nil, nil, 0, err
	}
	if n, err = loadDemo(ctx, js, n); err != nil {
		s.Shutdown()
		return nil, nil, 0, err
	}
	return s, js, n, nil
}

// loadDemo appends n demo events through an Emitter, in data sets of at
// most 100,000 events (4,000 subjects, each from its own seed) so that
// memory stays bounded at any n.
func loadDemo(ctx context.Context, js jetstream.JetStream, n int) (int, error) {
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		return 0, err
	}
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		return 0, err
	}
	e, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		return 0, err
	}
	appended := 0
	for seed := int64(1); appended < n; seed++ {
		ds, err := demo.Generate(demo.Config{Seed: seed, Subjects: min(max((n-appended)/25, 10), 4000)})
		if err != nil {
			return 0, err
		}
		evs := ds.Events[:min(len(ds.Events), n-appended)]
		for i := 0; i < len(evs); i += 500 {
			if _, err := e.Append(ctx, evs[i:min(i+500, len(evs))]...); err != nil {
				return 0, err
			}
		}
		appended += len(evs)
	}
	return appended, nil
}

// rawFetch reads n messages with an ordered consumer, batch per fetch.
func rawFetch(ctx context.Context, js jetstream.JetStream, n, batch int) (float64, error) {
	cons, err := js.OrderedConsumer(ctx, events.DefaultStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	got := 0
	for got < n {
		msgs, err := cons.Fetch(batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return 0, err
		}
		for range msgs.Messages() {
			got++
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// buildBatches folds the stream into the batches the projector would
// write into st (still empty), ahead of the timed inserts.
func buildBatches(ctx context.Context, js jetstream.JetStream, st model.Writer, size int) ([]*model.Batch, error) {
	r, err := source.NewReader(js, "", "")
	if err != nil {
		return nil, err
	}
	cat := state.NewCatalogue()
	cache := projector.NewCache(1 << 30)
	var out []*model.Batch
	var recs []source.Record
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		b, err := projector.Build(ctx, st, cat, cache, recs[0].Sequence-1, recs)
		if err != nil {
			return err
		}
		cache.Keep(b)
		out = append(out, b)
		recs = nil
		return nil
	}
	err = r.Each(ctx, 1, 500, func(rec source.Record) error {
		recs = append(recs, rec)
		if len(recs) == size {
			return flush()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, flush()
}

type durations []time.Duration

func (d durations) p(q int) string {
	if len(d) == 0 {
		return "-"
	}
	s := append(durations(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := min(len(s)-1, len(s)*q/100)
	return s[i].Round(10 * time.Microsecond).String()
}

// queryLatency times n queries of each kind on random subjects and
// recipients of tenant: a subject's state, and a page of 100 disclosures
// to a recipient (none when the tenant has no recipient).
func queryLatency(ctx context.Context, st model.Reader, tenant string, n int) (subj, disc durations, err error) {
	subjects, err := st.SubjectsOf(ctx, tenant, model.Page{Limit: 100000})
	if err != nil {
		return nil, nil, err
	}
	if len(subjects) == 0 {
		return nil, nil, fmt.Errorf("no subjects projected")
	}
	obs, err := st.Observed(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	var recipients []string
	for _, o := range obs {
		if o.Kind == model.ObservedRecipient {
			recipients = append(recipients, o.Key)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		ref := subjects[rng.IntN(len(subjects))].SubjectRef
		t0 := time.Now()
		if _, err := st.Subject(ctx, tenant, ref); err != nil {
			return nil, nil, err
		}
		subj = append(subj, time.Since(t0))
		if len(recipients) == 0 {
			continue
		}
		rcp := recipients[rng.IntN(len(recipients))]
		t0 = time.Now()
		if _, err := st.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant, RecipientID: rcp}, model.Page{Limit: 100}); err != nil {
			return nil, nil, err
		}
		disc = append(disc, time.Since(t0))
	}
	return subj, disc, nil
}

// appendToVisible appends at rate events/s for d, with a projector running
// into SQLite, and measures from each batch's acknowledgement until the
// projector's checkpoint covers it.
func appendToVisible(ctx context.Context, dir string, rate int, d time.Duration) (durations, error) {
	s, js, _, err := startNATS(filepath.Join(dir, "nats"), false)
	if err != nil {
		return nil, err
	}
	defer s.Shutdown()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "rm.db"), 1)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	p, err := projector.New(js, st, projector.Config{}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go p.Run(pctx)

	evs := makeEvents(rate*int(d/time.Second)+rate, 1000)
	kr, err := keyring()
	if err != nil {
		return nil, err
	}
	e, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		return nil, err
	}
	// Every 10ms, a batch of rate/100 events.
	per := max(rate/100, 1)
	var seen atomic.Uint64
	type pending struct {
		seq uint64
		at  time.Time
	}
	var waiting []pending
	var lat durations
	done := make(chan struct{})
	go func() { // watch the checkpoint
		defer close(done)
		for pctx.Err() == nil {
			seen.Store(p.Stats().Checkpoint)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(d)
	next := 0
	for time.Now().Before(end) && next+per <= len(evs) {
		<-tick.C
		res, err := e.Append(ctx, evs[next:next+per]...)
		if err != nil {
			return nil, err
		}
		next += per
		waiting = append(waiting, pending{res[len(res)-1].Sequence, time.Now()})
		waiting = settle(waiting, seen.Load(), &lat, func(p pending) (uint64, time.Time) { return p.seq, p.at })
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(waiting) > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		waiting = settle(waiting, seen.Load(), &lat, func(p pending) (uint64, time.Time) { return p.seq, p.at })
	}
	cancel()
	<-done
	if len(waiting) > 0 {
		return nil, fmt.Errorf("%d batches never became visible", len(waiting))
	}
	return lat, nil
}

func settle[T any](w []T, cp uint64, lat *durations, get func(T) (uint64, time.Time)) []T {
	i := 0
	for ; i < len(w); i++ {
		seq, at := get(w[i])
		if seq > cp {
			break
		}
		*lat = append(*lat, time.Since(at))
	}
	return w[i:]
}

func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
