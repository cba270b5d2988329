package proof_test

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"google.golang.org/protobuf/proto"
)

const (
	origin  = "docket.example.com/ledger"
	subject = "docket.acme.u-42.DataCollected"
)

// storedEvent is a DataCollected event as JetStream would store it: one
// sealed value, about 500 bytes in all.
func storedEvent(t testing.TB) []byte {
	t.Helper()
	ct := make([]byte, 235)
	nonce := make([]byte, 12)
	rand.Read(ct)
	rand.Read(nonce)
	ev := &eventsv1.Event{
		EventId:         "0190f5e4-7c1a-7b3e-9f00-0123456789ab",
		Tenant:          "acme",
		SubjectRef:      "u-42",
		Source:          "signup-service",
		CorrelationId:   "0190f5e4-7c1a-7b3e-9f00-0123456789ac",
		TaxonomyVersion: "fideslang-3.0",
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			ActivityId:       "newsletter",
			Purposes:         []string{"marketing.communications.email"},
			Categories:       []string{"user.contact.email"},
			LegalBasis:       eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
			CollectionSource: "data_subject",
			CollectionPoint:  "web.signup_form",
			Values: []*eventsv1.DataValue{{
				Category: "user.contact.email",
				Value:    &eventsv1.DataValue_Sealed{Sealed: &eventsv1.Sealed{KeyVersion: 1, Nonce: nonce, Ciphertext: ct}},
			}},
		}},
	}
	data, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ledger is a tree of stored events with a signed, cosigned checkpoint.
type ledger struct {
	leaves [][]byte
	hashes []tlog.Hash

	log, w1, w2 keys
	note        []byte // the checkpoint at len(leaves), signed by log, w1, w2
}

type keys struct {
	signer   note.Signer
	verifier note.Verifier
}

func newKeys(t testing.TB, name string) keys {
	t.Helper()
	return makeKeys(t, name, checkpoint.GenerateKey, checkpoint.NewSigner)
}

// newWitnessKeys returns a witness's C2SP tlog-cosignature/v1 keys.
func newWitnessKeys(t testing.TB, name string) keys {
	t.Helper()
	return makeKeys(t, name, checkpoint.GenerateWitnessKey, checkpoint.NewWitnessSigner)
}

// makeKeys generates a key pair of one kind and makes its signer and
// verifier.
func makeKeys(t testing.TB, name string, generate func(string) (string, string, error), newSigner func(string) (note.Signer, error)) keys {
	t.Helper()
	skey, vkey, err := generate(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return keys{s, v}
}

// newLedger builds a ledger of n leaves in which leaf seq holds event.
func newLedger(t testing.TB, n int, seq uint64, event []byte) *ledger {
	t.Helper()
	// witness-1 cosigns with a cosignature/v1 key, witness-2 with the plain
	// Ed25519 note key earlier witnesses had: bundles carry either.
	l := &ledger{log: newKeys(t, origin), w1: newWitnessKeys(t, "witness-1"), w2: newKeys(t, "witness-2")}
	for i := range n {
		leaf := fmt.Appendf(nil, "stored event %d", i+1)
		if uint64(i+1) == seq {
			leaf = event
		}
		hs, err := tlog.StoredHashes(int64(i), leaf, l.reader())
		if err != nil {
			t.Fatal(err)
		}
		l.leaves = append(l.leaves, leaf)
		l.hashes = append(l.hashes, hs...)
	}
	l.note = l.sign(t, int64(n))
	return l
}

func (l *ledger) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(l.hashes)) {
				return nil, fmt.Errorf("hash index %d out of range", x)
			}
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

// sign returns the checkpoint at size, signed by the log and both witnesses.
func (l *ledger) sign(t testing.TB, size int64) []byte {
	t.Helper()
	root, err := tlog.TreeHash(size, l.reader())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: origin, Size: size, Root: root}, l.log.signer)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []keys{l.w1, l.w2} {
		if msg, err = checkpoint.Cosign(msg, l.log.verifier, w.signer); err != nil {
			t.Fatal(err)
		}
	}
	return msg
}

// bundle returns the bundle of leaf seq against the ledger's checkpoint.
func (l *ledger) bundle(t testing.TB, seq uint64, subject string) *proof.Bundle {
	t.Helper()
	size := int64(len(l.leaves))
	p, err := tlog.ProveRecord(size, int64(seq-1), l.reader())
	if err != nil {
		t.Fatal(err)
	}
	return &proof.Bundle{
		Version:    proof.Version,
		Sequence:   seq,
		Subject:    subject,
		Event:      l.leaves[seq-1],
		TreeSize:   size,
		Proof:      proof.EncodeProof(p),
		Checkpoint: string(l.note),
	}
}

func (l *ledger) witnesses() []note.Verifier {
	return []note.Verifier{l.w1.verifier, l.w2.verifier}
}
