package keys

import (
	"context"
	"fmt"
	"sync"
)

type memoryStore struct {
	mu   sync.Mutex
	keys map[Ref]memoryEntry
}

type memoryEntry struct {
	w        Wrapped
	shredded bool
}

// NewMemoryStore returns a Store held in process memory, for tests and
// benchmarks. Shred drops the wrapped key (garbage collection reclaims the
// memory; it is not overwritten).
func NewMemoryStore() Store {
	return &memoryStore{keys: make(map[Ref]memoryEntry)}
}

func (s *memoryStore) Get(ctx context.Context, ref Ref) (Wrapped, error) {
	if err := ref.Validate(); err != nil {
		return Wrapped{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.keys[ref]
	switch {
	case !ok:
		return Wrapped{}, fmt.Errorf("%w for %s", ErrNotFound, ref)
	case e.shredded:
		return Wrapped{}, fmt.Errorf("%w: %s", ErrShredded, ref)
	}
	return e.w.clone(), nil
}

func (s *memoryStore) Create(ctx context.Context, ref Ref, w Wrapped) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	if err := w.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.keys[ref]; ok {
		if e.shredded {
			return fmt.Errorf("%w: %s", ErrShredded, ref)
		}
		return fmt.Errorf("%w for %s", ErrExists, ref)
	}
	s.keys[ref] = memoryEntry{w: w.clone()}
	return nil
}

func (s *memoryStore) Shred(ctx context.Context, ref Ref) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.keys[ref]; ok {
		clear(e.w.Ciphertext)
	}
	s.keys[ref] = memoryEntry{shredded: true}
	return nil
}
