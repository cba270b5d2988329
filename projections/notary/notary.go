// Package notary makes the events stream verifiable: it folds every stored
// event, in stream order, into an RFC 6962 Merkle tree (package merkle;
// the leaf of stream sequence s is leaf s-1, its hash SHA-256(0x00 || the
// event's stored bytes), so shredding a data key never breaks a proof),
// and every Every events or Interval it signs a checkpoint of the tree
// (C2SP tlog-checkpoint as a signed note, package events/checkpoint) and
// publishes it on the checkpoint stream.
//
// The tree is stored on disk and survives restarts: the notary resumes at
// its size. At start it checks the tree against the newest checkpoint it
// published, and it checks the stream against that checkpoint again when
// it folds past its size: a tree file or a stream that no longer matches
// what was signed stops the notary (ErrDiverged) instead of signing a
// rewritten history.
package notary

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/source"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrDiverged: the tree or the stream no longer matches a checkpoint the
// notary signed. It needs a person: the notary stops.
var ErrDiverged = errors.New("log diverged from a signed checkpoint")

// Config configures a Notary; only Origin is required.
type Config struct {
	// Origin names the log in its checkpoints (the C2SP origin line), e.g.
	// "ledger.example.com/docket". Verifiers check it.
	Origin string
	// Stream is the events stream; default events.DefaultStream.
	Stream string
	// CheckpointStream; default DefaultCheckpointStream.
	CheckpointStream string
	// Durable names the consumer; default "docket-notary".
	Durable string
	// Every: a checkpoint at every multiple of this many events; default
	// 1000.
	Every int
	// Interval: a checkpoint at least this often while events arrive;
	// default 10s.
	Interval time.Duration
	// Batch is the most events fetched at once; default 5000.
	Batch int
	// MaxWait bounds one fetch when the stream is quiet; default 100ms.
	MaxWait time.Duration
	// Backoff is the first pause after a failure (doubling to 10s).
	Backoff time.Duration
	// Publishes tells whether this notary may sign and publish now. With
	// several replicas following one stream, each folds its own tree (to
	// serve proofs) but only the one holding the notary lease signs; nil
	// means always. A notary that is allowed to sign after another did
	// never publishes a checkpoint smaller than the newest one.
	Publishes func() bool
}

func (c *Config) setDefaults() {
	if c.Stream == "" {
		c.Stream = events.DefaultStream
	}
	if c.CheckpointStream == "" {
		c.CheckpointStream = DefaultCheckpointStream
	}
	if c.Durable == "" {
		c.Durable = "docket-notary"
	}
	if c.Every == 0 {
		c.Every = 1000
	}
	if c.Interval == 0 {
		c.Interval = 10 * time.Second
	}
	if c.Batch == 0 {
		c.Batch = 5000
	}
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
	if c.Origin == "" {
		errs = append(errs, errors.New("origin: is required"))
	} else if _, err := checkpoint.Parse([]byte(checkpoint.Checkpoint{Origin: c.Origin}.Text())); err != nil {
		errs = append(errs, fmt.Errorf("origin: %w", err))
	}
	if err := events.CheckToken(c.Durable); err != nil {
		errs = append(errs, fmt.Errorf("durable: %w", err))
	}
	if c.Every < 1 || c.Every > 10_000_000 {
		errs = append(errs, fmt.Errorf("every: %d is not between 1 and 10000000", c.Every))
	}
	if c.Interval < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("interval: %s is shorter than 100ms", c.Interval))
	}
	if c.Batch < 1 || c.Batch > 100_000 {
		errs = append(errs, fmt.Errorf("batch: %d is not between 1 and 100000", c.Batch))
	}
	if c.MaxWait < time.Millisecond {
		errs = append(errs, fmt.Errorf("max wait: %s is shorter than 1ms", c.MaxWait))
	}
	return errors.Join(errs...)
}

// Stats is what the notary has done; safe to read while it runs.
type Stats struct {
	Size      int64 // events in the tree
	Published int64 // size of the newest checkpoint published
	Head      uint64
	LastError string
}

// Notary folds the events stream into a tree and signs checkpoints.
type Notary struct {
	js     jetstream.JetStream
	tree   *merkle.Tree
	signer note.Signer
	cfg    Config
	log    *slog.Logger

	published atomic.Int64
	head      atomic.Uint64
	cps       jetstream.Stream // the checkpoint stream, once a session opened it
	lastErr   atomic.Value     // string
}

// New returns a notary folding into tree and signing with signer.
func New(js jetstream.JetStream, tree *merkle.Tree, signer note.Signer, cfg Config, log *slog.Logger) (*Notary, error) {
	if js == nil || tree == nil || signer == nil || log == nil {
		return nil, errors.New("notary: New: nil dependency")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("notary: %w", err)
	}
	return &Notary{js: js, tree: tree, signer: signer, cfg: cfg, log: log}, nil
}

// Stats returns the notary's counters.
func (n *Notary) Stats() Stats {
	s := Stats{Size: n.tree.Size(), Published: n.published.Load(), Head: n.head.Load()}
	if e, ok := n.lastErr.Load().(string); ok {
		s.LastError = e
	}
	return s
}

// Run folds and signs until ctx ends. A failure is retried after a
// backoff, except ErrDiverged, which is returned.
func (n *Notary) Run(ctx context.Context) error { return n.run(ctx, false) }

// CatchUp folds the stream up to its last sequence as it was when CatchUp
// started, publishes a checkpoint of that size, and returns.
func (n *Notary) CatchUp(ctx context.Context) error { return n.run(ctx, true) }

func (n *Notary) run(ctx context.Context, untilHead bool) error {
	pause := &backoff.ExponentialBackOff{InitialInterval: n.cfg.Backoff, Multiplier: 2, MaxInterval: 10 * time.Second}
	pause.Reset()
	for {
		before := n.tree.Size()
		err := n.session(ctx, untilHead)
		if err == nil || ctx.Err() != nil || errors.Is(err, ErrDiverged) {
			if err != nil && ctx.Err() == nil {
				n.lastErr.Store(err.Error())
				n.log.Error("notary: stopped", "err", err)
			}
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if broken := n.tree.Broken(); broken != nil {
			// A write error (a full disk): read the tree again from its
			// file and fold on from there once the disk takes writes.
			if rerr := n.tree.Reopen(); rerr != nil {
				err = errors.Join(err, rerr)
			} else {
				n.log.Warn("notary: tree reopened after a write error", "err", broken, "tree_size", n.tree.Size())
			}
		}
		// Back off further unless the session kept something: a tree
		// reopened after a failed write is back where it was, and retrying
		// it every 100ms would only fill the log.
		if n.tree.Size() > before {
			pause.Reset()
		}
		d := pause.NextBackOff()
		n.lastErr.Store(err.Error())
		n.log.Error("notary: failed; retrying", "err", err, "backoff", d.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
}

// session checks the tree against the newest published checkpoint, then
// folds batches and publishes checkpoints.
func (n *Notary) session(ctx context.Context, untilHead bool) error {
	cps, err := EnsureCheckpointStream(ctx, n.js, CheckpointStreamConfig{Name: n.cfg.CheckpointStream})
	if err != nil {
		return err
	}
	n.cps = cps
	// What was signed last: the tree must agree with it, now or when it
	// has folded that far again.
	var pending *checkpoint.Checkpoint
	latest, err := Latest(ctx, cps)
	switch {
	case errors.Is(err, ErrNoCheckpoint):
	case err != nil:
		return err
	default:
		c := latest.Checkpoint
		if c.Origin != n.cfg.Origin {
			return fmt.Errorf("%w: the newest checkpoint is of origin %q, this notary's is %q", ErrDiverged, c.Origin, n.cfg.Origin)
		}
		n.published.Store(c.Size)
		if err := n.check(c); err != nil {
			return err
		}
		if c.Size > n.tree.Size() {
			pending = &c
		}
	}

	stream, err := n.js.Stream(ctx, n.cfg.Stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", n.cfg.Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s: %w", n.cfg.Stream, err)
	}
	if info.State.LastSeq < uint64(n.tree.Size()) {
		return fmt.Errorf("%w: the stream ends at sequence %d, but the tree holds %d events", ErrDiverged, info.State.LastSeq, n.tree.Size())
	}
	n.head.Store(info.State.LastSeq)
	target := info.State.LastSeq
	cons, err := source.Durable(ctx, stream, n.cfg.Durable, "Docket notary: the Merkle tree of the stream", uint64(n.tree.Size()), max(n.cfg.Batch*2, 1000))
	if err != nil {
		return err
	}
	lastPublish := time.Now()
	leaves := make([]tlog.Hash, 0, n.cfg.Batch)
	for ctx.Err() == nil {
		if untilHead && uint64(n.tree.Size()) >= target {
			return n.publishIfNew(ctx)
		}
		msgs, err := cons.Fetch(n.cfg.Batch, jetstream.FetchMaxWait(n.cfg.MaxWait))
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		leaves = leaves[:0]
		next := uint64(n.tree.Size()) + 1
		var last jetstream.Msg
		for m := range msgs.Messages() {
			md, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("metadata: %w", err)
			}
			n.head.Store(md.Sequence.Stream + md.NumPending)
			last = m
			seq := md.Sequence.Stream
			switch {
			case seq < next:
				continue // folded already: a redelivery
			case seq > next:
				return fmt.Errorf("gap: expected sequence %d, got %d", next, seq)
			}
			leaves = append(leaves, tlog.RecordHash(m.Data()))
			next++
		}
		if err := msgs.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("fetch: %w", err)
		}
		// Fold up to each multiple of Every and sign there; sign the rest
		// once Interval has passed.
		for rest := leaves; len(rest) > 0; {
			every := int64(n.cfg.Every)
			k := min(int64(len(rest)), every-n.tree.Size()%every)
			if err := n.fold(rest[:k], &pending); err != nil {
				return err
			}
			rest = rest[k:]
			if n.tree.Size()%every == 0 {
				if err := n.publish(ctx); err != nil {
					return err
				}
				lastPublish = time.Now()
			}
		}
		if n.tree.Size() > n.published.Load() && time.Since(lastPublish) >= n.cfg.Interval {
			if err := n.publish(ctx); err != nil {
				return err
			}
			lastPublish = time.Now()
		}
		if last != nil {
			// Acknowledged once folded; the tree's size, not the
			// consumer, says where to resume, so losing an ack is harmless.
			if err := last.Ack(); err != nil {
				n.log.Warn("notary: ack failed", "err", err)
			}
		}
		if len(leaves) > 0 {
			// Folding again: an earlier error is over.
			n.lastErr.Store("")
		}
	}
	return nil
}

// fold appends leaves to the tree. If a signed checkpoint lies within them
// (the tree was behind it), the tree must reach exactly its root there.
func (n *Notary) fold(leaves []tlog.Hash, pending **checkpoint.Checkpoint) error {
	for len(leaves) > 0 {
		chunk := leaves
		if p := *pending; p != nil && n.tree.Size()+int64(len(chunk)) >= p.Size {
			chunk = leaves[:p.Size-n.tree.Size()]
		}
		if err := n.tree.Append(chunk); err != nil {
			return fmt.Errorf("tree: %w", err)
		}
		leaves = leaves[len(chunk):]
		if p := *pending; p != nil && n.tree.Size() == p.Size {
			if err := n.check(*p); err != nil {
				return err
			}
			*pending = nil
		}
	}
	return nil
}

// check compares the tree with a signed checkpoint, if the tree is that
// large.
func (n *Notary) check(c checkpoint.Checkpoint) error {
	if c.Size > n.tree.Size() || c.Size == 0 {
		return nil
	}
	root, err := n.tree.Root(c.Size)
	if err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	if root != c.Root {
		return fmt.Errorf("%w: the tree of the first %d events does not have the root of the checkpoint signed at that size (the stream or the tree file was changed)", ErrDiverged, c.Size)
	}
	return nil
}

// publishIfNew publishes a checkpoint unless the newest one is of the
// tree's size.
func (n *Notary) publishIfNew(ctx context.Context) error {
	if n.tree.Size() == n.published.Load() {
		return nil
	}
	return n.publish(ctx)
}

// publish makes the tree durable, signs a checkpoint of its size and
// publishes it.
func (n *Notary) publish(ctx context.Context) error {
	if n.cfg.Publishes != nil {
		// Another replica signs, or may have signed while this one did
		// not: follow its newest checkpoint (a replica that does not sign
		// reports it as the latest in its Stats).
		latest, err := Latest(ctx, n.cps)
		switch {
		case errors.Is(err, ErrNoCheckpoint):
		case err != nil:
			return err
		case latest.Checkpoint.Size > n.published.Load():
			n.published.Store(latest.Checkpoint.Size)
		}
		if !n.cfg.Publishes() {
			return nil
		}
	}
	if n.tree.Size() <= n.published.Load() {
		// A tree folding up again (a new replica, a lost tree file) never
		// signs a checkpoint smaller than one published: the log would
		// look as if it shrank.
		return nil
	}
	if err := n.tree.Sync(); err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	size := n.tree.Size()
	root, err := n.tree.Root(size)
	if err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	c := checkpoint.Checkpoint{Origin: n.cfg.Origin, Size: size, Root: root}
	signed, err := checkpoint.Sign(c, n.signer)
	if err != nil {
		return fmt.Errorf("sign checkpoint %d: %w", size, err)
	}
	if err := Publish(ctx, n.js, c, signed); err != nil {
		return err
	}
	n.published.Store(size)
	n.log.Debug("notary: checkpoint published", "size", size)
	return nil
}
