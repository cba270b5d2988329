package keys

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// KVConfig configures NewKVStore. Its zero value works.
type KVConfig struct {
	// Bucket is the key-value bucket; its stream is "KV_<Bucket>".
	// Default "DOCKET_KEYS".
	Bucket string
	// Replicas of the bucket's stream, 1 to 5; default 1 (3 in a cluster).
	Replicas int
	// Storage of the bucket's stream; default jetstream.FileStorage.
	Storage jetstream.StorageType
}

// DefaultKVBucket is KVConfig.Bucket's default.
const DefaultKVBucket = "DOCKET_KEYS"

func (c *KVConfig) setDefaults() {
	if c.Bucket == "" {
		c.Bucket = DefaultKVBucket
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	// jetstream.FileStorage is the zero StorageType.
}

// Validate reports every problem with c (after defaults).
func (c KVConfig) Validate() error {
	var errs []error
	if err := checkToken(c.Bucket); err != nil {
		errs = append(errs, fmt.Errorf("keys: KVConfig.Bucket %w", err))
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("keys: KVConfig.Replicas is %d, want 1 to 5", c.Replicas))
	}
	if c.Storage != jetstream.FileStorage && c.Storage != jetstream.MemoryStorage {
		errs = append(errs, fmt.Errorf("keys: KVConfig.Storage %d is neither file nor memory", c.Storage))
	}
	return errors.Join(errs...)
}

// KVHistory is the history (revisions per key) of the bucket NewKVStore
// makes: a wrapped key and its tombstone.
const KVHistory = 2

type kvStore struct {
	kv     jetstream.KeyValue
	stream jetstream.Stream
	bucket string
}

// subject is the stream subject of a ref's key.
func (s *kvStore) subject(ref Ref) string { return "$KV." + s.bucket + "." + kvKey(ref) }

// NewKVStore returns a Store in a JetStream key-value bucket, creating the
// bucket when it does not exist. Key "<tenant>.<subject>.<group>"; value: the
// record format of record.go (a wrapped key or a tombstone).
//
// The bucket's stream is created by this function rather than by
// jetstream.CreateKeyValue, because CreateKeyValue sets DenyDelete, which
// forbids the SecureDeleteMsg that Shred needs and can never be lifted on an
// existing stream. The stream is otherwise a KV stream, with:
//   - History 2 (KVHistory): a key is written once and its tombstone once, so
//     a subject holds at most the wrapped key and the tombstone that replaced
//     it, and only until Shred has secure-erased the key (see Shred: with
//     History 1 the tombstone would evict the key's message without
//     overwriting it);
//   - AllowDirect off, so every read is answered by the stream leader (a
//     follower cannot serve a key that was just shredded);
//   - DenyPurge, so nothing drops tombstones wholesale (which would let a
//     shredded ref get a key again); hence no roll-ups (kv.Purge) either.
//
// An existing bucket that denies deletes, keeps other history or expires
// entries is refused.
func NewKVStore(ctx context.Context, js jetstream.JetStream, cfg KVConfig) (Store, error) {
	if js == nil {
		return nil, errors.New("keys: NewKVStore: nil JetStream")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	name := "KV_" + cfg.Bucket
	scfg := jetstream.StreamConfig{
		Name:              name,
		Description:       "Docket wrapped data keys (one per tenant, subject, key group)",
		Subjects:          []string{"$KV." + cfg.Bucket + ".>"},
		MaxMsgsPerSubject: KVHistory,
		MaxBytes:          -1,
		MaxMsgs:           -1,
		MaxMsgSize:        -1,
		MaxConsumers:      -1,
		Storage:           cfg.Storage,
		Replicas:          cfg.Replicas,
		DenyDelete:        false,
		DenyPurge:         true,
		AllowRollup:       false,
		AllowDirect:       false,
		Discard:           jetstream.DiscardNew,
		Duplicates:        2 * time.Minute,
	}
	stream, err := js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		stream, err = js.CreateStream(ctx, scfg)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Another process created it meanwhile, with another config.
			stream, err = js.Stream(ctx, name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("keys: key bucket stream %s: %w", name, err)
	}
	got := stream.CachedInfo().Config
	var bad []error
	if got.DenyDelete {
		bad = append(bad, errors.New("it denies message deletes (a bucket made by CreateKeyValue?), so shredding cannot secure-erase"))
	}
	if got.MaxMsgsPerSubject != KVHistory {
		bad = append(bad, fmt.Errorf("it keeps %d revisions per key, want %d", got.MaxMsgsPerSubject, KVHistory))
	}
	if got.MaxAge != 0 {
		bad = append(bad, fmt.Errorf("its max age is %v: keys and tombstones would expire", got.MaxAge))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("keys: key bucket stream %s is unusable: %w", name, errors.Join(bad...))
	}
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("keys: key bucket %s: %w", cfg.Bucket, err)
	}
	return &kvStore{kv: kv, stream: stream, bucket: cfg.Bucket}, nil
}

func kvKey(ref Ref) string { return ref.Tenant + "." + ref.Subject + "." + ref.Group }

// entry returns the ref's current entry, nil when there is none (never
// created, or only a KV delete marker).
func (s *kvStore) entry(ctx context.Context, ref Ref) (jetstream.KeyValueEntry, error) {
	e, err := s.kv.Get(ctx, kvKey(ref))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keys: reading key of %s: %w", ref, err)
	}
	return e, nil
}

func (s *kvStore) Get(ctx context.Context, ref Ref) (Wrapped, error) {
	if err := ref.Validate(); err != nil {
		return Wrapped{}, err
	}
	e, err := s.entry(ctx, ref)
	if err != nil {
		return Wrapped{}, err
	}
	if e == nil {
		return Wrapped{}, fmt.Errorf("%w for %s", ErrNotFound, ref)
	}
	rec, err := decodeRecord(e.Value())
	if err != nil {
		return Wrapped{}, fmt.Errorf("%w (%s, revision %d)", err, ref, e.Revision())
	}
	if rec.shredded {
		return Wrapped{}, fmt.Errorf("%w: %s", ErrShredded, ref)
	}
	return rec.w, nil
}

func (s *kvStore) Create(ctx context.Context, ref Ref, w Wrapped) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	if err := w.validate(); err != nil {
		return err
	}
	_, err := s.kv.Create(ctx, kvKey(ref), encodeWrapped(w))
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("keys: creating key of %s: %w", ref, err)
	}
	// Tell a live key from a tombstone.
	if _, err := s.Get(ctx, ref); errors.Is(err, ErrShredded) {
		return err
	}
	return fmt.Errorf("%w for %s", ErrExists, ref)
}

// shredAttempts bounds Shred's loop; each retry means a Create or another
// Shred changed the key between Shred's read and its write.
const shredAttempts = 10

// Shred replaces the wrapped key with a tombstone, atomically (a write
// conditional on the key's revision, or a create-if-absent when there is no
// key), then secure-erases the message that held the wrapped key
// (Stream.SecureDeleteMsg overwrites its bytes in the store). The tombstone
// goes first so that no Create can slip in between: erasing first would leave
// the key absent for a moment. The tombstone records the erased revision, so
// running Shred again after a crash between the two steps finishes the erase.
func (s *kvStore) Shred(ctx context.Context, ref Ref) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	key := kvKey(ref)
	for range shredAttempts {
		e, err := s.entry(ctx, ref)
		if err != nil {
			return err
		}
		if e == nil {
			// Never had a key: block future ones.
			_, err := s.kv.Create(ctx, key, encodeTombstone(0))
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // a key was created meanwhile
			}
			if err != nil {
				return fmt.Errorf("keys: writing tombstone of %s: %w", ref, err)
			}
			return nil
		}
		if rec, derr := decodeRecord(e.Value()); derr == nil && rec.shredded {
			// Shredded already; make sure the erase was done.
			return s.erase(ctx, ref, rec.erased)
		}
		// A wrapped key (or a malformed record: erase it all the same).
		// First an older copy a Replace left (crash before its erase): the
		// tombstone would evict it from the stream without overwriting it.
		if err := s.eraseStale(ctx, ref, e.Revision()); err != nil {
			return err
		}
		_, err = s.kv.Update(ctx, key, encodeTombstone(e.Revision()), e.Revision())
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // changed meanwhile (a concurrent Shred)
		}
		if err != nil {
			return fmt.Errorf("keys: writing tombstone of %s: %w", ref, err)
		}
		return s.erase(ctx, ref, e.Revision())
	}
	return fmt.Errorf("keys: shredding %s: still contended after %d attempts", ref, shredAttempts)
}

// erase secure-erases the message at seq (0: none) if it is still there.
func (s *kvStore) erase(ctx context.Context, ref Ref, seq uint64) error {
	if seq == 0 {
		return nil
	}
	gone := func() (bool, error) {
		m, err := s.stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("keys: reading key message of %s (seq %d): %w", ref, seq, err)
		}
		if m.Subject != s.subject(ref) {
			return false, fmt.Errorf("keys: tombstone of %s names seq %d, which is another key's", ref, seq)
		}
		return false, nil
	}
	if ok, err := gone(); ok || err != nil {
		return err
	}
	if err := s.stream.SecureDeleteMsg(ctx, seq); err != nil {
		// Fine if a concurrent Shred erased it first.
		if ok, gerr := gone(); ok && gerr == nil {
			return nil
		}
		return fmt.Errorf("keys: secure-erasing key of %s (seq %d): %w", ref, seq, err)
	}
	return nil
}

// eraseStale secure-erases every message of the ref's subject older than
// the current revision: the wrapped key a Replace swapped out but did not
// get to erase. (History 2 allows one.)
func (s *kvStore) eraseStale(ctx context.Context, ref Ref, current uint64) error {
	for range KVHistory {
		m, err := s.stream.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(s.subject(ref)))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("keys: reading oldest key message of %s: %w", ref, err)
		}
		if m.Sequence >= current {
			return nil
		}
		if err := s.erase(ctx, ref, m.Sequence); err != nil {
			return err
		}
	}
	return fmt.Errorf("keys: %s has more than %d revisions", ref, KVHistory)
}

// List returns every ref with a key or a tombstone (KV delete markers, which
// Docket never writes, are not listed).
func (s *kvStore) List(ctx context.Context) ([]Ref, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: listing key bucket %s: %w", s.bucket, err)
	}
	defer lister.Stop()
	seen := make(map[Ref]bool)
	var refs []Ref
	var bad []error
	for key := range lister.Keys() {
		ref, ok := parseKVKey(key)
		if !ok {
			bad = append(bad, fmt.Errorf("keys: key bucket %s holds key %q, which names no data key", s.bucket, key))
			continue
		}
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	// The lister stops early, without an error of its own, on cancellation.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("keys: listing key bucket %s: %w", s.bucket, err)
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	return refs, nil
}

func parseKVKey(key string) (Ref, bool) {
	parts := strings.Split(key, ".")
	if len(parts) != 3 {
		return Ref{}, false
	}
	ref := Ref{Tenant: parts[0], Subject: parts[1], Group: parts[2]}
	return ref, ref.Validate() == nil
}

// Replace writes next conditional on the revision that holds old (so a
// Shred or another Replace in between makes it fail, and a tombstone is
// never overwritten), then secure-erases old's message, as Shred does.
// Called with next equal to the stored key, it writes nothing and only
// erases an older copy that a Replace interrupted before its erase left.
func (s *kvStore) Replace(ctx context.Context, ref Ref, old, next Wrapped) error {
	if err := checkReplace(ref, old, next); err != nil {
		return err
	}
	e, err := s.entry(ctx, ref)
	if err != nil {
		return err
	}
	if e == nil {
		return fmt.Errorf("%w for %s", ErrNotFound, ref)
	}
	rec, err := decodeRecord(e.Value())
	switch {
	case err != nil:
		return fmt.Errorf("%w (%s, revision %d)", err, ref, e.Revision())
	case rec.shredded:
		return fmt.Errorf("%w: %s", ErrShredded, ref)
	case !rec.w.equal(old):
		return fmt.Errorf("%w: %s", ErrChanged, ref)
	}
	// An older copy first: the update would evict it unerased.
	if err := s.eraseStale(ctx, ref, e.Revision()); err != nil {
		return err
	}
	if old.equal(next) {
		return nil
	}
	if _, err := s.kv.Update(ctx, kvKey(ref), encodeWrapped(next), e.Revision()); err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("keys: rewriting key of %s: %w", ref, err)
		}
		// Changed since the read: shredded, or rewrapped by someone else.
		if _, gerr := s.Get(ctx, ref); errors.Is(gerr, ErrShredded) {
			return gerr
		}
		return fmt.Errorf("%w: %s", ErrChanged, ref)
	}
	if err := s.erase(ctx, ref, e.Revision()); err != nil {
		return fmt.Errorf("keys: %s is rewrapped but its old wrapped key is not erased yet (run again to finish): %w", ref, err)
	}
	return nil
}
