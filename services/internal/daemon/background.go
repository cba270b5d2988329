package daemon

import (
	"context"
	"log/slog"
	"sync"

	"golang.org/x/sync/errgroup"
)

// background runs docketd's background loops (the projector, the notary,
// the sagas, the API server) in one errgroup. Each part starts its loops
// under a context of its own and stops them with the function start
// returns, so that Shutdown stops the parts in its order: the sagas before
// the read models they query, the read models before the notary.
type background struct {
	g   errgroup.Group
	log *slog.Logger
}

// loop is one background loop: run works until its context ends. An error
// it returns is logged as msg when it happens; with endsPart, its end, for
// whatever reason, ends the part's other loops too.
type loop struct {
	msg      string
	run      func(ctx context.Context) error
	endsPart bool
}

// start runs loops, and returns the function that ends them and waits
// until they have returned. The function may be called more than once.
func (b *background) start(loops ...loop) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var part sync.WaitGroup
	for _, l := range loops {
		part.Add(1)
		b.g.Go(func() error {
			defer part.Done()
			if l.endsPart {
				defer cancel()
			}
			err := l.run(ctx)
			if err != nil {
				b.log.Error(l.msg, "err", err)
			}
			return err
		})
	}
	return sync.OnceFunc(func() {
		cancel()
		part.Wait()
	})
}

// wait waits for every loop started; each part must have stopped its own.
// Their errors were logged when they happened.
func (b *background) wait() { _ = b.g.Wait() }
