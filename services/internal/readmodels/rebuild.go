package readmodels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/docketledger/docket/projections/projector"
	"github.com/nats-io/nats.go/jetstream"
)

// Progress is a rebuild's position, reported while it runs.
type Progress struct {
	Generation int
	Done       uint64 // events applied
	Total      uint64 // stream's last sequence when the rebuild started
	Rate       float64
	Elapsed    time.Duration
}

// Remaining estimates the time left at the current rate.
func (p Progress) Remaining() time.Duration {
	if p.Rate <= 0 || p.Done >= p.Total {
		return 0
	}
	return time.Duration(float64(p.Total-p.Done) / p.Rate * float64(time.Second))
}

// Rebuild replays the stream from sequence 1 into a fresh generation and,
// once it has caught up with the stream as it was when it started, makes it
// the current one. The current generation keeps serving queries, and its
// projector keeps running, until a running docketd sees the switch. The
// generation before the current one is dropped first; the current one is
// kept (a docketd may still read it for a moment).
func Rebuild(ctx context.Context, backend Backend, js jetstream.JetStream, cfg projector.Config, log *slog.Logger, every time.Duration, report func(Progress)) (int, error) {
	gens := backend.Generations()
	cur, err := gens.Current(ctx)
	if err != nil {
		return 0, fmt.Errorf("current generation: %w", err)
	}
	if cur > 1 {
		if err := gens.Drop(ctx, cur-1); err != nil {
			return 0, fmt.Errorf("drop generation %d: %w", cur-1, err)
		}
	}
	next := cur + 1
	if err := gens.Drop(ctx, next); err != nil {
		return 0, fmt.Errorf("clear generation %d: %w", next, err)
	}
	st, err := backend.Open(ctx, next)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	// With partitions, one projector per partition, all at once; the new
	// generation is partitioned as docketd will project it.
	var ps []*projector.Projector
	for k := range max(cfg.Partitions, 1) {
		c := cfg
		c.Partition = k
		if cfg.Partitions <= 1 {
			c.Durable = "docket-projector-g" + strconv.Itoa(next)
		}
		p, err := projector.New(js, st, c, log)
		if err != nil {
			return 0, err
		}
		ps = append(ps, p)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		errs := make(chan error, len(ps))
		for _, p := range ps {
			go func() { errs <- p.CatchUp(ctx) }()
		}
		var first error
		for range ps {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		done <- first
	}()
	tick := time.NewTicker(every)
	defer tick.Stop()
	progress := func() Progress {
		var applied, head uint64
		for i, p := range ps {
			s := p.Stats()
			if i == 0 || s.Applied < applied {
				applied = s.Applied // every partition passes over every event
			}
			head = max(head, s.Head)
		}
		el := time.Since(start)
		return Progress{Generation: next, Done: applied, Total: head, Rate: float64(applied) / el.Seconds(), Elapsed: el}
	}
	for {
		select {
		case err := <-done:
			if err != nil {
				return 0, fmt.Errorf("rebuild generation %d: %w", next, err)
			}
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			report(progress())
			if err := gens.Switch(ctx, cur, next); err != nil {
				return 0, fmt.Errorf("switch to generation %d: %w", next, err)
			}
			return next, nil
		case <-tick.C:
			report(progress())
		case <-ctx.Done():
			<-done
			return 0, errors.New("rebuild interrupted; the current generation is unchanged")
		}
	}
}
