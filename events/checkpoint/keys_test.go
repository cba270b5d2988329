package checkpoint_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/note"
)

func TestGenerateKeyName(t *testing.T) {
	tests := []struct {
		name    string
		wantErr error
	}{
		{name: "docket.example.com/ledger"},
		{name: "witness-1"},
		{name: "zeugin.example.de/ä"},
		{name: "", wantErr: checkpoint.ErrInvalidKey},
		{name: "a+b", wantErr: checkpoint.ErrInvalidKey},
		{name: "a b", wantErr: checkpoint.ErrInvalidKey},
		{name: "a\tb", wantErr: checkpoint.ErrInvalidKey},
		{name: "a\u00a0b", wantErr: checkpoint.ErrInvalidKey}, // no-break space
		{name: "a\x01b", wantErr: checkpoint.ErrInvalidKey},
		{name: "a\u200bb", wantErr: checkpoint.ErrInvalidKey}, // zero-width space: not printable
		{name: "\xff", wantErr: checkpoint.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skey, vkey, err := checkpoint.GenerateKey(tt.name)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("GenerateKey(%q) error = %v, want %v", tt.name, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "key name") {
					t.Errorf("error %q does not say the key name is wrong", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GenerateKey(%q): %v", tt.name, err)
			}
			if !strings.HasPrefix(skey, "PRIVATE+KEY+"+tt.name+"+") || !strings.HasPrefix(vkey, tt.name+"+") {
				t.Errorf("GenerateKey(%q) = %q..., %q, want keys with that name", tt.name, skey[:12], vkey)
			}
		})
	}
}

func TestPublicKeyMatchesGenerateKey(t *testing.T) {
	for _, name := range []string{"docket.example.com/ledger", "w1"} {
		skey, vkey, err := checkpoint.GenerateKey(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := checkpoint.PublicKey(skey)
		if err != nil {
			t.Fatalf("PublicKey: %v", err)
		}
		if got != vkey {
			t.Errorf("PublicKey(skey) = %q, want GenerateKey's vkey %q", got, vkey)
		}
		got, err = checkpoint.PublicKey("  " + skey + "\n")
		if err != nil || got != vkey {
			t.Errorf("PublicKey(skey with white space) = %q, %v; want %q", got, err, vkey)
		}
	}
}

// badSignerKeys are corruptions of skey, each of which must be refused.
func badSignerKeys(t *testing.T, skey string) map[string]string {
	t.Helper()
	parts := strings.SplitN(skey, "+", 5) // PRIVATE KEY name hash key (base64 may hold "+")
	if len(parts) != 5 {
		t.Fatalf("unexpected key shape")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil {
		t.Fatal(err)
	}
	join := func(p ...string) string { return strings.Join(p, "+") }
	otherAlg := append([]byte{2}, raw[1:]...)
	flipped := append([]byte(nil), raw...)
	flipped[5] ^= 1
	return map[string]string{
		"verifier key":   join(parts[2], parts[3], parts[4]),
		"no prefix":      join("PRIVATE", "KEJ", parts[2], parts[3], parts[4]),
		"missing hash":   join(parts[0], parts[1], parts[2], parts[4]),
		"short hash":     join(parts[0], parts[1], parts[2], parts[3][:7], parts[4]),
		"wrong hash":     join(parts[0], parts[1], parts[2], "00000000", parts[4]),
		"wrong name":     join(parts[0], parts[1], "other", parts[3], parts[4]),
		"bad name":       join(parts[0], parts[1], "", parts[3], parts[4]),
		"not base64":     join(parts[0], parts[1], parts[2], parts[3], parts[4][:len(parts[4])-2]+"!!"),
		"truncated seed": join(parts[0], parts[1], parts[2], parts[3], base64.StdEncoding.EncodeToString(raw[:20])),
		"other alg":      join(parts[0], parts[1], parts[2], parts[3], base64.StdEncoding.EncodeToString(otherAlg)),
		"flipped seed":   join(parts[0], parts[1], parts[2], parts[3], base64.StdEncoding.EncodeToString(flipped)),
		"empty":          "",
	}
}

func TestSignerKeyRejectsWithoutLeakingKey(t *testing.T) {
	for _, kind := range []struct {
		name      string
		generate  func(string) (string, string, error)
		newSigner func(string) (note.Signer, error)
	}{
		{"log key", checkpoint.GenerateKey, checkpoint.NewSigner},
		{"witness key", checkpoint.GenerateWitnessKey, checkpoint.NewWitnessSigner},
	} {
		skey, _, err := kind.generate("docket.example.com/ledger")
		if err != nil {
			t.Fatal(err)
		}
		secret := secretPart(skey)
		for name, bad := range badSignerKeys(t, skey) {
			t.Run(kind.name+"/"+name, func(t *testing.T) {
				_, err := kind.newSigner(bad)
				if !errors.Is(err, checkpoint.ErrInvalidKey) {
					t.Fatalf("new signer error = %v, want ErrInvalidKey", err)
				}
				_, perr := checkpoint.PublicKey(bad)
				if !errors.Is(perr, checkpoint.ErrInvalidKey) {
					t.Fatalf("PublicKey error = %v, want ErrInvalidKey", perr)
				}
				for _, e := range []error{err, perr} {
					if leaks(e.Error(), secret) {
						t.Errorf("error %q holds key material", e)
					}
				}
			})
		}
	}
}

// secretPart is the key data of a signer key: what follows
// PRIVATE+KEY+<name>+<hash>+.
func secretPart(skey string) string {
	return strings.SplitN(skey, "+", 5)[4]
}

// leaks reports whether msg holds any 8-character piece of key.
func leaks(msg, key string) bool {
	for i := 0; i+8 <= len(key); i++ {
		if strings.Contains(msg, key[i:i+8]) {
			return true
		}
	}
	return false
}

func TestNewVerifierRejects(t *testing.T) {
	skey, vkey, err := checkpoint.GenerateKey("docket.example.com/ledger")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vkey string
	}{
		{"private key", skey},
		{"empty", ""},
		{"no hash", "docket.example.com/ledger"},
		{"wrong hash", strings.SplitN(vkey, "+", 3)[0] + "+00000000+" + strings.SplitN(vkey, "+", 3)[2]},
		{"bad name", "a b+00000000+AQ=="},
		{"garbage key", "n+00000000+!!!!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkpoint.NewVerifier(tt.vkey)
			if !errors.Is(err, checkpoint.ErrInvalidKey) {
				t.Fatalf("NewVerifier error = %v, want ErrInvalidKey", err)
			}
			if leaks(err.Error(), secretPart(skey)) {
				t.Errorf("error %q holds key material", err)
			}
		})
	}
	if _, err := checkpoint.NewVerifier(" " + vkey + "\n"); err != nil {
		t.Errorf("NewVerifier(valid key with white space): %v", err)
	}
}

func TestWriteKeyFileLoadSigner(t *testing.T) {
	skey, vkey, err := checkpoint.GenerateKey("docket.example.com/ledger")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "notary.key")
	if err := checkpoint.WriteKeyFile(path, skey); err != nil {
		t.Fatalf("WriteKeyFile: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != skey+"\n" {
		t.Errorf("key file content is not the key and a newline")
	}
	s, err := checkpoint.LoadSigner(path)
	if err != nil {
		t.Fatalf("LoadSigner: %v", err)
	}
	v, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		t.Errorf("loaded signer is %s/%08x, want %s/%08x", s.Name(), s.KeyHash(), v.Name(), v.KeyHash())
	}

	// O_EXCL: never overwrite, not even with the same key.
	other, _, err := checkpoint.GenerateKey("other")
	if err != nil {
		t.Fatal(err)
	}
	err = checkpoint.WriteKeyFile(path, other)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteKeyFile over an existing file: error = %v, want fs.ErrExist", err)
	}
	if leaks(err.Error(), secretPart(other)) {
		t.Errorf("error %q holds key material", err)
	}
	if data2, _ := os.ReadFile(path); string(data2) != string(data) {
		t.Errorf("WriteKeyFile changed an existing file")
	}

	// A malformed key is never written.
	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := checkpoint.WriteKeyFile(bad, "PRIVATE+KEY+x"); !errors.Is(err, checkpoint.ErrInvalidKey) {
		t.Errorf("WriteKeyFile(malformed key) error = %v, want ErrInvalidKey", err)
	}
	if _, err := os.Stat(bad); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteKeyFile(malformed key) created a file (stat error %v)", err)
	}
}

func TestLoadSignerMode(t *testing.T) {
	skey, _, err := checkpoint.GenerateKey("docket.example.com/ledger")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode    os.FileMode
		wantErr error
	}{
		{mode: 0o600},
		{mode: 0o400},
		{mode: 0o644, wantErr: checkpoint.ErrKeyFileMode},
		{mode: 0o640, wantErr: checkpoint.ErrKeyFileMode},
		{mode: 0o604, wantErr: checkpoint.ErrKeyFileMode},
		{mode: 0o610, wantErr: checkpoint.ErrKeyFileMode},
		{mode: 0o601, wantErr: checkpoint.ErrKeyFileMode},
		{mode: 0o666, wantErr: checkpoint.ErrKeyFileMode},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k")
			// White space around the key is tolerated.
			if err := os.WriteFile(path, []byte("\n  "+skey+"\r\n\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := checkpoint.LoadSigner(path)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("LoadSigner(mode %04o): %v", tt.mode, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LoadSigner(mode %04o) error = %v, want %v", tt.mode, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("error %q does not suggest chmod 600", err)
			}
			if leaks(err.Error(), secretPart(skey)) {
				t.Errorf("error %q holds key material", err)
			}
		})
	}
}

func TestLoadSignerRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_, vkey, err := checkpoint.GenerateKey("n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr error
	}{
		{"missing", filepath.Join(dir, "nope"), fs.ErrNotExist},
		{"directory", dir, checkpoint.ErrInvalidKey},
		{"empty", write("empty", ""), checkpoint.ErrInvalidKey},
		{"verifier key", write("pub", vkey+"\n"), checkpoint.ErrInvalidKey},
		{"too large", write("large", strings.Repeat("A", 5000)), checkpoint.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "directory" {
				if err := os.Chmod(dir, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			_, err := checkpoint.LoadSigner(tt.path)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("LoadSigner error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
