package checkpoint_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/tlog"
)

// sizes are tree sizes around powers of two, up to the 300-leaf tree.
var sizes = []int64{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257, 299, 300}

func TestVerifyInclusionAccepts(t *testing.T) {
	tree := newMemTree(t, syntheticLeaves(300))
	for _, size := range sizes {
		c := tree.checkpoint(t, origin, size)
		for idx := range size {
			seq := uint64(idx + 1)
			p := tree.proveRecord(t, size, idx)
			if err := checkpoint.VerifyInclusion(c, seq, tree.leaves[idx], p); err != nil {
				t.Fatalf("size %d, seq %d: VerifyInclusion: %v", size, seq, err)
			}
		}
	}
}

func TestVerifyInclusionRejects(t *testing.T) {
	leaves := syntheticLeaves(300)
	tree := newMemTree(t, leaves)
	const size = 300
	c := tree.checkpoint(t, origin, size)

	// The same history with leaves 41 and 42 (sequences) swapped.
	swappedLeaves := slices.Clone(leaves)
	swappedLeaves[40], swappedLeaves[41] = swappedLeaves[41], swappedLeaves[40]
	swapped := newMemTree(t, swappedLeaves)
	swappedCheckpoint := swapped.checkpoint(t, origin, size)

	flipped := slices.Clone(leaves[99])
	flipped[3] ^= 0x01
	p100 := tree.proveRecord(t, size, 99)
	tampered := slices.Clone(p100)
	tampered[2][0] ^= 0x80

	tests := []struct {
		name    string
		c       checkpoint.Checkpoint
		seq     uint64
		stored  []byte
		proof   tlog.RecordProof
		wantErr error
	}{
		{"flipped leaf byte", c, 100, flipped, p100, checkpoint.ErrNotIncluded},
		{"proof for another index", c, 100, leaves[99], tree.proveRecord(t, size, 100), checkpoint.ErrNotIncluded},
		{"leaf of another sequence", c, 100, leaves[100], p100, checkpoint.ErrNotIncluded},
		{"right leaf, neighbour's sequence", c, 101, leaves[99], p100, checkpoint.ErrNotIncluded},
		{"swapped pair: real proof, swapped tree's checkpoint", swappedCheckpoint, 41, leaves[40], tree.proveRecord(t, size, 40), checkpoint.ErrNotIncluded},
		{"swapped pair: swapped tree's proof, real checkpoint", c, 41, swappedLeaves[40], swapped.proveRecord(t, size, 40), checkpoint.ErrNotIncluded},
		{"tampered proof hash", c, 100, leaves[99], tampered, checkpoint.ErrNotIncluded},
		{"truncated proof", c, 100, leaves[99], p100[:len(p100)-1], checkpoint.ErrNotIncluded},
		{"extended proof", c, 100, leaves[99], append(slices.Clone(p100), tlog.Hash{}), checkpoint.ErrNotIncluded},
		{"proof for a smaller tree", c, 100, leaves[99], tree.proveRecord(t, 200, 99), checkpoint.ErrNotIncluded},
		{"other root", checkpoint.Checkpoint{Origin: origin, Size: size, Root: tlog.RecordHash(nil)}, 100, leaves[99], p100, checkpoint.ErrNotIncluded},
		{"sequence beyond the tree", tree.checkpoint(t, origin, 99), 100, leaves[99], p100, checkpoint.ErrNotInTree},
		{"empty tree", checkpoint.Checkpoint{Origin: origin}, 1, leaves[0], nil, checkpoint.ErrNotInTree},
		{"sequence 0", c, 0, leaves[0], p100, checkpoint.ErrInvalidSequence},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkpoint.VerifyInclusion(tt.c, tt.seq, tt.stored, tt.proof)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("VerifyInclusion error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestVerifyConsistencyAccepts(t *testing.T) {
	tree := newMemTree(t, syntheticLeaves(300))
	for _, newSize := range sizes {
		newC := tree.checkpoint(t, origin, newSize)
		for _, oldSize := range append([]int64{0}, sizes...) {
			if oldSize > newSize {
				continue
			}
			oldC := tree.checkpoint(t, origin, oldSize)
			var p tlog.TreeProof
			if oldSize > 0 {
				p = tree.proveTree(t, newSize, oldSize)
			}
			if err := checkpoint.VerifyConsistency(oldC, newC, p); err != nil {
				t.Fatalf("VerifyConsistency(%d -> %d): %v", oldSize, newSize, err)
			}
		}
	}
}

func TestVerifyConsistencyRejects(t *testing.T) {
	leaves := syntheticLeaves(300)
	tree := newMemTree(t, leaves)
	swappedLeaves := slices.Clone(leaves)
	swappedLeaves[40], swappedLeaves[41] = swappedLeaves[41], swappedLeaves[40]
	swapped := newMemTree(t, swappedLeaves)
	// A log that rewrote leaf 150 after publishing the 100-leaf checkpoint.
	rewrittenLeaves := slices.Clone(leaves)
	rewrittenLeaves[149] = []byte("rewritten")
	rewritten := newMemTree(t, rewrittenLeaves)

	c100, c200, c300 := tree.checkpoint(t, origin, 100), tree.checkpoint(t, origin, 200), tree.checkpoint(t, origin, 300)
	p := tree.proveTree(t, 300, 100)
	tampered := slices.Clone(p)
	tampered[0][5] ^= 0x01

	tests := []struct {
		name     string
		old, new checkpoint.Checkpoint
		proof    tlog.TreeProof
		wantErr  error
	}{
		{"fork: same size, other root", c300, swapped.checkpoint(t, origin, 300), nil, checkpoint.ErrFork},
		{"fork at the empty tree", checkpoint.Checkpoint{Origin: origin, Root: tlog.Hash{1}}, checkpoint.Checkpoint{Origin: origin}, nil, checkpoint.ErrFork},
		{"shrunk tree", c300, c200, tree.proveTree(t, 300, 200), checkpoint.ErrShrunk},
		{"different origins", c100, checkpoint.Checkpoint{Origin: "other", Size: 300, Root: c300.Root}, p, checkpoint.ErrOriginMismatch},
		{"swapped pair of leaves in the old tree", swapped.checkpoint(t, origin, 100), c300, p, checkpoint.ErrInconsistent},
		{"swapped pair: the swapped log's own proof", c100, swapped.checkpoint(t, origin, 300), swapped.proveTree(t, 300, 100), checkpoint.ErrInconsistent},
		{"leaf 150 rewritten after the 200-leaf checkpoint", c200, rewritten.checkpoint(t, origin, 300), rewritten.proveTree(t, 300, 200), checkpoint.ErrInconsistent},
		{"tampered proof", c100, c300, tampered, checkpoint.ErrInconsistent},
		{"proof for another old size", c100, c300, tree.proveTree(t, 300, 101), checkpoint.ErrInconsistent},
		{"proof for another new size", c100, c300, tree.proveTree(t, 299, 100), checkpoint.ErrInconsistent},
		{"empty proof", c100, c300, nil, checkpoint.ErrInconsistent},
		{"negative size", checkpoint.Checkpoint{Origin: origin, Size: -1}, c300, p, checkpoint.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkpoint.VerifyConsistency(tt.old, tt.new, tt.proof)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("VerifyConsistency error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
