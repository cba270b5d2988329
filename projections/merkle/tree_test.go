package merkle_test

import (
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/docketledger/docket/projections/merkle"
	"golang.org/x/mod/sumdb/tlog"
)

func TestMatchesReference(t *testing.T) {
	tests := []struct {
		name     string
		records  int64
		maxBatch int
		// stride is how often sizes are checked in full (1: every size).
		stride int64
	}{
		{name: "empty", records: 0, maxBatch: 1, stride: 1},
		{name: "one record", records: 1, maxBatch: 1, stride: 1},
		{name: "one at a time", records: 300, maxBatch: 1, stride: 1},
		{name: "random batches", records: 2000, maxBatch: 150, stride: 1},
		{name: "power of two in one batch", records: 2048, maxBatch: 2048, stride: 1},
		// Over flushSize (1 MiB, about 16,400 records) of stored
		// hashes, so reads come from the file and from the buffer.
		{name: "past the write buffer", records: 40_000, maxBatch: 5000, stride: 997},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tt.records), 1))
			ref := &reference{}
			ref.grow(t, tt.records)
			tr := open(t, t.TempDir())

			// Check after every batch while records are appended, some
			// of them only in memory.
			checked := int64(0)
			for tr.Size() < tt.records {
				appendRandom(t, tr, rng, min(tt.records, tr.Size()+1+rng.Int64N(int64(tt.maxBatch))), tt.maxBatch)
				if tr.Size()-checked >= tt.records/8 {
					checked = tr.Size()
					sub := &reference{stored: ref.stored[:tlog.StoredHashCount(checked)], size: checked}
					checkTree(t, tr, sub, rng, tt.stride*7)
				}
			}
			checkTree(t, tr, ref, rng, tt.stride)
			if err := tr.Sync(); err != nil {
				t.Fatal(err)
			}
			checkTree(t, tr, ref, rng, tt.stride)
		})
	}
}

func TestEmptyRoot(t *testing.T) {
	tr := open(t, t.TempDir())
	got, err := tr.Root(0)
	if err != nil {
		t.Fatal(err)
	}
	if want := tlog.Hash(sha256.Sum256(nil)); got != want {
		t.Errorf("Root(0) = %v, want SHA-256 of nothing, %v", got, want)
	}
}

func TestSyncDurable(t *testing.T) {
	tr := open(t, t.TempDir())
	if got := tr.Durable(); got != 0 {
		t.Fatalf("Durable() of a new tree = %d, want 0", got)
	}
	if err := tr.Append(leaves(0, 100)); err != nil {
		t.Fatal(err)
	}
	if got := tr.Durable(); got != 0 {
		t.Errorf("Durable() after Append = %d, want 0", got)
	}
	if err := tr.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := tr.Durable(); got != 100 {
		t.Errorf("Durable() after Sync = %d, want 100", got)
	}
}

func TestReopen(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	dir := t.TempDir()
	ref := &reference{}
	ref.grow(t, 3000)

	// Each run appends some records and closes; the next one resumes.
	for _, size := range []int64{0, 1, 7, 8, 1000, 1023, 1024, 3000} {
		tr, err := merkle.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Durable() != tr.Size() {
			t.Errorf("after Open: Durable() = %d, Size() = %d", tr.Durable(), tr.Size())
		}
		appendRandom(t, tr, rng, size, 300)
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}

		tr = open(t, dir)
		checkTree(t, tr, &reference{stored: ref.stored[:tlog.StoredHashCount(size)], size: size}, rng, 1)
		if got, want := fileSize(t, dir), tlog.StoredHashCount(size)*32; got != want {
			t.Errorf("file has %d bytes, want %d", got, want)
		}
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenCreates(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	fi, err := os.Stat(filepath.Join(dir, "hashes"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("hashes has mode %v, want 0600", got)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T) string
		wantErr error
	}{
		{
			name:    "missing directory",
			setup:   func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") },
			wantErr: os.ErrNotExist,
		},
		{
			name: "not a directory",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			},
		},
		{
			name: "hashes is a directory",
			setup: func(t *testing.T) string {
				dir := t.TempDir()
				if err := os.Mkdir(filepath.Join(dir, "hashes"), 0o700); err != nil {
					t.Fatal(err)
				}
				return dir
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := merkle.Open(tt.setup(t))
			if err == nil {
				tr.Close()
				t.Fatal("Open succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Open: %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestOutOfRange(t *testing.T) {
	tr := open(t, t.TempDir())
	if err := tr.Append(leaves(0, 10)); err != nil {
		t.Fatal(err)
	}
	count := tlog.StoredHashCount(10)
	tests := []struct {
		name string
		call func() error
	}{
		{"Root(-1)", func() error { _, err := tr.Root(-1); return err }},
		{"Root(Size+1)", func() error { _, err := tr.Root(11); return err }},
		{"LeafHash(-1)", func() error { _, err := tr.LeafHash(-1); return err }},
		{"LeafHash(Size)", func() error { _, err := tr.LeafHash(10); return err }},
		{"ReadHashes(-1)", func() error { _, err := tr.ReadHashes([]int64{0, -1}); return err }},
		{"ReadHashes(count)", func() error { _, err := tr.ReadHashes([]int64{0, count}); return err }},
		{"ProveRecord(Size+1, 0)", func() error { _, err := tr.ProveRecord(11, 0); return err }},
		{"ProveRecord(0, 0)", func() error { _, err := tr.ProveRecord(0, 0); return err }},
		{"ProveRecord(5, 5)", func() error { _, err := tr.ProveRecord(5, 5); return err }},
		{"ProveRecord(5, -1)", func() error { _, err := tr.ProveRecord(5, -1); return err }},
		{"ProveTree(Size+1, 1)", func() error { _, err := tr.ProveTree(11, 1); return err }},
		{"ProveTree(5, 0)", func() error { _, err := tr.ProveTree(5, 0); return err }},
		{"ProveTree(5, 6)", func() error { _, err := tr.ProveTree(5, 6); return err }},
		{"ProveTree(0, 0)", func() error { _, err := tr.ProveTree(0, 0); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, merkle.ErrOutOfRange) {
				t.Errorf("got %v, want %v", err, merkle.ErrOutOfRange)
			}
		})
	}
}

func TestClosed(t *testing.T) {
	tr, err := merkle.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Append(leaves(0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"Append", func() error { return tr.Append(leaves(10, 11)) }},
		{"Append(nil)", func() error { return tr.Append(nil) }},
		{"Sync", tr.Sync},
		{"Close", tr.Close},
		{"ReadHashes", func() error { _, err := tr.ReadHashes([]int64{0}); return err }},
		{"Root", func() error { _, err := tr.Root(10); return err }},
		{"LeafHash", func() error { _, err := tr.LeafHash(0); return err }},
		{"ProveRecord", func() error { _, err := tr.ProveRecord(10, 3); return err }},
		{"ProveTree", func() error { _, err := tr.ProveTree(10, 3); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, merkle.ErrClosed) {
				t.Errorf("got %v, want %v", err, merkle.ErrClosed)
			}
		})
	}
	if tr.Size() != 10 || tr.Durable() != 10 {
		t.Errorf("after Close: Size() = %d, Durable() = %d; want 10, 10", tr.Size(), tr.Durable())
	}
}

func fileSize(t *testing.T, dir string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, "hashes"))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestReadHashesAnyOrder(t *testing.T) {
	// Indexes in any order, repeated, near and far apart, from the file
	// and from the write buffer.
	const records = 40_000
	ref := &reference{}
	ref.grow(t, records)
	tr := open(t, t.TempDir())
	if err := tr.Append(leaves(0, records)); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	count := int64(len(ref.stored))
	for range 200 {
		indexes := make([]int64, rng.IntN(100))
		for i := range indexes {
			switch rng.IntN(4) {
			case 0:
				indexes[i] = rng.Int64N(count)
			case 1: // near the previous one, either side
				if i > 0 {
					indexes[i] = min(count-1, max(0, indexes[i-1]+rng.Int64N(300)-150))
				}
			case 2: // a repeat
				if i > 0 {
					indexes[i] = indexes[rng.IntN(i)]
				}
			case 3: // the last ones, in the buffer
				indexes[i] = count - 1 - rng.Int64N(1000)
			}
		}
		got, err := tr.ReadHashes(indexes)
		if err != nil {
			t.Fatalf("ReadHashes(%v): %v", indexes, err)
		}
		if len(got) != len(indexes) {
			t.Fatalf("ReadHashes(%d indexes) = %d hashes", len(indexes), len(got))
		}
		for i, x := range indexes {
			if got[i] != ref.stored[x] {
				t.Fatalf("ReadHashes(%v)[%d] (index %d) = %v, want %v", indexes, i, x, got[i], ref.stored[x])
			}
		}
	}
}
