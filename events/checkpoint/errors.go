package checkpoint

import "errors"

// Sentinel errors. Every error of this package that a caller may act on
// matches one of them (errors.Is); the message adds what and why, never key
// material or event bytes.
var (
	// ErrMalformed: a checkpoint body or signed note is not well formed.
	ErrMalformed = errors.New("checkpoint: malformed")

	// ErrInvalidKey: a note key (signer or verifier) or key name is not
	// valid, or is of the wrong kind (a witness's cosignature/v1 key where
	// the log's key is wanted, or the other way round).
	ErrInvalidKey = errors.New("checkpoint: invalid key")

	// ErrKeyFileMode: a private key file is readable or writable by group
	// or others.
	ErrKeyFileMode = errors.New("checkpoint: key file permissions too open")

	// ErrNoLogSignature: a signed note carries no valid signature by the
	// log's key.
	ErrNoLogSignature = errors.New("checkpoint: no signature by the log key")

	// ErrBadSignature: a signature line by a key the caller knows does not
	// verify, a cosignature/v1 states a timestamp above 2^63-1, or one key
	// signed the same body with two different signatures that cannot both
	// be valid (see Merge).
	ErrBadSignature = errors.New("checkpoint: invalid signature")

	// ErrDifferentBody: Merge was given notes that sign different
	// checkpoints.
	ErrDifferentBody = errors.New("checkpoint: notes sign different bodies")

	// ErrOriginMismatch: two checkpoints compared for consistency come from
	// different logs.
	ErrOriginMismatch = errors.New("checkpoint: different origins")

	// ErrShrunk: a later checkpoint has a smaller tree than an earlier one.
	ErrShrunk = errors.New("checkpoint: tree shrunk")

	// ErrFork: two checkpoints of the same size have different roots. The
	// log showed two different histories (a split view).
	ErrFork = errors.New("checkpoint: fork (split view): same size, different roots")

	// ErrInconsistent: a consistency proof does not show that the later
	// tree extends the earlier one.
	ErrInconsistent = errors.New("checkpoint: trees are not consistent")

	// ErrInvalidSequence: a stream sequence that no leaf can have (0, or
	// beyond the largest tree index).
	ErrInvalidSequence = errors.New("checkpoint: invalid stream sequence")

	// ErrNotInTree: the event's leaf index is not below the checkpoint's
	// tree size; the checkpoint predates the event.
	ErrNotInTree = errors.New("checkpoint: sequence not covered by the checkpoint")

	// ErrNotIncluded: an inclusion proof does not show that the event's
	// stored bytes are the leaf at its index.
	ErrNotIncluded = errors.New("checkpoint: inclusion proof failed")
)
