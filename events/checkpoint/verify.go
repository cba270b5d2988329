package checkpoint

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// VerifyConsistency checks that the tree of checkpoint new extends the tree
// of checkpoint old: the log appended and rewrote nothing in between. proof
// is the RFC 6962 consistency proof from old.Size to new.Size
// (tlog.ProveTree(new.Size, old.Size, ...)).
//
// Both must have the same origin (ErrOriginMismatch); new.Size < old.Size
// is ErrShrunk; equal sizes with different roots is ErrFork (a split view:
// keep both signed notes, they prove the log misbehaved); equal sizes and
// roots are consistent whatever the proof; an empty old tree is consistent
// with any tree. Otherwise a proof that fails tlog.CheckTree is
// ErrInconsistent, wrapping the tlog error.
func VerifyConsistency(old, new Checkpoint, proof tlog.TreeProof) error {
	if old.Origin != new.Origin {
		return fmt.Errorf("%w: old and new checkpoints name different logs", ErrOriginMismatch)
	}
	if old.Size < 0 || new.Size < 0 {
		return fmt.Errorf("%w: negative tree size", ErrMalformed)
	}
	if new.Size < old.Size {
		return fmt.Errorf("%w: from %d to %d leaves", ErrShrunk, old.Size, new.Size)
	}
	if new.Size == old.Size {
		if new.Root != old.Root {
			return fmt.Errorf("%w: two roots at size %d", ErrFork, new.Size)
		}
		return nil
	}
	if old.Size == 0 {
		return nil
	}
	if err := tlog.CheckTree(proof, new.Size, new.Root, old.Size, old.Root); err != nil {
		return fmt.Errorf("%w: from size %d to %d: %w", ErrInconsistent, old.Size, new.Size, err)
	}
	return nil
}

// VerifyInclusion checks that stored, the bytes JetStream holds for the
// event at stream sequence seq, is the leaf at index seq-1 of c's tree.
// proof is the RFC 6962 inclusion proof (tlog.ProveRecord(c.Size, seq-1,
// ...)). An invalid seq is ErrInvalidSequence; a leaf index not below
// c.Size is ErrNotInTree (the checkpoint predates the event); a proof that
// fails tlog.CheckRecord is ErrNotIncluded, wrapping the tlog error.
func VerifyInclusion(c Checkpoint, seq uint64, stored []byte, proof tlog.RecordProof) error {
	idx, err := LeafIndex(seq)
	if err != nil {
		return err
	}
	if idx >= c.Size {
		return fmt.Errorf("%w: sequence %d, tree size %d", ErrNotInTree, seq, c.Size)
	}
	if err := tlog.CheckRecord(proof, c.Size, c.Root, idx, LeafHash(stored)); err != nil {
		return fmt.Errorf("%w: sequence %d in tree size %d: %w", ErrNotIncluded, seq, c.Size, err)
	}
	return nil
}
