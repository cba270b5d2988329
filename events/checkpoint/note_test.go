package checkpoint_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const origin = "docket.example.com/ledger"

func testCheckpoint() checkpoint.Checkpoint {
	return checkpoint.Checkpoint{Origin: origin, Size: 300, Root: tlog.RecordHash([]byte("root"))}
}

func mustSign(t *testing.T, c checkpoint.Checkpoint, s note.Signer) []byte {
	t.Helper()
	msg, err := checkpoint.Sign(c, s)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return msg
}

func mustCosign(t *testing.T, msg []byte, log note.Verifier, w note.Signer) []byte {
	t.Helper()
	out, err := checkpoint.Cosign(msg, log, w)
	if err != nil {
		t.Fatalf("Cosign: %v", err)
	}
	return out
}

func TestSignOpen(t *testing.T) {
	log := newKeyPair(t, origin)
	c := testCheckpoint()
	msg := mustSign(t, c, log.signer)
	if !bytes.HasPrefix(msg, []byte(c.Text()+"\n— "+origin+" ")) {
		t.Errorf("signed note = %q, want the body, a blank line and the log's signature line", msg)
	}
	s, err := checkpoint.Open(msg, log.verifier, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if s.Checkpoint != c {
		t.Errorf("Open checkpoint = %+v, want %+v", s.Checkpoint, c)
	}
	if !bytes.Equal(s.Note, msg) {
		t.Errorf("Open Note differs from the input")
	}
	if len(s.Cosigners) != 0 {
		t.Errorf("Open Cosigners = %q, want none", s.Cosigners)
	}
}

func TestSignRejects(t *testing.T) {
	log := newKeyPair(t, origin)
	tests := []struct {
		name string
		c    checkpoint.Checkpoint
	}{
		{"empty origin", checkpoint.Checkpoint{Size: 1}},
		{"origin with newline", checkpoint.Checkpoint{Origin: "a\nb", Size: 1}},
		{"origin with trailing space", checkpoint.Checkpoint{Origin: "a ", Size: 1}},
		{"negative size", checkpoint.Checkpoint{Origin: origin, Size: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := checkpoint.Sign(tt.c, log.signer); !errors.Is(err, checkpoint.ErrMalformed) {
				t.Errorf("Sign error = %v, want ErrMalformed", err)
			}
		})
	}
	if _, err := checkpoint.Sign(testCheckpoint(), nil); err == nil {
		t.Errorf("Sign with a nil signer succeeded")
	}
}

// tamperSignature flips a bit in the signature (not the key hash) of the
// line of key name.
func tamperSignature(t *testing.T, msg []byte, name string) []byte {
	t.Helper()
	lines := strings.Split(string(msg), "\n")
	for i, l := range lines {
		prefix := "— " + name + " "
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(l[len(prefix):])
		if err != nil {
			t.Fatal(err)
		}
		raw[10] ^= 0x01
		lines[i] = prefix + base64.StdEncoding.EncodeToString(raw)
		return []byte(strings.Join(lines, "\n"))
	}
	t.Fatalf("no signature line by %q", name)
	return nil
}

func TestOpenRejects(t *testing.T) {
	log := newKeyPair(t, origin)
	other := newKeyPair(t, origin) // same name, another key
	w1 := newKeyPair(t, "witness-1")
	c := testCheckpoint()
	msg := mustSign(t, c, log.signer)
	cosigned := mustCosign(t, msg, log.verifier, w1.signer)

	// A note that is validly signed by the log but whose body is not a
	// checkpoint.
	notCheckpoint, err := note.Sign(&note.Note{Text: "hello\n"}, log.signer)
	if err != nil {
		t.Fatal(err)
	}
	witnessOnly, err := note.Sign(&note.Note{Text: c.Text()}, w1.signer)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		msg       []byte
		witnesses []note.Verifier
		wantErr   error
		wantInMsg string
	}{
		{"wrong log key", mustSign(t, c, other.signer), nil, checkpoint.ErrNoLogSignature, origin},
		{"tampered body", bytes.Replace(msg, []byte("\n300\n"), []byte("\n301\n"), 1), nil, checkpoint.ErrBadSignature, origin},
		{"tampered log signature", tamperSignature(t, msg, origin), nil, checkpoint.ErrBadSignature, origin},
		{"tampered witness signature", tamperSignature(t, cosigned, "witness-1"), []note.Verifier{w1.verifier}, checkpoint.ErrBadSignature, "witness-1"},
		{"missing log signature", witnessOnly, []note.Verifier{w1.verifier}, checkpoint.ErrNoLogSignature, origin},
		{"no signatures at all", []byte(c.Text() + "\n"), nil, checkpoint.ErrMalformed, "signed note"},
		{"body only", []byte(c.Text()), nil, checkpoint.ErrMalformed, "signed note"},
		{"control character", append(bytes.Clone(msg[:5]), append([]byte{0x01}, msg[5:]...)...), nil, checkpoint.ErrMalformed, "signed note"},
		{"body not a checkpoint", notCheckpoint, nil, checkpoint.ErrMalformed, "lines"},
		{"empty", nil, nil, checkpoint.ErrMalformed, "signed note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkpoint.Open(tt.msg, log.verifier, tt.witnesses)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("Open error %q does not mention %q", err, tt.wantInMsg)
			}
		})
	}

	if _, err := checkpoint.Open(msg, nil, nil); err == nil {
		t.Errorf("Open with a nil log verifier succeeded")
	}
	if _, err := checkpoint.Open(msg, log.verifier, []note.Verifier{nil}); err == nil {
		t.Errorf("Open with a nil witness verifier succeeded")
	}
}

func TestOpenIgnoresUnknownSignatures(t *testing.T) {
	log := newKeyPair(t, origin)
	stranger := newKeyPair(t, "stranger")
	msg := mustSign(t, testCheckpoint(), log.signer)
	extra := mustCosign(t, msg, log.verifier, stranger.signer)
	// A garbage signature by an unknown key is ignored too.
	garbage := tamperSignature(t, extra, "stranger")

	for name, m := range map[string][]byte{"valid unknown": extra, "invalid unknown": garbage} {
		t.Run(name, func(t *testing.T) {
			s, err := checkpoint.Open(m, log.verifier, nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if len(s.Cosigners) != 0 {
				t.Errorf("Cosigners = %q, want none (the extra key is unknown)", s.Cosigners)
			}
		})
	}
}

func TestCosign(t *testing.T) {
	log := newKeyPair(t, origin)
	w1, w2, w3 := newKeyPair(t, "witness-b"), newKeyPair(t, "witness-a"), newKeyPair(t, "witness-c")
	c := testCheckpoint()
	msg := mustSign(t, c, log.signer)
	one := mustCosign(t, msg, log.verifier, w1.signer)
	two := mustCosign(t, one, log.verifier, w2.signer)
	all := []note.Verifier{w1.verifier, w2.verifier, w3.verifier}

	tests := []struct {
		name          string
		msg           []byte
		witnesses     []note.Verifier
		wantCosigners []string
	}{
		{"log only", msg, all, nil},
		{"one cosigner", one, all, []string{"witness-b"}},
		{"two cosigners, sorted", two, all, []string{"witness-a", "witness-b"}},
		{"only known witnesses count", two, []note.Verifier{w2.verifier}, []string{"witness-a"}},
		{"log key listed as a witness is not a cosigner", two, []note.Verifier{log.verifier, w1.verifier, w1.verifier}, []string{"witness-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := checkpoint.Open(tt.msg, log.verifier, tt.witnesses)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !slices.Equal(s.Cosigners, tt.wantCosigners) {
				t.Errorf("Cosigners = %q, want %q", s.Cosigners, tt.wantCosigners)
			}
			if s.Checkpoint != c {
				t.Errorf("checkpoint = %+v, want %+v", s.Checkpoint, c)
			}
		})
	}

	// Every earlier line is kept, the log's first.
	if !bytes.HasPrefix(two, msg) {
		t.Errorf("cosigned note does not start with the log-signed note:\n%s", two)
	}
	if n := bytes.Count(two, []byte("\n— ")); n != 3 {
		t.Errorf("cosigned note has %d signature lines, want 3", n)
	}
	// Cosigning twice with one key does not add a line.
	again := mustCosign(t, two, log.verifier, w1.signer)
	if n := bytes.Count(again, []byte("\n— ")); n != 3 {
		t.Errorf("cosigning again: %d signature lines, want 3", n)
	}
}

func TestCosignRejects(t *testing.T) {
	log := newKeyPair(t, origin)
	other := newKeyPair(t, "other-log")
	w := newKeyPair(t, "witness")
	msg := mustSign(t, testCheckpoint(), log.signer)
	tests := []struct {
		name    string
		msg     []byte
		log     note.Verifier
		w       note.Signer
		wantErr error
	}{
		{"not signed by the log", msg, other.verifier, w.signer, checkpoint.ErrNoLogSignature},
		{"tampered log signature", tamperSignature(t, msg, origin), log.verifier, w.signer, checkpoint.ErrBadSignature},
		{"malformed", []byte("x"), log.verifier, w.signer, checkpoint.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := checkpoint.Cosign(tt.msg, tt.log, tt.w); !errors.Is(err, tt.wantErr) {
				t.Errorf("Cosign error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if _, err := checkpoint.Cosign(msg, log.verifier, log.signer); err == nil {
		t.Errorf("Cosign with the log's own key succeeded")
	}
	if _, err := checkpoint.Cosign(msg, log.verifier, nil); err == nil {
		t.Errorf("Cosign with a nil signer succeeded")
	}
}

func TestMerge(t *testing.T) {
	log := newKeyPair(t, origin)
	wa, wb, wc := newKeyPair(t, "witness-a"), newKeyPair(t, "witness-b"), newKeyPair(t, "witness-c")
	c := testCheckpoint()
	msg := mustSign(t, c, log.signer)
	byA := mustCosign(t, msg, log.verifier, wa.signer)
	byCB := mustCosign(t, mustCosign(t, msg, log.verifier, wc.signer), log.verifier, wb.signer)
	witnesses := []note.Verifier{wa.verifier, wb.verifier, wc.verifier}

	ab, err := checkpoint.Merge(byA, byCB)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	ba, err := checkpoint.Merge(byCB, byA)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if !bytes.Equal(ab, ba) {
		t.Errorf("Merge(a, b) != Merge(b, a):\n%s\n%s", ab, ba)
	}
	s, err := checkpoint.Open(ab, log.verifier, witnesses)
	if err != nil {
		t.Fatalf("Open(merged): %v", err)
	}
	if want := []string{"witness-a", "witness-b", "witness-c"}; !slices.Equal(s.Cosigners, want) {
		t.Errorf("merged Cosigners = %q, want %q", s.Cosigners, want)
	}
	lines := strings.Split(strings.TrimSuffix(string(ab), "\n"), "\n")
	var names []string
	for _, l := range lines[4:] {
		names = append(names, strings.Fields(l)[1])
	}
	if want := []string{origin, "witness-a", "witness-b", "witness-c"}; !slices.Equal(names, want) {
		t.Errorf("merged signature order = %q, want %q", names, want)
	}

	// Merging a note with itself, or with a subset of itself, changes nothing
	// but the order.
	self, err := checkpoint.Merge(ab, byA)
	if err != nil || !bytes.Equal(self, ab) {
		t.Errorf("Merge(merged, subset) = %q, %v; want the merged note", self, err)
	}

	t.Run("rejects", func(t *testing.T) {
		otherBody := mustSign(t, checkpoint.Checkpoint{Origin: origin, Size: 301, Root: c.Root}, log.signer)
		conflicting := tamperSignature(t, byA, "witness-a")
		tests := []struct {
			name    string
			a, b    []byte
			wantErr error
		}{
			{"different body", byA, otherBody, checkpoint.ErrDifferentBody},
			{"two signatures by one key", byA, conflicting, checkpoint.ErrBadSignature},
			{"malformed first", []byte("x\n"), byA, checkpoint.ErrMalformed},
			{"malformed second", byA, []byte(c.Text()), checkpoint.ErrMalformed},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := checkpoint.Merge(tt.a, tt.b); !errors.Is(err, tt.wantErr) {
					t.Errorf("Merge error = %v, want %v", err, tt.wantErr)
				}
			})
		}
	})
}
