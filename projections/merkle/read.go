package merkle

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ReadHashes returns the stored hashes with the given indexes (see
// tlog.StoredHashIndex), reading those not yet written to the file from
// memory; it implements [tlog.HashReader] over every record appended. An
// index beyond the stored hashes of Size() records is ErrOutOfRange.
func (t *Tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return nil, fmt.Errorf("merkle: read hashes: %w", ErrClosed)
	}
	hashes := make([]tlog.Hash, len(indexes))
	var window []byte
	for i := 0; i < len(indexes); i++ {
		x := indexes[i]
		switch {
		case x < 0 || x >= t.count:
			return nil, fmt.Errorf("merkle: read stored hash %d of a tree with %d: %w", x, t.count, ErrOutOfRange)
		case x >= t.written:
			copy(hashes[i][:], t.buf[(x-t.written)*hashSize:])
			continue
		}
		// Read x and the indexes after it that lie in the same
		// window of the file with one ReadAt: the lower levels of a
		// proof are close together.
		j, end := i+1, x+1
		for ; j < len(indexes); j++ {
			y := indexes[j]
			if y < x || y >= t.written || y-x >= readWindow {
				break
			}
			end = max(end, y+1)
		}
		if cap(window) == 0 {
			window = make([]byte, readWindow*hashSize)
		}
		w := window[:(end-x)*hashSize]
		if _, err := t.f.ReadAt(w, x*hashSize); err != nil {
			return nil, fmt.Errorf("merkle: read stored hashes %d..%d: %w", x, end-1, err)
		}
		for k := i; k < j; k++ {
			copy(hashes[k][:], w[(indexes[k]-x)*hashSize:])
		}
		i = j - 1
	}
	return hashes, nil
}

// readWindow is the most stored hashes ReadHashes reads from the file at
// once, to serve several nearby indexes.
const readWindow = 4096 / hashSize

// Root returns the tree hash (RFC 6962 Merkle tree hash) of the first n
// records, 0 <= n <= Size(); the root of the empty tree is SHA-256 of
// nothing.
func (t *Tree) Root(n int64) (tlog.Hash, error) {
	if err := t.checkRange("root", 0, n, true); err != nil {
		return tlog.Hash{}, err
	}
	h, err := tlog.TreeHash(n, t)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("merkle: root of %d records: %w", n, err)
	}
	return h, nil
}

// LeafHash returns the record (leaf) hash of record n, 0 <= n < Size(), as it
// was given to Append.
func (t *Tree) LeafHash(n int64) (tlog.Hash, error) {
	if err := t.checkRange("leaf hash", 0, n, false); err != nil {
		return tlog.Hash{}, err
	}
	hs, err := t.ReadHashes([]int64{tlog.StoredHashIndex(0, n)})
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("merkle: leaf hash of record %d: %w", n, err)
	}
	return hs[0], nil
}

// ProveRecord returns the proof (RFC 6962 audit path) that the tree of the
// first treeSize records contains record n, 0 <= n < treeSize <= Size(); it
// verifies with tlog.CheckRecord against Root(treeSize).
func (t *Tree) ProveRecord(treeSize, n int64) (tlog.RecordProof, error) {
	if err := t.checkRange("prove record", 1, treeSize, true); err != nil {
		return nil, err
	}
	if n < 0 || n >= treeSize {
		return nil, fmt.Errorf("merkle: prove record %d in tree of %d records: %w", n, treeSize, ErrOutOfRange)
	}
	p, err := tlog.ProveRecord(treeSize, n, t)
	if err != nil {
		return nil, fmt.Errorf("merkle: prove record %d in tree of %d records: %w", n, treeSize, err)
	}
	return p, nil
}

// ProveTree returns the proof (RFC 6962 consistency proof) that the tree of
// the first treeSize records contains the tree of the first oldSize as a
// prefix, 1 <= oldSize <= treeSize <= Size(); it verifies with
// tlog.CheckTree against Root(treeSize) and Root(oldSize). (tlog has no
// proof from the empty tree, which every tree trivially extends.)
func (t *Tree) ProveTree(treeSize, oldSize int64) (tlog.TreeProof, error) {
	if err := t.checkRange("prove tree", 1, treeSize, true); err != nil {
		return nil, err
	}
	if oldSize < 1 || oldSize > treeSize {
		return nil, fmt.Errorf("merkle: prove tree of %d records extends tree of %d: %w", treeSize, oldSize, ErrOutOfRange)
	}
	p, err := tlog.ProveTree(treeSize, oldSize, t)
	if err != nil {
		return nil, fmt.Errorf("merkle: prove tree of %d records extends tree of %d: %w", treeSize, oldSize, err)
	}
	return p, nil
}

// checkRange checks that the tree is open and that lo <= n and n < Size()
// (n <= Size() if inclusive). The tree only grows, so a record or size in
// range stays in range.
func (t *Tree) checkRange(op string, lo, n int64, inclusive bool) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return fmt.Errorf("merkle: %s: %w", op, ErrClosed)
	}
	if n < lo || n > t.size || (!inclusive && n == t.size) {
		what := "record"
		if inclusive {
			what = "tree size"
		}
		return fmt.Errorf("merkle: %s: %s %d not in tree of %d records: %w", op, what, n, t.size, ErrOutOfRange)
	}
	return nil
}
