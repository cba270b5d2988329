package checkpoint

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// maxSignatures is the most signature lines note.Open accepts.
const maxSignatures = 100

// Sign returns the signed note of c: its Text, a blank line and the
// signature line of s, the log's key (NewSigner). c must be valid as Parse
// requires (origin) with Size ≥ 0; the error then wraps ErrMalformed. A
// witness's cosignature/v1 signer is refused (ErrInvalidKey): a log's
// signature is a plain Ed25519 note signature.
func Sign(c Checkpoint, s note.Signer) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("checkpoint: Sign: nil signer")
	}
	if _, ok := s.(*fnote.Signer); ok {
		return nil, fmt.Errorf("%w: Sign: this is a witness's cosignature/v1 signer; the log signs with an Ed25519 note key", ErrInvalidKey)
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
	// Cosignatures are the witness signatures that verified, sorted by
	// key name and key hash.
	Cosignatures []Cosignature
}

// Cosignature is a witness's signature that Open verified.
type Cosignature struct {
	// Name and KeyHash identify the witness's key.
	Name    string
	KeyHash uint32
	// Time is when the witness cosigned, as its C2SP tlog-cosignature/v1
	// signature states (UTC, whole seconds; the signature covers it). It
	// is zero for a plain Ed25519 note signature by an earlier witness
	// key (type 0x01), which carries no time.
	Time time.Time
}

// Open verifies a signed checkpoint note. The log's signature is required
// (ErrNoLogSignature if absent); log is an Ed25519 note key (a
// cosignature/v1 key is refused, ErrInvalidKey). A signature line by a key
// the caller knows (log or witness) that does not verify is an error
// (ErrBadSignature, naming the key); signature lines by unknown keys are
// ignored, as the signed-note specification requires. The body must Parse
// (ErrMalformed). Checking the origin against the expected log is the
// caller's job.
//
// Witness keys (NewVerifier) are C2SP tlog-cosignature/v1 keys (type
// 0x04), whose timestamped cosignatures Open verifies and reports with
// their time (Signed.Cosignatures), or Ed25519 note keys (type 0x01), the
// plain signatures of earlier witnesses, still accepted so that notes
// saved before keep verifying. A cosignature/v1 timestamp above 2^63-1,
// which C2SP forbids, is ErrBadSignature. Open does not compare the time
// with the clock: it is offline and deterministic.
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
	if _, ok := log.(witnessVerifier); ok {
		return nil, nil, fmt.Errorf("%w: Open: the log key is a witness's cosignature/v1 key; the log signs with an Ed25519 note key", ErrInvalidKey)
	}
	logID := keyID{log.Name(), log.KeyHash()}
	known := []note.Verifier{log}
	seen := map[keyID]bool{logID: true}
	timestamped := map[keyID]bool{}
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
		if _, ok := w.(witnessVerifier); ok {
			timestamped[id] = true
		}
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
	var cosignatures []Cosignature
	for _, sig := range n.Sigs {
		id := keyID{sig.Name, sig.Hash}
		if id == logID {
			logSigned = true
			continue
		}
		cs := Cosignature{Name: sig.Name, KeyHash: sig.Hash}
		if timestamped[id] {
			t, err := fnote.CoSigV1Timestamp(sig)
			if err != nil || t.Unix() < 0 {
				return nil, nil, fmt.Errorf("%w: cosignature by key %q (hash %08x) has a timestamp above 2^63-1", ErrBadSignature, sig.Name, sig.Hash)
			}
			cs.Time = t.UTC()
		}
		cosigners = append(cosigners, sig.Name)
		cosignatures = append(cosignatures, cs)
	}
	if !logSigned {
		return nil, nil, fmt.Errorf("%w %q (only witness signatures verified)", ErrNoLogSignature, log.Name())
	}
	c, err := Parse([]byte(n.Text))
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(cosigners)
	slices.SortFunc(cosignatures, func(x, y Cosignature) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.KeyHash, y.KeyHash))
	})
	return &Signed{
		Checkpoint:   c,
		Note:         bytes.Clone(msg),
		Cosigners:    slices.Compact(cosigners),
		Cosignatures: cosignatures,
	}, n, nil
}

// Cosign adds witness w's signature to a signed checkpoint note and returns
// the new note; every existing signature line is kept (one of w's own is
// replaced). The log's signature must verify (as Open with no witnesses).
// A witness's signer (NewWitnessSigner) makes a timestamped C2SP
// tlog-cosignature/v1 signature; any other note.Signer signs the body as
// it is (the form of earlier witnesses).
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
// key hash. One key (name and hash) may have signed the body twice only
// as a timestamped cosignature/v1 at two times (a witness that cosigned
// the same checkpoint again): the later one is kept. Two different
// signatures by one key otherwise — plain Ed25519 signatures, or two
// cosignatures stating the same time — cannot both be valid: that is an
// error wrapping ErrBadSignature.
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
			if prev.Base64 == sig.Base64 {
				continue
			}
			tp, okp := cosignatureTime(prev)
			ts, oks := cosignatureTime(sig)
			if !okp || !oks || tp == ts {
				return nil, fmt.Errorf("%w: key %q (hash %08x) signed the body twice with different signatures", ErrBadSignature, sig.Name, sig.Hash)
			}
			if ts > tp {
				byKey[id] = sig
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

// cosignatureTime returns the timestamp of a signature shaped as an
// Ed25519 tlog-cosignature/v1 one (key hash, 8-byte timestamp, 64-byte
// signature); ok is false for any other shape. It verifies nothing.
func cosignatureTime(sig note.Signature) (ts uint64, ok bool) {
	b, err := base64.StdEncoding.DecodeString(sig.Base64)
	if err != nil || len(b) != 4+8+ed25519.SignatureSize {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[4:12]), true
}

// keyID identifies a note key: its name and key hash.
type keyID struct {
	name string
	hash uint32
}
