// Package daemon is docketd's composition root. Each part of docketd has a
// constructor in a file of its own and a Close:
//
//   - the log (log.go): the embedded NATS server, docketd's connection, the
//     events stream and the lease bucket;
//   - the API tokens (tokens.go): their bucket and the first admin token;
//   - the keys (keys.go): the key ring and the Emitter that seals and
//     appends, and the one Recorder of docketd's own events;
//   - the notary (notary.go): its key, tree and checkpoint stream;
//   - the read side (readside.go): the read-model database and projector;
//   - the sagas (sagas.go): Art. 19, erasure, and the retention scheduler;
//   - the API (api.go): the Connect services, the console, health,
//     metrics, and the NATS door.
//
// Assemble (and Start, with docketd's own adapters) builds the parts in
// that order and wires them; one errgroup (background.go) runs their
// background loops; Shutdown stops them in the reverse order.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/docketledger/docket/services/internal/loader"
	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Daemon is a running docketd.
type Daemon struct {
	cfg config.Config
	log *slog.Logger
	// Keyring and Emitter are the append path's, for programs that embed
	// docketd (tests, benchmarks).
	Keyring *keys.Keyring
	Emitter *events.Emitter

	bg     *background
	ledger *eventLog
	tokens *auth.Store
	notary *notaryPart
	read   *readSide
	sagas  *sagas
	api    *apiServer
	ready  atomic.Bool
}

// Adapters are parts that a program embedding docketd (a test) brings of
// its own. A nil field gets docketd's own.
type Adapters struct {
	// ReadModels is the read-model database; default the one cfg's store
	// names. docketd closes it.
	ReadModels readmodels.Backend
	// Record wraps the Recorder of docketd's own events, the one that every
	// part that records is given; nil leaves it as it is. The Recorder it
	// returns must append the event (through next) for docketd to work.
	Record func(next Recorder) Recorder
}

// Start builds and starts everything cfg describes and returns once the API
// accepts requests. On error, whatever was started is stopped.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger) (*Daemon, error) {
	return Assemble(ctx, cfg, log, Adapters{})
}

// Assemble is Start with adapters of the caller's choosing.
func Assemble(ctx context.Context, cfg config.Config, log *slog.Logger, with Adapters) (_ *Daemon, err error) {
	if log == nil {
		return nil, errors.New("daemon: nil logger")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	d := &Daemon{cfg: cfg, log: log, bg: &background{log: log}}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	w, err := d.build(ctx, with)
	if err != nil {
		return nil, err
	}
	if err := d.run(ctx, w); err != nil {
		return nil, err
	}
	log.Info("docketd ready", "api", d.APIURL(), "nats", d.NATSURL(), "embedded", cfg.Embedded(), "sync", cfg.Sync, "atomic_append", cfg.Atomic(), "data_dir", cfg.DataDir)
	return d, nil
}

// wiring is what build makes that the API is built from too.
type wiring struct {
	sealing  *sealing
	shredder *erasure.Shredder
	record   Recorder
	reg      *prometheus.Registry
}

// build builds the parts but the API, each from those before it.
func (d *Daemon) build(ctx context.Context, with Adapters) (w wiring, err error) {
	cfg, log := d.cfg, d.log
	if d.ledger, err = openLog(ctx, cfg, log); err != nil {
		return w, err
	}
	if d.tokens, err = openTokens(ctx, cfg, d.ledger, log); err != nil {
		return w, err
	}
	if w.sealing, err = openKeys(ctx, cfg, d.ledger.js, log); err != nil {
		return w, err
	}
	d.Keyring, d.Emitter = w.sealing.keyring, w.sealing.emitter
	w.record = recorderOf(d.Emitter)
	if with.Record != nil {
		w.record = with.Record(w.record)
	}
	if d.notary, err = openNotary(ctx, cfg, d.ledger.js, log); err != nil {
		return w, err
	}
	backend := with.ReadModels
	if backend == nil {
		if backend, err = readmodels.OpenBackend(ctx, cfg.StoreDSN()); err != nil {
			return w, err
		}
	}
	w.reg = prometheus.NewRegistry()
	w.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if d.read, err = openReadSide(ctx, cfg, backend, d.ledger.js, d.ledger.leases, w.reg, log); err != nil {
		return w, err
	}
	reader := d.read.models.Reader()
	w.shredder, err = erasure.New(erasure.Config{Reader: reader, Keys: d.Keyring, Record: w.record})
	if err != nil {
		return w, err
	}
	d.sagas, err = newSagas(ctx, cfg, sagaDeps{ledger: d.ledger, reader: reader, position: d.read.position, shredder: w.shredder, record: w.record}, log)
	return w, err
}

// run starts the background loops and the API, loads the demo data set
// if asked to, and lets the retention scheduler start.
func (d *Daemon) run(ctx context.Context, w wiring) (err error) {
	d.notary.run(d.bg, d.ledger.leases, d.cfg, d.log)
	d.read.run(d.bg)
	// The scheduler's first pass waits until the demo data is stored.
	started := make(chan struct{})
	d.sagas.run(d.bg, d.ledger.leases, started, d.log)
	d.api, err = startAPI(d.cfg, apiDeps{log: d.ledger, tokens: d.tokens, sealing: w.sealing, read: d.read, notary: d.notary,
		shredder: w.shredder, record: w.record, reg: w.reg, readyz: d.readyz}, d.bg, d.log)
	if err != nil {
		return err
	}
	if d.cfg.Demo {
		if err := d.loadDemo(ctx); err != nil {
			return err
		}
	}
	close(started)
	d.ready.Store(true)
	return nil
}

func (d *Daemon) readyz(w http.ResponseWriter, r *http.Request) {
	if !d.ready.Load() || !d.ledger.nc.IsConnected() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if d.ledger.ns != nil {
		// The embedded store: a full or read-only disk, or a store being
		// restarted after a failed write, takes no appends.
		if err := d.ledger.ns.Health(); err != nil {
			http.Error(w, "the event store cannot write: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	if _, err := d.ledger.stream.Info(r.Context()); err != nil {
		http.Error(w, "events stream unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
	// Quarantined messages do not stop the read side, so they do not make
	// docketd unready; the body says so, for whoever looks.
	if q, err := d.read.models.QuarantineSummary(r.Context(), 0); err == nil && q.Count > 0 {
		fmt.Fprintf(w, "%d messages quarantined: stored messages that are not valid events, passed over (docket status)\n", q.Count)
	}
}

// APIURL is the base URL of the Connect API.
func (d *Daemon) APIURL() string { return d.api.url() }

// NATSURL is where NATS clients (docket tail) connect; empty when the
// embedded server accepts no network clients.
func (d *Daemon) NATSURL() string {
	if d.ledger.ns == nil {
		return d.cfg.NATSURL
	}
	if d.cfg.NATSListen == "off" {
		return ""
	}
	return d.ledger.ns.ClientURL()
}

// DataDir is docketd's data dir: its keys (the NATS passwords of the
// embedded server's users among them), and in the embedded mode its
// stores.
func (d *Daemon) DataDir() string { return d.cfg.DataDir }

// JetStream is the daemon's JetStream context.
func (d *Daemon) JetStream() jetstream.JetStream { return d.ledger.js }

// Embedded is the embedded NATS server, or nil with an external NATS.
func (d *Daemon) Embedded() *natsembed.Server { return d.ledger.ns }

// ReadModels is the read side: projector and query store.
func (d *Daemon) ReadModels() *readmodels.Manager { return d.read.models }

// Stream is the events stream.
func (d *Daemon) Stream() jetstream.Stream { return d.ledger.stream }

// Served reports the API server's end.
func (d *Daemon) Served() <-chan error { return d.api.served }

// Shutdown stops taking requests, lets running ones finish, then stops the
// sagas, the read side and the notary, drains NATS and stops the embedded
// server.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.ready.Store(false)
	var errs []error
	if d.api != nil {
		errs = append(errs, d.api.Shutdown(ctx))
	}
	d.stopParts()
	if d.ledger != nil {
		errs = append(errs, d.ledger.Shutdown(ctx))
	}
	d.bg.wait()
	return errors.Join(errs...)
}

// close stops whatever was started, at once: for a failed start.
func (d *Daemon) close() {
	if d.api != nil {
		d.api.Close()
	}
	d.stopParts()
	if d.ledger != nil {
		d.ledger.Close()
	}
	d.bg.wait()
}

// stopParts stops the parts between the API and the log, in the reverse
// order of their building: the sagas before the read models they query.
func (d *Daemon) stopParts() {
	if d.sagas != nil {
		d.sagas.Close()
	}
	if d.read != nil {
		d.read.Close()
	}
	if d.notary != nil {
		d.notary.Close(d.log)
	}
	if d.tokens != nil {
		_ = d.tokens.Close()
	}
}

// loadDemo appends the demo data set through the in-process Emitter.
func (d *Daemon) loadDemo(ctx context.Context) error {
	ds, err := demo.Generate(demo.Config{})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	start := time.Now()
	st, err := loader.Load(ctx, emitterTarget{d}, ds.Events, 500)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.log.Info("demo data set loaded", "events", st.Total, "appended", st.Appended, "already_stored", st.Skipped+st.Duplicates, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// emitterTarget loads through the daemon's own Emitter.
type emitterTarget struct{ d *Daemon }

// Head walks the stream back from its end to the newest event of the
// tenant that is ours, past any other (events appended through the API
// after the demo, docketd's own records), as far as the stream's start:
// found false then means that the tenant holds none of ours.
func (t emitterTarget) Head(ctx context.Context, tenant string, ours func(string) bool) (string, bool, error) {
	_, id, found, err := ingest.HeadSkipping(ctx, t.d.ledger.stream, tenant, "",
		func(ev *eventsv1.Event) bool { return !ours(ev.GetEventId()) }, math.MaxUint64)
	return id, found, err
}

func (t emitterTarget) Append(ctx context.Context, evs []*eventsv1.Event) ([]events.Result, error) {
	return t.d.Emitter.Append(ctx, evs...)
}
