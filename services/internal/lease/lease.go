// Package lease elects one leader among docketd replicas for a job that
// must run once at a time (signing checkpoints, projecting into a shared
// store, the retention scheduler), through a key in a NATS JetStream
// key-value bucket.
//
// A candidate takes the lease by creating the key (which fails while
// another holds it) and keeps it by updating it, compare-and-swap on its
// revision, every TTL/3. The bucket's TTL makes a key that is no longer
// renewed vanish after TTL, so a crashed leader's lease expires and
// another candidate takes it. A leader that cannot renew for TTL/2 stops
// leading before that can happen, so two replicas never lead at once (as
// long as their clocks run at about the same rate; no clock is compared).
// A leader that stops cleanly deletes the key, and the next candidate
// takes over at its next try, within TTL/3: a clean hand-over.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/nats-io/nats.go/jetstream"
)

// Bucket is the key-value bucket of docketd's leases.
const Bucket = "DOCKET_LEASES"

// DefaultTTL is how long a lease outlives its last renewal.
const DefaultTTL = 6 * time.Second

// OpenBucket returns the lease bucket, creating it when missing. Its TTL
// is the leases' TTL: every candidate must use the same. An existing
// bucket with another TTL is an error (candidates would disagree).
func OpenBucket(ctx context.Context, js jetstream.JetStream, replicas int, ttl time.Duration) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: Bucket, Description: "docketd: leases of the jobs one replica at a time runs",
			History: 1, TTL: ttl, Replicas: replicas, Storage: jetstream.FileStorage,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lease bucket %s: %w", Bucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("lease bucket %s: %w", Bucket, err)
	}
	if st.TTL() != ttl {
		return nil, fmt.Errorf("lease bucket %s has a TTL of %s, this docketd uses %s: every replica must use the same", Bucket, st.TTL(), ttl)
	}
	return kv, nil
}

// Config is one candidate for one lease.
type Config struct {
	KV     jetstream.KeyValue
	Name   string        // the lease: NATS tokens joined by dots, "notary", "projector-g1"
	Holder string        // this candidate, a NATS token: the instance name
	TTL    time.Duration // the bucket's TTL
	Log    *slog.Logger
}

func (c Config) check() error {
	var errs []error
	if c.KV == nil {
		errs = append(errs, errors.New("lease: nil bucket"))
	}
	for tok := range strings.SplitSeq(c.Name, ".") {
		if err := events.CheckToken(tok); err != nil {
			errs = append(errs, fmt.Errorf("lease name: %w", err))
			break
		}
	}
	if err := events.CheckToken(c.Holder); err != nil {
		errs = append(errs, fmt.Errorf("lease holder: %w", err))
	}
	if c.TTL < 300*time.Millisecond {
		errs = append(errs, fmt.Errorf("lease TTL %s: at least 300ms", c.TTL))
	}
	return errors.Join(errs...)
}

// Run campaigns for the lease until ctx ends and runs lead while it holds
// it. lead's context ends when the lease is lost or ctx ends; lead should
// return then. When lead returns by itself the lease is released and the
// campaign goes on (another candidate may take over). Run returns after
// lead has returned and a held lease is released.
func Run(ctx context.Context, c Config, lead func(context.Context)) error {
	if err := c.check(); err != nil {
		return err
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	every := c.TTL / 3
	for {
		rev, err := c.KV.Create(ctx, c.Name, []byte(c.Holder))
		if errors.Is(err, jetstream.ErrKeyExists) {
			rev, err = c.reclaim(ctx)
		}
		switch {
		case err == nil:
			c.Log.Info("lease taken", "lease", c.Name, "holder", c.Holder)
			c.hold(ctx, rev, every, lead)
		case ctx.Err() != nil:
		case errors.Is(err, jetstream.ErrKeyExists):
		default:
			c.Log.Warn("lease: campaign", "lease", c.Name, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// reclaim takes over a lease held under this candidate's own name: left
// by this replica before it restarted (instance names are unique), so it
// need not wait for it to expire. Anyone else's lease is ErrKeyExists.
func (c Config) reclaim(ctx context.Context) (uint64, error) {
	e, err := c.KV.Get(ctx, c.Name)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return 0, jetstream.ErrKeyExists // gone meanwhile: try again later
	case err != nil:
		return 0, err
	case string(e.Value()) != c.Holder:
		return 0, jetstream.ErrKeyExists
	}
	c.Log.Warn("lease: taking back this instance's own lease, left by a previous run (instance names must be unique)", "lease", c.Name, "holder", c.Holder)
	return c.KV.Update(ctx, c.Name, []byte(c.Holder), e.Revision())
}

// hold runs lead while renewing the lease, and releases it afterwards.
func (c Config) hold(ctx context.Context, rev uint64, every time.Duration, lead func(context.Context)) {
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx)
	}()
	lastRenewed := time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
	lost := false
renew:
	for {
		select {
		case <-ctx.Done():
			break renew
		case <-done:
			break renew
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, every)
			next, err := c.KV.Update(rctx, c.Name, []byte(c.Holder), rev)
			cancel()
			if err == nil {
				rev, lastRenewed = next, time.Now()
				continue
			}
			if errors.Is(err, jetstream.ErrKeyExists) || time.Since(lastRenewed) >= c.TTL/2 {
				// Another holds it, or it may expire before we can tell:
				// stop leading now.
				c.Log.Warn("lease lost", "lease", c.Name, "holder", c.Holder, "err", err)
				lost = true
				break renew
			}
			c.Log.Warn("lease: renewal failed; retrying", "lease", c.Name, "err", err)
		}
	}
	stop()
	<-done
	if lost {
		return
	}
	// A clean hand-over: delete the key if it is still ours.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), every)
	defer cancel()
	if err := c.KV.Delete(dctx, c.Name, jetstream.LastRevision(rev)); err != nil {
		c.Log.Warn("lease: release", "lease", c.Name, "err", err)
		return
	}
	c.Log.Info("lease released", "lease", c.Name, "holder", c.Holder)
}

// Holder returns who holds a lease now, "" for nobody.
func Holder(ctx context.Context, kv jetstream.KeyValue, name string) (string, error) {
	e, err := kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}
