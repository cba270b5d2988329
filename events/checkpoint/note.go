package checkpoint

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/note"
)

// maxSignatures is the most signature lines note.Open accepts.
const maxSignatures = 100

// Sign returns the signed note of c: its Text, a blank line and the
// signature line of s. c must be valid as Parse requires (origin) with
// Size ≥ 0; the error then wraps ErrMalformed.
func Sign(c Checkpoint, s note.Signer) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("checkpoint: Sign: nil signer")
	}
	msg, err := note.Sign(&note.Note{Text: c.Text()}, s)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: signing: %w", err)
	}
	return msg, nil
}

// Signed is a checkpoint whose signed note Open verified.
type Signed struct {
	// Checkpoint is the parsed body.
	Checkpoint
	// Note is the signed note as given to Open, every signature line
	// included.
	Note []byte
	// Cosigners are the names of the witness keys whose signatures
	// verified, sorted, each once.
	Cosigners []string
}

// Open verifies a signed checkpoint note. The log's signature is required
// (ErrNoLogSignature if absent). A signature line by a key the caller knows
// (log or witness) that does not verify is an error (ErrBadSignature, naming
// the key); signature lines by unknown keys are ignored, as the signed-note
// specification requires. The body must Parse (ErrMalformed). Checking the
// origin against the expected log is the caller's job.
//
// Witnesses with the same name and key hash as the log key, or as an
// earlier witness, are skipped.
func Open(msg []byte, log note.Verifier, witnesses []note.Verifier) (*Signed, error) {
	s, _, err := open(msg, log, witnesses)
	return s, err
}

// open is Open that also returns the note, whose Sigs hold the verified
// signatures (the log's among them) and UnverifiedSigs those by unknown
// keys.
func open(msg []byte, log note.Verifier, witnesses []note.Verifier) (*Signed, *note.Note, error) {
	if log == nil {
		return nil, nil, errors.New("checkpoint: Open: nil log verifier")
	}
	logID := keyID{log.Name(), log.KeyHash()}
	known := []note.Verifier{log}
	seen := map[keyID]bool{logID: true}
	for i, w := range witnesses {
		if w == nil {
			return nil, nil, fmt.Errorf("checkpoint: Open: witness verifier %d is nil", i)
		}
		id := keyID{w.Name(), w.KeyHash()}
		if seen[id] {
			continue
		}
		seen[id] = true
		known = append(known, w)
	}

	n, err := note.Open(msg, note.VerifierList(known...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return nil, nil, fmt.Errorf("%w %q (no signature by any known key)", ErrNoLogSignature, log.Name())
		case errors.As(err, &invalid):
			return nil, nil, fmt.Errorf("%w: signature by key %q (hash %08x) does not verify", ErrBadSignature, invalid.Name, invalid.Hash)
		default:
			return nil, nil, fmt.Errorf("%w: not a signed note: %v", ErrMalformed, err)
		}
	}

	logSigned := false
	var cosigners []string
	for _, sig := range n.Sigs {
		if (keyID{sig.Name, sig.Hash}) == logID {
			logSigned = true
			continue
		}
		cosigners = append(cosigners, sig.Name)
	}
	if !logSigned {
		return nil, nil, fmt.Errorf("%w %q (only witness signatures verified)", ErrNoLogSignature, log.Name())
	}
	c, err := Parse([]byte(n.Text))
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(cosigners)
	return &Signed{
		Checkpoint: c,
		Note:       bytes.Clone(msg),
		Cosigners:  slices.Compact(cosigners),
	}, n, nil
}

// Cosign adds witness w's signature to a signed checkpoint note and returns
// the new note; every existing signature line is kept (one of w's own is
// replaced). The log's signature must verify (as Open with no witnesses).
//
// Cosigning vouches that the witness saw this checkpoint and that it is
// consistent with every earlier checkpoint of the log the witness saw: a
// witness calls Cosign only after VerifyConsistency from the last
// checkpoint it cosigned for this origin succeeded, and then records this
// one as its latest.
func Cosign(msg []byte, log note.Verifier, w note.Signer) ([]byte, error) {
	if w == nil {
		return nil, errors.New("checkpoint: Cosign: nil witness signer")
	}
	_, n, err := open(msg, log, nil)
	if err != nil {
		return nil, err
	}
	if w.Name() == log.Name() && w.KeyHash() == log.KeyHash() {
		return nil, errors.New("checkpoint: Cosign: the witness key is the log key")
	}
	out, err := note.Sign(n, w)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: cosigning: %w", err)
	}
	return out, nil
}

// Merge combines two signed notes of the same checkpoint body (else
// ErrDifferentBody) into one holding the union of their signature lines,
// each once. It verifies no signature (it has no keys; Open the result).
// The order is deterministic and independent of the argument order: the
// signatures whose key name equals the checkpoint's origin (by C2SP
// convention the log's key) first, then the rest sorted by key name and
// key hash. Two different signatures by one key (name and hash) over the
// same body cannot both be valid Ed25519 signatures: that is an error
// wrapping ErrBadSignature.
func Merge(a, b []byte) ([]byte, error) {
	na, err := split(a)
	if err != nil {
		return nil, fmt.Errorf("first note: %w", err)
	}
	nb, err := split(b)
	if err != nil {
		return nil, fmt.Errorf("second note: %w", err)
	}
	if na.Text != nb.Text {
		return nil, ErrDifferentBody
	}
	c, err := Parse([]byte(na.Text))
	if err != nil {
		return nil, err
	}

	byKey := map[keyID]note.Signature{}
	for _, sig := range append(na.UnverifiedSigs, nb.UnverifiedSigs...) {
		id := keyID{sig.Name, sig.Hash}
		if prev, ok := byKey[id]; ok {
			if prev.Base64 != sig.Base64 {
				return nil, fmt.Errorf("%w: key %q (hash %08x) signed the body twice with different signatures", ErrBadSignature, sig.Name, sig.Hash)
			}
			continue
		}
		byKey[id] = sig
	}
	if len(byKey) > maxSignatures {
		return nil, fmt.Errorf("%w: merged note would have %d signatures, more than %d", ErrMalformed, len(byKey), maxSignatures)
	}
	sigs := make([]note.Signature, 0, len(byKey))
	for _, sig := range byKey {
		sigs = append(sigs, sig)
	}
	slices.SortFunc(sigs, func(x, y note.Signature) int {
		xLog, yLog := x.Name == c.Origin, y.Name == c.Origin
		switch {
		case xLog && !yLog:
			return -1
		case yLog && !xLog:
			return 1
		}
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Hash, y.Hash), cmp.Compare(x.Base64, y.Base64))
	})
	out, err := note.Sign(&note.Note{Text: na.Text, UnverifiedSigs: sigs})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return out, nil
}

// split parses a signed note without verifying it: every signature ends up
// in UnverifiedSigs.
func split(msg []byte) (*note.Note, error) {
	_, err := note.Open(msg, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if errors.As(err, &unverified) {
		return unverified.Note, nil
	}
	if err == nil {
		err = errors.New("note verified without keys")
	}
	return nil, fmt.Errorf("%w: not a signed note: %v", ErrMalformed, err)
}

// keyID identifies a note key: its name and key hash.
type keyID struct {
	name string
	hash uint32
}
