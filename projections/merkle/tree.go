package merkle

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrClosed is returned, wrapped, by every method of a [Tree] that can fail
// once the Tree has been closed (Close included).
var ErrClosed = errors.New("merkle: tree closed")

// ErrOutOfRange is returned, wrapped, for a record number, tree size or
// stored hash index outside the tree: negative, or beyond what has been
// appended so far.
var ErrOutOfRange = errors.New("merkle: out of range")

const (
	// fileName is the name of the stored-hash file in a Tree's directory.
	fileName = "hashes"
	// hashSize is the size of a stored hash, in the file and in buffers.
	hashSize = tlog.HashSize
	// flushSize is the buffer size past which Append writes the buffer to
	// the file.
	flushSize = 1 << 20
	// chunkRecords is how many records Append hashes before it makes them
	// visible to readers, so readers wait for one chunk, not a whole batch.
	chunkRecords = 4096
)

// storage is the file under a Tree: an *os.File, which tests wrap to inject
// write failures.
type storage interface {
	io.ReaderAt
	io.WriterAt
	Sync() error
	Close() error
}

// A Tree is the durable store of an RFC 6962 Merkle tree's stored hashes, in
// the layout of golang.org/x/mod/sumdb/tlog (see the package documentation).
// It implements [tlog.HashReader] over every record appended. Create one
// with [Open]; the zero Tree is not usable.
//
// One goroutine at a time may call Append, Sync and Close (others calling
// them are serialised); ReadHashes, Root, LeafHash, ProveRecord, ProveTree,
// Size and Durable may be called by any number of goroutines concurrently
// with them and with each other.
type Tree struct {
	// wmu serialises Append, Sync and Close; it guards the writer-only state
	// below and is held while hashing and writing, never by readers.
	wmu sync.Mutex
	// edge is the tree's right edge: the roots of the complete subtrees that
	// make up the first size records, largest (leftmost) first, one per set
	// bit of size. They are exactly the stored hashes the next records'
	// tlog.StoredHashesForRecordHash reads.
	edge []tlog.Hash
	// scratch receives one chunk's new stored hashes before they are
	// published in buf.
	scratch []byte
	// broken is the first write or fsync error; once set, Append and Sync
	// refuse to run until Reopen.
	broken error
	// path is the stored-hash file's, for Reopen.
	path string

	// mu guards the state readers see. Only a goroutine holding wmu changes
	// it (under mu's write lock); readers hold mu's read lock for a whole
	// read, file reads included, so Close cannot close the file under them.
	mu sync.RWMutex
	// f is the stored-hash file; its first written*hashSize bytes are
	// final.
	f      storage
	closed bool
	// size is the number of records appended; count is
	// tlog.StoredHashCount(size).
	size, count int64
	// written is the number of stored hashes written to f; buf holds the
	// stored hashes written .. count-1.
	written int64
	buf     []byte
	// durable is the number of records known to be on stable storage.
	durable int64
}

// Size returns the number of records appended, durable or not. After Close
// it returns the size at Close.
func (t *Tree) Size() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.size
}

// Durable returns the number of records known to be on stable storage: the
// size at the last successful Sync (or Open). After Close it returns the
// durable size at Close.
func (t *Tree) Durable() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.durable
}

// Append appends records Size() .. Size()+len(leaves)-1 to the tree, given
// by their record (leaf) hashes, tlog.RecordHash of each record's data. The
// records are visible to readers when Append returns (and, for a large
// batch, in chunks before); they are durable only after Sync.
//
// An error writing the buffer to the file leaves the Tree refusing every
// later Append and Sync; Size then tells how many of leaves were appended
// (in memory) before the failure. Reopen the directory to recover.
func (t *Tree) Append(leaves []tlog.Hash) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if err := t.writable("append"); err != nil {
		return err
	}
	n := t.size
	for len(leaves) > 0 {
		k := min(len(leaves), chunkRecords)
		t.scratch = t.scratch[:0]
		for _, h := range leaves[:k] {
			// The stored hashes of record n are its leaf hash, then the
			// root of every complete subtree it closes: one for each
			// trailing 1 bit of n, each combining the smallest subtree
			// on the edge with the hash built so far (as in
			// tlog.StoredHashesForRecordHash).
			t.scratch = append(t.scratch, h[:]...)
			for range bits.TrailingZeros64(uint64(n + 1)) {
				top := len(t.edge) - 1
				h = tlog.NodeHash(t.edge[top], h)
				t.edge = t.edge[:top]
				t.scratch = append(t.scratch, h[:]...)
			}
			t.edge = append(t.edge, h)
			n++
		}
		leaves = leaves[k:]

		t.mu.Lock()
		t.buf = append(t.buf, t.scratch...)
		t.size = n
		t.count = tlog.StoredHashCount(n)
		t.mu.Unlock()

		if len(t.buf) >= flushSize {
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Sync writes the buffered stored hashes to the file and fsyncs it. When it
// returns nil, every record appended before the call is on stable storage
// and Durable() == Size().
func (t *Tree) Sync() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if err := t.writable("sync"); err != nil {
		return err
	}
	return t.sync()
}

// Close syncs the tree (see Sync) and closes its file, also when it fails.
// It returns the error that broke the tree, if one did. Every later call of
// a method that can fail (Close included) returns ErrClosed; Size and
// Durable keep reporting the sizes at Close.
func (t *Tree) Close() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if t.closed {
		return fmt.Errorf("merkle: close: %w", ErrClosed)
	}
	err := t.writable("close")
	if err == nil {
		err = t.sync()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	t.buf, t.scratch, t.edge = nil, nil, nil
	if cerr := t.f.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("merkle: close: %w", cerr))
	}
	return err
}

// Broken returns the write or fsync error that stopped the tree taking
// writes, or nil.
func (t *Tree) Broken() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	return t.broken
}

// Reopen drops what the tree holds in memory and reads it again from its
// file, as Open does. After a write or fsync error (a full disk) the tree
// refuses every write; once the cause is gone, Reopen lets the writer
// resume at the size the file holds: records appended after the last
// successful Sync may be gone and must be appended again. Readers may run
// meanwhile; they see the size the file holds.
func (t *Tree) Reopen() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if t.closed {
		return fmt.Errorf("merkle: reopen: %w", ErrClosed)
	}
	if t.path == "" {
		return errors.New("merkle: reopen: the tree has no file")
	}
	f, _, err := openFile(t.path)
	if err != nil {
		return fmt.Errorf("merkle: reopen: %w", err)
	}
	nt, err := recoverTree(f, t.path)
	if err != nil {
		f.Close()
		return fmt.Errorf("merkle: reopen: %w", err)
	}
	t.mu.Lock()
	old := t.f
	t.f, t.edge, t.size, t.count, t.written, t.durable = nt.f, nt.edge, nt.size, nt.count, nt.written, nt.durable
	t.buf, t.scratch, t.broken = nil, nil, nil
	t.mu.Unlock()
	if err := old.Close(); err != nil {
		return fmt.Errorf("merkle: reopen: closing the old file: %w", err)
	}
	return nil
}

// writable reports why the writer cannot run op, if it cannot. The caller
// holds wmu.
func (t *Tree) writable(op string) error {
	if t.closed {
		return fmt.Errorf("merkle: %s: %w", op, ErrClosed)
	}
	if t.broken != nil {
		return fmt.Errorf("merkle: %s: tree unusable after an earlier I/O error, reopen it: %w", op, t.broken)
	}
	return nil
}

// flush writes buf to the file. The caller holds wmu.
func (t *Tree) flush() error {
	if len(t.buf) == 0 {
		return nil
	}
	// Readers may read buf concurrently (under mu's read lock): both only
	// read it. Only this goroutine changes buf or written.
	k := int64(len(t.buf) / hashSize)
	if _, err := t.f.WriteAt(t.buf, t.written*hashSize); err != nil {
		t.broken = fmt.Errorf("write stored hashes %d..%d: %w", t.written, t.written+k-1, err)
		return fmt.Errorf("merkle: %w", t.broken)
	}
	t.mu.Lock()
	t.written += k
	t.buf = t.buf[:0]
	t.mu.Unlock()
	return nil
}

// sync flushes buf and fsyncs the file. The caller holds wmu.
func (t *Tree) sync() error {
	if err := t.flush(); err != nil {
		return err
	}
	if t.durable == t.size {
		return nil
	}
	if err := t.f.Sync(); err != nil {
		t.broken = fmt.Errorf("fsync: %w", err)
		return fmt.Errorf("merkle: %w", t.broken)
	}
	t.mu.Lock()
	t.durable = t.size
	t.mu.Unlock()
	return nil
}
