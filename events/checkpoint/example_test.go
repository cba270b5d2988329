package checkpoint_test

import (
	"fmt"
	"log"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The notary signs a checkpoint of its tree, a witness checks it extends
// the last checkpoint it saw and cosigns it, and an auditor verifies an
// event's inclusion offline.
func Example() {
	// Three stored events (ciphertext, as JetStream holds them) and the
	// tree over them, in stream order.
	events := [][]byte{[]byte("event 1"), []byte("event 2"), []byte("event 3")}
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, ev := range events {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), checkpoint.LeafHash(ev), reader)
		if err != nil {
			log.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	treeAt := func(n int64) checkpoint.Checkpoint {
		root, err := tlog.TreeHash(n, reader)
		if err != nil {
			log.Fatal(err)
		}
		return checkpoint.Checkpoint{Origin: "docket.example.com/ledger", Size: n, Root: root}
	}

	// Keys: the notary's (an Ed25519 note key), named after the origin,
	// and one witness's (a C2SP tlog-cosignature/v1 key). Only verifier
	// keys leave their owners.
	logSkey, logVkey, err := checkpoint.GenerateKey("docket.example.com/ledger")
	if err != nil {
		log.Fatal(err)
	}
	witnessSkey, witnessVkey, err := checkpoint.GenerateWitnessKey("witness.example.org")
	if err != nil {
		log.Fatal(err)
	}
	logSigner, err := checkpoint.NewSigner(logSkey)
	if err != nil {
		log.Fatal(err)
	}
	logVerifier, err := checkpoint.NewVerifier(logVkey)
	if err != nil {
		log.Fatal(err)
	}
	witnessSigner, err := checkpoint.NewWitnessSigner(witnessSkey)
	if err != nil {
		log.Fatal(err)
	}
	witnessVerifier, err := checkpoint.NewVerifier(witnessVkey)
	if err != nil {
		log.Fatal(err)
	}

	// The notary signs the checkpoint at size 3.
	signed, err := checkpoint.Sign(treeAt(3), logSigner)
	if err != nil {
		log.Fatal(err)
	}

	// The witness last cosigned size 2: it checks consistency, then cosigns.
	latest, err := checkpoint.Open(signed, logVerifier, nil)
	if err != nil {
		log.Fatal(err)
	}
	consistency, err := tlog.ProveTree(3, 2, reader)
	if err != nil {
		log.Fatal(err)
	}
	if err := checkpoint.VerifyConsistency(treeAt(2), latest.Checkpoint, consistency); err != nil {
		log.Fatal(err)
	}
	cosigned, err := checkpoint.Cosign(signed, logVerifier, witnessSigner)
	if err != nil {
		log.Fatal(err)
	}

	// An auditor, offline, with the two verifier keys: is event 2 (stream
	// sequence 2) in the log?
	s, err := checkpoint.Open(cosigned, logVerifier, []note.Verifier{witnessVerifier})
	if err != nil {
		log.Fatal(err)
	}
	inclusion, err := tlog.ProveRecord(s.Size, 1, reader)
	if err != nil {
		log.Fatal(err)
	}
	if err := checkpoint.VerifyInclusion(s.Checkpoint, 2, events[1], inclusion); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s at size %d, cosigned by %v (timestamped: %v): event 2 is included\n",
		s.Origin, s.Size, s.Cosigners, !s.Cosignatures[0].Time.IsZero())
	// Output:
	// docket.example.com/ledger at size 3, cosigned by [witness.example.org] (timestamped: true): event 2 is included
}
