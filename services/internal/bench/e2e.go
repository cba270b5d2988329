package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/store/postgres"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/daemon"
)

// E2EConfig sizes the end-to-end run.
type E2EConfig struct {
	Events   int // appended through the API
	Queries  int // queries per latency measurement
	Postgres bool
}

// lagSample is the read side's distance behind the stream at one moment.
type lagSample struct {
	at                                time.Duration // since the first append
	appended                          uint64        // acknowledged events
	last                              uint64        // the stream's last sequence
	sqlite, pg, tree, signed          uint64        // their positions
	sqliteLag, pgLag, treeLag, sigLag uint64
}

// RunE2E runs docketd in-process as `make run` does without the demo
// (embedded NATS with its defaults: atomic batches, fsync always; SQLite
// read models; the notary), plus a second projector of the same stream
// into a throw-away PostgreSQL, appends cfg.Events events through the
// Append API from c.Clients clients, follows the read side's lag, and
// times queries once everything has caught up. It then measures raw
// JetStream fetch of the same stream and raw JetStream publishing, and
// prints the ratios.
func RunE2E(ctx context.Context, c Config, cfg E2EConfig, w io.Writer) error {
	began := time.Now()
	dir, err := os.MkdirTemp("", "docket-bench-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer pgtest.Stop()
	n := cfg.Events
	fmt.Fprintf(w, "\ndocket end to end: %d events through the Append API (%d clients, batches of %d, %d subjects) into docketd in-process\n"+
		"(embedded NATS, docketd's defaults: atomic batches, fsync always; SQLite read models; notary), GOMAXPROCS=%d, %d CPUs\n",
		n, c.Clients, c.Batch, c.Subjects, runtime.GOMAXPROCS(0), runtime.NumCPU())

	var dsn string
	if cfg.Postgres {
		if dsn, err = pgtest.NewDatabase(); err != nil {
			return err
		}
		fmt.Fprintln(w, "plus a second projector in the same process, on docketd's NATS connection, into a throw-away PostgreSQL (its own server process)")
	}
	// Measured at 100k events: about 840 B/event in the stream, 1.1 KB in
	// SQLite, 1.35 KB in PostgreSQL (both under os.TempDir()).
	need := uint64(n) * 2100
	if cfg.Postgres {
		need += uint64(n) * 1400
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(os.TempDir(), &fs); err == nil && fs.Bavail*uint64(fs.Bsize) < need*5/4 {
		fmt.Fprintf(w, "WARNING: %s has %s free; this run needs about %s\n", os.TempDir(), mib(float64(fs.Bavail*uint64(fs.Bsize))), mib(float64(need)))
	}
	fmt.Fprintln(w)

	// What generating the events costs the clients, which do it inside the
	// clock (at 10M events they cannot be prepared beforehand).
	genN := min(n, 50000)
	t0 := time.Now()
	for i := range genN {
		_ = makeEvent(i, c.Subjects)
	}
	genRate := float64(genN) / time.Since(t0).Seconds()

	dcfg := daemonConfig(filepath.Join(dir, "docketd"))
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	d, err := daemon.Start(ctx, dcfg, quiet)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = d.Shutdown(context.Background())
		}
	}()
	sample := makeEvent(0, c.Subjects)
	emitTok, err := d.NewToken(ctx, auth.Spec{Name: "bench", Roles: []auth.Role{auth.Emitter}, Tenant: sample.GetTenant(), Source: sample.GetSource()})
	if err != nil {
		return err
	}
	readTok, err := d.NewToken(ctx, auth.Spec{Name: "bench-reader", Roles: []auth.Role{auth.Auditor, auth.Legal, auth.DPO}, Tenant: auth.AllTenants})
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Clients + 2}}
	ingest := apiv1connect.NewIngestServiceClient(hc, d.APIURL(), auth.Bearer(emitTok))
	status := apiv1connect.NewStatusServiceClient(hc, d.APIURL(), auth.Bearer(readTok))
	query := apiv1connect.NewQueryServiceClient(hc, d.APIURL(), auth.Bearer(readTok))

	// The second read model: PostgreSQL, fed from the same stream.
	pctx, stopPG := context.WithCancel(context.Background())
	defer stopPG()
	var pg *projector.Projector
	var pgStore *postgres.Store
	pgDone := make(chan struct{})
	if cfg.Postgres {
		if pgStore, err = postgres.Open(ctx, dsn, 1); err != nil {
			return err
		}
		defer pgStore.Close()
		pg, err = projector.New(d.JetStream(), pgStore, projector.Config{Durable: "docket-bench-postgres"}, quiet)
		if err != nil {
			return err
		}
		go func() {
			defer close(pgDone)
			_ = pg.Run(pctx)
		}()
	} else {
		close(pgDone)
	}
	defer func() { stopPG(); <-pgDone }()

	// Positions: docketd's status (stream, SQLite, notary) and the
	// PostgreSQL projector's.
	var appended atomic.Uint64
	start := time.Now()
	probe := func() (lagSample, error) {
		r, err := status.GetStatus(ctx, connect.NewRequest(&apiv1.GetStatusRequest{}))
		if err != nil {
			return lagSample{}, err
		}
		s := lagSample{at: time.Since(start), appended: appended.Load(), last: r.Msg.GetStreamLastSequence(),
			sqlite: r.Msg.GetReadModels().GetCheckpoint(), tree: r.Msg.GetNotary().GetTreeSize(), signed: r.Msg.GetNotary().GetCheckpointSize()}
		if pg != nil {
			s.pg = pg.Stats().Checkpoint
		}
		behind := func(pos uint64) uint64 { return s.last - min(pos, s.last) }
		s.sqliteLag, s.treeLag, s.sigLag = behind(s.sqlite), behind(s.tree), behind(s.signed)
		if pg != nil {
			s.pgLag = behind(s.pg)
		}
		return s, nil
	}
	var (
		mu      sync.Mutex
		samples []lagSample
	)
	sctx, stopSampler := context.WithCancel(ctx)
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-tick.C:
			}
			s, err := probe()
			if err != nil {
				continue
			}
			mu.Lock()
			samples = append(samples, s)
			mu.Unlock()
		}
	}()
	defer func() { stopSampler(); <-samplerDone }()

	// Append: one goroutine makes the batches, the clients send them.
	batches := make(chan []*eventsv1.Event, 2*c.Clients)
	go func() {
		defer close(batches)
		for i := 0; i < n; i += c.Batch {
			b := make([]*eventsv1.Event, 0, c.Batch)
			for j := i; j < min(i+c.Batch, n); j++ {
				b = append(b, makeEvent(j, c.Subjects))
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, c.Clients)
	for range c.Clients {
		wg.Go(func() {
			for b := range batches {
				if _, err := ingest.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: b})); err != nil {
					errs <- err
					for range batches { // let the generator finish
					}
					return
				}
				appended.Add(uint64(len(b)))
			}
		})
	}
	wg.Wait()
	lastAck := time.Now()
	appendTook := lastAck.Sub(start)
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("append: %w", err)
	}

	// Catch-up: until SQLite, PostgreSQL, the notary's tree and its signed
	// checkpoint hold every event.
	info, err := d.Stream().Info(ctx)
	if err != nil {
		return err
	}
	last := info.State.LastSeq
	if info.State.Msgs < uint64(n) {
		return fmt.Errorf("the stream holds %d events, want at least %d", info.State.Msgs, n)
	}
	var sqliteAt, pgAt, treeAt, signedAt time.Duration
	if pg == nil {
		pgAt = -1
	}
	deadline := time.Now().Add(10*time.Minute + time.Duration(n/5000)*time.Second)
	for sqliteAt == 0 || pgAt == 0 || treeAt == 0 || signedAt == 0 {
		s, err := probe()
		if err != nil {
			return err
		}
		since := time.Since(lastAck)
		for _, x := range []struct {
			at  *time.Duration
			pos uint64
		}{{&sqliteAt, s.sqlite}, {&pgAt, s.pg}, {&treeAt, s.tree}, {&signedAt, s.signed}} {
			if *x.at == 0 && x.pos >= last {
				*x.at = since
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the read side did not catch up in time: stream at %d, SQLite %d, PostgreSQL %d, tree %d, signed %d",
				last, s.sqlite, s.pg, s.tree, s.signed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	caughtUp := time.Since(start)
	stopSampler()
	<-samplerDone
	if s, err := probe(); err == nil {
		samples = append(samples, s)
	}

	// Queries once everything has caught up.
	tenant := sample.GetTenant()
	type latency struct {
		name string
		d    durations
	}
	var lats []latency
	subj, _, err := queryLatency(ctx, d.ReadModels().Reader(), tenant, cfg.Queries)
	if err != nil {
		return err
	}
	lats = append(lats, latency{"sqlite: subject state (store)", subj})
	if pgStore != nil {
		subj, _, err := queryLatency(ctx, pgStore, tenant, cfg.Queries)
		if err != nil {
			return err
		}
		lats = append(lats, latency{"postgres: subject state (store)", subj})
	}
	var viaAPI durations
	rng := rand.New(rand.NewPCG(3, 4))
	for range cfg.Queries {
		ref := fmt.Sprintf("customer-%06d", rng.IntN(min(c.Subjects, n)))
		q0 := time.Now()
		if _, err := query.GetSubject(ctx, connect.NewRequest(&apiv1.GetSubjectRequest{Tenant: tenant, SubjectRef: ref})); err != nil {
			return fmt.Errorf("GetSubject: %w", err)
		}
		viaAPI = append(viaAPI, time.Since(q0))
	}
	lats = append(lats, latency{"sqlite: GetSubject through the Connect API", viaAPI})

	sz, err := storage(ctx, d.JetStream(), dcfg.DataDir, filepath.Join(dcfg.DataDir, "readmodels.db"), dsn, 1)
	if err != nil {
		return err
	}
	sz.notary = dirBytes(filepath.Join(dcfg.DataDir, "notary"))

	// Peak memory of this process: docketd with its NATS and SQLite, the
	// PostgreSQL projector, and the clients (PostgreSQL itself is another
	// process), before the baselines run.
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	peak := ru.Maxrss * 1024 // Linux: KiB

	// Baselines: raw fetch of the same stream, raw publishing.
	fetch, err := rawFetch(ctx, d.JetStream(), int(last), 500)
	if err != nil {
		return err
	}
	stopPG()
	<-pgDone
	stopped = true
	if err := d.Shutdown(context.Background()); err != nil {
		return err
	}
	rawPub, err := raw(ctx, filepath.Join(dir, "raw"), c, max(c.Batch, min(n, c.Events)), false)
	if err != nil {
		return err
	}
	pub := rawPub.PerSecond()

	cores := float64(runtime.NumCPU())
	rate := float64(n) / appendTook.Seconds()
	fmt.Fprintf(w, "%-56s %12s %10s %8s\n", "scenario", "events/s", "ev/s/core", "ratio")
	fmt.Fprintf(w, "%-56s %12.0f %10.0f %8s\n", fmt.Sprintf("raw JetStream PublishAsync + MsgID (%d events, fsync 2m)", rawPub.Events), pub, pub/cores, "1.00")
	fmt.Fprintf(w, "%-56s %12.0f %10.0f %8.2f\n", fmt.Sprintf("e2e append through the API (%s)", appendTook.Round(100*time.Millisecond)), rate, rate/cores, rate/pub)
	fmt.Fprintf(w, "%-56s %12.0f %10.0f %8s\n", "raw JetStream fetch of this stream (500/fetch)", fetch, fetch/cores, "1.00")
	for _, x := range []struct {
		name string
		at   time.Duration
	}{{"sqlite", sqliteAt}, {"postgres", pgAt}, {"notary tree", treeAt}} {
		if x.at < 0 {
			continue
		}
		r := float64(n) / (appendTook + x.at).Seconds()
		fmt.Fprintf(w, "%-56s %12.0f %10.0f %8.2f\n", x.name+": all events in "+(appendTook+x.at).Round(100*time.Millisecond).String(), r, r/cores, r/fetch)
	}
	fmt.Fprintln(w, "ratio: append to raw publish; the read side (events / time from the first append until it held every event) to raw fetch:")
	fmt.Fprintln(w, "the read side cannot finish before the appends do, so its rate is the append rate unless it fell behind.")
	fmt.Fprintf(w, "The clients make the events inside the clock: %.0f events/s on one core, %.0f%% of a core at the append rate.\n",
		genRate, 100*rate/genRate)

	fmt.Fprintf(w, "\n%-40s %s\n", "from the last acknowledged append until", "it holds every event")
	fmt.Fprintf(w, "%-40s %s\n", "SQLite read models", sqliteAt.Round(time.Millisecond))
	if pgAt >= 0 {
		fmt.Fprintf(w, "%-40s %s\n", "PostgreSQL read models", pgAt.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "%-40s %s\n", "notary's tree", treeAt.Round(time.Millisecond))
	fmt.Fprintf(w, "%-40s %s\n", "notary's signed checkpoint", signedAt.Round(time.Millisecond))

	// The lag over time: at most 20 samples, evenly spread, and the maxima.
	fmt.Fprintf(w, "\nlag behind the stream's last sequence, in events (sampled every second; %d samples)\n", len(samples))
	fmt.Fprintf(w, "%8s %10s %10s %10s %10s %10s %10s\n", "t", "appended", "stream", "sqlite", "postgres", "tree", "signed")
	var mx lagSample
	for _, s := range samples {
		mx.sqliteLag, mx.pgLag, mx.treeLag, mx.sigLag = max(mx.sqliteLag, s.sqliteLag), max(mx.pgLag, s.pgLag), max(mx.treeLag, s.treeLag), max(mx.sigLag, s.sigLag)
	}
	step := max(1, (len(samples)+19)/20)
	for i, s := range samples {
		if i%step != 0 && i != len(samples)-1 {
			continue
		}
		pgLag := fmt.Sprint(s.pgLag)
		if pg == nil {
			pgLag = "-"
		}
		fmt.Fprintf(w, "%8s %10d %10d %10d %10s %10d %10d\n", s.at.Round(time.Second), s.appended, s.last, s.sqliteLag, pgLag, s.treeLag, s.sigLag)
	}
	maxPG := fmt.Sprint(mx.pgLag)
	if pg == nil {
		maxPG = "-"
	}
	fmt.Fprintf(w, "%8s %10s %10s %10d %10s %10d %10d\n", "max", "", "", mx.sqliteLag, maxPG, mx.treeLag, mx.sigLag)
	fmt.Fprintf(w, "appends ended at %s; everything held every event at %s\n", appendTook.Round(time.Second), caughtUp.Round(time.Second))

	fmt.Fprintf(w, "\n%-56s %10s %10s\n", fmt.Sprintf("query after catch-up, %d events, %d subjects", n, min(c.Subjects, n)), "p50", "p99")
	for _, l := range lats {
		fmt.Fprintf(w, "%-56s %10s %10s\n", l.name, l.d.p(50), l.d.p(99))
	}
	fmt.Fprintln(w, "(the events are all DataCollected: there are no disclosures to query)")

	fmt.Fprintf(w, "\n%-52s %14s %10s\n", fmt.Sprintf("storage at %d events", last), "per 1M events", "B/event")
	sz.print(w, int(last))

	fmt.Fprintf(w, "\npeak RSS of this process (getrusage maxrss, before the baselines): %s\n", mib(float64(peak)))
	fmt.Fprintf(w, "e2e part: %s\n", time.Since(began).Round(time.Second))
	return nil
}
