// Package projector keeps the read models up to date: a durable JetStream
// pull consumer fetches events in batches, the pure projection logic
// (package state) folds them, and the store writes each batch and its
// checkpoint in one transaction, so a crash or a redelivery never applies an
// event twice or skips one.
package projector

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go/jetstream"
)

// Config configures a Projector; the zero value works.
type Config struct {
	// Stream is the events stream; default events.DefaultStream.
	Stream string
	// Durable names the consumer; default "docket-projector-g<generation>",
	// followed by "-<Instance>" when Instance is set.
	Durable string
	// Instance, when set, makes the default consumer this replica's own:
	// for a store only this replica writes (SQLite), while other replicas
	// project the same stream into stores of their own.
	Instance string
	// Batch is the most events one transaction applies; default 500.
	Batch int
	// CatchUpBatch is the batch size while the projector is far behind (at
	// least that many events pending): fewer, larger transactions catch up
	// faster, since a subject touched many times in a batch is written once.
	// Default DefaultCatchUpBatch; it is never below Batch.
	CatchUpBatch int
	// MaxWait bounds one fetch when the stream is quiet, and so the time an
	// event takes to become visible at low rates; default 100ms.
	MaxWait time.Duration
	// Backoff is the first pause after a failed batch (doubling to 30s).
	Backoff time.Duration
	// Partitions, when more than 1, splits the projection among that many
	// projectors sharing one store (model.Partitioner): this one applies
	// the events of the data subjects in partition Partition (PartitionOf)
	// and folds the tenant-level events (the catalogue) of every tenant
	// into its own catalogue, whose rows partition 0 alone stores.
	Partitions int
	// Partition is this projector's partition, 0 ≤ Partition < Partitions.
	Partition int
}

// MaxPartitions bounds Config.Partitions.
const MaxPartitions = 256

// PartitionOf is the partition of a data subject: FNV-1a of the tenant
// and the subject reference, modulo parts. Events without a subject (the
// tenant's catalogue) belong to partition 0.
func PartitionOf(tenant, subjectRef string, parts int) int {
	if parts <= 1 || subjectRef == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(tenant))
	h.Write([]byte{0})
	h.Write([]byte(subjectRef))
	return int(h.Sum64() % uint64(parts))
}

// DefaultCatchUpBatch is Config.CatchUpBatch's default.
const DefaultCatchUpBatch = 10000

func (c *Config) setDefaults(gen int) {
	if c.Stream == "" {
		c.Stream = events.DefaultStream
	}
	if c.Durable == "" {
		c.Durable = "docket-projector-g" + strconv.Itoa(gen)
		if c.Partitions > 1 {
			c.Durable += "-p" + strconv.Itoa(c.Partition)
		}
		if c.Instance != "" {
			c.Durable += "-" + c.Instance
		}
	}
	if c.Batch == 0 {
		c.Batch = 500
	}
	if c.CatchUpBatch == 0 {
		c.CatchUpBatch = DefaultCatchUpBatch
	}
	c.CatchUpBatch = max(c.CatchUpBatch, c.Batch)
	if c.MaxWait == 0 {
		c.MaxWait = 100 * time.Millisecond
	}
	if c.Backoff == 0 {
		c.Backoff = 100 * time.Millisecond
	}
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if err := events.CheckToken(c.Durable); err != nil {
		errs = append(errs, fmt.Errorf("durable: %w", err))
	}
	if c.Batch < 1 || c.Batch > 10000 {
		errs = append(errs, fmt.Errorf("batch: %d is not between 1 and 10000", c.Batch))
	}
	if c.CatchUpBatch > 100000 {
		errs = append(errs, fmt.Errorf("catch-up batch: %d is more than 100000", c.CatchUpBatch))
	}
	if c.MaxWait < time.Millisecond {
		errs = append(errs, fmt.Errorf("max wait: %s is shorter than 1ms", c.MaxWait))
	}
	if c.Partitions < 0 || c.Partitions > MaxPartitions {
		errs = append(errs, fmt.Errorf("partitions: %d is not between 0 and %d", c.Partitions, MaxPartitions))
	} else if c.Partition < 0 || (c.Partition > 0 && c.Partition >= c.Partitions) {
		errs = append(errs, fmt.Errorf("partition: %d is not between 0 and %d", c.Partition, max(c.Partitions-1, 0)))
	}
	return errors.Join(errs...)
}

// Stats is what the projector has done; safe to read while it runs.
type Stats struct {
	Checkpoint uint64 // last applied stream sequence
	Head       uint64 // stream's last sequence when last seen
	Applied    uint64 // events applied since start
	Batches    uint64
	LastError  string
	// Quarantined counts the messages this projector quarantined (wrote a
	// quarantine row for) since start, by source.Reason*.
	Quarantined map[string]uint64
}

// Projector applies the events stream to one store.
type Projector struct {
	js    jetstream.JetStream
	store model.Store
	cfg   Config
	log   *slog.Logger
	cat   *state.Catalogue
	// cache holds the subject states and requests as of the checkpoint, so
	// that a batch loads only what it has not seen. It belongs to one
	// session: a failed batch may have changed states in memory without
	// storing them, so every new session starts with an empty cache.
	cache *Cache
	// w is the store as this session writes it (a partition's view).
	w model.Store

	checkpoint atomic.Uint64
	head       atomic.Uint64
	applied    atomic.Uint64
	batches    atomic.Uint64
	lastErr    atomic.Value // string
	observer   func(n int, d time.Duration)

	quarMu      sync.Mutex
	quarantined map[string]uint64 // stored quarantine rows by reason, since start
}

// New returns a projector for store. It reads nothing until Run or CatchUp.
func New(js jetstream.JetStream, store model.Store, cfg Config, log *slog.Logger) (*Projector, error) {
	if js == nil || store == nil || log == nil {
		return nil, errors.New("projector: New: nil dependency")
	}
	cfg.setDefaults(store.Generation())
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("projector: %w", err)
	}
	return &Projector{js: js, store: store, cfg: cfg, log: log, quarantined: map[string]uint64{}}, nil
}

// OnBatch registers fn, called after each applied batch with its size and
// duration (for metrics).
func (p *Projector) OnBatch(fn func(events int, took time.Duration)) { p.observer = fn }

// Stats returns the projector's counters.
func (p *Projector) Stats() Stats {
	s := Stats{Checkpoint: p.checkpoint.Load(), Head: p.head.Load(), Applied: p.applied.Load(), Batches: p.batches.Load()}
	if e, ok := p.lastErr.Load().(string); ok {
		s.LastError = e
	}
	p.quarMu.Lock()
	s.Quarantined = make(map[string]uint64, len(p.quarantined))
	for r, n := range p.quarantined {
		s.Quarantined[r] = n
	}
	p.quarMu.Unlock()
	return s
}

// Run applies events until ctx ends. A failed batch is retried after a
// backoff: nothing is skipped.
func (p *Projector) Run(ctx context.Context) error {
	return p.run(ctx, false)
}

// CatchUp applies events until the checkpoint reaches the stream's last
// sequence as it was when CatchUp started (or later), then returns.
func (p *Projector) CatchUp(ctx context.Context) error {
	return p.run(ctx, true)
}

func (p *Projector) run(ctx context.Context, untilHead bool) error {
	pause := &backoff.ExponentialBackOff{InitialInterval: p.cfg.Backoff, Multiplier: 2, MaxInterval: 30 * time.Second}
	pause.Reset()
	for {
		before := p.applied.Load()
		err := p.session(ctx, untilHead)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if errors.Is(err, source.ErrCorrupt) && untilHead {
			return err
		}
		if p.applied.Load() != before {
			pause.Reset() // the session made progress: not a persistent failure
		}
		d := pause.NextBackOff()
		p.lastErr.Store(err.Error())
		p.log.Error("projector: batch failed; retrying", "err", err, "backoff", d.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
}

// session loads the checkpoint and catalogue, positions the durable
// consumer right after the checkpoint, and applies batches until ctx ends,
// an error, or (untilHead) the stream head is reached.
//
// Two goroutines share the work, so that both cores are busy: this one
// fetches, decodes and folds batch N+1 (read) while the other writes batch
// N and its checkpoint (write). Folding works on clones of the cached
// states (see Build), so the batch being written never changes under the
// writer. The writer stores batches strictly in order and the store checks
// that each starts at the stored checkpoint; if one fails, the session
// ends, and the next one starts from the stored checkpoint with an empty
// cache.
func (p *Projector) session(ctx context.Context, untilHead bool) error {
	w, err := p.writer(ctx)
	if err != nil {
		return err
	}
	p.w = w
	cp, err := w.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	p.checkpoint.Store(cp)
	if err := p.awaitCatalogue(ctx, cp); err != nil {
		return err
	}
	cat := state.NewCatalogue()
	rows, err := w.AllActivities(ctx)
	if err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	for _, r := range rows {
		if r.Seq > cp {
			continue // partition 0 stored it; this partition folds it when it gets there
		}
		if err := cat.Add(r); err != nil {
			return fmt.Errorf("catalogue: %w", err)
		}
	}
	profiles, err := w.AllProfiles(ctx)
	if err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	for _, r := range profiles {
		if r.Seq > cp {
			continue // as activities
		}
		if err := cat.AddProfile(r); err != nil {
			return fmt.Errorf("catalogue: %w", err)
		}
	}
	p.cat = cat
	p.cache = NewCache(cacheSize)

	stream, err := p.js.Stream(ctx, p.cfg.Stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", p.cfg.Stream, err)
	}
	target := uint64(0)
	if untilHead {
		info, err := stream.Info(ctx)
		if err != nil {
			return err
		}
		target = info.State.LastSeq
		p.head.Store(target)
		if cp >= target {
			return nil
		}
	}
	// A batch being written, one queued, one being fetched: at most
	// three catch-up batches unacknowledged.
	cons, err := source.Durable(ctx, stream, p.cfg.Durable, "Docket read-model projector", cp, max(p.cfg.CatchUpBatch*4, 1000))
	if err != nil {
		return err
	}

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	queue := make(chan built, 1)
	written := make(chan error, 1)
	go func() { written <- p.write(sctx, queue, stop) }()
	readErr := p.read(sctx, cons, cp, target, untilHead, queue)
	if err := <-written; err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	return readErr
}

// writer is the store as this projector writes it: the store, or its
// partition's view.
func (p *Projector) writer(ctx context.Context) (model.Store, error) {
	if p.cfg.Partitions <= 1 {
		return p.store, nil
	}
	ps, ok := p.store.(model.Partitioner)
	if !ok {
		return nil, errors.New("projector: the store cannot be partitioned")
	}
	w, err := ps.Partition(ctx, p.cfg.Partition, p.cfg.Partitions)
	if err != nil {
		return nil, fmt.Errorf("partition %d of %d: %w", p.cfg.Partition, p.cfg.Partitions, err)
	}
	return w, nil
}

// awaitCatalogue waits, for a partition other than 0, until partition 0
// (which alone stores the catalogue's rows) has stored the catalogue up
// to cp, so that this partition's catalogue is complete as of cp.
func (p *Projector) awaitCatalogue(ctx context.Context, cp uint64) error {
	if p.cfg.Partitions <= 1 || p.cfg.Partition == 0 || cp == 0 {
		return nil
	}
	first, err := p.store.(model.Partitioner).Partition(ctx, 0, p.cfg.Partitions)
	if err != nil {
		return fmt.Errorf("partition 0: %w", err)
	}
	for {
		seq, err := first.Checkpoint(ctx)
		if err != nil {
			return fmt.Errorf("partition 0's checkpoint: %w", err)
		}
		if seq >= cp {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// owns tells whether this projector stores a record's effects: always,
// unpartitioned; else when the record's subject is in its partition, or,
// for a tenant-level record, when it is partition 0.
func (p *Projector) owns(r source.Record) bool {
	return p.cfg.Partitions <= 1 || PartitionOf(r.Event.GetTenant(), r.Event.GetSubjectRef(), p.cfg.Partitions) == p.cfg.Partition
}

// quarantine is the row and the finding (nil when the stream subject names
// no tenant) that record the stored message ce refuses, and whether this
// projector writes them: the partition of the data subject the message's
// stream subject names, or partition 0 when it names none, so that every
// partition decides alike and one alone writes.
func (p *Projector) quarantine(ce *source.CorruptError, recordedAt time.Time, subject string) (model.QuarantineRow, *model.Finding, bool) {
	tenant, ref := source.TenantOf(subject)
	if p.cfg.Partitions > 1 && PartitionOf(tenant, ref, p.cfg.Partitions) != p.cfg.Partition {
		return model.QuarantineRow{}, nil, false
	}
	p.log.Warn("projector: stored message quarantined: it is not a valid sealed event",
		"seq", ce.Sequence, "reason", ce.Reason, "field", ce.Field)
	q := model.QuarantineRow{Seq: ce.Sequence, RecordedAt: recordedAt.UTC(), Tenant: tenant, Reason: ce.Reason, Field: ce.Field}
	if tenant == "" {
		return q, nil, true
	}
	detail := fmt.Sprintf("stream sequence %d is not a valid sealed event (%s", ce.Sequence, ce.Reason)
	if ce.Field != "" {
		detail += ", " + ce.Field
	}
	detail += "): quarantined, not projected"
	return q, &model.Finding{
		ID:         state.RuleUnprojectable + ":" + strconv.FormatUint(ce.Sequence, 10),
		Tenant:     tenant,
		Rule:       state.RuleUnprojectable,
		SubjectRef: ref,
		EventIDs:   []string{},
		AroseAt:    recordedAt.UTC(),
		Seq:        ce.Sequence,
		Detail:     detail,
		Group:      state.GroupKey(state.RuleUnprojectable, ce.Reason),
	}, true
}

// built is a folded batch on its way to the store.
type built struct {
	batch *model.Batch  // nil when every message was a redelivery
	last  jetstream.Msg // acknowledged (with all before it) once stored
	fold  time.Duration // time spent decoding and folding it
}

// fetchMax bounds one fetch request; a catch-up batch takes several.
const fetchMax = 2500

// read fetches, decodes and folds batches after sequence from and queues
// them for write, until ctx ends, an error, or (untilHead) sequence target
// is folded. It closes queue when it returns. Messages at or below the
// last folded sequence (redeliveries) are skipped; a gap is an error,
// never skipped over.
func (p *Projector) read(ctx context.Context, cons jetstream.Consumer, from, target uint64, untilHead bool, queue chan<- built) error {
	defer close(queue)
	next, batchFrom := from, from
	size := p.cfg.Batch
	for ctx.Err() == nil {
		var (
			recs         []source.Record
			quar         []model.QuarantineRow
			quarFindings []model.Finding
			last         jetstream.Msg
			pending      uint64
			fold         time.Duration
		)
		// One batch: a fetch, and while the stream holds more, further
		// fetches until the batch has size events.
		for want := size; ; {
			msgs, err := cons.Fetch(min(want, fetchMax), jetstream.FetchMaxWait(p.cfg.MaxWait))
			if err != nil {
				return fmt.Errorf("fetch: %w", err)
			}
			got := 0
			for m := range msgs.Messages() {
				got++
				t0 := time.Now()
				md, err := m.Metadata()
				if err != nil {
					return fmt.Errorf("metadata: %w", err)
				}
				last, pending = m, md.NumPending
				p.head.Store(md.Sequence.Stream + md.NumPending)
				seq := md.Sequence.Stream
				if seq <= next {
					continue // folded already: a redelivery
				}
				if seq != next+1 {
					return fmt.Errorf("projector: gap: expected sequence %d, got %d", next+1, seq)
				}
				rec, err := source.Decode(seq, md.Timestamp, m.Subject(), m.Headers(), m.Data())
				if err != nil {
					var ce *source.CorruptError
					if !errors.As(err, &ce) {
						return err
					}
					// Not a valid sealed event: quarantined at its place,
					// and the rest goes on.
					next = seq
					if q, f, mine := p.quarantine(ce, md.Timestamp, m.Subject()); mine {
						quar = append(quar, q)
						if f != nil {
							quarFindings = append(quarFindings, *f)
						}
					}
					continue
				}
				next = seq
				if !p.owns(rec) && rec.Event.GetSubjectRef() != "" {
					continue // another partition's subject
				}
				recs = append(recs, rec)
				fold += time.Since(t0)
			}
			if err := msgs.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("fetch: %w", err)
			}
			want = size - len(recs)
			if got == 0 || want <= 0 || pending == 0 || ctx.Err() != nil {
				break
			}
			want = int(min(uint64(want), pending))
		}
		if last == nil {
			if untilHead && next >= target {
				return nil
			}
			continue
		}
		bt := built{last: last}
		switch {
		case len(recs) > 0:
			t0 := time.Now()
			b, err := build(ctx, p.w, p.cat, p.cache, recs, p.owns)
			if err != nil {
				return err
			}
			b.From, b.To = batchFrom, next // with the other partitions' events passed over
			p.cache.Keep(b)
			if err := b.EncodeSubjects(); err != nil {
				return fmt.Errorf("sequence %d..%d: %w", b.From+1, b.To, err)
			}
			bt.batch, bt.fold = b, fold+time.Since(t0)
		case next > batchFrom:
			// Only other partitions' events: the checkpoint moves on.
			bt.batch = &model.Batch{From: batchFrom, To: next}
		}
		if bt.batch != nil && len(quar) > 0 {
			bt.batch.Quarantined = quar
			bt.batch.Findings = append(bt.batch.Findings, quarFindings...)
		}
		batchFrom = next
		select {
		case queue <- bt:
		case <-ctx.Done():
			return nil
		}
		size = p.cfg.Batch
		if pending >= uint64(p.cfg.CatchUpBatch) {
			size = p.cfg.CatchUpBatch
		}
		if untilHead && next >= target {
			return nil
		}
	}
	return nil
}

// write stores the queued batches in order, each with its checkpoint, and
// acknowledges them. On a failure it calls stop (ending read) and returns
// the error.
func (p *Projector) write(ctx context.Context, queue <-chan built, stop func()) error {
	for bt := range queue {
		start := time.Now()
		if b := bt.batch; b != nil {
			if err := p.w.Apply(ctx, b); err != nil {
				ended := ctx.Err() != nil // before stop, which ends ctx
				stop()
				if ended {
					return nil
				}
				if errors.Is(err, model.ErrCheckpointMoved) {
					return fmt.Errorf("projector: another writer moved the checkpoint: %w", err)
				}
				return fmt.Errorf("apply: %w", err)
			}
			p.checkpoint.Store(b.To)
			p.applied.Add(b.To - b.From)
			if len(b.Quarantined) > 0 {
				p.quarMu.Lock()
				for _, q := range b.Quarantined {
					p.quarantined[q.Reason]++
				}
				p.quarMu.Unlock()
			}
			p.batches.Add(1)
			p.lastErr.Store("")
		}
		if err := bt.last.Ack(); err != nil {
			// The checkpoint is stored: a redelivery is skipped.
			p.log.Warn("projector: ack failed", "err", err)
		}
		if p.observer != nil && bt.batch != nil {
			p.observer(int(bt.batch.To-bt.batch.From), bt.fold+time.Since(start))
		}
	}
	return nil
}

// cacheSize bounds the subject states a projector keeps in memory.
const cacheSize = 200_000

// Cache keeps subject states, requests and breaches between batches of one
// projector session. Build updates what it holds in place; a caller whose
// batch then fails to store must drop the cache.
type Cache struct {
	max      int
	subjects map[model.SubjectKey]*model.SubjectState
	requests map[[2]string]*model.RequestRow
	breaches map[[2]string]*model.BreachRow
}

// NewCache returns an empty cache of at most max subject states.
func NewCache(max int) *Cache {
	return &Cache{max: max, subjects: map[model.SubjectKey]*model.SubjectState{}, requests: map[[2]string]*model.RequestRow{},
		breaches: map[[2]string]*model.BreachRow{}}
}

// Keep records a batch's states once it is built, dropping everything when
// full (the next batches reload from the store). If the batch then fails
// to store, the cache must be dropped.
func (c *Cache) Keep(b *model.Batch) {
	if c == nil {
		return
	}
	if len(c.subjects)+len(b.Subjects) > c.max || len(c.requests)+len(b.Requests) > c.max ||
		len(c.breaches)+len(b.Breaches) > c.max {
		clear(c.subjects)
		clear(c.requests)
		clear(c.breaches)
	}
	for _, s := range b.Subjects {
		c.subjects[model.SubjectKey{Tenant: s.Tenant, SubjectRef: s.SubjectRef}] = s
	}
	for _, r := range b.Requests {
		c.requests[[2]string{r.Tenant, r.RequestID}] = r
	}
	for _, r := range b.Breaches {
		c.breaches[[2]string{r.Tenant, r.BreachID}] = r
	}
}

// Build folds recs (consecutive, starting right after from) into the batch
// a store applies: it takes the states the events touch from cache (nil:
// none) or loads them, applies each event with state.Apply, and collects
// the rows. cat is updated in place; a state taken from cache is cloned
// first, so that the cache and the batches built before are left as they
// were (Keep puts the new states in the cache).
func Build(ctx context.Context, store model.Writer, cat *state.Catalogue, cache *Cache, from uint64, recs []source.Record) (*model.Batch, error) {
	b, err := build(ctx, store, cat, cache, recs, nil)
	if err != nil {
		return nil, err
	}
	b.From = from
	return b, nil
}

// build folds recs into a batch ending at the last one's sequence. A
// record owns rejects is folded into the catalogue only: its effects
// belong to another partition's batch.
func build(ctx context.Context, store model.Writer, cat *state.Catalogue, cache *Cache, recs []source.Record, owns func(source.Record) bool) (*model.Batch, error) {
	b := &model.Batch{To: recs[len(recs)-1].Sequence}

	// Load every subject and request the batch touches, in one query each.
	var keys []model.SubjectKey
	seenKey := map[model.SubjectKey]bool{}
	reqIDs := map[string][]string{}
	seenReq := map[[2]string]bool{}
	breachIDs := map[string][]string{}
	seenBreach := map[[2]string]bool{}
	for _, r := range recs {
		ev := r.Event
		if ref := ev.GetSubjectRef(); ref != "" {
			k := model.SubjectKey{Tenant: ev.GetTenant(), SubjectRef: ref}
			if !seenKey[k] {
				seenKey[k] = true
				keys = append(keys, k)
			}
		}
		if id := requestID(ev); id != "" {
			k := [2]string{ev.GetTenant(), id}
			if !seenReq[k] {
				seenReq[k] = true
				reqIDs[ev.GetTenant()] = append(reqIDs[ev.GetTenant()], id)
			}
		}
		if id := state.BreachID(ev); id != "" && (owns == nil || owns(r)) {
			k := [2]string{ev.GetTenant(), id}
			if !seenBreach[k] {
				seenBreach[k] = true
				breachIDs[ev.GetTenant()] = append(breachIDs[ev.GetTenant()], id)
			}
		}
	}
	subjects := map[model.SubjectKey]*model.SubjectState{}
	var missing []model.SubjectKey
	for _, k := range keys {
		if st, ok := cache.subject(k); ok {
			// A clone: the cached state may belong to a batch still being
			// written.
			subjects[k] = st.Clone()
		} else {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		loaded, err := store.Subjects(ctx, missing)
		if err != nil {
			return nil, fmt.Errorf("load subjects: %w", err)
		}
		for k, st := range loaded {
			subjects[k] = st
		}
	}
	requests := map[[2]string]*model.RequestRow{}
	tenants := make([]string, 0, len(reqIDs))
	for t, ids := range reqIDs {
		var rest []string
		for _, id := range ids {
			if r, ok := cache.request(t, id); ok {
				requests[[2]string{t, id}] = r
			} else {
				rest = append(rest, id)
			}
		}
		reqIDs[t] = rest
		if len(rest) > 0 {
			tenants = append(tenants, t)
		}
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		loaded, err := store.Requests(ctx, t, reqIDs[t])
		if err != nil {
			return nil, fmt.Errorf("load requests: %w", err)
		}
		for id, row := range loaded {
			requests[[2]string{t, id}] = row
		}
	}
	lookup := func(tenant, id string) *model.RequestRow { return requests[[2]string{tenant, id}] }
	breaches, err := loadBreaches(ctx, store, cache, breachIDs)
	if err != nil {
		return nil, err
	}

	changedReq := map[[2]string]bool{}
	var reqOrder [][2]string
	changedBreach := map[[2]string]bool{}
	var breachOrder [][2]string
	observed := map[[3]string]int{} // index into b.Observed
	for _, r := range recs {
		ev := r.Event
		var st *model.SubjectState
		if ref := ev.GetSubjectRef(); ref != "" {
			k := model.SubjectKey{Tenant: ev.GetTenant(), SubjectRef: ref}
			st = subjects[k]
			if st == nil {
				st = &model.SubjectState{Tenant: k.Tenant, SubjectRef: k.SubjectRef}
				subjects[k] = st
			}
		}
		eff, err := state.Apply(st, lookup, cat, r)
		if err != nil {
			return nil, fmt.Errorf("sequence %d: %w", r.Sequence, err)
		}
		if owns != nil && !owns(r) {
			continue // the catalogue has it; partition 0 stores it
		}
		b.Audit = append(b.Audit, eff.Audit)
		if eff.Disclosure != nil {
			b.Disclosures = append(b.Disclosures, *eff.Disclosure)
		}
		if eff.Confidentiality != nil {
			b.Confidentiality = append(b.Confidentiality, *eff.Confidentiality)
		}
		if eff.Activity != nil {
			b.Activities = append(b.Activities, *eff.Activity)
		}
		if eff.Profile != nil {
			b.Profiles = append(b.Profiles, *eff.Profile)
		}
		if eff.Request != nil {
			k := [2]string{eff.Request.Tenant, eff.Request.RequestID}
			requests[k] = eff.Request
			if !changedReq[k] {
				changedReq[k] = true
				reqOrder = append(reqOrder, k)
			}
		}
		if id := state.BreachID(ev); id != "" {
			k := [2]string{ev.GetTenant(), id}
			breaches[k] = state.FoldBreach(breaches[k], r)
			if !changedBreach[k] {
				changedBreach[k] = true
				breachOrder = append(breachOrder, k)
			}
		}
		for _, o := range eff.Observed {
			k := [3]string{o.Tenant, o.Kind, o.Key}
			if i, ok := observed[k]; ok {
				b.Observed[i].Merge(o)
				continue
			}
			observed[k] = len(b.Observed)
			b.Observed = append(b.Observed, o)
		}
		b.Findings = append(b.Findings, eff.Findings...)
		if eff.FindingStatus != nil {
			b.FindingStatus = append(b.FindingStatus, *eff.FindingStatus)
		}
	}
	for _, k := range keys {
		b.Subjects = append(b.Subjects, subjects[k])
	}
	for _, k := range reqOrder {
		b.Requests = append(b.Requests, requests[k])
	}
	for _, k := range breachOrder {
		b.Breaches = append(b.Breaches, breaches[k])
	}
	return b, nil
}

// loadBreaches returns the rows of the breaches ids names (by tenant),
// from cache or the store. FoldBreach never changes the row it is given,
// so the cached rows are shared as they are.
func loadBreaches(ctx context.Context, store model.Writer, cache *Cache, ids map[string][]string) (map[[2]string]*model.BreachRow, error) {
	out := map[[2]string]*model.BreachRow{}
	tenants := make([]string, 0, len(ids))
	for t := range ids {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		var rest []string
		for _, id := range ids[t] {
			if r, ok := cache.breach(t, id); ok {
				out[[2]string{t, id}] = r
			} else {
				rest = append(rest, id)
			}
		}
		if len(rest) == 0 {
			continue
		}
		loaded, err := store.Breaches(ctx, t, rest)
		if err != nil {
			return nil, fmt.Errorf("load breaches: %w", err)
		}
		for id, row := range loaded {
			out[[2]string{t, id}] = row
		}
	}
	return out, nil
}

func (c *Cache) breach(tenant, id string) (*model.BreachRow, bool) {
	if c == nil {
		return nil, false
	}
	r, ok := c.breaches[[2]string{tenant, id}]
	return r, ok
}

func (c *Cache) subject(k model.SubjectKey) (*model.SubjectState, bool) {
	if c == nil {
		return nil, false
	}
	st, ok := c.subjects[k]
	return st, ok
}

func (c *Cache) request(tenant, id string) (*model.RequestRow, bool) {
	if c == nil {
		return nil, false
	}
	r, ok := c.requests[[2]string{tenant, id}]
	return r, ok
}

// requestID is the rights request an event belongs to, if any.
func requestID(ev *eventsv1.Event) string {
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_RightsRequestReceived:
		return p.RightsRequestReceived.GetRequestId()
	case *eventsv1.Event_RightsRequestIdentityVerified:
		return p.RightsRequestIdentityVerified.GetRequestId()
	case *eventsv1.Event_RightsRequestDeadlineExtended:
		return p.RightsRequestDeadlineExtended.GetRequestId()
	case *eventsv1.Event_RightsRequestFulfilled:
		return p.RightsRequestFulfilled.GetRequestId()
	case *eventsv1.Event_RightsRequestDenied:
		return p.RightsRequestDenied.GetRequestId()
	default:
		// exhaustive: only these five events change a request row
		// (state.request); the others that carry a request_id only cite it.
	}
	return ""
}
