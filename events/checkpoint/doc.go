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
// transparency-dev/formats' log.Checkpoint writes it (Checkpoint.Text) and
// reads it; Parse then holds it to one canonical text (no leading zeros,
// canonical base64 of 32 bytes, printable ASCII origin) and names the line
// at fault. The origin names the log (for Docket, one per deployment, e.g.
// "docket.example.com/ledger"). C2SP allows opaque, non-empty extension
// lines after the root hash; Parse accepts them and ignores them, and
// Checkpoint.Text never writes any, since monitors cannot audit them.
//
// # Signed notes
//
// The body is signed as a signed note (https://c2sp.org/signed-note, the
// format of golang.org/x/mod/sumdb/note): the text, a blank line, and one
// line per signature, "— <key name> <base64(key hash || signature)>".
// Keys are written "PRIVATE+KEY+<name>+<hash>+<key>" (the signer key,
// secret) and "<name>+<hash>+<key>" (the verifier key, public), where the
// key data starts with its type:
//
//   - The log's key is an Ed25519 note key, type 0x01 (GenerateKey,
//     NewSigner, LoadSigner). Only the notary holds the signer key;
//     auditors and witnesses are given the verifier key. Its signature is
//     a plain Ed25519 signature of the body. C2SP recommends that its name
//     equal the origin.
//   - A witness's key is an Ed25519 key for C2SP tlog-cosignature/v1
//     (https://c2sp.org/tlog-cosignature), type 0x04 (GenerateWitnessKey,
//     NewWitnessSigner, LoadWitnessSigner), whose key hash is
//     SHA-256(<name> || "\n" || 0x04 || public key)[:4]. Its cosignature
//     is timestamped: the 8-byte big-endian time of signing (seconds since
//     the epoch) and the Ed25519 signature of "cosignature/v1\n",
//     "time <seconds>\n" and the body. transparency-dev/formats' note
//     package makes and checks these, so a Docket witness interoperates
//     with public witnesses and their clients, and a public witness can
//     cosign a Docket log.
//
// The notary signs with Sign, which refuses a witness key. Witnesses,
// after checking that the new checkpoint is consistent with the last one
// they saw (VerifyConsistency), add their cosignature with Cosign; Merge
// collects the cosignatures of one checkpoint gathered from several
// witnesses into one note (keeping a witness's latest, should it have
// cosigned the checkpoint twice). Open verifies a note: the log's
// signature is required, every signature by a key the caller knows must
// verify, signatures by unknown keys are ignored (as the signed-note
// specification requires), and it reports which witnesses cosigned and,
// for cosignature/v1, when.
//
// What Open accepts from a witness: cosignature/v1 signatures by type 0x04
// keys, and — so that checkpoints auditors saved before witnesses moved to
// cosignature/v1 keep verifying — the plain Ed25519 note signatures (type
// 0x01 keys) earlier Docket witnesses made over the same body. Those carry
// no time. A witness with an old key makes a new one (docket keys generate
// --witness): NewWitnessSigner refuses type 0x01 keys, so that every new
// cosignature is a cosignature/v1. The log's key and signatures did not
// change.
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
