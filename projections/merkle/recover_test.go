package merkle_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/docketledger/docket/projections/merkle"
	"golang.org/x/mod/sumdb/tlog"
)

// writeTree returns the file of a tree of n records (appended, never synced,
// then closed, which writes it).
func writeTree(t *testing.T, n int64) []byte {
	t.Helper()
	dir := t.TempDir()
	tr, err := merkle.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	appendRandom(t, tr, rand.New(rand.NewPCG(uint64(n), 3)), n, 100)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "hashes"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// openFile opens a tree over a file holding data.
func openFile(t *testing.T, data []byte) (*merkle.Tree, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hashes"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return open(t, dir), dir
}

// checkRecovered checks that tr has the first want records of the reference
// tree (by a sample of roots), that the file was cut back to them, and that
// appending the rest again gives the reference root.
func checkRecovered(t *testing.T, tr *merkle.Tree, dir string, ref *reference, want int64) {
	t.Helper()
	if got := tr.Size(); got != want {
		t.Fatalf("Size() = %d, want %d", got, want)
	}
	if got := tr.Durable(); got != want {
		t.Errorf("Durable() = %d, want %d", got, want)
	}
	if got, wantLen := fileSize(t, dir), tlog.StoredHashCount(want)*32; got != wantLen {
		t.Errorf("file cut back to %d bytes, want %d", got, wantLen)
	}
	for _, k := range []int64{0, want / 3, want / 2, max(want-1, 0), want} {
		if got, err := tr.Root(k); err != nil || got != ref.root(t, k) {
			t.Fatalf("Root(%d) = %v, %v; want %v", k, got, err, ref.root(t, k))
		}
	}
	if err := tr.Append(leaves(want, ref.size)); err != nil {
		t.Fatal(err)
	}
	if got, err := tr.Root(ref.size); err != nil || got != ref.root(t, ref.size) {
		t.Fatalf("after appending the rest again: Root(%d) = %v, %v; want %v", ref.size, got, err, ref.root(t, ref.size))
	}
}

func TestRecoverTornTail(t *testing.T) {
	// Cut the file of n records at every byte offset in the last record's
	// stored hashes, as a crash in the middle of writing them would: Open
	// recovers n-1 records.
	tests := []struct {
		name    string
		records int64
	}{
		{"first record", 1},
		{"second record closes a subtree", 2},
		{"odd record", 5},
		{"closes a subtree of 8", 8},
		{"closes a subtree of 1024", 1024},
		{"after 1024", 1025},
		{"closes subtrees of 64", 1472},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // mostly waiting for fsync
			ref := &reference{}
			ref.grow(t, tt.records)
			data := writeTree(t, tt.records)
			from, to := tlog.StoredHashCount(tt.records-1)*32, tlog.StoredHashCount(tt.records)*32
			if int64(len(data)) != to {
				t.Fatalf("file of %d records has %d bytes, want %d", tt.records, len(data), to)
			}
			for cut := from; cut < to; cut++ {
				tr, dir := openFile(t, data[:cut])
				checkRecovered(t, tr, dir, ref, tt.records-1)
				if err := tr.Close(); err != nil {
					t.Fatal(err)
				}
			}
			tr, dir := openFile(t, data)
			checkRecovered(t, tr, dir, ref, tt.records)
		})
	}
}

func TestRecoverTrailingGarbage(t *testing.T) {
	const records = 77
	ref := &reference{}
	ref.grow(t, records)
	data := writeTree(t, records)
	rng := rand.New(rand.NewPCG(4, 4))
	for garbage := 1; garbage < 32; garbage++ {
		tail := make([]byte, garbage)
		for i := range tail {
			tail[i] = byte(rng.Uint32())
		}
		tr, dir := openFile(t, append(data[:len(data):len(data)], tail...))
		checkRecovered(t, tr, dir, ref, records)
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteFailure(t *testing.T) {
	tests := []struct {
		name string
		// before is appended and synced before writes fail.
		before int64
		// fail appends after writes fail and returns the first error.
		fail func(tr *merkle.Tree) error
		// wantSize is Size() after the failure (0: not checked).
		wantSize int64
		// closed is whether fail closes the tree.
		closed bool
	}{
		{
			name:     "sync",
			before:   100,
			fail:     func(tr *merkle.Tree) error { return firstErr(tr.Append(leaves(100, 300)), tr.Sync()) },
			wantSize: 300,
		},
		{
			// 40,000 records are more than the 1 MiB write buffer
			// holds, so Append itself writes (in chunks of 4,096).
			name:   "append past the write buffer",
			before: 100,
			fail:   func(tr *merkle.Tree) error { return tr.Append(leaves(100, 40_100)) },
		},
		{
			name:     "close",
			before:   0,
			fail:     func(tr *merkle.Tree) error { return firstErr(tr.Append(leaves(0, 10)), tr.Close()) },
			wantSize: 10,
			closed:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := &reference{}
			ref.grow(t, 40_100)
			dir := t.TempDir()
			tr := open(t, dir)
			if err := tr.Append(leaves(0, tt.before)); err != nil {
				t.Fatal(err)
			}
			if err := tr.Sync(); err != nil {
				t.Fatal(err)
			}
			merkle.FailWrites(tr, syscall.ENOSPC)
			if err := tt.fail(tr); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("got %v, want %v", err, syscall.ENOSPC)
			}
			size := tr.Size()
			if tt.wantSize != 0 && size != tt.wantSize {
				t.Errorf("Size() after the failure = %d, want %d", size, tt.wantSize)
			}
			if got := tr.Durable(); got != tt.before {
				t.Errorf("Durable() after the failure = %d, want %d", got, tt.before)
			}

			if !tt.closed {
				// Writers refuse to run; readers still see every
				// record.
				if err := tr.Append(leaves(size, size+1)); !errors.Is(err, syscall.ENOSPC) {
					t.Errorf("Append after the failure: %v, want %v", err, syscall.ENOSPC)
				}
				if err := tr.Sync(); !errors.Is(err, syscall.ENOSPC) {
					t.Errorf("Sync after the failure: %v, want %v", err, syscall.ENOSPC)
				}
				checkTree(t, tr, &reference{stored: ref.stored[:tlog.StoredHashCount(size)], size: size}, rng0(), 101)
				if err := tr.Close(); !errors.Is(err, syscall.ENOSPC) {
					t.Errorf("Close after the failure: %v, want %v", err, syscall.ENOSPC)
				}
			}

			// Reopening recovers a prefix of the tree, at least what
			// was synced.
			tr = open(t, dir)
			if got := tr.Size(); got < tt.before || got > size {
				t.Fatalf("reopened: Size() = %d, want %d..%d", got, tt.before, size)
			}
			got := tr.Size()
			checkTree(t, tr, &reference{stored: ref.stored[:tlog.StoredHashCount(got)], size: got}, rng0(), 101)
		})
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func rng0() *rand.Rand { return rand.New(rand.NewPCG(0, 0)) }

// TestReopenInPlace: after writes failed (a full disk), Reopen reads the
// tree again from its file in the same Tree, which then takes writes
// again, and ends up exactly the reference tree.
func TestReopenInPlace(t *testing.T) {
	ref := &reference{}
	ref.grow(t, 30_000)
	dir := t.TempDir()
	tr := open(t, dir)
	if err := tr.Append(leaves(0, 10_000)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Sync(); err != nil {
		t.Fatal(err)
	}
	merkle.FailWrites(tr, syscall.ENOSPC)
	if err := firstErr(tr.Append(leaves(10_000, 20_000)), tr.Sync()); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want %v", err, syscall.ENOSPC)
	}
	if !errors.Is(tr.Broken(), syscall.ENOSPC) {
		t.Fatalf("Broken() = %v", tr.Broken())
	}
	if err := tr.Reopen(); err != nil { // the disk has room again
		t.Fatal(err)
	}
	if tr.Broken() != nil {
		t.Fatalf("Broken() after Reopen = %v", tr.Broken())
	}
	got := tr.Size()
	if got < 10_000 || got > 20_000 {
		t.Fatalf("Size() after Reopen = %d, want 10000..20000", got)
	}
	if err := tr.Append(leaves(got, 30_000)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Sync(); err != nil {
		t.Fatal(err)
	}
	checkTree(t, tr, ref, rng0(), 97)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
}
