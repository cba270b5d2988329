package proof_test

import (
	"fmt"
	"log"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"google.golang.org/protobuf/proto"
)

// The notary hands an auditor a bundle for one event; the auditor checks it
// offline with the log's verifier key.
func Example() {
	// What the stream holds: three stored events in sequence order. The
	// second is a ConsentGiven about subject u-42 of tenant acme.
	consent, err := proto.Marshal(&eventsv1.Event{
		EventId:    "0190f5e4-7c1a-7b3e-9f00-0123456789ab",
		Tenant:     "acme",
		SubjectRef: "u-42",
		Payload:    &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{Purpose: "marketing.communications.email"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	stored := [][]byte{[]byte("event 1"), consent, []byte("event 3")}

	// The notary's tree and signed checkpoint.
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, data := range stored {
		hs, err := tlog.StoredHashes(int64(i), data, reader)
		if err != nil {
			log.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(3, reader)
	if err != nil {
		log.Fatal(err)
	}
	skey, vkey, err := checkpoint.GenerateKey("docket.example.com/ledger")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := checkpoint.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	signed, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: "docket.example.com/ledger", Size: 3, Root: root}, signer)
	if err != nil {
		log.Fatal(err)
	}

	// The bundle for stream sequence 2 (leaf index 1).
	p, err := tlog.ProveRecord(3, 1, reader)
	if err != nil {
		log.Fatal(err)
	}
	data, err := proof.Marshal(&proof.Bundle{
		Version:    proof.Version,
		Sequence:   2,
		Subject:    "docket.acme.u-42.ConsentGiven",
		Event:      stored[1],
		TreeSize:   3,
		Proof:      proof.EncodeProof(p),
		Checkpoint: string(signed),
	})
	if err != nil {
		log.Fatal(err)
	}

	// The auditor: parse, verify with the log's verifier key.
	b, err := proof.Parse(data)
	if err != nil {
		log.Fatal(err)
	}
	logKey, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		log.Fatal(err)
	}
	s, err := proof.Verify(b, logKey, []note.Verifier{}, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("event %d (%s) is in %s at size %d\n", b.Sequence, b.Subject, s.Origin, s.Size)
	// Output:
	// event 2 (docket.acme.u-42.ConsentGiven) is in docket.example.com/ledger at size 3
}
