// Package readmodels runs docketd's read side: it opens the read-model
// store named by --store (SQLite by default, PostgreSQL/CockroachDB), keeps
// a projector applying the events stream to the current generation, and
// follows a rebuild's switch to a new generation without stopping queries.
package readmodels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Backend opens the stores and the generation record of one database.
type Backend interface {
	Open(ctx context.Context, generation int) (model.Store, error)
	Generations() model.Generations
	// Kind is "sqlite" or "postgres".
	Kind() string
	Close() error
}

// Manager runs the projector of the current generation and serves queries
// from it.
type Manager struct {
	backend Backend
	js      jetstream.JetStream
	cfg     projector.Config
	log     *slog.Logger
	poll    time.Duration
	onBatch func(events int, took time.Duration)
	share   Sharer

	current atomic.Pointer[instance]
}

type instance struct {
	gen    int
	store  model.Store
	projs  []*projector.Projector // one per partition
	cancel context.CancelFunc
	done   chan struct{}
	// stored is the store's checkpoint as last read: what another
	// replica's projector wrote into a shared store.
	stored atomic.Uint64
}

// Sharer runs the projection of a generation into a shared store
// (PostgreSQL, CockroachDB) with the other replicas: it calls project(ctx,
// k) for the partitions k this replica is to project, one replica at a
// time per partition, ending ctx when it is to stop. It returns when ctx
// ends. See lease.Share.
type Sharer func(ctx context.Context, generation, partitions int, project func(ctx context.Context, partition int))

// ShareStore makes the projectors of each generation run only where and
// while share says; the other replicas serve queries from what they write.
// Call it before Run.
func (m *Manager) ShareStore(share Sharer) { m.share = share }

// NewManager opens the current generation's store. Call Run to project.
func NewManager(ctx context.Context, backend Backend, js jetstream.JetStream, cfg projector.Config, log *slog.Logger) (*Manager, error) {
	if backend == nil || js == nil || log == nil {
		return nil, errors.New("readmodels: nil dependency")
	}
	m := &Manager{backend: backend, js: js, cfg: cfg, log: log, poll: 2 * time.Second}
	gen, err := backend.Generations().Current(ctx)
	if err != nil {
		return nil, fmt.Errorf("read models: current generation: %w", err)
	}
	inst, err := m.open(ctx, gen)
	if err != nil {
		return nil, err
	}
	m.current.Store(inst)
	return m, nil
}

func (m *Manager) open(ctx context.Context, gen int) (*instance, error) {
	st, err := m.backend.Open(ctx, gen)
	if err != nil {
		return nil, fmt.Errorf("read models: open generation %d: %w", gen, err)
	}
	inst := &instance{gen: gen, store: st, done: make(chan struct{})}
	for k := range max(m.cfg.Partitions, 1) {
		cfg := m.cfg
		cfg.Partition = k
		p, err := projector.New(m.js, st, cfg, m.log)
		if err != nil {
			st.Close()
			return nil, err
		}
		if m.onBatch != nil {
			p.OnBatch(m.onBatch)
		}
		inst.projs = append(inst.projs, p)
	}
	return inst, nil
}

// Run projects until ctx ends, following generation switches.
func (m *Manager) Run(ctx context.Context) {
	m.start(ctx, m.current.Load())
	t := time.NewTicker(m.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			m.stop(m.current.Load())
			return
		case <-t.C:
			gen, err := m.backend.Generations().Current(ctx)
			if err != nil {
				m.log.Warn("read models: reading the current generation", "err", err)
				continue
			}
			if old := m.current.Load(); gen != old.gen {
				inst, err := m.open(ctx, gen)
				if err != nil {
					m.log.Error("read models: switching generation", "to", gen, "err", err)
					continue
				}
				m.start(ctx, inst)
				m.current.Store(inst)
				// Queries already reading the old store finish first.
				old.cancel()
				<-old.done
				time.AfterFunc(10*time.Second, func() { m.closeStore(old) })
				m.log.Info("read models: switched generation", "from", old.gen, "to", gen)
			}
		}
	}
}

func (m *Manager) start(ctx context.Context, inst *instance) {
	pctx, cancel := context.WithCancel(ctx)
	inst.cancel = cancel
	project := func(ctx context.Context, k int) {
		if err := inst.projs[k].Run(ctx); err != nil {
			m.log.Error("projector stopped", "generation", inst.gen, "partition", k, "err", err)
		}
	}
	var wg sync.WaitGroup
	if m.share == nil {
		for k := range inst.projs {
			wg.Go(func() { project(pctx, k) })
		}
	} else {
		wg.Go(func() { m.share(pctx, inst.gen, len(inst.projs), project) })
	}
	if m.share != nil || len(inst.projs) > 1 {
		wg.Go(func() { m.follow(pctx, inst) })
	}
	go func() {
		defer close(inst.done)
		wg.Wait()
	}()
}

// follow reads a shared store's checkpoint until ctx ends, so that a
// replica that does not project still knows how far the read models are.
func (m *Manager) follow(ctx context.Context, inst *instance) {
	every := min(m.poll, 200*time.Millisecond)
	for {
		if seq, err := inst.store.Checkpoint(ctx); err == nil {
			inst.stored.Store(seq)
		} else if ctx.Err() == nil {
			m.log.Warn("read models: reading the checkpoint", "generation", inst.gen, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

func (m *Manager) stop(inst *instance) {
	if inst.cancel != nil {
		inst.cancel()
		<-inst.done
	}
	m.closeStore(inst)
}

func (m *Manager) closeStore(inst *instance) {
	if err := inst.store.Close(); err != nil {
		m.log.Warn("read models: closing store", "generation", inst.gen, "err", err)
	}
}

// Close closes the current generation's store. Run closes it when it
// ends; Close is for a Manager whose Run never started (a failed start).
func (m *Manager) Close() error { return m.current.Load().store.Close() }

// Kind is the store's kind: "sqlite" or "postgres".
func (m *Manager) Kind() string { return m.backend.Kind() }

// Reader answers queries from the current generation.
func (m *Manager) Reader() model.Reader { return reader{m} }

// QuarantineSummary counts the stored messages the current generation
// quarantined, with the latest (at most latest).
func (m *Manager) QuarantineSummary(ctx context.Context, latest int) (model.QuarantineSummary, error) {
	return m.current.Load().store.QuarantineSummary(ctx, latest)
}

// Status is the read side's state for docket status and metrics.
type Status struct {
	Generation int
	projector.Stats
}

// Status reports the current generation's projector.
func (m *Manager) Status() Status {
	inst := m.current.Load()
	st := Status{Generation: inst.gen}
	st.Quarantined = map[string]uint64{}
	for _, p := range inst.projs {
		s := p.Stats()
		st.Applied += s.Applied
		st.Batches += s.Batches
		for r, n := range s.Quarantined {
			st.Quarantined[r] += n
		}
		st.Head = max(st.Head, s.Head)
		if st.LastError == "" {
			st.LastError = s.LastError
		}
	}
	if len(inst.projs) == 1 {
		st.Checkpoint = inst.projs[0].Stats().Checkpoint
	}
	// With a shared store, another replica's projector may be ahead; with
	// partitions, the store's checkpoint is what every partition applied.
	if seq := inst.stored.Load(); seq > st.Checkpoint || len(inst.projs) > 1 {
		st.Checkpoint = seq
	}
	st.Head = max(st.Head, st.Checkpoint)
	return st
}

// Register adds the read side's metrics to reg: checkpoint, lag, events
// applied and batch durations of the current generation's projector. Call
// it before Run.
func (m *Manager) Register(reg prometheus.Registerer) error {
	batchSeconds := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "docket_projector_batch_seconds",
		Help:    "Time to fold and store one batch of events in the read models.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
	m.onBatch = func(_ int, took time.Duration) { batchSeconds.Observe(took.Seconds()) }
	for _, p := range m.current.Load().projs {
		p.OnBatch(m.onBatch)
	}
	cs := []prometheus.Collector{
		batchSeconds,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docket_projector_checkpoint",
			Help: "Last stream sequence applied to the read models.",
		}, func() float64 { return float64(m.Status().Checkpoint) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docket_projector_lag_events",
			Help: "Events stored in the stream but not yet in the read models.",
		}, func() float64 { return float64(m.Status().Lag()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "docket_projector_applied_events_total",
			Help: "Events applied to the read models by the current generation's projector since start.",
		}, func() float64 { return float64(m.Status().Applied) }),
		quarantinedCollector{m},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docket_projector_generation",
			Help: "Generation of the read models being served.",
		}, func() float64 { return float64(m.Status().Generation) }),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

var quarantinedDesc = prometheus.NewDesc("docket_projector_quarantined_total",
	"Stored messages the current generation's projectors quarantined since start (not valid sealed events: "+
		"see docket status and the console's integrity page), by reason.", []string{"reason"}, nil)

// quarantinedCollector reports docket_projector_quarantined_total, one
// series per reason, zero included, so that an alert can rate() it.
type quarantinedCollector struct{ m *Manager }

func (c quarantinedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- quarantinedDesc }

func (c quarantinedCollector) Collect(ch chan<- prometheus.Metric) {
	q := c.m.Status().Quarantined
	for _, r := range source.Reasons {
		ch <- prometheus.MustNewConstMetric(quarantinedDesc, prometheus.CounterValue, float64(q[r]), r)
	}
}

// Lag is the stream head minus the checkpoint.
func (s Status) Lag() uint64 {
	if s.Head <= s.Checkpoint {
		return 0
	}
	return s.Head - s.Checkpoint
}
