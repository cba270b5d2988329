// Package keys holds Docket's per-subject data keys: one per tenant, subject
// and key group, generated at random, wrapped by a key-encryption key (KEK)
// and kept in a Store. Crypto-shredding a subject's key group destroys its
// wrapped key and leaves a tombstone, so that the group never gets a key
// again and every value sealed under it becomes unrecoverable.
//
// A Keyring is what the append path and readers use: DataKey (get or create,
// cached in memory) to seal, OpenKey (never creates) to open, Shred to erase.
// Stores: NewMemoryStore for tests, NewKVStore (a NATS JetStream key-value
// bucket) for docketd. KEKs: NewLocalKEK / LoadKEKFile now, a KMS later
// behind the same interface.
//
// Rewrap rotates the KEK: it re-wraps every data key under a new KEK in
// place (the data keys, and so every sealed value, stay the same). A Keyring
// with KeyringConfig.PreviousKEK opens keys under either KEK meanwhile.
//
// Only docketd holds a KEK, yet the package is public, in the SDK module:
// its errors (ErrShredded, ErrNotFound) are what events.DataKeys,
// events.KeyOpener and events.Client report, and the projections module,
// which cannot import docketd's internal packages, builds Keyrings in its
// tests. Its tests that need a NATS server (the KV store, and the Keyring
// and Rewrap suites run on it) live in the module events/natstest, under
// natstest/keys.
package keys
