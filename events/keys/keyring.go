package keys

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/docketledger/docket/events/seal"
)

// KeyringConfig configures NewKeyring. Its zero value works.
type KeyringConfig struct {
	// CacheTTL is how long an unwrapped data key (or a ref's shredded state)
	// stays in memory; default 5 minutes. Another Keyring on the same store
	// (another docketd replica) can hand out a key it cached for up to this
	// long after a shred elsewhere.
	CacheTTL time.Duration
	// CacheSize bounds the number of cached refs; default 100000.
	CacheSize int
	// PreviousKEK, when set, also opens data keys during a KEK rotation
	// (see Rewrap): a wrapped key whose KEK id is PreviousKEK's is unwrapped
	// with it. New data keys are always wrapped with the Keyring's KEK.
	PreviousKEK KEK
}

const (
	DefaultCacheTTL  = 5 * time.Minute
	DefaultCacheSize = 100_000
)

func (c *KeyringConfig) setDefaults() {
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
}

// Validate reports every problem with c (after defaults).
func (c KeyringConfig) Validate() error {
	var errs []error
	if c.CacheTTL < 0 {
		errs = append(errs, fmt.Errorf("keys: KeyringConfig.CacheTTL is negative (%v)", c.CacheTTL))
	}
	if c.CacheSize < 0 {
		errs = append(errs, fmt.Errorf("keys: KeyringConfig.CacheSize is negative (%d)", c.CacheSize))
	}
	return errors.Join(errs...)
}

// dataKeyVersion is the version of every data key created so far (no
// rotation yet).
const dataKeyVersion = 1

// numShards splits the cache so that concurrent misses on different refs do
// not contend; hits take only a read lock.
const numShards = 64

// Keyring hands out data keys: it creates them on first use, wraps them
// with the KEK, keeps them in the Store, and caches the unwrapped keys in
// memory (bounded, with a TTL) so that the append path does no I/O for a
// subject it has seen recently. It is safe for concurrent use.
type Keyring struct {
	store Store
	kek   KEK
	prev  KEK // nil unless rotating
	ttl   time.Duration
	epoch time.Time // cache times are monotonic offsets from it
	seed  maphash.Seed

	shards [numShards]shard
}

type shard struct {
	mu       sync.RWMutex
	entries  map[Ref]cacheEntry
	inflight map[flightKey]*flight
	gen      uint64 // bumped by every Shred of a ref of this shard
	max      int
	_        [64]byte // keep shards on separate cache lines
}

type cacheEntry struct {
	key      *seal.Key // nil when shredded
	shredded bool
	expires  time.Duration // since Keyring.epoch
}

type flightKey struct {
	ref    Ref
	create bool
}

// flight is one store round trip that concurrent misses on a ref share.
type flight struct {
	done chan struct{}
	key  *seal.Key
	err  error
}

// NewKeyring returns a Keyring over store, wrapping new data keys with kek.
func NewKeyring(store Store, kek KEK, cfg KeyringConfig) (*Keyring, error) {
	var errs []error
	if store == nil {
		errs = append(errs, errors.New("keys: NewKeyring: nil Store"))
	}
	if kek == nil {
		errs = append(errs, errors.New("keys: NewKeyring: nil KEK"))
	}
	if kek != nil && cfg.PreviousKEK != nil && cfg.PreviousKEK.ID() == kek.ID() {
		errs = append(errs, fmt.Errorf("keys: NewKeyring: KeyringConfig.PreviousKEK is the KEK itself (%s)", kek.ID()))
	}
	cfg.setDefaults()
	errs = append(errs, cfg.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	k := &Keyring{store: store, kek: kek, prev: cfg.PreviousKEK, ttl: cfg.CacheTTL, epoch: time.Now(), seed: maphash.MakeSeed()}
	perShard := (cfg.CacheSize + numShards - 1) / numShards
	for i := range k.shards {
		k.shards[i].entries = make(map[Ref]cacheEntry)
		k.shards[i].inflight = make(map[flightKey]*flight)
		k.shards[i].max = perShard
	}
	return k, nil
}

func (k *Keyring) now() time.Duration { return time.Since(k.epoch) }

func (k *Keyring) shard(ref Ref) *shard {
	return &k.shards[maphash.Comparable(k.seed, ref)%numShards]
}

// DataKey returns the current data key of a subject's key group, to seal
// with; it creates (and stores, wrapped) the key on first use. After a shred
// it returns ErrShredded. A cached key costs no I/O and no allocation.
func (k *Keyring) DataKey(ctx context.Context, tenant, subject, group string) (*seal.Key, error) {
	ref := Ref{Tenant: tenant, Subject: subject, Group: group}
	sh := k.shard(ref)
	sh.mu.RLock()
	e, ok := sh.entries[ref]
	sh.mu.RUnlock()
	if ok && k.now() < e.expires {
		return e.result(ref)
	}
	return k.load(ctx, sh, ref, true)
}

// OpenKey returns version of a subject's key-group data key, to open values
// with. It never creates a key: ErrNotFound when there is none (or not that
// version), ErrShredded after a shred.
func (k *Keyring) OpenKey(ctx context.Context, tenant, subject, group string, version uint32) (*seal.Key, error) {
	ref := Ref{Tenant: tenant, Subject: subject, Group: group}
	sh := k.shard(ref)
	sh.mu.RLock()
	e, ok := sh.entries[ref]
	sh.mu.RUnlock()
	var key *seal.Key
	var err error
	if ok && k.now() < e.expires {
		key, err = e.result(ref)
	} else {
		key, err = k.load(ctx, sh, ref, false)
	}
	if err != nil {
		return nil, err
	}
	if key.Version() != version {
		return nil, fmt.Errorf("%w: %s has data key version %d, not %d", ErrNotFound, ref, key.Version(), version)
	}
	return key, nil
}

// Shred crypto-shreds a subject's key group: the Store destroys the wrapped
// key and refuses to create another, and this Keyring forgets the key. It
// is idempotent.
func (k *Keyring) Shred(ctx context.Context, tenant, subject, group string) error {
	ref := Ref{Tenant: tenant, Subject: subject, Group: group}
	if err := ref.Validate(); err != nil {
		return err
	}
	if err := k.store.Shred(ctx, ref); err != nil {
		return err
	}
	sh := k.shard(ref)
	sh.mu.Lock()
	sh.gen++ // a load in flight does not cache what it read before the shred
	sh.putLocked(ref, cacheEntry{shredded: true, expires: k.now() + k.ttl}, k.now())
	sh.mu.Unlock()
	return nil
}

func (e cacheEntry) result(ref Ref) (*seal.Key, error) {
	if e.shredded {
		return nil, fmt.Errorf("%w: %s", ErrShredded, ref)
	}
	return e.key, nil
}

// load fills the cache from the store; concurrent misses on one ref share
// one round trip.
func (k *Keyring) load(ctx context.Context, sh *shard, ref Ref, create bool) (*seal.Key, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	fk := flightKey{ref: ref, create: create}
	for {
		sh.mu.Lock()
		if e, ok := sh.entries[ref]; ok && k.now() < e.expires {
			sh.mu.Unlock()
			return e.result(ref)
		}
		if f, ok := sh.inflight[fk]; ok {
			sh.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if isContextErr(f.err) && ctx.Err() == nil {
				continue // the leader gave up; this caller has not
			}
			return f.key, f.err
		}
		f := &flight{done: make(chan struct{})}
		sh.inflight[fk] = f
		gen := sh.gen
		sh.mu.Unlock()

		f.key, f.err = k.fetch(ctx, ref, create)

		sh.mu.Lock()
		delete(sh.inflight, fk)
		if gen == sh.gen {
			now := k.now()
			switch {
			case f.err == nil:
				sh.putLocked(ref, cacheEntry{key: f.key, expires: now + k.ttl}, now)
			case errors.Is(f.err, ErrShredded):
				sh.putLocked(ref, cacheEntry{shredded: true, expires: now + k.ttl}, now)
			}
		}
		sh.mu.Unlock()
		close(f.done)
		return f.key, f.err
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// putLocked caches e, making room first when the shard is full: expired
// entries go, and if none had expired, an arbitrary eighth of the shard.
func (sh *shard) putLocked(ref Ref, e cacheEntry, now time.Duration) {
	if _, ok := sh.entries[ref]; !ok && len(sh.entries) >= sh.max {
		for r, old := range sh.entries {
			if now >= old.expires {
				delete(sh.entries, r)
			}
		}
		if len(sh.entries) >= sh.max {
			drop := max(1, sh.max/8)
			for r := range sh.entries {
				if drop == 0 {
					break
				}
				delete(sh.entries, r)
				drop--
			}
		}
	}
	sh.entries[ref] = e
}

// fetch reads, or with create makes, the ref's data key.
func (k *Keyring) fetch(ctx context.Context, ref Ref, create bool) (*seal.Key, error) {
	w, err := k.store.Get(ctx, ref)
	if errors.Is(err, ErrNotFound) && create {
		return k.create(ctx, ref)
	}
	if err != nil {
		return nil, err
	}
	return k.unwrap(ctx, ref, w)
}

func (k *Keyring) create(ctx context.Context, ref Ref) (*seal.Key, error) {
	raw := make([]byte, seal.KeySize)
	defer clear(raw)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("keys: generating data key: %w", err)
	}
	ct, err := k.kek.Wrap(ctx, raw, wrapAAD(ref, dataKeyVersion))
	if err != nil {
		return nil, fmt.Errorf("keys: wrapping data key of %s with KEK %s: %w", ref, k.kek.ID(), err)
	}
	err = k.store.Create(ctx, ref, Wrapped{Version: dataKeyVersion, KEKID: k.kek.ID(), Ciphertext: ct})
	if errors.Is(err, ErrExists) {
		// Another creator (maybe another process) won: use its key.
		w, err := k.store.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		return k.unwrap(ctx, ref, w)
	}
	if err != nil {
		return nil, err
	}
	return seal.NewKey(dataKeyVersion, raw)
}

func (k *Keyring) unwrap(ctx context.Context, ref Ref, w Wrapped) (*seal.Key, error) {
	kek, other := k.kek, k.prev
	if k.prev != nil && w.KEKID == k.prev.ID() {
		kek, other = k.prev, k.kek
	}
	aad := wrapAAD(ref, w.Version)
	raw, err := kek.Unwrap(ctx, w.Ciphertext, aad)
	if err != nil && other != nil && w.KEKID != kek.ID() {
		// Wrapped by neither KEK's id (a KEK whose id scheme changed, say):
		// the other KEK may still open it.
		if r, oerr := other.Unwrap(ctx, w.Ciphertext, aad); oerr == nil {
			raw, err = r, nil
		}
	}
	if err != nil {
		if !errors.Is(err, ErrUnwrap) {
			err = fmt.Errorf("%w: %w", ErrUnwrap, err)
		}
		return nil, fmt.Errorf("%w (data key of %s, wrapped by KEK %s; this keyring has KEK %s)", err, ref, w.KEKID, k.kek.ID())
	}
	defer clear(raw)
	return seal.NewKey(w.Version, raw)
}
