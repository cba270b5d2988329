package keys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// Sentinel errors of a Store (and of the Keyring); match them with errors.Is.
var (
	// ErrNotFound: the ref has no data key yet.
	ErrNotFound = errors.New("keys: no data key")
	// ErrExists: Create found a key already there (another creator won).
	ErrExists = errors.New("keys: data key already exists")
	// ErrShredded: the ref's key was shredded; it never gets a key again.
	ErrShredded = errors.New("keys: data key shredded")
	// ErrUnwrap: a wrapped data key cannot be unwrapped with the configured
	// KEK (another KEK wrapped it, or it was tampered with).
	ErrUnwrap = errors.New("keys: cannot unwrap data key")
	// ErrChanged: Replace found another wrapped key than the one it was
	// to replace (another rotation rewrapped it meanwhile).
	ErrChanged = errors.New("keys: wrapped data key changed meanwhile")
)

// Wrapped is a data key encrypted by a key-encryption key.
type Wrapped struct {
	// Version of the data key, recorded in every value it seals; >= 1.
	Version uint32
	// KEKID identifies the KEK that wrapped it (KEK.ID).
	KEKID string
	// Ciphertext is the data key as KEK.Wrap returned it.
	Ciphertext []byte
}

func (w Wrapped) validate() error {
	var errs []error
	if w.Version == 0 {
		errs = append(errs, errors.New("keys: wrapped key version is 0"))
	}
	if w.KEKID == "" || len(w.KEKID) > maxKEKIDLen {
		errs = append(errs, fmt.Errorf("keys: wrapped key KEK id must be 1 to %d bytes", maxKEKIDLen))
	}
	if len(w.Ciphertext) == 0 {
		errs = append(errs, errors.New("keys: wrapped key ciphertext is empty"))
	}
	return errors.Join(errs...)
}

func (w Wrapped) equal(o Wrapped) bool {
	return w.Version == o.Version && w.KEKID == o.KEKID && bytes.Equal(w.Ciphertext, o.Ciphertext)
}

func (w Wrapped) clone() Wrapped {
	w.Ciphertext = append([]byte(nil), w.Ciphertext...)
	return w
}

// Store keeps one wrapped data key per Ref. It is the plug-in point for key
// custody backends; every implementation passes keystest.RunStoreTests.
// Implementations are safe for concurrent use, also across processes
// sharing one backend.
type Store interface {
	// Get returns the ref's wrapped key, ErrNotFound when it has none yet,
	// ErrShredded after Shred.
	Get(ctx context.Context, ref Ref) (Wrapped, error)
	// Create stores the ref's first key, atomically: of concurrent creators
	// exactly one succeeds and the others get ErrExists. After Shred it
	// returns ErrShredded.
	Create(ctx context.Context, ref Ref, w Wrapped) error
	// Shred destroys the ref's wrapped key beyond recovery and blocks every
	// later Create. It is idempotent, and valid for a ref that never had a
	// key.
	Shred(ctx context.Context, ref Ref) error
	// List returns every ref that has a wrapped key or a tombstone, each
	// once, in no particular order. A ref created or shredded while List
	// runs may or may not be in it.
	List(ctx context.Context) ([]Ref, error)
	// Replace swaps the ref's wrapped key old for next, atomically (a
	// compare-and-swap): it fails with ErrChanged when the stored key is
	// not exactly old, ErrShredded when the ref was shredded (a tombstone
	// is never replaced), ErrNotFound when it has no key. It re-wraps one
	// data key under another KEK: next must have old's Version. No copy of
	// old is left behind (the KV store secure-erases its message).
	Replace(ctx context.Context, ref Ref, old, next Wrapped) error
}

// checkReplace validates Replace's arguments.
func checkReplace(ref Ref, old, next Wrapped) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	if err := errors.Join(old.validate(), next.validate()); err != nil {
		return err
	}
	if old.Version != next.Version {
		return fmt.Errorf("keys: Replace of %s changes the data key version from %d to %d; a rewrap keeps it", ref, old.Version, next.Version)
	}
	return nil
}
