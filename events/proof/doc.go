// Package proof is the offline proof bundle of Docket's verifiable ledger:
// one file that lets an auditor check, with nothing but the log's (and the
// witnesses') verifier keys, that an event is in the ledger.
//
// A Bundle holds the event exactly as JetStream stores it, its stream
// sequence, the NATS subject it was stored under, an RFC 6962 inclusion
// proof (https://www.rfc-editor.org/rfc/rfc6962, section 2.1.1) and the
// signed checkpoint (https://c2sp.org/tlog-checkpoint, a signed note,
// https://c2sp.org/signed-note) of the tree the proof leads to, with any
// witness cosignatures (C2SP tlog-cosignature/v1, https://c2sp.org/tlog-cosignature,
// or the plain Ed25519 signatures of earlier witness keys: package
// checkpoint says what Open accepts). See package checkpoint for the tree,
// the leaf hash and the checkpoint format.
//
// The bundle is JSON (Marshal writes it indented, Parse reads it strictly):
//
//	{
//	  "version": 1,
//	  "sequence": 2,
//	  "subject": "docket.acme.u-42.ConsentGiven",
//	  "event": "<base64 of the stored bytes>",
//	  "tree_size": 3,
//	  "proof": ["<base64 hash>", "..."],
//	  "checkpoint": "docket.example.com/ledger\n3\n<root>\n\n— docket.example.com/ledger <sig>\n"
//	}
//
// Verify opens the checkpoint, checks its size, the number of witness
// cosignatures, the inclusion proof and that the event (when it is a
// docket.events.v1.Event) was stored under the bundle's subject.
//
// The event bytes are the sealed form: personal-data values in them are
// ciphertext, so a bundle discloses no values, and a bundle of an event
// whose subject was later crypto-shredded still verifies. No error of this
// package holds event bytes.
package proof
