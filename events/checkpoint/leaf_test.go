package checkpoint_test

import (
	"crypto/sha256"
	"errors"
	"math"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/tlog"
)

func TestLeafHash(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("sealed"), make([]byte, 500)} {
		want := sha256.Sum256(append([]byte{0x00}, data...))
		if got := checkpoint.LeafHash(data); got != tlog.Hash(want) {
			t.Errorf("LeafHash(%d bytes) = %x, want SHA-256(0x00||data) = %x", len(data), got, want)
		}
		if got := checkpoint.LeafHash(data); got != tlog.RecordHash(data) {
			t.Errorf("LeafHash differs from tlog.RecordHash")
		}
	}
}

func TestLeafIndex(t *testing.T) {
	tests := []struct {
		seq     uint64
		want    int64
		wantErr error
	}{
		{seq: 1, want: 0},
		{seq: 2, want: 1},
		{seq: 300, want: 299},
		{seq: math.MaxInt64, want: math.MaxInt64 - 1},
		{seq: uint64(math.MaxInt64) + 1, wantErr: checkpoint.ErrInvalidSequence}, // index MaxInt64 is in no tree
		{seq: 0, wantErr: checkpoint.ErrInvalidSequence},
		{seq: math.MaxUint64, wantErr: checkpoint.ErrInvalidSequence},
	}
	for _, tt := range tests {
		got, err := checkpoint.LeafIndex(tt.seq)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("LeafIndex(%d) error = %v, want %v", tt.seq, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("LeafIndex(%d) = %d, %v; want %d", tt.seq, got, err, tt.want)
		}
	}
}
