package checkpoint

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/transparency-dev/formats/log"
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
// "<origin>\n<size>\n<base64 root>\n" (transparency-dev/formats'
// log.Checkpoint.Marshal). It writes no extension lines.
func (c Checkpoint) Text() string {
	if c.Size < 0 {
		// Not a checkpoint (validate refuses it); written as it is rather
		// than as the uint64 it would wrap to.
		return c.Origin + "\n" + strconv.FormatInt(c.Size, 10) + "\n" +
			base64.StdEncoding.EncodeToString(c.Root[:]) + "\n"
	}
	return string(log.Checkpoint{Origin: c.Origin, Size: uint64(c.Size), Hash: c.Root[:]}.Marshal())
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

// Parse parses a checkpoint body (the note text, without signatures) with
// transparency-dev/formats' log.Checkpoint.Unmarshal, then holds it to a
// stricter, canonical form: the origin line must be non-empty printable
// ASCII without leading or trailing space; the size line a decimal number
// without sign or leading zeros (except "0") that fits an int64; the root
// hash line the standard, padded base64 of exactly 32 bytes, written as
// Text writes it; and the text must end with a newline. So a checkpoint
// has one text, and Parse(c.Text()) is c. Extension lines after the root
// hash, which C2SP allows, are accepted if non-empty and free of control
// characters, and ignored: the Checkpoint does not hold them. Every error
// wraps ErrMalformed and names the line.
func Parse(text []byte) (Checkpoint, error) {
	if len(text) == 0 {
		return Checkpoint{}, fmt.Errorf("%w: empty text", ErrMalformed)
	}
	if text[len(text)-1] != '\n' {
		return Checkpoint{}, fmt.Errorf("%w: text does not end with a newline", ErrMalformed)
	}
	// lines names the line at fault: origin, size, root hash, extensions.
	lines := strings.SplitN(string(text), "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, fmt.Errorf("%w: %d lines, want at least 3 (origin, size, root hash)", ErrMalformed, len(lines)-1)
	}
	var lc log.Checkpoint
	rest, err := lc.Unmarshal(text)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %s", ErrMalformed, refused(lines, err))
	}
	if err := checkOrigin(lc.Origin); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: origin line: %s", ErrMalformed, err)
	}
	if err := checkSize(lines[1]); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: size line: %s", ErrMalformed, err)
	}
	if lc.Size > math.MaxInt64 {
		return Checkpoint{}, fmt.Errorf("%w: size line: does not fit in a signed 64-bit integer", ErrMalformed)
	}
	if len(lc.Hash) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: root hash line: %d bytes, want %d", ErrMalformed, len(lc.Hash), tlog.HashSize)
	}
	if base64.StdEncoding.EncodeToString(lc.Hash) != lines[2] {
		// Unmarshal's decoder skips carriage returns and accepts
		// non-zero padding bits; the format has neither.
		return Checkpoint{}, fmt.Errorf("%w: root hash line: not canonical base64", ErrMalformed)
	}
	if len(rest) > 0 {
		for i, ext := range strings.Split(strings.TrimSuffix(string(rest), "\n"), "\n") {
			if err := checkExtension(ext); err != nil {
				return Checkpoint{}, fmt.Errorf("%w: extension line %d: %s", ErrMalformed, i+1, err)
			}
		}
	}
	c := Checkpoint{Origin: lc.Origin, Size: int64(lc.Size)}
	copy(c.Root[:], lc.Hash)
	return c, nil
}

// refused names the line that log.Checkpoint.Unmarshal refused, and why;
// lines are the text's first three lines and the rest. Unmarshal checks
// the origin, then the size, then the root hash.
func refused(lines []string, err error) string {
	switch {
	case lines[0] == "":
		return "origin line: is empty"
	case checkSize(lines[1]) != nil:
		return "size line: " + checkSize(lines[1]).Error()
	case errors.Is(err, strconv.ErrRange):
		return "size line: does not fit in a signed 64-bit integer"
	}
	return "root hash line: not standard base64"
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

// checkSize reports why s is not a canonical tree size (decimal digits, no
// sign, no leading zeros), or nil. Whether it fits is Parse's check.
func checkSize(s string) error {
	switch {
	case s == "":
		return errorString("is empty")
	case !isDigits(s):
		return errorString("is not a decimal number (digits only, no sign)")
	case len(s) > 1 && s[0] == '0':
		return errorString("has a leading zero")
	}
	return nil
}

// isDigits reports whether s is only ASCII decimal digits.
func isDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
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
