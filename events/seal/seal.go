// Package seal encrypts personal-data values with AES-256-GCM under a data
// key, binding each ciphertext to where it belongs (tenant, subject, event,
// key group and category) through the GCM associated data.
//
// It knows nothing about where data keys come from: package keys hands out a
// *Key per subject and key group.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// KeySize is the size of a data key: AES-256.
const KeySize = 32

// NonceSize is the size of the random GCM nonce of every sealed value.
const NonceSize = 12

// ErrOpen is matched (errors.Is) by every error of Open: the value was sealed
// under another key, another key version or other associated data, or it was
// tampered with. Its text never holds the value.
var ErrOpen = errors.New("seal: cannot open sealed value")

// aadDomain separates Docket's associated data from any other use of a key.
const aadDomain = "docket.seal.v1"

// AAD is what a sealed value is bound to. Opening it under any other AAD
// fails, so a ciphertext copied to another tenant, subject, event, key group
// or category is useless. KeyGroup is the effective group ("default" when a
// DataValue has none).
type AAD struct {
	Tenant, Subject, EventID, KeyGroup, Category string
}

// Append appends the encoding of a to dst: the domain "docket.seal.v1", then
// each field (Tenant, Subject, EventID, KeyGroup, Category) as a 4-byte
// big-endian length and its bytes. Every field is length-prefixed, so no two
// distinct AADs encode alike.
func (a AAD) Append(dst []byte) []byte {
	dst = append(dst, aadDomain...)
	for _, f := range [...]string{a.Tenant, a.Subject, a.EventID, a.KeyGroup, a.Category} {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(f)))
		dst = append(dst, f...)
	}
	return dst
}

// Bytes is the encoding described at Append.
func (a AAD) Bytes() []byte {
	return a.Append(make([]byte, 0, a.encodedLen()))
}

func (a AAD) encodedLen() int {
	return len(aadDomain) + 5*4 + len(a.Tenant) + len(a.Subject) + len(a.EventID) + len(a.KeyGroup) + len(a.Category)
}

// Key is one version of a data key. It is safe for concurrent use.
type Key struct {
	version uint32
	aead    cipher.AEAD
}

// NewKey returns the data key of the given version; raw must be KeySize
// bytes. The caller may zero raw afterwards: Key keeps only the expanded
// cipher.
func NewKey(version uint32, raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("seal: data key is %d bytes, want %d", len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Key{version: version, aead: aead}, nil
}

// Version is the key's version, recorded in every value it seals.
func (k *Key) Version() uint32 { return k.version }

// Seal encrypts plaintext bound to aad, with a fresh random nonce.
func (k *Key) Seal(aad AAD, plaintext []byte) (*eventsv1.Sealed, error) {
	s := &eventsv1.Sealed{}
	if err := k.sealInto(s, aad, plaintext, ""); err != nil {
		return nil, err
	}
	return s, nil
}

// SealStringTo is Seal for a string plaintext, written into s: the append
// path's form, which copies the plaintext once, straight into the buffer
// it is encrypted in.
func (k *Key) SealStringTo(s *eventsv1.Sealed, aad AAD, plaintext string) error {
	return k.sealInto(s, aad, nil, plaintext)
}

// sealInto seals ptBytes, or ptString when ptBytes is nil, into s.
func (k *Key) sealInto(s *eventsv1.Sealed, aad AAD, ptBytes []byte, ptString string) error {
	size := len(ptBytes)
	if ptBytes == nil {
		size = len(ptString)
	}
	// One allocation holds the nonce, the ciphertext and, behind them, the
	// associated data; nonce and ciphertext have their capacity capped so
	// that appending to one cannot overwrite the next.
	n := NonceSize + size + k.aead.Overhead()
	buf := make([]byte, n, n+aad.encodedLen())
	ad := aad.Append(buf[n:n])
	nonce := buf[:NonceSize:NonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("seal: reading a nonce: %w", err)
	}
	pt := ptBytes
	if pt == nil {
		// Encrypt in place: the plaintext is copied where its ciphertext goes.
		pt = buf[NonceSize : NonceSize+size]
		copy(pt, ptString)
	}
	ct := k.aead.Seal(buf[NonceSize:NonceSize:n], nonce, pt, ad)
	s.KeyVersion, s.Nonce, s.Ciphertext = k.version, nonce, ct
	return nil
}

// Open decrypts s, which must have been sealed by this key version under the
// same aad. Every failure matches ErrOpen.
func (k *Key) Open(aad AAD, s *eventsv1.Sealed) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no sealed value", ErrOpen)
	}
	if s.GetKeyVersion() != k.version {
		return nil, fmt.Errorf("%w: sealed under key version %d, this key is version %d", ErrOpen, s.GetKeyVersion(), k.version)
	}
	if len(s.GetNonce()) != NonceSize {
		return nil, fmt.Errorf("%w: nonce is %d bytes, want %d", ErrOpen, len(s.GetNonce()), NonceSize)
	}
	ct := s.GetCiphertext()
	if len(ct) < k.aead.Overhead() {
		return nil, fmt.Errorf("%w: ciphertext is shorter than the tag", ErrOpen)
	}
	// One allocation for the plaintext and, behind it, the associated data.
	n := len(ct) - k.aead.Overhead()
	buf := make([]byte, n, n+aad.encodedLen())
	ad := aad.Append(buf[n:n])
	pt, err := k.aead.Open(buf[:0:n], s.GetNonce(), ct, ad)
	if err != nil {
		// err is cipher's fixed "message authentication failed".
		return nil, fmt.Errorf("%w: authentication failed (wrong key, wrong associated data or tampered)", ErrOpen)
	}
	return pt, nil
}
