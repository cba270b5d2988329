package checkpoint

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, the
// number of leaves in the tree and the RFC 6962 root hash of that tree.
type Checkpoint struct {
	// Origin identifies the log: a non-empty line of printable ASCII with
	// no leading or trailing space.
	Origin string
	// Size is the number of leaves in the tree (≥ 0).
	Size int64
	// Root is the RFC 6962 tree hash of the first Size leaves.
	Root tlog.Hash
}

// Text returns the checkpoint's note text:
// "<origin>\n<size>\n<base64 root>\n". It writes no extension lines.
func (c Checkpoint) Text() string {
	return c.Origin + "\n" + strconv.FormatInt(c.Size, 10) + "\n" +
		base64.StdEncoding.EncodeToString(c.Root[:]) + "\n"
}

// validate reports why c cannot be signed, or nil.
func (c Checkpoint) validate() error {
	if err := checkOrigin(c.Origin); err != nil {
		return fmt.Errorf("%w: origin %s", ErrMalformed, err)
	}
	if c.Size < 0 {
		return fmt.Errorf("%w: size is negative", ErrMalformed)
	}
	return nil
}

// Parse parses a checkpoint body (the note text, without signatures). It is
// strict: the origin line must be non-empty printable ASCII without leading
// or trailing space; the size line a decimal number without sign or leading
// zeros (except "0") that fits an int64; the root hash line the standard,
// padded base64 of exactly 32 bytes; and the text must end with a newline.
// Extension lines after the root hash, which C2SP allows, are accepted if
// non-empty and free of control characters, and ignored: the Checkpoint
// does not hold them. Every error wraps ErrMalformed and names the line.
func Parse(text []byte) (Checkpoint, error) {
	if len(text) == 0 {
		return Checkpoint{}, fmt.Errorf("%w: empty text", ErrMalformed)
	}
	if text[len(text)-1] != '\n' {
		return Checkpoint{}, fmt.Errorf("%w: text does not end with a newline", ErrMalformed)
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("%w: %d lines, want at least 3 (origin, size, root hash)", ErrMalformed, len(lines))
	}
	var c Checkpoint
	if err := checkOrigin(lines[0]); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: origin line: %s", ErrMalformed, err)
	}
	c.Origin = lines[0]
	size, err := parseSize(lines[1])
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: size line: %s", ErrMalformed, err)
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: root hash line: not standard base64", ErrMalformed)
	}
	if len(root) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: root hash line: %d bytes, want %d", ErrMalformed, len(root), tlog.HashSize)
	}
	if base64.StdEncoding.EncodeToString(root) != lines[2] {
		// The decoder skips carriage returns; the format has none.
		return Checkpoint{}, fmt.Errorf("%w: root hash line: not canonical base64", ErrMalformed)
	}
	copy(c.Root[:], root)
	for i, ext := range lines[3:] {
		if err := checkExtension(ext); err != nil {
			return Checkpoint{}, fmt.Errorf("%w: extension line %d: %s", ErrMalformed, i+1, err)
		}
	}
	return c, nil
}

// checkOrigin reports why s cannot be a checkpoint origin, or nil.
func checkOrigin(s string) error {
	if s == "" {
		return errorString("is empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return errorString(fmt.Sprintf("has a byte at position %d that is not printable ASCII", i))
		}
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return errorString("has a leading or trailing space")
	}
	return nil
}

// parseSize parses a tree size: decimal digits, no sign, no leading zeros.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, errorString("is empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errorString("is not a decimal number (digits only, no sign)")
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errorString("has a leading zero")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errorString("does not fit in a signed 64-bit integer")
	}
	return n, nil
}

// checkExtension reports why s cannot be an extension line, or nil. Like
// the rest of a signed note, it must be valid UTF-8 without control
// characters.
func checkExtension(s string) error {
	if s == "" {
		return errorString("is empty")
	}
	if !utf8.ValidString(s) {
		return errorString("is not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 {
			return errorString("has a control character")
		}
	}
	return nil
}

// errorString is a reason, the tail of a message that names the field.
type errorString string

func (e errorString) Error() string { return string(e) }
