package checkpoint_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/tlog"
)

func TestTextParseRoundTrip(t *testing.T) {
	root := tlog.RecordHash([]byte("root"))
	tests := []struct {
		name string
		c    checkpoint.Checkpoint
	}{
		{"empty tree", checkpoint.Checkpoint{Origin: "docket.example.com/ledger", Size: 0, Root: tlog.Hash{}}},
		{"one leaf", checkpoint.Checkpoint{Origin: "docket.example.com/ledger", Size: 1, Root: root}},
		{"max size", checkpoint.Checkpoint{Origin: "o", Size: math.MaxInt64, Root: root}},
		{"inner spaces and plus", checkpoint.Checkpoint{Origin: "Docket ledger + test #1", Size: 20852163, Root: root}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.c.Text()
			got, err := checkpoint.Parse([]byte(text))
			if err != nil {
				t.Fatalf("Parse(Text()) error: %v", err)
			}
			if got != tt.c {
				t.Errorf("Parse(Text()) = %+v, want %+v", got, tt.c)
			}
			if !strings.HasSuffix(text, "\n") || strings.Count(text, "\n") != 3 {
				t.Errorf("Text() = %q, want three newline-terminated lines", text)
			}
		})
	}
}

func TestTextFormat(t *testing.T) {
	var root tlog.Hash
	copy(root[:], bytes.Repeat([]byte{0xff}, 32))
	c := checkpoint.Checkpoint{Origin: "example.com/log", Size: 42, Root: root}
	want := "example.com/log\n42\n//////////////////////////////////////////8=\n"
	if got := c.Text(); got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
}

func TestParseIgnoresExtensionLines(t *testing.T) {
	base := checkpoint.Checkpoint{Origin: "example.com/log", Size: 7, Root: tlog.RecordHash([]byte("x"))}
	tests := []struct {
		name string
		ext  string
	}{
		{"one", "timestamp 1700000000\n"},
		{"two", "a\nb c — ü\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkpoint.Parse([]byte(base.Text() + tt.ext))
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			if got != base {
				t.Errorf("Parse = %+v, want %+v", got, base)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	const root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
	tests := []struct {
		name      string
		text      string
		wantInMsg string
	}{
		{"empty", "", "empty"},
		{"no final newline", "o\n1\n" + root, "newline"},
		{"two lines", "o\n1\n", "lines"},
		{"empty origin", "\n1\n" + root + "\n", "origin"},
		{"origin leading space", " o\n1\n" + root + "\n", "origin"},
		{"origin trailing space", "o \n1\n" + root + "\n", "origin"},
		{"origin tab", "o\tx\n1\n" + root + "\n", "origin"},
		{"origin non-ASCII", "ü\n1\n" + root + "\n", "origin"},
		{"origin carriage return", "o\r\n1\n" + root + "\n", "origin"},
		{"empty size", "o\n\n" + root + "\n", "size"},
		{"size plus sign", "o\n+1\n" + root + "\n", "size"},
		{"size minus sign", "o\n-1\n" + root + "\n", "size"},
		{"size leading zero", "o\n01\n" + root + "\n", "size"},
		{"size double zero", "o\n00\n" + root + "\n", "size"},
		{"size hex", "o\n0x10\n" + root + "\n", "size"},
		{"size space", "o\n 1\n" + root + "\n", "size"},
		{"size overflow", "o\n9223372036854775808\n" + root + "\n", "size"},
		{"root empty", "o\n1\n\n", "root hash"},
		{"root not base64", "o\n1\n!!!!\n", "root hash"},
		{"root URL base64", "o\n1\n" + strings.ReplaceAll(root, "/", "_") + "\n", "root hash"},
		{"root unpadded", "o\n1\n" + strings.TrimSuffix(root, "=") + "\n", "root hash"},
		{"root 31 bytes", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", "root hash"},
		{"root 33 bytes", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "root hash"},
		{"root non-canonical padding bits", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "root hash"},
		{"root carriage return", "o\n1\n" + root + "\r\n", "root hash"},
		{"empty extension line", "o\n1\n" + root + "\n\n", "extension line 1"},
		{"extension control character", "o\n1\n" + root + "\nok\nx\x01\n", "extension line 2"},
		{"extension invalid UTF-8", "o\n1\n" + root + "\n\xff\n", "extension line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkpoint.Parse([]byte(tt.text))
			if !errors.Is(err, checkpoint.ErrMalformed) {
				t.Fatalf("Parse(%q) error = %v, want ErrMalformed", tt.text, err)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("Parse(%q) error = %q, want it to mention %q", tt.text, err, tt.wantInMsg)
			}
		})
	}
}
