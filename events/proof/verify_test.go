package proof_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func TestVerify(t *testing.T) {
	l := newLedger(t, 300, 123, storedEvent(t))
	tests := []struct {
		name          string
		witnesses     []note.Verifier
		minCosigners  int
		wantCosigners []string
	}{
		{"no witnesses required", nil, 0, nil},
		{"one of two", []note.Verifier{l.w2.verifier}, 1, []string{"witness-2"}},
		{"two of two", l.witnesses(), 2, []string{"witness-1", "witness-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := proof.Verify(l.bundle(t, 123, subject), l.log.verifier, tt.witnesses, tt.minCosigners)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if s.Origin != origin || s.Size != 300 {
				t.Errorf("verified checkpoint %s at %d, want %s at 300", s.Origin, s.Size, origin)
			}
			if !slices.Equal(s.Cosigners, tt.wantCosigners) {
				t.Errorf("Cosigners = %q, want %q", s.Cosigners, tt.wantCosigners)
			}
		})
	}
}

// A leaf that is not a docket.events.v1.Event is verified for inclusion
// only.
func TestVerifyNonEventLeaf(t *testing.T) {
	notProto := []byte{0xff, 0xff, 0xff, 0xff, 0xff}
	l := newLedger(t, 10, 4, notProto)
	if _, err := proof.Verify(l.bundle(t, 4, "docket.x.y.Z"), l.log.verifier, nil, 0); err != nil {
		t.Errorf("Verify(non-event leaf): %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	ev := storedEvent(t)
	l := newLedger(t, 300, 123, ev)
	other := newLedger(t, 300, 123, ev) // the same leaves, other keys

	tests := []struct {
		name         string
		edit         func(b *proof.Bundle)
		log          note.Verifier
		minCosigners int
		wantErr      error
		wantInMsg    string
	}{
		{name: "other log key", log: other.log.verifier, wantErr: checkpoint.ErrNoLogSignature},
		{name: "too few cosigners", minCosigners: 3, wantErr: proof.ErrTooFewCosigners, wantInMsg: "2 known witnesses cosigned, 3 required"},
		{name: "tampered event", edit: func(b *proof.Bundle) { b.Event = slices.Clone(b.Event); b.Event[len(b.Event)-1] ^= 1 }, wantErr: checkpoint.ErrNotIncluded},
		{name: "other sequence", edit: func(b *proof.Bundle) { b.Sequence = 124 }, wantErr: checkpoint.ErrNotIncluded},
		{name: "other event's proof", edit: func(b *proof.Bundle) { b.Proof = l.bundle(t, 124, subject).Proof }, wantErr: checkpoint.ErrNotIncluded},
		{name: "tampered proof", edit: func(b *proof.Bundle) {
			p, _ := b.RecordProof()
			p[0][0] ^= 1
			b.Proof = proof.EncodeProof(p)
		}, wantErr: checkpoint.ErrNotIncluded},
		{name: "tree size differs from checkpoint", edit: func(b *proof.Bundle) { b.TreeSize = 299 }, wantErr: proof.ErrTreeSizeMismatch},
		{name: "checkpoint of a smaller tree", edit: func(b *proof.Bundle) {
			b.Checkpoint = string(l.sign(t, 200))
			b.TreeSize = 200
		}, wantErr: checkpoint.ErrNotIncluded},
		{name: "checkpoint signed by other log", edit: func(b *proof.Bundle) { b.Checkpoint = string(other.note) }, wantErr: checkpoint.ErrNoLogSignature},
		{name: "tampered checkpoint", edit: func(b *proof.Bundle) {
			b.Checkpoint = strings.Replace(b.Checkpoint, "\n300\n", "\n301\n", 1)
			b.TreeSize = 301
		}, wantErr: checkpoint.ErrBadSignature},
		{name: "other tenant", edit: func(b *proof.Bundle) { b.Subject = "docket.other.u-42.DataCollected" }, wantErr: proof.ErrSubjectMismatch, wantInMsg: "tenant"},
		{name: "other subject reference", edit: func(b *proof.Bundle) { b.Subject = "docket.acme.u-43.DataCollected" }, wantErr: proof.ErrSubjectMismatch, wantInMsg: "subject reference"},
		{name: "other type", edit: func(b *proof.Bundle) { b.Subject = "docket.acme.u-42.ConsentGiven" }, wantErr: proof.ErrSubjectMismatch, wantInMsg: "event type"},
		{name: "subject of another shape", edit: func(b *proof.Bundle) { b.Subject = "other" }, wantErr: proof.ErrSubjectMismatch},
		{name: "malformed bundle", edit: func(b *proof.Bundle) { b.Version = 2 }, wantErr: proof.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := l.bundle(t, 123, subject)
			if tt.edit != nil {
				tt.edit(b)
			}
			log := tt.log
			if log == nil {
				log = l.log.verifier
			}
			_, err := proof.Verify(b, log, l.witnesses(), tt.minCosigners)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("Verify error %q does not mention %q", err, tt.wantInMsg)
			}
			for _, value := range []string{"acme", "u-42", "u-43", "other"} {
				if tt.wantErr == proof.ErrSubjectMismatch && strings.Contains(err.Error(), value) {
					t.Errorf("Verify error %q repeats the subject value %q", err, value)
				}
			}
		})
	}

	if _, err := proof.Verify(nil, l.log.verifier, nil, 0); !errors.Is(err, proof.ErrMalformed) {
		t.Errorf("Verify(nil) error = %v, want ErrMalformed", err)
	}
	if _, err := proof.Verify(l.bundle(t, 123, subject), l.log.verifier, nil, -1); err == nil {
		t.Errorf("Verify(minCosigners -1) succeeded")
	}
}

// The bundle survives Marshal and Parse and still verifies.
func TestVerifyAfterRoundTrip(t *testing.T) {
	l := newLedger(t, 1000, 777, storedEvent(t))
	data, err := proof.Marshal(l.bundle(t, 777, subject))
	if err != nil {
		t.Fatal(err)
	}
	b, err := proof.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.Verify(b, l.log.verifier, l.witnesses(), 2); err != nil {
		t.Errorf("Verify(Parse(Marshal(b))): %v", err)
	}
	p, err := b.RecordProof()
	if err != nil {
		t.Fatal(err)
	}
	want, err := tlog.ProveRecord(1000, 776, l.reader())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p, want) {
		t.Errorf("RecordProof() differs from the proof encoded")
	}
}
