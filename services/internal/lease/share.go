package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// memberPrefix names the keys by which sharing replicas show they are
// alive: "member.<holder>", a lease each holds on itself.
const memberPrefix = "member."

// Share runs jobs that several replicas share: each named job runs on one
// replica at a time, under a lease of that name, and the jobs are spread
// over the replicas alive (those that call Share with the same names): a
// replica takes a job only while it holds fewer than its fair share,
// ceil(jobs / replicas), and hands over one it holds beyond that (when a
// replica joins). When a replica stops or dies, the others take its jobs
// over. run(ctx, i) runs names[i] until ctx ends. c.Name is not used; the
// other fields are as for Run. Share returns when ctx ends and every job
// has stopped.
func Share(ctx context.Context, c Config, names []string, run func(ctx context.Context, i int)) error {
	c.Name = memberPrefix + c.Holder
	if err := c.check(); err != nil {
		return err
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if len(names) == 0 {
		return errors.New("lease: no jobs to share")
	}
	for i, n := range names {
		if strings.HasPrefix(n, memberPrefix) {
			return fmt.Errorf("lease: job name %d starts with %q, which names the replicas", i, memberPrefix)
		}
	}
	s := &sharing{c: c, jobs: len(names)}
	var wg sync.WaitGroup
	wg.Go(func() {
		// Membership: this replica's own lease on its name.
		_ = Run(ctx, c, func(lctx context.Context) { <-lctx.Done() })
	})
	wg.Go(func() { s.count(ctx) })
	for i, name := range names {
		jc := c
		jc.Name = name
		wg.Go(func() { s.job(ctx, jc, func(ctx context.Context) { run(ctx, i) }) })
	}
	wg.Wait()
	return nil
}

// sharing is one replica's state in Share.
type sharing struct {
	c       Config
	jobs    int
	held    atomic.Int32 // jobs this replica runs
	members atomic.Int32 // replicas alive, as last counted
}

// fair is this replica's share of the jobs.
func (s *sharing) fair() int32 {
	m := max(s.members.Load(), 1)
	return (int32(s.jobs) + m - 1) / m
}

// count keeps members current: the membership keys alive.
func (s *sharing) count(ctx context.Context) {
	for {
		if n, err := s.countMembers(ctx); err == nil {
			s.members.Store(int32(n))
		} else if ctx.Err() == nil {
			s.c.Log.Warn("lease: counting replicas", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.c.TTL / 3):
		}
	}
}

func (s *sharing) countMembers(ctx context.Context) (int, error) {
	l, err := s.c.KV.ListKeysFiltered(ctx, memberPrefix+"*")
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer l.Stop()
	n := 0
	for range l.Keys() {
		n++
	}
	return n, nil
}

// job campaigns for one job while this replica is under its fair share,
// runs it while held, and hands it over when over the share.
func (s *sharing) job(ctx context.Context, c Config, run func(context.Context)) {
	for ctx.Err() == nil {
		if s.members.Load() == 0 || s.held.Load() >= s.fair() {
			sleep(ctx, c.TTL/3)
			continue
		}
		jctx, cancel := context.WithCancel(ctx)
		handedOver := false
		_ = Run(jctx, c, func(lctx context.Context) {
			s.held.Add(1)
			rctx, stop := context.WithCancel(lctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				run(rctx)
			}()
			for {
				select {
				case <-done:
				case <-time.After(c.TTL / 3):
					h := s.held.Load()
					if h <= s.fair() || !s.held.CompareAndSwap(h, h-1) {
						continue
					}
					handedOver = true
					c.Log.Info("lease: handing a job over to balance the replicas", "lease", c.Name, "holder", c.Holder)
					stop()
					<-done
				}
				break
			}
			stop()
			if !handedOver {
				s.held.Add(-1)
			}
			cancel() // release the lease and stop campaigning for now
		})
		cancel()
		if handedOver {
			sleep(ctx, c.TTL) // let a replica under its share take it
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
