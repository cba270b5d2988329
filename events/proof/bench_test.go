package proof_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// BenchmarkVerifyInclusion measures what an auditor pays per event: open a
// signed checkpoint of a 1,000,000-leaf tree and check the inclusion proof
// (20 hashes) of one stored event of about 500 bytes.
func BenchmarkVerifyInclusion(b *testing.B) {
	const size = 1_000_000
	const seq = 654_321
	start := time.Now()
	event := storedEvent(b)

	// The stored hashes of a synthetic tree: random leaf hashes, but the
	// real leaf hash of the event at seq.
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	hashes := make([]tlog.Hash, 0, tlog.StoredHashCount(size))
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i := range int64(size) {
		var h tlog.Hash
		if i == seq-1 {
			h = checkpoint.LeafHash(event)
		} else {
			for j := 0; j < len(h); j += 8 {
				v := rng.Uint64()
				for k := range 8 {
					h[j+k] = byte(v >> (8 * k))
				}
			}
		}
		hs, err := tlog.StoredHashesForRecordHash(i, h, reader)
		if err != nil {
			b.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(size, reader)
	if err != nil {
		b.Fatal(err)
	}
	p, err := tlog.ProveRecord(size, seq-1, reader)
	if err != nil {
		b.Fatal(err)
	}

	log, w1, w2 := newKeys(b, origin), newWitnessKeys(b, "witness-1"), newWitnessKeys(b, "witness-2")
	msg, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: origin, Size: size, Root: root}, log.signer)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []keys{w1, w2} {
		if msg, err = checkpoint.Cosign(msg, log.verifier, w.signer); err != nil {
			b.Fatal(err)
		}
	}
	witnesses := []note.Verifier{w1.verifier, w2.verifier}
	bundle := &proof.Bundle{
		Version: proof.Version, Sequence: seq, Subject: subject, Event: event,
		TreeSize: size, Proof: proof.EncodeProof(p), Checkpoint: string(msg),
	}
	b.Logf("setup: %d leaves, %d stored hashes, %d-hash proof, %d-byte event, in %v",
		size, len(hashes), len(p), len(event), time.Since(start).Round(time.Millisecond))

	openAndCheck := func(b *testing.B, witnesses []note.Verifier) {
		for b.Loop() {
			s, err := checkpoint.Open(msg, log.verifier, witnesses)
			if err != nil {
				b.Fatal(err)
			}
			if err := checkpoint.VerifyInclusion(s.Checkpoint, seq, event, p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("Open-log-only+VerifyInclusion", func(b *testing.B) { openAndCheck(b, nil) })
	b.Run("Open-log+2-witnesses+VerifyInclusion", func(b *testing.B) { openAndCheck(b, witnesses) })
	b.Run("proof.Verify-log+2-witnesses", func(b *testing.B) {
		for b.Loop() {
			if _, err := proof.Verify(bundle, log.verifier, witnesses, 2); err != nil {
				b.Fatal(err)
			}
		}
	})
}
