package proof

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Version is the only bundle format version.
const Version = 1

// Limits of a bundle.
const (
	// MaxSize is the largest bundle Parse reads: 4 MiB.
	MaxSize = 4 << 20
	// MaxProofHashes bounds the inclusion proof: a tree of at most 2^63
	// leaves needs at most 63 hashes.
	MaxProofHashes = 64
	// maxSubjectLen bounds the NATS subject.
	maxSubjectLen = 1024
)

// ErrMalformed is matched (errors.Is) by every error about a bundle's
// form; the message names the JSON field and the reason, never a value.
var ErrMalformed = errors.New("proof: malformed bundle")

// Bundle is an offline proof that one event is in the ledger. Its JSON
// form is the file an auditor receives (Marshal, Parse).
type Bundle struct {
	// Version is the format version, 1 (JSON "version").
	Version int `json:"version"`
	// Sequence is the event's JetStream stream sequence, ≥ 1; its leaf is
	// at tree index Sequence-1 (JSON "sequence").
	Sequence uint64 `json:"sequence"`
	// Subject is the NATS subject the event was stored under,
	// docket.<tenant>.<subject_ref>.<EventType> (JSON "subject").
	Subject string `json:"subject"`
	// Event is the message data exactly as JetStream stores it, sealed
	// values included (JSON "event", standard base64).
	Event []byte `json:"event"`
	// TreeSize is the size of the tree the proof and checkpoint are for,
	// ≥ Sequence (JSON "tree_size").
	TreeSize int64 `json:"tree_size"`
	// Proof is the RFC 6962 inclusion proof of the event's leaf in the
	// tree of TreeSize leaves: standard base64 hashes of 32 bytes, from the
	// leaf's sibling up to the root's child, as tlog.ProveRecord returns
	// them (JSON "proof"; see EncodeProof and RecordProof).
	Proof []string `json:"proof"`
	// Checkpoint is the signed note of the checkpoint at TreeSize, with
	// any witness cosignatures (JSON "checkpoint").
	Checkpoint string `json:"checkpoint"`
}

// EncodeProof returns the Proof field of a tlog inclusion proof; nil for
// an empty proof (a one-leaf tree), as Parse returns it.
func EncodeProof(p tlog.RecordProof) []string {
	if len(p) == 0 {
		return nil
	}
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// RecordProof decodes b.Proof. The error wraps ErrMalformed.
func (b *Bundle) RecordProof() (tlog.RecordProof, error) {
	if len(b.Proof) > MaxProofHashes {
		return nil, fmt.Errorf("%w: proof: %d hashes, more than %d", ErrMalformed, len(b.Proof), MaxProofHashes)
	}
	p := make(tlog.RecordProof, len(b.Proof))
	for i, s := range b.Proof {
		raw, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || base64.StdEncoding.EncodeToString(raw) != s {
			return nil, fmt.Errorf("%w: proof[%d]: not canonical standard base64", ErrMalformed, i)
		}
		if len(raw) != tlog.HashSize {
			return nil, fmt.Errorf("%w: proof[%d]: %d bytes, want %d", ErrMalformed, i, len(raw), tlog.HashSize)
		}
		copy(p[i][:], raw)
	}
	return p, nil
}

// Marshal returns the indented JSON of b, ending in a newline. b must be
// valid as Parse requires (the error wraps ErrMalformed).
func Marshal(b *Bundle) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("%w: nil bundle", ErrMalformed)
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	out := *b
	if out.Proof == nil {
		out.Proof = []string{} // "proof": [], never null
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil { // Encode ends with "\n"
		return nil, fmt.Errorf("proof: encoding bundle: %w", err)
	}
	return buf.Bytes(), nil
}

// Parse reads a bundle strictly: at most MaxSize bytes holding one JSON
// object with exactly the fields of Bundle, each once, spelled exactly
// (case-sensitive), and nothing after it; version 1; sequence ≥ 1 and ≤
// tree_size; tree_size ≥ 1; a non-empty event in standard base64; a NATS
// subject; at most MaxProofHashes proof hashes of 32 bytes each; and a
// checkpoint that is a signed note whose body is a checkpoint (signatures
// are checked by Verify, not here). Every error wraps ErrMalformed and
// names the field. An empty proof is returned as a nil Proof.
func Parse(data []byte) (*Bundle, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(data), MaxSize)
	}
	// The object is walked key by key rather than decoded into a struct
	// with DisallowUnknownFields: that would also accept keys in another
	// case ("Version") and repeated keys (the last one winning), which a
	// second parser could read differently.
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var (
		b     Bundle
		event string
		seen  = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %s", ErrMalformed, jsonReason(err))
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%w: object key is not a string", ErrMalformed)
		}
		if seen[key] {
			return nil, fmt.Errorf("%w: %s: appears twice", ErrMalformed, key)
		}
		seen[key] = true
		var dst any
		switch key {
		case "version":
			dst = &b.Version
		case "sequence":
			dst = &b.Sequence
		case "subject":
			dst = &b.Subject
		case "event":
			dst = &event
		case "tree_size":
			dst = &b.TreeSize
		case "proof":
			dst = &b.Proof
		case "checkpoint":
			dst = &b.Checkpoint
		default:
			return nil, fmt.Errorf("%w: unknown field %q", ErrMalformed, truncate(key, 64))
		}
		if err := dec.Decode(dst); err != nil {
			return nil, fieldError(key, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	for _, f := range fieldOrder {
		if !seen[f] {
			return nil, fmt.Errorf("%w: %s: missing", ErrMalformed, f)
		}
	}

	raw, err := base64.StdEncoding.Strict().DecodeString(event)
	if err != nil || base64.StdEncoding.EncodeToString(raw) != event {
		return nil, fmt.Errorf("%w: event: not canonical standard base64", ErrMalformed)
	}
	b.Event = raw
	if len(b.Proof) == 0 {
		b.Proof = nil
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	return &b, nil
}

// validate reports the first reason b is not a well-formed bundle, or nil.
// It does not verify signatures or the proof.
func (b *Bundle) validate() error {
	if b.Version != Version {
		return fmt.Errorf("%w: version: %d, want %d", ErrMalformed, b.Version, Version)
	}
	if b.Sequence < 1 {
		return fmt.Errorf("%w: sequence: 0, stream sequences start at 1", ErrMalformed)
	}
	if b.TreeSize < 1 {
		return fmt.Errorf("%w: tree_size: %d, want at least 1", ErrMalformed, b.TreeSize)
	}
	if b.Sequence > uint64(b.TreeSize) {
		return fmt.Errorf("%w: sequence: %d is beyond tree_size %d", ErrMalformed, b.Sequence, b.TreeSize)
	}
	if err := checkSubject(b.Subject); err != nil {
		return fmt.Errorf("%w: subject: %s", ErrMalformed, err)
	}
	if len(b.Event) == 0 {
		return fmt.Errorf("%w: event: empty", ErrMalformed)
	}
	if _, err := b.RecordProof(); err != nil {
		return err
	}
	if err := checkNote(b.Checkpoint); err != nil {
		return fmt.Errorf("%w: checkpoint: %s", ErrMalformed, err)
	}
	return nil
}

// checkSubject reports why s cannot be a NATS subject of a stored event.
func checkSubject(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case len(s) > maxSubjectLen:
		return fmt.Errorf("longer than %d bytes", maxSubjectLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("byte %d is not printable ASCII without spaces", i)
		}
	}
	if strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return errors.New("has an empty token")
	}
	if strings.ContainsAny(s, "*>") {
		return errors.New("has a wildcard")
	}
	return nil
}

// checkNote reports why s is not a signed note with a checkpoint body. It
// verifies no signature.
func checkNote(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	_, err := note.Open([]byte(s), note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return errors.New("not a signed note (text, blank line, signature lines)")
	}
	if _, err := checkpoint.Parse([]byte(unverified.Note.Text)); err != nil {
		reason := strings.TrimPrefix(err.Error(), checkpoint.ErrMalformed.Error()+": ")
		return fmt.Errorf("note text: %s", reason)
	}
	return nil
}

// expectDelim reads the JSON delimiter want.
func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %s", ErrMalformed, jsonReason(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: want a JSON object", ErrMalformed)
	}
	return nil
}

// jsonReason describes a JSON decoding error without quoting the input.
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		kind, _, _ := strings.Cut(te.Value, " ") // "number -1" -> "number"
		return "is a JSON " + kind
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return "invalid JSON"
}

// fieldOrder lists the bundle's JSON fields, all required, in the order
// Marshal writes them.
var fieldOrder = []string{"version", "sequence", "subject", "event", "tree_size", "proof", "checkpoint"}

// fieldWant says what each field holds, for errors.
var fieldWant = map[string]string{
	"version":    "the integer 1",
	"sequence":   "an integer from 1 to 2^64-1",
	"subject":    "a string",
	"event":      "a base64 string",
	"tree_size":  "an integer from 1 to 2^63-1",
	"proof":      "an array of base64 strings",
	"checkpoint": "a string",
}

// fieldError describes a failure to decode field's value.
func fieldError(field string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%w: %s: %s, want %s", ErrMalformed, field, jsonReason(err), fieldWant[field])
	}
	return fmt.Errorf("%w: %s: %s", ErrMalformed, field, jsonReason(err))
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
