package merkle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/tlog"
)

// Open opens the tree stored in dir, creating an empty one (the file
// dir/hashes, mode 0600) if there is none; dir must exist. It resumes a tree
// written by an earlier run at its size. A torn tail (a crash mid-write) is
// cut back to the largest record count n whose tlog.StoredHashCount(n)*32
// bytes are all present, truncating the bytes beyond, so a length that is
// not a multiple of 32 is never accepted. Open verifies no hash (see the
// package documentation); it fsyncs the file, so Durable() == Size() after
// Open.
func Open(dir string) (*Tree, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("merkle: open: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("merkle: open: %s is not a directory", dir)
	}
	path := filepath.Join(dir, fileName)
	f, created, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("merkle: open: %w", err)
	}
	t, err := recoverTree(f, path)
	if err == nil && created {
		// Make the new file's directory entry durable, so Sync's
		// promise holds for the first records too.
		err = syncDir(dir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("merkle: open: %w", err)
	}
	return t, nil
}

// openFile opens path read-write, creating it if it does not exist, and
// reports whether it did.
func openFile(path string) (f *os.File, created bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, false, err
	}
	f, err = os.OpenFile(path, os.O_RDWR, 0)
	return f, false, err
}

// recoverTree cuts f back to whole records, fsyncs it and loads the tree's
// right edge.
func recoverTree(f *os.File, path string) (*Tree, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	length := fi.Size()
	n := recordsIn(length / hashSize)
	count := tlog.StoredHashCount(n)
	if keep := count * hashSize; length > keep {
		if err := f.Truncate(keep); err != nil {
			return nil, fmt.Errorf("cut %s back from %d to %d bytes (%d records): %w", path, length, keep, n, err)
		}
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("fsync %s: %w", path, err)
	}
	edge, err := readEdge(f, n)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &Tree{
		path:    path,
		edge:    edge,
		f:       f,
		size:    n,
		count:   count,
		written: count,
		durable: n,
	}, nil
}

// recordsIn returns the largest record count n with
// tlog.StoredHashCount(n) <= hashes.
func recordsIn(hashes int64) int64 {
	// StoredHashCount is increasing and StoredHashCount(n) >= n, so the
	// answer is in [0, hashes]: keep StoredHashCount(lo) <= hashes and
	// StoredHashCount(hi+1) > hashes.
	lo, hi := int64(0), hashes
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if tlog.StoredHashCount(mid) <= hashes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// readEdge reads the right edge of the tree of n records from f: the roots
// of its complete subtrees, one per set bit of n, largest first.
func readEdge(f *os.File, n int64) ([]tlog.Hash, error) {
	var edge []tlog.Hash
	lo := int64(0)
	for level := 62; level >= 0; level-- {
		if n&(1<<level) == 0 {
			continue
		}
		var h tlog.Hash
		if _, err := f.ReadAt(h[:], tlog.StoredHashIndex(level, lo>>level)*hashSize); err != nil {
			return nil, err
		}
		edge = append(edge, h)
		lo += 1 << level
	}
	return edge, nil
}

// syncDir fsyncs the directory dir.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
