package checkpoint

import (
	"fmt"
	"math"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafHash is the RFC 6962 leaf hash of an event: SHA-256(0x00 || stored),
// where stored is the message data exactly as JetStream holds it. It is
// tlog.RecordHash.
func LeafHash(stored []byte) tlog.Hash {
	return tlog.RecordHash(stored)
}

// LeafIndex is the tree index of the leaf of the event at stream sequence
// seq: seq-1. Sequence 0 (JetStream's "none") and sequences above
// math.MaxInt64 have no leaf (a tree has at most math.MaxInt64 leaves, so
// no tree holds index math.MaxInt64); the error wraps ErrInvalidSequence.
func LeafIndex(seq uint64) (int64, error) {
	if seq == 0 {
		return 0, fmt.Errorf("%w: 0 (stream sequences start at 1)", ErrInvalidSequence)
	}
	if seq > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %d is beyond the largest tree index", ErrInvalidSequence, seq)
	}
	return int64(seq - 1), nil
}
