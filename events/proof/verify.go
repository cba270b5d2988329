package proof

import (
	"errors"
	"fmt"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"golang.org/x/mod/sumdb/note"
	"google.golang.org/protobuf/proto"
)

// Errors of Verify besides those of package checkpoint, which it passes
// on wrapped (checkpoint.ErrNoLogSignature, ErrBadSignature,
// ErrNotIncluded, ...).
var (
	// ErrTreeSizeMismatch: the checkpoint is not for the bundle's tree_size.
	ErrTreeSizeMismatch = errors.New("proof: checkpoint size differs from the bundle's tree size")
	// ErrTooFewCosigners: fewer known witnesses cosigned the checkpoint than
	// required.
	ErrTooFewCosigners = errors.New("proof: too few witness cosignatures")
	// ErrSubjectMismatch: the event was not stored under the bundle's
	// subject.
	ErrSubjectMismatch = errors.New("proof: subject does not match the event")
)

// Verify checks a bundle offline and returns the verified checkpoint:
//
//  1. b is well formed (as Parse requires; ErrMalformed);
//  2. its checkpoint note carries a valid signature by log and no invalid
//     signature by a known key (checkpoint.Open);
//  3. the checkpoint is for b.TreeSize (ErrTreeSizeMismatch);
//  4. at least minCosigners of witnesses cosigned it (ErrTooFewCosigners);
//  5. the inclusion proof shows b.Event is the leaf of b.Sequence in the
//     checkpoint's tree (checkpoint.VerifyInclusion);
//  6. if b.Event decodes as a docket.events.v1.Event, it was stored under
//     b.Subject (events.Subject; ErrSubjectMismatch). Stored bytes that
//     are not an Event are verified for inclusion only: Subject is then
//     not vouched for.
//
// Checking that the checkpoint's origin is the expected log, and that the
// checkpoint is consistent with others the auditor holds, is the caller's
// job.
func Verify(b *Bundle, log note.Verifier, witnesses []note.Verifier, minCosigners int) (*checkpoint.Signed, error) {
	if b == nil {
		return nil, fmt.Errorf("%w: nil bundle", ErrMalformed)
	}
	if minCosigners < 0 {
		return nil, fmt.Errorf("proof: Verify: minCosigners is negative (%d)", minCosigners)
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	s, err := checkpoint.Open([]byte(b.Checkpoint), log, witnesses)
	if err != nil {
		return nil, fmt.Errorf("proof: checkpoint: %w", err)
	}
	if s.Size != b.TreeSize {
		return nil, fmt.Errorf("%w: checkpoint size %d, tree_size %d", ErrTreeSizeMismatch, s.Size, b.TreeSize)
	}
	if len(s.Cosigners) < minCosigners {
		return nil, fmt.Errorf("%w: %d known witnesses cosigned, %d required", ErrTooFewCosigners, len(s.Cosigners), minCosigners)
	}
	p, err := b.RecordProof()
	if err != nil {
		return nil, err
	}
	if err := checkpoint.VerifyInclusion(s.Checkpoint, b.Sequence, b.Event, p); err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	var ev eventsv1.Event
	if proto.Unmarshal(b.Event, &ev) == nil {
		if err := matchSubject(b.Subject, events.Subject(&ev)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// matchSubject compares the bundle's subject with the event's, naming the
// token that differs but neither value.
func matchSubject(claimed, actual string) error {
	if claimed == actual {
		return nil
	}
	ct, cs, cy, err := events.SplitSubject(claimed)
	if err != nil {
		return fmt.Errorf("%w: subject is not of the form docket.<tenant>.<subject>.<type>", ErrSubjectMismatch)
	}
	at, as, ay, _ := events.SplitSubject(actual)
	which := "subject"
	switch {
	case ct != at:
		which = "tenant"
	case cs != as:
		which = "subject reference"
	case cy != ay:
		which = "event type"
	}
	return fmt.Errorf("%w: the %s differs", ErrSubjectMismatch, which)
}
