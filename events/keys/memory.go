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

func (s *memoryStore) List(ctx context.Context) ([]Ref, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := make([]Ref, 0, len(s.keys))
	for r := range s.keys {
		refs = append(refs, r)
	}
	return refs, nil
}

func (s *memoryStore) Replace(ctx context.Context, ref Ref, old, next Wrapped) error {
	if err := checkReplace(ref, old, next); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.keys[ref]
	switch {
	case !ok:
		return fmt.Errorf("%w for %s", ErrNotFound, ref)
	case e.shredded:
		return fmt.Errorf("%w: %s", ErrShredded, ref)
	case !e.w.equal(old):
		return fmt.Errorf("%w: %s", ErrChanged, ref)
	case old.equal(next):
		return nil
	}
	clear(e.w.Ciphertext)
	s.keys[ref] = memoryEntry{w: next.clone()}
	return nil
}
