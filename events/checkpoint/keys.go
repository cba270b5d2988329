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

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// privateKeyPrefix starts every note signer key.
const privateKeyPrefix = "PRIVATE+KEY+"

// maxKeyFileSize bounds what LoadSigner reads: a note signer key is about
// 100 bytes plus its name.
const maxKeyFileSize = 4096

// Note key types (the algorithm byte in front of the key data).
const (
	// algEd25519: an Ed25519 note key, the log's (plain signed-note
	// signatures).
	algEd25519 = 1
	// algEd25519CosignatureV1: an Ed25519 key for C2SP
	// tlog-cosignature/v1, a witness's (timestamped cosignatures).
	algEd25519CosignatureV1 = 4
)

// GenerateKey returns a new Ed25519 note key pair (key type 0x01) named
// name, from crypto/rand: the log's key. skey
// ("PRIVATE+KEY+<name>+<hash>+<key>") must stay secret (WriteKeyFile stores
// it); vkey ("<name>+<hash>+<key>") is given to auditors and witnesses. The
// name must be non-empty printable UTF-8 without white space or '+'; for a
// log's key, C2SP recommends the origin. A witness's key comes from
// GenerateWitnessKey.
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

// GenerateWitnessKey returns a new witness key pair named name, from
// crypto/rand: an Ed25519 key for C2SP tlog-cosignature/v1
// (https://c2sp.org/tlog-cosignature), key type 0x04, whose key hash is
// SHA-256(<name> || "\n" || 0x04 || public key)[:4]. vkey is the verifier
// key public witnesses publish, which transparency-dev/formats'
// note.NewVerifierForCosignatureV1 reads; skey
// ("PRIVATE+KEY+<name>+<hash>+base64(0x04 || seed)", the same hash) is
// the form formats' note.NewSignerForCosignatureV1 reads, and
// NewWitnessSigner. C2SP recommends a schema-less URL as the name.
func GenerateWitnessKey(name string) (skey, vkey string, err error) {
	if err := checkKeyName(name); err != nil {
		return "", "", err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return "", "", fmt.Errorf("checkpoint: generating key: %w", err)
	}
	return witnessKeys(name, seed)
}

// witnessKeys encodes the tlog-cosignature/v1 key pair of an Ed25519 seed.
// The verifier key is transparency-dev/formats' conversion of the Ed25519
// note verifier key (note.VKeyToCosignatureV1); the signer key takes its
// key hash.
func witnessKeys(name string, seed []byte) (skey, vkey string, err error) {
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	noteKey, err := note.NewEd25519VerifierKey(name, pub)
	if err == nil {
		vkey, err = fnote.VKeyToCosignatureV1(noteKey)
	}
	if err != nil {
		return "", "", fmt.Errorf("%w: encoding the witness key failed", ErrInvalidKey)
	}
	hash := strings.SplitN(vkey, "+", 3)[1]
	key := base64.StdEncoding.EncodeToString(append([]byte{algEd25519CosignatureV1}, seed...))
	return privateKeyPrefix + name + "+" + hash + "+" + key, vkey, nil
}

// WriteKeyFile writes a signer key (the log's or a witness's) to a new
// file at path, mode 0600, with a trailing newline. It never overwrites: if
// path exists the error wraps fs.ErrExist. The key is checked first
// (PublicKey), so a malformed key is never written.
func WriteKeyFile(path, skey string) error {
	if _, err := PublicKey(skey); err != nil {
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

// LoadSigner reads the log's signer key from a file written by
// WriteKeyFile; NewSigner says which keys it takes. It refuses a file that
// grants any permission to group or others (the error wraps ErrKeyFileMode
// and suggests chmod 600) and anything but a regular file. Surrounding
// white space is ignored. Errors never hold key material.
func LoadSigner(path string) (note.Signer, error) {
	return loadKeyFile(path, NewSigner)
}

// LoadWitnessSigner reads a witness's signer key from a file written by
// WriteKeyFile, as LoadSigner does; NewWitnessSigner says which keys it
// takes.
func LoadWitnessSigner(path string) (note.Signer, error) {
	return loadKeyFile(path, NewWitnessSigner)
}

// LoadPublicKey reads a signer key file, the log's or a witness's, as
// LoadSigner does, and returns its verifier key (PublicKey).
func LoadPublicKey(path string) (vkey string, err error) {
	return loadKeyFile(path, PublicKey)
}

// loadKeyFile reads the signer key file at path (see LoadSigner) and
// passes the key to use.
func loadKeyFile[T any](path string, use func(skey string) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("checkpoint: opening key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return zero, fmt.Errorf("checkpoint: key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return zero, fmt.Errorf("%w: key file %s is not a regular file", ErrInvalidKey, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return zero, fmt.Errorf("%w: key file %s has mode %04o, which grants access to group or others; run chmod 600 %s",
			ErrKeyFileMode, path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return zero, fmt.Errorf("checkpoint: reading key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		return zero, fmt.Errorf("%w: key file %s is larger than %d bytes", ErrInvalidKey, path, maxKeyFileSize)
	}
	v, err := use(string(data))
	if err != nil {
		return zero, fmt.Errorf("key file %s: %w", path, err)
	}
	return v, nil
}

// NewSigner returns the log's signer of an encoded signer key, for keys
// that come from the environment rather than a file: an Ed25519 note key
// (type 0x01, GenerateKey), whose signatures are plain signed-note
// signatures. A witness's cosignature/v1 key (type 0x04) is refused: the
// log does not sign with it. Surrounding white space is ignored. Errors
// wrap ErrInvalidKey and never hold key material.
func NewSigner(skey string) (note.Signer, error) {
	skey = strings.TrimSpace(skey)
	if _, err := parseSignerKeyOf(skey, algEd25519,
		"this is a witness's cosignature/v1 key (type 0x04); the log signs with an Ed25519 note key (type 0x01)"); err != nil {
		return nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		// parseSignerKey checked the syntax: what is left is the key hash.
		return nil, fmt.Errorf("%w: signer key hash does not match the key (corrupted key?)", ErrInvalidKey)
	}
	return s, nil
}

// NewWitnessSigner returns a witness's signer of an encoded signer key: a
// C2SP tlog-cosignature/v1 key (type 0x04, GenerateWitnessKey). Its
// signatures are timestamped cosignatures (transparency-dev/formats'
// note.NewSignerForCosignatureV1): the signed message is
// "cosignature/v1\ntime <unix seconds>\n" followed by the checkpoint body,
// and the signature is the 8-byte big-endian timestamp followed by the
// Ed25519 signature. An Ed25519 note key (type 0x01) is refused, with a
// hint: earlier witnesses used those, and their operators make a new key.
// Surrounding white space is ignored. Errors wrap ErrInvalidKey and never
// hold key material.
func NewWitnessSigner(skey string) (note.Signer, error) {
	skey = strings.TrimSpace(skey)
	k, err := parseSignerKeyOf(skey, algEd25519CosignatureV1,
		"this is an Ed25519 note key (type 0x01), not a witness's cosignature/v1 key (type 0x04); make one with docket keys generate --witness")
	if err != nil {
		return nil, err
	}
	if err := k.checkHash(); err != nil {
		return nil, err
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, fmt.Errorf("%w: not a cosignature/v1 signer key", ErrInvalidKey)
	}
	return s, nil
}

// PublicKey derives the verifier key ("<name>+<hash>+<key>") from a signer
// key, the log's (type 0x01) or a witness's (type 0x04). Errors wrap
// ErrInvalidKey and never hold key material.
func PublicKey(skey string) (vkey string, err error) {
	skey = strings.TrimSpace(skey)
	k, err := parseSignerKey(skey)
	if err != nil {
		return "", err
	}
	if k.alg == algEd25519CosignatureV1 {
		if err := k.checkHash(); err != nil {
			return "", err
		}
		_, vkey, err := witnessKeys(k.name, k.seed)
		return vkey, err
	}
	if _, err := NewSigner(skey); err != nil { // checks the key hash
		return "", err
	}
	pub := ed25519.NewKeyFromSeed(k.seed).Public().(ed25519.PublicKey)
	vkey, err = note.NewEd25519VerifierKey(k.name, pub)
	if err != nil {
		return "", fmt.Errorf("%w: deriving the verifier key failed", ErrInvalidKey)
	}
	return vkey, nil
}

// NewVerifier returns the verifier of an encoded verifier key
// ("<name>+<hash>+<key>"): an Ed25519 note key (type 0x01: the log's, or
// an earlier witness's) verifies plain signed-note signatures; a C2SP
// tlog-cosignature/v1 key (type 0x04: a witness's) verifies timestamped
// cosignatures, with transparency-dev/formats'
// note.NewVerifierForCosignatureV1. Other key types are refused. Errors
// wrap ErrInvalidKey; a private key passed by mistake is recognised and
// not echoed.
func NewVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	if strings.HasPrefix(vkey, "PRIVATE+") {
		return nil, fmt.Errorf("%w: this is a private (signer) key; pass the verifier key (see PublicKey) and keep the private key secret", ErrInvalidKey)
	}
	name, rest, _ := strings.Cut(vkey, "+")
	if err := checkKeyName(name); err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	hash16, key64, _ := strings.Cut(rest, "+")
	if key, err := base64.StdEncoding.DecodeString(key64); err == nil && len(key) > 0 && key[0] == algEd25519CosignatureV1 {
		return newWitnessVerifier(name, hash16, key, vkey)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		// note's errors are fixed strings ("malformed verifier id", ...).
		return nil, fmt.Errorf("%w: not a verifier key <name>+<hash>+<key> of type 0x01 (Ed25519 note key) or 0x04 (Ed25519 cosignature/v1): %v", ErrInvalidKey, err)
	}
	return v, nil
}

// newWitnessVerifier returns the verifier of a tlog-cosignature/v1
// verifier key, whose key data (type byte included) is key. Unlike
// formats' constructor, it checks the key hash the key states.
func newWitnessVerifier(name, hash16 string, key []byte, vkey string) (note.Verifier, error) {
	if len(key) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: cosignature/v1 verifier key data has %d bytes, want %d", ErrInvalidKey, len(key), 1+ed25519.PublicKeySize)
	}
	h, err := strconv.ParseUint(hash16, 16, 32)
	if len(hash16) != 8 || err != nil {
		return nil, fmt.Errorf("%w: verifier key hash is not 8 hexadecimal digits", ErrInvalidKey)
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, fmt.Errorf("%w: not a cosignature/v1 verifier key: %v", ErrInvalidKey, err)
	}
	if v.KeyHash() != uint32(h) {
		return nil, fmt.Errorf("%w: verifier key hash does not match the key", ErrInvalidKey)
	}
	return witnessVerifier{v}, nil
}

// witnessVerifier is a tlog-cosignature/v1 verifier: Open knows by its
// type that the signatures it verifies carry a timestamp.
type witnessVerifier struct{ note.Verifier }

// signerKey is a parsed signer key.
type signerKey struct {
	name string
	hash uint32
	alg  byte
	seed []byte
}

// parseSignerKey splits an encoded signer key
// "PRIVATE+KEY+<name>+<hash hex8>+<base64(type || seed)>", type 0x01 or
// 0x04, and checks its syntax. It does not check the key hash (checkHash,
// or note.NewSigner, does).
func parseSignerKey(skey string) (signerKey, error) {
	rest, ok := strings.CutPrefix(skey, privateKeyPrefix)
	if !ok {
		return signerKey{}, fmt.Errorf("%w: a signer key starts with %q", ErrInvalidKey, privateKeyPrefix)
	}
	name, rest, ok1 := strings.Cut(rest, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 {
		return signerKey{}, fmt.Errorf("%w: a signer key has the form PRIVATE+KEY+<name>+<hash>+<key>", ErrInvalidKey)
	}
	if err := checkKeyName(name); err != nil {
		return signerKey{}, fmt.Errorf("signer key: %w", err)
	}
	h, err := strconv.ParseUint(hash16, 16, 32)
	if len(hash16) != 8 || err != nil {
		return signerKey{}, fmt.Errorf("%w: signer key hash is not 8 hexadecimal digits", ErrInvalidKey)
	}
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil {
		return signerKey{}, fmt.Errorf("%w: signer key data is not standard base64", ErrInvalidKey)
	}
	if len(key) == 0 || (key[0] != algEd25519 && key[0] != algEd25519CosignatureV1) {
		return signerKey{}, fmt.Errorf("%w: signer key is neither an Ed25519 note key (type 0x01) nor an Ed25519 cosignature/v1 key (type 0x04)", ErrInvalidKey)
	}
	if len(key) != 1+ed25519.SeedSize {
		return signerKey{}, fmt.Errorf("%w: signer key data has %d bytes, want %d", ErrInvalidKey, len(key), 1+ed25519.SeedSize)
	}
	return signerKey{name: name, hash: uint32(h), alg: key[0], seed: key[1:]}, nil
}

// parseSignerKeyOf is parseSignerKey for a key of type alg only; another
// type is refused with the reason wrongKind.
func parseSignerKeyOf(skey string, alg byte, wrongKind string) (signerKey, error) {
	k, err := parseSignerKey(skey)
	if err == nil && k.alg != alg {
		err = fmt.Errorf("%w: %s", ErrInvalidKey, wrongKind)
	}
	return k, err
}

// checkHash checks a cosignature/v1 signer key's hash against its key
// (formats' signer computes the hash and ignores the one written).
func (k signerKey) checkHash() error {
	_, vkey, err := witnessKeys(k.name, k.seed)
	if err != nil {
		return err
	}
	if want, err := strconv.ParseUint(strings.SplitN(vkey, "+", 3)[1], 16, 32); err != nil || uint32(want) != k.hash {
		return fmt.Errorf("%w: signer key hash does not match the key (corrupted key?)", ErrInvalidKey)
	}
	return nil
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
