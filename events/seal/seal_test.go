package seal_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/docketledger/docket/events/seal"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

func newKey(t testing.TB, version uint32) *seal.Key {
	t.Helper()
	raw := make([]byte, seal.KeySize)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	k, err := seal.NewKey(version, raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var baseAAD = seal.AAD{
	Tenant:   "acme",
	Subject:  "u-123",
	EventID:  "01J0000000000000000000000",
	KeyGroup: "default",
	Category: "user.contact.email",
}

const secret = "alice@example.com"

func TestRoundTrip(t *testing.T) {
	k := newKey(t, 7)
	s, err := k.Seal(baseAAD, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.GetKeyVersion(); got != 7 {
		t.Errorf("KeyVersion = %d, want 7", got)
	}
	if got := len(s.GetNonce()); got != seal.NonceSize {
		t.Errorf("nonce is %d bytes, want %d", got, seal.NonceSize)
	}
	if bytes.Contains(s.GetCiphertext(), []byte(secret)) {
		t.Error("ciphertext contains the plaintext")
	}
	// Survives the wire.
	wire, err := proto.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back eventsv1.Sealed
	if err := proto.Unmarshal(wire, &back); err != nil {
		t.Fatal(err)
	}
	got, err := k.Open(baseAAD, &back)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if string(got) != secret {
		t.Errorf("Open = %q, want %q", got, secret)
	}

	// Two seals of one value differ (random nonce).
	s2, err := k.Seal(baseAAD, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(s.GetNonce(), s2.GetNonce()) || bytes.Equal(s.GetCiphertext(), s2.GetCiphertext()) {
		t.Error("two seals of the same value are identical")
	}
}

func TestEmptyValue(t *testing.T) {
	k := newKey(t, 1)
	s, err := k.Seal(baseAAD, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Open(baseAAD, s)
	if err != nil || len(got) != 0 {
		t.Fatalf("Open = %q, %v; want empty, nil", got, err)
	}
}

func TestNewKeyRefusesWrongSize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := seal.NewKey(1, make([]byte, n)); err == nil {
			t.Errorf("NewKey with %d bytes: no error", n)
		}
	}
}

func TestOpenFails(t *testing.T) {
	k := newKey(t, 1)
	sealed, err := k.Seal(baseAAD, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(a *seal.AAD)) seal.AAD { a := baseAAD; f(&a); return a }
	tests := []struct {
		name   string
		key    *seal.Key
		aad    seal.AAD
		sealed func() *eventsv1.Sealed
	}{
		{name: "wrong key", key: newKey(t, 1), aad: baseAAD},
		{name: "wrong key version", key: k, aad: baseAAD, sealed: func() *eventsv1.Sealed {
			s := proto.Clone(sealed).(*eventsv1.Sealed)
			s.KeyVersion = 2
			return s
		}},
		{name: "key of another version", key: newKey(t, 2), aad: baseAAD},
		{name: "moved to another tenant", key: k, aad: with(func(a *seal.AAD) { a.Tenant = "globex" })},
		{name: "moved to another subject", key: k, aad: with(func(a *seal.AAD) { a.Subject = "u-124" })},
		{name: "moved to another event", key: k, aad: with(func(a *seal.AAD) { a.EventID = "01J0000000000000000000001" })},
		{name: "moved to another key group", key: k, aad: with(func(a *seal.AAD) { a.KeyGroup = "tax" })},
		{name: "moved to another category", key: k, aad: with(func(a *seal.AAD) { a.Category = "user.name" })},
		// Length prefixes: shifting bytes between adjacent fields changes the AAD.
		{name: "bytes shifted between fields", key: k, aad: with(func(a *seal.AAD) { a.Tenant, a.Subject = "acmeu", "-123" })},
		{name: "tampered ciphertext", key: k, aad: baseAAD, sealed: func() *eventsv1.Sealed {
			s := proto.Clone(sealed).(*eventsv1.Sealed)
			s.Ciphertext[0] ^= 1
			return s
		}},
		{name: "tampered tag", key: k, aad: baseAAD, sealed: func() *eventsv1.Sealed {
			s := proto.Clone(sealed).(*eventsv1.Sealed)
			s.Ciphertext[len(s.Ciphertext)-1] ^= 0x80
			return s
		}},
		{name: "truncated ciphertext", key: k, aad: baseAAD, sealed: func() *eventsv1.Sealed {
			s := proto.Clone(sealed).(*eventsv1.Sealed)
			s.Ciphertext = s.Ciphertext[:len(s.Ciphertext)-1]
			return s
		}},
		{name: "tampered nonce", key: k, aad: baseAAD, sealed: func() *eventsv1.Sealed {
			s := proto.Clone(sealed).(*eventsv1.Sealed)
			s.Nonce[3] ^= 1
			return s
		}},
		{name: "short nonce", key: k, aad: baseAAD, sealed: func() *eventsv1.Sealed {
			s := proto.Clone(sealed).(*eventsv1.Sealed)
			s.Nonce = s.Nonce[:8]
			return s
		}},
		{name: "nil sealed", key: k, aad: baseAAD, sealed: func() *eventsv1.Sealed { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sealed
			if tt.sealed != nil {
				s = tt.sealed()
			}
			got, err := tt.key.Open(tt.aad, s)
			if !errors.Is(err, seal.ErrOpen) {
				t.Fatalf("Open = %q, %v; want ErrOpen", got, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error text %q holds the plaintext", err)
			}
		})
	}
	// The original still opens: nothing above mutated it.
	if _, err := k.Open(baseAAD, sealed); err != nil {
		t.Fatalf("original no longer opens: %v", err)
	}
}

func TestAADEncodingIsUnambiguous(t *testing.T) {
	a := seal.AAD{Tenant: "a", Subject: "bc"}
	b := seal.AAD{Tenant: "ab", Subject: "c"}
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("distinct AADs encode alike")
	}
	if !bytes.HasPrefix(a.Bytes(), []byte("docket.seal.v1")) {
		t.Errorf("encoding %q lacks the domain prefix", a.Bytes())
	}
}

func BenchmarkSeal(b *testing.B) {
	k := newKey(b, 1)
	value := []byte("alice.wonderland@example-mail.com, +4915") // 40 bytes
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	for b.Loop() {
		if _, err := k.Seal(baseAAD, value); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k := newKey(b, 1)
	s, err := k.Seal(baseAAD, []byte("alice.wonderland@example-mail.com, +4915"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(baseAAD, s); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSealStringToRoundTrip(t *testing.T) {
	raw := make([]byte, seal.KeySize)
	raw[0] = 9
	k, err := seal.NewKey(3, raw)
	if err != nil {
		t.Fatal(err)
	}
	aad := seal.AAD{Tenant: "t", Subject: "s", EventID: "e", KeyGroup: "default", Category: "user.contact.email"}
	var s eventsv1.Sealed
	if err := k.SealStringTo(&s, aad, "string-canary@example.org"); err != nil {
		t.Fatal(err)
	}
	if s.GetKeyVersion() != 3 || len(s.GetNonce()) != seal.NonceSize {
		t.Fatalf("sealed = %v", &s)
	}
	if bytes.Contains(s.GetCiphertext(), []byte("string-canary")) {
		t.Fatal("ciphertext holds the plaintext")
	}
	pt, err := k.Open(aad, &s)
	if err != nil || string(pt) != "string-canary@example.org" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
}
