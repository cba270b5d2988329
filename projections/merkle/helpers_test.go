package merkle_test

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/docketledger/docket/projections/merkle"
	"golang.org/x/mod/sumdb/tlog"
)

// leaf returns the record hash of record n of the test trees.
func leaf(n int64) tlog.Hash {
	var data [16]byte
	copy(data[:], "event ")
	binary.BigEndian.PutUint64(data[8:], uint64(n))
	return tlog.RecordHash(data[:])
}

// leaves returns the record hashes of records lo .. hi-1.
func leaves(lo, hi int64) []tlog.Hash {
	hs := make([]tlog.Hash, 0, hi-lo)
	for n := lo; n < hi; n++ {
		hs = append(hs, leaf(n))
	}
	return hs
}

// reference is the tree computed by tlog alone, over stored hashes in
// memory.
type reference struct {
	stored []tlog.Hash
	size   int64
}

func (r *reference) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			hs[i] = r.stored[x]
		}
		return hs, nil
	})
}

// grow appends records r.size .. n-1 (leaf(i) each).
func (r *reference) grow(t testing.TB, n int64) {
	t.Helper()
	for ; r.size < n; r.size++ {
		hs, err := tlog.StoredHashesForRecordHash(r.size, leaf(r.size), r.reader())
		if err != nil {
			t.Fatal(err)
		}
		r.stored = append(r.stored, hs...)
	}
}

func (r *reference) root(t testing.TB, n int64) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(n, r.reader())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// open opens the tree in dir and closes it at the end of the test.
func open(t testing.TB, dir string) *merkle.Tree {
	t.Helper()
	tr, err := merkle.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil && !errors.Is(err, merkle.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return tr
}

// appendRandom appends records tr.Size() .. n-1 in batches of 1..maxBatch
// records.
func appendRandom(t testing.TB, tr *merkle.Tree, rng *rand.Rand, n int64, maxBatch int) {
	t.Helper()
	for size := tr.Size(); size < n; size = tr.Size() {
		k := min(n-size, 1+rng.Int64N(int64(maxBatch)))
		if err := tr.Append(leaves(size, size+k)); err != nil {
			t.Fatalf("Append(%d..%d): %v", size, size+k-1, err)
		}
	}
}

// checkTree checks tr's stored hashes, leaf hashes and roots against ref
// for every size up to tr.Size() (every stride'th size, and the last), and
// that a sample of proofs verify against those roots and fail for a wrong
// leaf or root.
func checkTree(t *testing.T, tr *merkle.Tree, ref *reference, rng *rand.Rand, stride int64) {
	t.Helper()
	size := tr.Size()
	if size != ref.size {
		t.Fatalf("Size() = %d, want %d", size, ref.size)
	}
	indexes := make([]int64, tlog.StoredHashCount(size))
	for i := range indexes {
		indexes[i] = int64(i)
	}
	got, err := tr.ReadHashes(indexes)
	if err != nil {
		t.Fatalf("ReadHashes(all %d): %v", len(indexes), err)
	}
	for i := range got {
		if got[i] != ref.stored[i] {
			t.Fatalf("stored hash %d = %v, want %v", i, got[i], ref.stored[i])
		}
	}

	roots := make(map[int64]tlog.Hash)
	rootOf := func(k int64) tlog.Hash {
		if h, ok := roots[k]; ok {
			return h
		}
		h, err := tr.Root(k)
		if err != nil {
			t.Fatalf("Root(%d): %v", k, err)
		}
		if want := ref.root(t, k); h != want {
			t.Fatalf("Root(%d) = %v, want %v", k, h, want)
		}
		roots[k] = h
		return h
	}
	rootOf(0)
	for k := int64(1); k <= size; k++ {
		if k%stride != 0 && k != size {
			continue
		}
		th := rootOf(k)
		if h, err := tr.LeafHash(k - 1); err != nil || h != leaf(k-1) {
			t.Fatalf("LeafHash(%d) = %v, %v; want %v", k-1, h, err, leaf(k-1))
		}
		// Every record and old size for small trees, a sample for
		// larger ones.
		var ns []int64
		if k <= 64 {
			for n := range k {
				ns = append(ns, n)
			}
		} else {
			ns = []int64{0, k - 1, rng.Int64N(k), rng.Int64N(k)}
		}
		for _, n := range ns {
			p, err := tr.ProveRecord(k, n)
			if err != nil {
				t.Fatalf("ProveRecord(%d, %d): %v", k, n, err)
			}
			if err := tlog.CheckRecord(p, k, th, n, leaf(n)); err != nil {
				t.Fatalf("CheckRecord(ProveRecord(%d, %d)): %v", k, n, err)
			}
			if err := tlog.CheckRecord(p, k, th, n, leaf(n+1)); err == nil {
				t.Fatalf("CheckRecord(ProveRecord(%d, %d)) accepts a wrong leaf", k, n)
			}

			old := n + 1
			oh := rootOf(old)
			tp, err := tr.ProveTree(k, old)
			if err != nil {
				t.Fatalf("ProveTree(%d, %d): %v", k, old, err)
			}
			if err := tlog.CheckTree(tp, k, th, old, oh); err != nil {
				t.Fatalf("CheckTree(ProveTree(%d, %d)): %v", k, old, err)
			}
			if err := tlog.CheckTree(tp, k, th, old, tlog.Hash{0xff}); err == nil {
				t.Fatalf("CheckTree(ProveTree(%d, %d)) accepts a wrong old root", k, old)
			}
		}
	}
}
