package checkpoint_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	flog "github.com/transparency-dev/formats/log"
	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// The tests of this file hold Docket's witness cosignatures to C2SP
// tlog-cosignature/v1 (https://c2sp.org/tlog-cosignature) with code Docket
// did not write: transparency-dev/formats' cosignature/v1 signer and
// verifier, golang.org/x/mod/sumdb/note, and the signed message as the
// specification spells it, checked with crypto/ed25519 alone.

// specSigner signs as C2SP tlog-cosignature/v1 spells it, at a chosen
// time, with crypto/ed25519 only: the signed message is
// "cosignature/v1\ntime <t>\n" and the checkpoint body, the signature the
// 8-byte big-endian timestamp and the Ed25519 signature. Its key hash is
// SHA-256(name || "\n" || 0x04 || public key)[:4], taken from the vkey.
type specSigner struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
	time uint64
}

func newSpecSigner(t testing.TB, w keyPair, name string, ts uint64) *specSigner {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(w.skey, "+", 5)[4])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		t.Fatalf("witness signer key is not type 0x04 with a 32-byte seed")
	}
	return &specSigner{name: name, hash: w.verifier.KeyHash(), priv: ed25519.NewKeyFromSeed(raw[1:]), time: ts}
}

func (s *specSigner) Name() string    { return s.name }
func (s *specSigner) KeyHash() uint32 { return s.hash }
func (s *specSigner) Sign(msg []byte) ([]byte, error) {
	m := fmt.Appendf(nil, "cosignature/v1\ntime %d\n%s", s.time, msg)
	return append(binary.BigEndian.AppendUint64(nil, s.time), ed25519.Sign(s.priv, m)...), nil
}

// signatureBytes returns the decoded signature (key hash first) of the
// line by key name in a signed note.
func signatureBytes(t testing.TB, msg []byte, name string) []byte {
	t.Helper()
	for _, l := range strings.Split(string(msg), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "—" && f[1] == name {
			b, err := base64.StdEncoding.DecodeString(f[2])
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no signature by %q in\n%s", name, msg)
	return nil
}

// replaceSignature replaces the signature bytes of key name's line.
func replaceSignature(t testing.TB, msg []byte, name string, sig []byte) []byte {
	t.Helper()
	old := base64.StdEncoding.EncodeToString(signatureBytes(t, msg, name))
	return bytes.Replace(msg, []byte(name+" "+old), []byte(name+" "+base64.StdEncoding.EncodeToString(sig)), 1)
}

func TestWitnessKeyIsCosignatureV1(t *testing.T) {
	w := newWitnessKeyPair(t, "witness.example.org/w1")
	parts := strings.SplitN(w.vkey, "+", 3)
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		t.Fatalf("witness verifier key %q: want type 0x04 and a 32-byte Ed25519 key", w.vkey)
	}
	// The key ID of C2SP: SHA-256(<name> || "\n" || 0x04 || key)[:4],
	// as formats computes it from the key data alone.
	fv, err := fnote.NewVerifier(w.vkey)
	if err != nil {
		t.Fatalf("formats' NewVerifier(witness vkey): %v", err)
	}
	if got := fmt.Sprintf("%08x", fv.KeyHash()); got != parts[1] || fv.Name() != parts[0] {
		t.Errorf("formats reads the witness key as %s+%s, the key says %s+%s", fv.Name(), got, parts[0], parts[1])
	}
	fs, err := fnote.NewSignerForCosignatureV1(w.skey)
	if err != nil {
		t.Fatalf("formats' NewSignerForCosignatureV1(witness skey): %v", err)
	}
	if fs.KeyHash() != fv.KeyHash() || fs.Name() != fv.Name() {
		t.Errorf("formats' signer of the witness skey is %s+%08x, its verifier %s+%08x", fs.Name(), fs.KeyHash(), fv.Name(), fv.KeyHash())
	}
	if got, err := checkpoint.PublicKey(w.skey); err != nil || got != w.vkey {
		t.Errorf("PublicKey(witness skey) = %q, %v; want %q", got, err, w.vkey)
	}
	// The same Ed25519 key as a plain note key: formats' conversion gives
	// the witness key.
	vkey01, err := note.NewEd25519VerifierKey(parts[0], ed25519.PublicKey(raw[1:]))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fnote.VKeyToCosignatureV1(vkey01); err != nil || got != w.vkey {
		t.Errorf("VKeyToCosignatureV1 = %q, %v; want %q", got, err, w.vkey)
	}
}

func TestWitnessCosignatureVerifiesWithOtherCode(t *testing.T) {
	log := newKeyPair(t, origin)
	w := newWitnessKeyPair(t, "witness.example.org/w1")
	c := testCheckpoint()
	before := time.Now().Unix()
	msg := mustCosign(t, mustSign(t, c, log.signer), log.verifier, w.signer)
	after := time.Now().Unix()

	t.Run("formats' cosignature/v1 verifier through x/mod note.Open", func(t *testing.T) {
		fv, err := fnote.NewVerifierForCosignatureV1(w.vkey)
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open(msg, note.VerifierList(log.verifier, fv))
		if err != nil {
			t.Fatalf("note.Open: %v", err)
		}
		if len(n.Sigs) != 2 || n.Sigs[1].Name != "witness.example.org/w1" || n.Sigs[1].Hash != fv.KeyHash() {
			t.Fatalf("note.Open verified %+v, want the log's and the witness's signatures", n.Sigs)
		}
		ts, err := fnote.CoSigV1Timestamp(n.Sigs[1])
		if err != nil || ts.Unix() < before || ts.Unix() > after {
			t.Errorf("CoSigV1Timestamp = %v, %v; want between %d and %d", ts, err, before, after)
		}
	})

	t.Run("formats' log.ParseCheckpoint", func(t *testing.T) {
		fv, err := fnote.NewVerifier(w.vkey)
		if err != nil {
			t.Fatal(err)
		}
		cp, _, n, err := flog.ParseCheckpoint(msg, origin, log.verifier, fv)
		if err != nil {
			t.Fatalf("ParseCheckpoint: %v", err)
		}
		if cp.Size != uint64(c.Size) || !bytes.Equal(cp.Hash, c.Root[:]) || len(n.Sigs) != 2 {
			t.Errorf("ParseCheckpoint = %+v with %d signatures, want %+v with 2", cp, len(n.Sigs), c)
		}
	})

	t.Run("the signed message as C2SP spells it", func(t *testing.T) {
		sig := signatureBytes(t, msg, "witness.example.org/w1")
		if len(sig) != 4+8+64 {
			t.Fatalf("cosignature has %d bytes, want key ID, timestamp and Ed25519 signature (76)", len(sig))
		}
		ts := binary.BigEndian.Uint64(sig[4:12])
		raw, _ := base64.StdEncoding.DecodeString(strings.SplitN(w.vkey, "+", 3)[2])
		m := "cosignature/v1\ntime " + strconv.FormatUint(ts, 10) + "\n" + c.Text()
		if !ed25519.Verify(raw[1:], []byte(m), sig[12:]) {
			t.Errorf("the Ed25519 signature does not verify over %q", m)
		}
		// Domain separation: it is not a plain note signature of the body.
		if ed25519.Verify(raw[1:], []byte(c.Text()), sig[12:]) {
			t.Error("the cosignature verifies as a plain signature of the body")
		}
	})

	t.Run("Open reports the witness and its time", func(t *testing.T) {
		s, err := checkpoint.Open(msg, log.verifier, []note.Verifier{w.verifier})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !slices.Equal(s.Cosigners, []string{"witness.example.org/w1"}) || len(s.Cosignatures) != 1 {
			t.Fatalf("Open cosigners %q, cosignatures %+v", s.Cosigners, s.Cosignatures)
		}
		cs := s.Cosignatures[0]
		if cs.KeyHash != w.verifier.KeyHash() || cs.Time.Unix() < before || cs.Time.Unix() > after || cs.Time.Location() != time.UTC {
			t.Errorf("Cosignature = %+v, want key hash %08x and a UTC time between %d and %d", cs, w.verifier.KeyHash(), before, after)
		}
	})
}

func TestOpenAcceptsCosignatureByFormatsSigner(t *testing.T) {
	log := newKeyPair(t, origin)
	// A witness key made without Docket: x/mod's Ed25519 note key, which
	// formats' signer uses for cosignature/v1, and formats' conversion of
	// its verifier key.
	skey01, vkey01, err := note.GenerateKey(nil, "witness.example.net")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := fnote.NewSignerForCosignatureV1(skey01)
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := fnote.VKeyToCosignatureV1(vkey01)
	if err != nil {
		t.Fatal(err)
	}
	wv, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("NewVerifier(formats' cosignature/v1 vkey): %v", err)
	}
	n, err := note.Open(mustSign(t, testCheckpoint(), log.signer), note.VerifierList(log.verifier))
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Unix()
	msg, err := note.Sign(n, fs) // formats' signer, x/mod's note
	if err != nil {
		t.Fatal(err)
	}
	s, err := checkpoint.Open(msg, log.verifier, []note.Verifier{wv})
	if err != nil {
		t.Fatalf("Open(note cosigned by formats' signer): %v", err)
	}
	if !slices.Equal(s.Cosigners, []string{"witness.example.net"}) || s.Cosignatures[0].Time.Unix() < before {
		t.Errorf("Open cosigners %q, cosignatures %+v", s.Cosigners, s.Cosignatures)
	}
	// The plain note key of the same Ed25519 key verifies nothing: the
	// signature is not a plain one, so it is an unknown key's.
	plain, err := checkpoint.NewVerifier(vkey01)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := checkpoint.Open(msg, log.verifier, []note.Verifier{plain}); err != nil || len(s.Cosigners) != 0 {
		t.Errorf("Open with the plain key of the witness = %+v, %v; want no cosigner", s, err)
	}
}

func TestCosignatureBoundToTimestamp(t *testing.T) {
	log := newKeyPair(t, origin)
	w := newWitnessKeyPair(t, "witness.example.org/w1")
	const name = "witness.example.org/w1"
	msg := mustCosign(t, mustSign(t, testCheckpoint(), log.signer), log.verifier, w.signer)
	if _, err := checkpoint.Open(msg, log.verifier, []note.Verifier{w.verifier}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	sig := signatureBytes(t, msg, name)
	ts := binary.BigEndian.Uint64(sig[4:12])

	at := func(t uint64) []byte {
		b := slices.Clone(sig)
		binary.BigEndian.PutUint64(b[4:12], t)
		return b
	}
	flipped := slices.Clone(sig)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name string
		sig  []byte
	}{
		{"a second later", at(ts + 1)},
		{"a day earlier", at(ts - 86400)},
		{"zero", at(0)},
		{"signature bit", flipped},
		{"timestamp cut off", append(slices.Clone(sig[:4]), sig[12:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := replaceSignature(t, msg, name, tt.sig)
			if _, err := checkpoint.Open(bad, log.verifier, []note.Verifier{w.verifier}); !errors.Is(err, checkpoint.ErrBadSignature) {
				t.Errorf("Open error = %v, want ErrBadSignature", err)
			}
			fv, _ := fnote.NewVerifierForCosignatureV1(w.vkey)
			if _, err := note.Open(bad, note.VerifierList(log.verifier, fv)); err == nil {
				t.Error("formats' verifier accepts the tampered cosignature too: the test proves nothing")
			}
		})
	}

	t.Run("valid signature, timestamp above 2^63-1", func(t *testing.T) {
		s := newSpecSigner(t, w, name, math.MaxInt64+1)
		bad := mustCosign(t, mustSign(t, testCheckpoint(), log.signer), log.verifier, s)
		fv, _ := fnote.NewVerifierForCosignatureV1(w.vkey)
		if _, err := note.Open(bad, note.VerifierList(log.verifier, fv)); err != nil {
			t.Fatalf("the signature itself does not verify: %v", err)
		}
		_, err := checkpoint.Open(bad, log.verifier, []note.Verifier{w.verifier})
		if !errors.Is(err, checkpoint.ErrBadSignature) || !strings.Contains(err.Error(), "timestamp") {
			t.Errorf("Open error = %v, want ErrBadSignature naming the timestamp", err)
		}
	})

	t.Run("the spec's signer at a chosen time", func(t *testing.T) {
		when := time.Date(2025, 3, 20, 12, 25, 47, 0, time.UTC)
		s := newSpecSigner(t, w, name, uint64(when.Unix()))
		got, err := checkpoint.Open(mustCosign(t, mustSign(t, testCheckpoint(), log.signer), log.verifier, s), log.verifier, []note.Verifier{w.verifier})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !got.Cosignatures[0].Time.Equal(when) {
			t.Errorf("Cosignature time = %v, want %v", got.Cosignatures[0].Time, when)
		}
	})
}

func TestOpenAcceptsEarlierPlainWitnessSignatures(t *testing.T) {
	log := newKeyPair(t, origin)
	old := newKeyPair(t, "witness-old") // an Ed25519 note key, as witnesses had before
	w := newWitnessKeyPair(t, "witness-new")
	msg := mustSign(t, testCheckpoint(), log.signer)
	msg = mustCosign(t, mustCosign(t, msg, log.verifier, old.signer), log.verifier, w.signer)
	s, err := checkpoint.Open(msg, log.verifier, []note.Verifier{old.verifier, w.verifier})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !slices.Equal(s.Cosigners, []string{"witness-new", "witness-old"}) {
		t.Fatalf("Cosigners = %q", s.Cosigners)
	}
	if s.Cosignatures[0].Time.IsZero() || !s.Cosignatures[1].Time.IsZero() {
		t.Errorf("Cosignatures = %+v, want a time for witness-new only", s.Cosignatures)
	}
}

func TestKeyKindsKeptApart(t *testing.T) {
	log := newKeyPair(t, origin)
	w := newWitnessKeyPair(t, "witness.example.org/w1")
	c := testCheckpoint()
	if _, err := checkpoint.NewSigner(w.skey); !errors.Is(err, checkpoint.ErrInvalidKey) || !strings.Contains(err.Error(), "0x04") {
		t.Errorf("NewSigner(witness key) error = %v, want ErrInvalidKey naming the key type", err)
	}
	if _, err := checkpoint.NewWitnessSigner(log.skey); !errors.Is(err, checkpoint.ErrInvalidKey) || !strings.Contains(err.Error(), "--witness") {
		t.Errorf("NewWitnessSigner(log key) error = %v, want ErrInvalidKey with a hint", err)
	}
	if _, err := checkpoint.Sign(c, w.signer); !errors.Is(err, checkpoint.ErrInvalidKey) {
		t.Errorf("Sign(witness signer) error = %v, want ErrInvalidKey", err)
	}
	msg := mustSign(t, c, log.signer)
	if _, err := checkpoint.Open(msg, w.verifier, nil); !errors.Is(err, checkpoint.ErrInvalidKey) {
		t.Errorf("Open(log key = witness key) error = %v, want ErrInvalidKey", err)
	}
}

func TestWitnessVerifierKeyRejects(t *testing.T) {
	w := newWitnessKeyPair(t, "witness.example.org/w1")
	parts := strings.SplitN(w.vkey, "+", 3)
	raw, _ := base64.StdEncoding.DecodeString(parts[2])
	tests := map[string]string{
		// formats' constructor computes the hash and ignores the written one.
		"wrong hash":  parts[0] + "+00000000+" + parts[2],
		"short key":   parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(raw[:32]),
		"renamed key": "other+" + parts[1] + "+" + parts[2],
		"ML-DSA type": parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{6}, raw[1:]...)),
	}
	for name, vkey := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := checkpoint.NewVerifier(vkey); !errors.Is(err, checkpoint.ErrInvalidKey) {
				t.Errorf("NewVerifier error = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestWriteKeyFileLoadWitnessSigner(t *testing.T) {
	w := newWitnessKeyPair(t, "witness.example.org/w1")
	log := newKeyPair(t, origin)
	dir := t.TempDir()
	path := dir + "/w.key"
	if err := checkpoint.WriteKeyFile(path, w.skey); err != nil {
		t.Fatalf("WriteKeyFile: %v", err)
	}
	s, err := checkpoint.LoadWitnessSigner(path)
	if err != nil {
		t.Fatalf("LoadWitnessSigner: %v", err)
	}
	if s.Name() != "witness.example.org/w1" || s.KeyHash() != w.verifier.KeyHash() {
		t.Errorf("loaded %s+%08x, want the witness key", s.Name(), s.KeyHash())
	}
	if _, err := checkpoint.LoadSigner(path); !errors.Is(err, checkpoint.ErrInvalidKey) {
		t.Errorf("LoadSigner(witness key file) error = %v, want ErrInvalidKey", err)
	}
	if got, err := checkpoint.LoadPublicKey(path); err != nil || got != w.vkey {
		t.Errorf("LoadPublicKey(witness key file) = %q, %v; want %q", got, err, w.vkey)
	}
	logPath := dir + "/log.key"
	if err := checkpoint.WriteKeyFile(logPath, log.skey); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.LoadWitnessSigner(logPath); !errors.Is(err, checkpoint.ErrInvalidKey) {
		t.Errorf("LoadWitnessSigner(log key file) error = %v, want ErrInvalidKey", err)
	}
	if got, err := checkpoint.LoadPublicKey(logPath); err != nil || got != log.vkey {
		t.Errorf("LoadPublicKey(log key file) = %q, %v; want %q", got, err, log.vkey)
	}
	if err := os.Chmod(logPath, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.LoadPublicKey(logPath); !errors.Is(err, checkpoint.ErrKeyFileMode) {
		t.Errorf("LoadPublicKey(mode 0640) error = %v, want ErrKeyFileMode", err)
	}
}

func TestMergeKeepsLatestCosignature(t *testing.T) {
	log := newKeyPair(t, origin)
	w := newWitnessKeyPair(t, "witness.example.org/w1")
	const name = "witness.example.org/w1"
	msg := mustSign(t, testCheckpoint(), log.signer)
	early := mustCosign(t, msg, log.verifier, newSpecSigner(t, w, name, 1700000000))
	late := mustCosign(t, msg, log.verifier, newSpecSigner(t, w, name, 1700000600))
	for _, order := range [][2][]byte{{early, late}, {late, early}} {
		merged, err := checkpoint.Merge(order[0], order[1])
		if err != nil {
			t.Fatalf("Merge: %v", err)
		}
		s, err := checkpoint.Open(merged, log.verifier, []note.Verifier{w.verifier})
		if err != nil {
			t.Fatalf("Open(merged): %v", err)
		}
		if len(s.Cosignatures) != 1 || s.Cosignatures[0].Time.Unix() != 1700000600 {
			t.Errorf("merged cosignatures %+v, want the one of 1700000600", s.Cosignatures)
		}
	}
	// Two cosignatures stating one time differ only if one is forged.
	forged := replaceSignature(t, late, name, func() []byte {
		b := slices.Clone(signatureBytes(t, late, name))
		b[len(b)-1] ^= 1
		return b
	}())
	if _, err := checkpoint.Merge(late, forged); !errors.Is(err, checkpoint.ErrBadSignature) {
		t.Errorf("Merge of two cosignatures of one time error = %v, want ErrBadSignature", err)
	}
}
