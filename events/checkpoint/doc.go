// Package checkpoint is the format-and-verification library of Docket's
// verifiable ledger: signed checkpoints of the Merkle tree the notary builds
// over the DOCKET stream, their keys, witness cosignatures, and the checks
// an auditor runs offline. It does no networking.
//
// # The tree
//
// The notary folds every event of the stream, in stream order, into an
// RFC 6962 Merkle tree (https://www.rfc-editor.org/rfc/rfc6962, section 2.1)
// using golang.org/x/mod/sumdb/tlog. The event at stream sequence seq is the
// leaf at index seq-1 (LeafIndex), and its leaf hash is
//
//	SHA-256(0x00 || stored bytes)
//
// (LeafHash, the same as tlog.RecordHash), where the stored bytes are the
// message data exactly as JetStream holds it. Personal-data values in it are
// sealed ciphertext, so crypto-shredding a subject's key never breaks a proof:
// the leaf is the ciphertext, not the plaintext.
//
// # Checkpoints
//
// A checkpoint commits to the tree at one size. Its body is the C2SP
// tlog-checkpoint note text (https://c2sp.org/tlog-checkpoint):
//
//	<origin>\n
//	<tree size, decimal>\n
//	<root hash, standard base64>\n
//
// The origin names the log (for Docket, one per deployment, e.g.
// "docket.example.com/ledger"). C2SP allows opaque, non-empty extension
// lines after the root hash; Parse accepts them and ignores them, and
// Checkpoint.Text never writes any, since monitors cannot audit them.
//
// # Signed notes
//
// The body is signed as a signed note (https://c2sp.org/signed-note, the
// format of golang.org/x/mod/sumdb/note): the text, a blank line, and one
// line per signature, "— <key name> <base64(key hash || signature)>". Keys
// are Ed25519 note keys: a private (signer) key
// "PRIVATE+KEY+<name>+<hash>+<key>" that only the notary (or a witness)
// holds, and a public verifier key "<name>+<hash>+<key>" that auditors are
// given. C2SP recommends that the log's key name equal the origin.
//
// The notary signs with Sign. Witnesses, after checking that the new
// checkpoint is consistent with the last one they saw (VerifyConsistency),
// add their signature with Cosign; Merge collects the cosignatures of one
// checkpoint gathered from several witnesses into one note. Open verifies a
// note: the log's signature is required, every signature by a key the
// caller knows must verify, signatures by unknown keys are ignored (as the
// signed-note specification requires), and it reports which witnesses
// cosigned.
//
// Witness cosignatures here are plain Ed25519 note signatures over the same
// checkpoint body, not the timestamped C2SP tlog-cosignature/v1 format.
//
// # Proofs
//
// VerifyInclusion checks that an event's stored bytes are the leaf at its
// sequence in a checkpoint's tree (an RFC 6962 audit path, tlog.RecordProof).
// VerifyConsistency checks that a later checkpoint's tree extends an earlier
// one (an RFC 6962 consistency proof, tlog.TreeProof): the log rewrote
// nothing. Two checkpoints of the same size and different roots are a fork,
// a split view, and the proof of a misbehaving log.
//
// No error of this package holds key material or event bytes.
package checkpoint
