package merkle_test

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/docketledger/docket/projections/merkle"
	"golang.org/x/mod/sumdb/tlog"
)

// benchBatch is the batch size of BenchmarkAppend, the projector's catch-up
// batch.
const benchBatch = 10_000

func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name string
		sync bool
	}{
		{"batch=10000", false},
		{"batch=10000+sync", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr, err := merkle.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			batch := leaves(0, benchBatch)
			for b.Loop() {
				if err := tr.Append(batch); err != nil {
					b.Fatal(err)
				}
				if bc.sync {
					if err := tr.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)*benchBatch/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkRawSHA256 hashes as many 500-byte inputs as BenchmarkAppend
// appends records: what computing the leaf hashes of ~500-byte events
// costs, for comparison.
func BenchmarkRawSHA256(b *testing.B) {
	var data [500]byte
	var sum [32]byte
	for b.Loop() {
		for i := range benchBatch {
			data[0], data[1] = byte(i), byte(i>>8)
			sum = sha256.Sum256(data[:])
		}
	}
	_ = sum
	b.ReportMetric(float64(b.N)*benchBatch/b.Elapsed().Seconds(), "records/s")
}

// benchTree returns a synced tree of 1,000,000 records.
func benchTree(b *testing.B) *merkle.Tree {
	const records = 1_000_000
	tr, err := merkle.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	for n := int64(0); n < records; n += benchBatch {
		if err := tr.Append(leaves(n, n+benchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tr.Sync(); err != nil {
		b.Fatal(err)
	}
	return tr
}

func BenchmarkProveRecord(b *testing.B) {
	tr := benchTree(b)
	size := tr.Size()
	rng := rand.New(rand.NewPCG(7, 7))
	for b.Loop() {
		if _, err := tr.ProveRecord(size, rng.Int64N(size)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoot(b *testing.B) {
	tr := benchTree(b)
	size := tr.Size()
	rng := rand.New(rand.NewPCG(8, 8))
	for _, bc := range []struct {
		name string
		n    func() int64
	}{
		{"size", func() int64 { return size }},
		{"random", func() int64 { return 1 + rng.Int64N(size) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var h tlog.Hash
			for b.Loop() {
				var err error
				if h, err = tr.Root(bc.n()); err != nil {
					b.Fatal(err)
				}
			}
			_ = h
		})
	}
}
