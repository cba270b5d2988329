package checkpoint

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// privateKeyPrefix starts every note signer key.
const privateKeyPrefix = "PRIVATE+KEY+"

// maxKeyFileSize bounds what LoadSigner reads: a note signer key is about
// 100 bytes plus its name.
const maxKeyFileSize = 4096

// algEd25519 is the note algorithm byte of Ed25519 keys.
const algEd25519 = 1

// GenerateKey returns a new Ed25519 note key pair named name, from
// crypto/rand: skey ("PRIVATE+KEY+<name>+<hash>+<key>") must stay secret
// (WriteKeyFile stores it); vkey ("<name>+<hash>+<key>") is given to
// auditors and witnesses. The name must be non-empty printable UTF-8
// without white space or '+'; for a log's key, C2SP recommends the origin.
func GenerateKey(name string) (skey, vkey string, err error) {
	if err := checkKeyName(name); err != nil {
		return "", "", err
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("checkpoint: generating key: %w", err)
	}
	return skey, vkey, nil
}

// WriteKeyFile writes a signer key to a new file at path, mode 0600, with
// a trailing newline. It never overwrites: if path exists the error wraps
// fs.ErrExist. The key is checked first (NewSigner), so a malformed key is
// never written.
func WriteKeyFile(path, skey string) error {
	if _, err := NewSigner(skey); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("checkpoint: key file %s already exists; refusing to overwrite it: %w", path, err)
		}
		return fmt.Errorf("checkpoint: creating key file: %w", err)
	}
	_, err = io.WriteString(f, strings.TrimSpace(skey)+"\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("checkpoint: writing key file %s: %w", path, err)
	}
	return nil
}

// LoadSigner reads a signer key written by WriteKeyFile. It refuses a file
// that grants any permission to group or others (the error wraps
// ErrKeyFileMode and suggests chmod 600) and anything but a regular file.
// Surrounding white space is ignored. Errors never hold key material.
func LoadSigner(path string) (note.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: opening key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: key file %s is not a regular file", ErrInvalidKey, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: key file %s has mode %04o, which grants access to group or others; run chmod 600 %s",
			ErrKeyFileMode, path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: reading key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%w: key file %s is larger than %d bytes", ErrInvalidKey, path, maxKeyFileSize)
	}
	s, err := NewSigner(string(data))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return s, nil
}

// NewSigner returns the signer of an encoded signer key, for keys that come
// from the environment rather than a file. Surrounding white space is
// ignored. Errors wrap ErrInvalidKey and never hold key material.
func NewSigner(skey string) (note.Signer, error) {
	skey = strings.TrimSpace(skey)
	if _, _, _, err := parseSignerKey(skey); err != nil {
		return nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		// parseSignerKey checked the syntax: what is left is the key hash.
		return nil, fmt.Errorf("%w: signer key hash does not match the key (corrupted key?)", ErrInvalidKey)
	}
	return s, nil
}

// PublicKey derives the verifier key ("<name>+<hash>+<key>") from a signer
// key. Errors wrap ErrInvalidKey and never hold key material.
func PublicKey(skey string) (vkey string, err error) {
	skey = strings.TrimSpace(skey)
	name, _, seed, err := parseSignerKey(skey)
	if err != nil {
		return "", err
	}
	if _, err := NewSigner(skey); err != nil { // checks the key hash
		return "", err
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err = note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", fmt.Errorf("%w: deriving the verifier key failed", ErrInvalidKey)
	}
	return vkey, nil
}

// NewVerifier returns the verifier of an encoded verifier key
// ("<name>+<hash>+<key>"). Errors wrap ErrInvalidKey; a private key passed
// by mistake is recognised and not echoed.
func NewVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	if strings.HasPrefix(vkey, "PRIVATE+") {
		return nil, fmt.Errorf("%w: this is a private (signer) key; pass the verifier key (see PublicKey) and keep the private key secret", ErrInvalidKey)
	}
	name, _, _ := strings.Cut(vkey, "+")
	if err := checkKeyName(name); err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		// note's errors are fixed strings ("malformed verifier id", ...).
		return nil, fmt.Errorf("%w: not a note verifier key <name>+<hash>+<key>: %v", ErrInvalidKey, err)
	}
	return v, nil
}

// parseSignerKey splits an encoded signer key
// "PRIVATE+KEY+<name>+<hash hex8>+<base64(0x01 || seed)>" and checks its
// syntax. It does not check the key hash (note.NewSigner does).
func parseSignerKey(skey string) (name string, hash uint32, seed []byte, err error) {
	rest, ok := strings.CutPrefix(skey, privateKeyPrefix)
	if !ok {
		return "", 0, nil, fmt.Errorf("%w: a signer key starts with %q", ErrInvalidKey, privateKeyPrefix)
	}
	name, rest, ok1 := strings.Cut(rest, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 {
		return "", 0, nil, fmt.Errorf("%w: a signer key has the form PRIVATE+KEY+<name>+<hash>+<key>", ErrInvalidKey)
	}
	if err := checkKeyName(name); err != nil {
		return "", 0, nil, fmt.Errorf("signer key: %w", err)
	}
	h, err := strconv.ParseUint(hash16, 16, 32)
	if len(hash16) != 8 || err != nil {
		return "", 0, nil, fmt.Errorf("%w: signer key hash is not 8 hexadecimal digits", ErrInvalidKey)
	}
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil {
		return "", 0, nil, fmt.Errorf("%w: signer key data is not standard base64", ErrInvalidKey)
	}
	if len(key) == 0 || key[0] != algEd25519 {
		return "", 0, nil, fmt.Errorf("%w: signer key is not an Ed25519 note key", ErrInvalidKey)
	}
	if len(key) != 1+ed25519.SeedSize {
		return "", 0, nil, fmt.Errorf("%w: signer key data has %d bytes, want %d", ErrInvalidKey, len(key), 1+ed25519.SeedSize)
	}
	return name, uint32(h), key[1:], nil
}

// checkKeyName reports why name cannot be a note key name, or nil: it must
// be non-empty, valid UTF-8, printable, without white space or '+'.
// The name is not repeated in the error.
func checkKeyName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: key name is empty", ErrInvalidKey)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: key name is not valid UTF-8", ErrInvalidKey)
	case strings.Contains(name, "+"):
		return fmt.Errorf("%w: key name contains '+'", ErrInvalidKey)
	case strings.IndexFunc(name, unicode.IsSpace) >= 0:
		return fmt.Errorf("%w: key name contains white space", ErrInvalidKey)
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("%w: key name contains a non-printable character", ErrInvalidKey)
	}
	return nil
}
