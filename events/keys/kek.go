package keys

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// KEK is a key-encryption key: it wraps and unwraps data keys. It is the
// plug-in point for a KMS or Vault; NewLocalKEK is the in-process one.
// Implementations are safe for concurrent use.
type KEK interface {
	// ID identifies the key (not secret); it is stored with every wrapped
	// data key.
	ID() string
	// Wrap encrypts dataKey bound to aad.
	Wrap(ctx context.Context, dataKey, aad []byte) ([]byte, error)
	// Unwrap reverses Wrap; it fails for another key, another aad or
	// tampered bytes.
	Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error)
}

// KEKSize is the size of a local KEK: AES-256.
const KEKSize = 32

type localKEK struct {
	id   string
	aead cipher.AEAD
}

// NewLocalKEK returns a KEK that wraps with AES-256-GCM under raw (KEKSize
// bytes). A wrapped key is a 12-byte random nonce followed by the GCM
// ciphertext and tag. Its ID is the hex of the first 8 bytes of SHA-256(raw).
func NewLocalKEK(raw []byte) (KEK, error) {
	if len(raw) != KEKSize {
		return nil, fmt.Errorf("keys: key-encryption key is %d bytes, want %d", len(raw), KEKSize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	sum := sha256.Sum256(raw)
	return &localKEK{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

func (k *localKEK) ID() string { return k.id }

func (k *localKEK) Wrap(_ context.Context, dataKey, aad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	out := make([]byte, ns, ns+len(dataKey)+k.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("keys: reading a nonce: %w", err)
	}
	return k.aead.Seal(out, out[:ns], dataKey, aad), nil
}

func (k *localKEK) Unwrap(_ context.Context, wrapped, aad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(wrapped) < ns+k.aead.Overhead() {
		return nil, fmt.Errorf("%w: wrapped key is %d bytes, too short", ErrUnwrap, len(wrapped))
	}
	dk, err := k.aead.Open(nil, wrapped[:ns], wrapped[ns:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed under KEK %s", ErrUnwrap, k.id)
	}
	return dk, nil
}

// KEKFromEnv returns the local KEK whose KEKSize bytes value holds as hex
// (64 characters; surrounding white space ignored), e.g. from an environment
// variable. The error never repeats the value.
func KEKFromEnv(value string) (KEK, error) {
	raw, err := decodeKEKHex([]byte(value))
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	return NewLocalKEK(raw)
}

func decodeKEKHex(b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	if len(b) != 2*KEKSize {
		return nil, fmt.Errorf("keys: key-encryption key must be %d hex characters, got %d", 2*KEKSize, len(b))
	}
	raw := make([]byte, KEKSize)
	if _, err := hex.Decode(raw, b); err != nil {
		clear(raw)
		return nil, errors.New("keys: key-encryption key is not valid hex")
	}
	return raw, nil
}

// LoadKEKFile reads a local KEK from path: a file holding the key as 64 hex
// characters (a trailing newline or other surrounding white space is
// ignored). It refuses a file whose permissions are wider than 0600 (any
// group or other bit, or an executable bit) and anything but a regular file.
//
// When the file does not exist and create is true, it generates a key from
// crypto/rand and writes it with mode 0600, creating the parent directory
// with mode 0700 if needed (an existing directory is left as it is).
func LoadKEKFile(path string, create bool) (KEK, error) {
	b, err := readKEKFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := createKEKFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		// Created now, or by a concurrent process: read it like any other.
		b, err = readKEKFile(path)
	}
	if err != nil {
		return nil, err
	}
	defer clear(b)
	raw, err := decodeKEKHex(b)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	defer clear(raw)
	return NewLocalKEK(raw)
}

// GenerateKEKFile writes a new local KEK, from crypto/rand, to path (mode
// 0600, as 64 hex characters and a newline; the parent directory is created
// with mode 0700 if missing) and returns it. It never overwrites: an
// existing path is an error matching fs.ErrExist.
func GenerateKEKFile(path string) (KEK, error) {
	if err := createKEKFile(path); err != nil {
		return nil, err
	}
	return LoadKEKFile(path, false)
}

func readKEKFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keys: key-encryption key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keys: key-encryption key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keys: key-encryption key file %s is not a regular file (mode %v)", path, fi.Mode())
	}
	if perm := fi.Mode().Perm(); perm&^0o600 != 0 {
		return nil, fmt.Errorf("keys: key-encryption key file %s has mode %#o, wider than 0600; run chmod 600 on it", path, perm)
	}
	// A hex key with some white space; bound the read.
	b, err := io.ReadAll(io.LimitReader(f, 4*KEKSize))
	if err != nil {
		return nil, fmt.Errorf("keys: reading key-encryption key file %s: %w", path, err)
	}
	return b, nil
}

func createKEKFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keys: creating directory of key-encryption key file: %w", err)
	}
	raw := make([]byte, KEKSize)
	defer clear(raw)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("keys: generating key-encryption key: %w", err)
	}
	enc := make([]byte, 2*KEKSize+1)
	defer clear(enc)
	hex.Encode(enc, raw)
	enc[len(enc)-1] = '\n'

	// Write a temporary file and link it into place, so that no reader ever
	// sees a partial key and a concurrent creator cannot be overwritten.
	tmp, err := os.CreateTemp(dir, ".kek-*")
	if err != nil {
		return fmt.Errorf("keys: creating key-encryption key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil { // CreateTemp uses 0600 already; be explicit.
		tmp.Close()
		return fmt.Errorf("keys: creating key-encryption key file: %w", err)
	}
	if _, err := tmp.Write(enc); err != nil {
		tmp.Close()
		return fmt.Errorf("keys: writing key-encryption key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keys: writing key-encryption key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keys: writing key-encryption key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("keys: creating key-encryption key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
