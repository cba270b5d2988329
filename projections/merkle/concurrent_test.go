package merkle_test

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestConcurrentProofs(t *testing.T) {
	const (
		records  = 200_000
		maxBatch = 5000
		readers  = 4
	)
	tr := open(t, t.TempDir())
	all := leaves(0, records)

	var done atomic.Bool
	var wg sync.WaitGroup
	proofs := make([]int, readers)
	for r := range readers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 5))
			// Check at least a few proofs after the appender is done,
			// in case the readers are slow to start.
			for i := 0; !done.Load() || i < 20; i++ {
				size := tr.Size()
				if size == 0 {
					continue
				}
				th, err := tr.Root(size)
				if err != nil {
					t.Errorf("Root(%d): %v", size, err)
					return
				}
				n := rng.Int64N(size)
				p, err := tr.ProveRecord(size, n)
				if err != nil {
					t.Errorf("ProveRecord(%d, %d): %v", size, n, err)
					return
				}
				if err := tlog.CheckRecord(p, size, th, n, all[n]); err != nil {
					t.Errorf("CheckRecord(ProveRecord(%d, %d)): %v", size, n, err)
					return
				}

				old := 1 + rng.Int64N(size)
				oh, err := tr.Root(old)
				if err != nil {
					t.Errorf("Root(%d): %v", old, err)
					return
				}
				tp, err := tr.ProveTree(size, old)
				if err != nil {
					t.Errorf("ProveTree(%d, %d): %v", size, old, err)
					return
				}
				if err := tlog.CheckTree(tp, size, th, old, oh); err != nil {
					t.Errorf("CheckTree(ProveTree(%d, %d)): %v", size, old, err)
					return
				}
				proofs[r]++
			}
		})
	}

	rng := rand.New(rand.NewPCG(6, 6))
	for size := 0; size < records; {
		k := min(records-size, 1+rng.IntN(maxBatch))
		if err := tr.Append(all[size : size+k]); err != nil {
			t.Error(err)
			break
		}
		size += k
		if rng.IntN(10) == 0 {
			if err := tr.Sync(); err != nil {
				t.Error(err)
				break
			}
		}
	}
	done.Store(true)
	wg.Wait()
	t.Logf("proofs checked by each reader: %v", proofs)

	ref := &reference{}
	ref.grow(t, records)
	if got, err := tr.Root(records); err != nil || got != ref.root(t, records) {
		t.Errorf("Root(%d) = %v, %v; want %v", records, got, err, ref.root(t, records))
	}
}
