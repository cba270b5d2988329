package merkle

import "errors"

// FailWrites makes every later write and fsync of t's file fail with err, as
// a full or failing disk would; a write first writes half of its bytes, so
// the file is left with a torn tail.
func FailWrites(t *Tree, err error) {
	if err == nil {
		panic(errors.New("merkle: FailWrites with a nil error"))
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.f = faultyFile{storage: t.f, err: err}
}

// faultyFile is a storage whose writes and fsyncs fail.
type faultyFile struct {
	storage
	err error
}

func (f faultyFile) WriteAt(p []byte, off int64) (int, error) {
	n, _ := f.storage.WriteAt(p[:len(p)/2], off)
	return n, f.err
}

func (f faultyFile) Sync() error { return f.err }
