package keys_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/keys/keystest"
	"github.com/docketledger/docket/events/seal"
)

func TestMemoryStore(t *testing.T) {
	keystest.RunStoreTests(t, func(t *testing.T) keys.Store { return keys.NewMemoryStore() })
}

func newKEK(t testing.TB) keys.KEK {
	t.Helper()
	raw := make([]byte, keys.KEKSize)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	kek, err := keys.NewLocalKEK(raw)
	if err != nil {
		t.Fatal(err)
	}
	return kek
}

func newKeyring(t testing.TB, store keys.Store, kek keys.KEK) *keys.Keyring {
	t.Helper()
	kr, err := keys.NewKeyring(store, kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

var aad = seal.AAD{Tenant: "acme", Subject: "u-1", EventID: "e-1", KeyGroup: "default", Category: "user.contact.email"}

// sameKey reports whether a value sealed by a opens with b.
func sameKey(t *testing.T, a, b *seal.Key) bool {
	t.Helper()
	s, err := a.Seal(aad, []byte("bob@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Open(aad, s)
	return err == nil
}

func TestNewKeyringRefusesNilDeps(t *testing.T) {
	kek := newKEK(t)
	store := keys.NewMemoryStore()
	tests := []struct {
		name  string
		store keys.Store
		kek   keys.KEK
		cfg   keys.KeyringConfig
	}{
		{name: "nil store", kek: kek},
		{name: "nil KEK", store: store},
		{name: "negative TTL", store: store, kek: kek, cfg: keys.KeyringConfig{CacheTTL: -time.Second}},
		{name: "negative size", store: store, kek: kek, cfg: keys.KeyringConfig{CacheSize: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := keys.NewKeyring(tt.store, tt.kek, tt.cfg); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestKeyring(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testKeyring(t, func(t *testing.T) keys.Store { return keys.NewMemoryStore() }) })
	t.Run("kv", func(t *testing.T) { testKeyring(t, newKVStore) })
}

func testKeyring(t *testing.T, newStore func(t *testing.T) keys.Store) {
	ctx := context.Background()

	t.Run("StableAndPersisted", func(t *testing.T) {
		store, kek := newStore(t), newKEK(t)
		kr := newKeyring(t, store, kek)
		k1, err := kr.DataKey(ctx, "acme", "u-1", "default")
		if err != nil {
			t.Fatal(err)
		}
		if k1.Version() != 1 {
			t.Errorf("Version = %d, want 1", k1.Version())
		}
		k2, err := kr.DataKey(ctx, "acme", "u-1", "default")
		if err != nil {
			t.Fatal(err)
		}
		if k1 != k2 {
			t.Error("second DataKey returned another *Key (not cached)")
		}
		// A new Keyring (a restart) on the same store and KEK finds the same key.
		k3, err := newKeyring(t, store, kek).DataKey(ctx, "acme", "u-1", "default")
		if err != nil {
			t.Fatal(err)
		}
		if !sameKey(t, k1, k3) {
			t.Error("a new Keyring on the same store has another key")
		}
		// Stored wrapped: the store never sees the data key itself.
		w, err := store.Get(ctx, keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"})
		if err != nil {
			t.Fatal(err)
		}
		if w.KEKID != kek.ID() || w.Version != 1 {
			t.Errorf("stored %+v, want KEK %s version 1", w, kek.ID())
		}
		// Groups and subjects have their own keys.
		for _, r := range []keys.Ref{{Tenant: "acme", Subject: "u-1", Group: "tax"}, {Tenant: "acme", Subject: "u-2", Group: "default"}, {Tenant: "globex", Subject: "u-1", Group: "default"}} {
			other, err := kr.DataKey(ctx, r.Tenant, r.Subject, r.Group)
			if err != nil {
				t.Fatal(err)
			}
			if sameKey(t, k1, other) {
				t.Errorf("%s shares the key of acme/u-1/default", r)
			}
		}
	})

	t.Run("OtherKEKCannotUnwrap", func(t *testing.T) {
		store := newStore(t)
		if _, err := newKeyring(t, store, newKEK(t)).DataKey(ctx, "acme", "u-1", "default"); err != nil {
			t.Fatal(err)
		}
		other := newKeyring(t, store, newKEK(t))
		for name, get := range map[string]func() (*seal.Key, error){
			"DataKey": func() (*seal.Key, error) { return other.DataKey(ctx, "acme", "u-1", "default") },
			"OpenKey": func() (*seal.Key, error) { return other.OpenKey(ctx, "acme", "u-1", "default", 1) },
		} {
			if _, err := get(); !errors.Is(err, keys.ErrUnwrap) {
				t.Errorf("%s with another KEK: %v, want ErrUnwrap", name, err)
			}
		}
	})

	t.Run("WrappedKeyBoundToRef", func(t *testing.T) {
		// A wrapped key copied to another ref does not unwrap there.
		store, kek := newStore(t), newKEK(t)
		kr := newKeyring(t, store, kek)
		if _, err := kr.DataKey(ctx, "acme", "u-1", "default"); err != nil {
			t.Fatal(err)
		}
		w, err := store.Get(ctx, keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, keys.Ref{Tenant: "acme", Subject: "u-2", Group: "default"}, w); err != nil {
			t.Fatal(err)
		}
		if _, err := kr.OpenKey(ctx, "acme", "u-2", "default", 1); !errors.Is(err, keys.ErrUnwrap) {
			t.Errorf("OpenKey of a moved wrapped key: %v, want ErrUnwrap", err)
		}
	})

	t.Run("Shred", func(t *testing.T) {
		store, kek := newStore(t), newKEK(t)
		kr := newKeyring(t, store, kek)
		k, err := kr.DataKey(ctx, "acme", "u-1", "default")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kr.DataKey(ctx, "acme", "u-1", "tax"); err != nil {
			t.Fatal(err)
		}
		sealed, err := k.Seal(aad, []byte("bob@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		if err := kr.Shred(ctx, "acme", "u-1", "default"); err != nil {
			t.Fatal(err)
		}
		if _, err := kr.DataKey(ctx, "acme", "u-1", "default"); !errors.Is(err, keys.ErrShredded) {
			t.Errorf("DataKey after Shred: %v, want ErrShredded", err)
		}
		if _, err := kr.OpenKey(ctx, "acme", "u-1", "default", sealed.GetKeyVersion()); !errors.Is(err, keys.ErrShredded) {
			t.Errorf("OpenKey after Shred: %v, want ErrShredded", err)
		}
		// A fresh Keyring (another replica, a restart) agrees.
		fresh := newKeyring(t, store, kek)
		if _, err := fresh.DataKey(ctx, "acme", "u-1", "default"); !errors.Is(err, keys.ErrShredded) {
			t.Errorf("fresh Keyring DataKey after Shred: %v, want ErrShredded", err)
		}
		// Other groups live on.
		if _, err := fresh.OpenKey(ctx, "acme", "u-1", "tax", 1); err != nil {
			t.Errorf("OpenKey of another group: %v", err)
		}
		if err := kr.Shred(ctx, "acme", "u-1", "default"); err != nil {
			t.Errorf("second Shred: %v", err)
		}
		if err := kr.Shred(ctx, "acme", "never", "default"); err != nil {
			t.Errorf("Shred of a never-keyed subject: %v", err)
		}
		if _, err := kr.DataKey(ctx, "acme", "never", "default"); !errors.Is(err, keys.ErrShredded) {
			t.Errorf("DataKey after Shred of a never-keyed subject: %v, want ErrShredded", err)
		}
	})

	t.Run("OpenKeyNeverCreates", func(t *testing.T) {
		store := newStore(t)
		kr := newKeyring(t, store, newKEK(t))
		if _, err := kr.OpenKey(ctx, "acme", "u-1", "default", 1); !errors.Is(err, keys.ErrNotFound) {
			t.Errorf("OpenKey: %v, want ErrNotFound", err)
		}
		if _, err := store.Get(ctx, keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"}); !errors.Is(err, keys.ErrNotFound) {
			t.Errorf("store after OpenKey: %v, want ErrNotFound", err)
		}
		k, err := kr.DataKey(ctx, "acme", "u-1", "default")
		if err != nil {
			t.Fatal(err)
		}
		got, err := kr.OpenKey(ctx, "acme", "u-1", "default", k.Version())
		if err != nil || !sameKey(t, k, got) {
			t.Errorf("OpenKey after DataKey: %v", err)
		}
		if _, err := kr.OpenKey(ctx, "acme", "u-1", "default", 2); !errors.Is(err, keys.ErrNotFound) {
			t.Errorf("OpenKey of a version that does not exist: %v, want ErrNotFound", err)
		}
	})

	t.Run("ConcurrentDataKey", func(t *testing.T) {
		// Several Keyrings (replicas) on one store, many goroutines each:
		// everyone ends up with the one key.
		store, kek := newStore(t), newKEK(t)
		rings := []*keys.Keyring{newKeyring(t, store, kek), newKeyring(t, store, kek), newKeyring(t, store, kek)}
		const perRing = 10
		got := make([]*seal.Key, len(rings)*perRing)
		errs := make([]error, len(got))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range got {
			wg.Go(func() {
				<-start
				got[i], errs[i] = rings[i%len(rings)].DataKey(ctx, "acme", "u-9", "default")
			})
		}
		close(start)
		wg.Wait()
		for i := range got {
			if errs[i] != nil {
				t.Fatalf("DataKey %d: %v", i, errs[i])
			}
			if !sameKey(t, got[0], got[i]) {
				t.Fatalf("DataKey %d returned another key", i)
			}
		}
	})

	t.Run("InvalidRef", func(t *testing.T) {
		kr := newKeyring(t, newStore(t), newKEK(t))
		if _, err := kr.DataKey(ctx, "acme", "a.b", "default"); err == nil {
			t.Error("DataKey with a dotted subject: no error")
		}
		if err := kr.Shred(ctx, "acme", "", "default"); err == nil {
			t.Error("Shred with an empty subject: no error")
		}
	})
}

func TestKeyringCacheBounded(t *testing.T) {
	ctx := context.Background()
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), newKEK(t), keys.KeyringConfig{CacheSize: 100, CacheTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// Far more refs than the cache holds: all still work, and a key evicted
	// and read again is the same key.
	first, err := kr.DataKey(ctx, "acme", "s-0", "default")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		if _, err := kr.DataKey(ctx, "acme", fmt.Sprintf("s-%d", i), "default"); err != nil {
			t.Fatal(err)
		}
	}
	again, err := kr.DataKey(ctx, "acme", "s-0", "default")
	if err != nil {
		t.Fatal(err)
	}
	if !sameKey(t, first, again) {
		t.Error("s-0 has another key after eviction")
	}
}

func TestKeyringCacheTTL(t *testing.T) {
	ctx := context.Background()
	store, kek := keys.NewMemoryStore(), newKEK(t)
	kr, err := keys.NewKeyring(store, kek, keys.KeyringConfig{CacheTTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.DataKey(ctx, "acme", "u-1", "default"); err != nil {
		t.Fatal(err)
	}
	// Shred through another Keyring (another replica): once the TTL has
	// passed, this one sees it too.
	if err := newKeyring(t, store, kek).Shred(ctx, "acme", "u-1", "default"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := kr.DataKey(ctx, "acme", "u-1", "default"); !errors.Is(err, keys.ErrShredded) {
		t.Errorf("DataKey after TTL: %v, want ErrShredded", err)
	}
}

// countingStore counts the store calls a Keyring makes.
type countingStore struct {
	keys.Store
	mu    sync.Mutex
	calls int
}

func (s *countingStore) Get(ctx context.Context, r keys.Ref) (keys.Wrapped, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return s.Store.Get(ctx, r)
}

func TestKeyringHitDoesNoIO(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: keys.NewMemoryStore()}
	kr := newKeyring(t, store, newKEK(t))
	if _, err := kr.DataKey(ctx, "acme", "u-1", "default"); err != nil {
		t.Fatal(err)
	}
	before := store.calls
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := kr.DataKey(ctx, "acme", "u-1", "default"); err != nil {
			t.Fatal(err)
		}
	})
	if store.calls != before {
		t.Errorf("cache hits made %d store calls", store.calls-before)
	}
	if allocs != 0 {
		t.Errorf("a cache hit allocates %v times", allocs)
	}
}

func TestLocalKEK(t *testing.T) {
	ctx := context.Background()
	raw := bytes.Repeat([]byte{7}, keys.KEKSize)
	kek, err := keys.NewLocalKEK(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(kek.ID()) != 16 {
		t.Errorf("ID %q is not 16 hex characters", kek.ID())
	}
	dk := bytes.Repeat([]byte{9}, 32)
	w, err := kek.Wrap(ctx, dk, []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(w, dk) {
		t.Error("wrapped key contains the data key")
	}
	got, err := kek.Unwrap(ctx, w, []byte("aad"))
	if err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("Unwrap = %x, %v", got, err)
	}
	if _, err := kek.Unwrap(ctx, w, []byte("other")); !errors.Is(err, keys.ErrUnwrap) {
		t.Errorf("Unwrap with other aad: %v, want ErrUnwrap", err)
	}
	if _, err := newKEK(t).Unwrap(ctx, w, []byte("aad")); !errors.Is(err, keys.ErrUnwrap) {
		t.Errorf("Unwrap with another KEK: %v, want ErrUnwrap", err)
	}
	if _, err := keys.NewLocalKEK(raw[:16]); err == nil {
		t.Error("NewLocalKEK with 16 bytes: no error")
	}
	same, err := keys.KEKFromEnv(fmt.Sprintf(" %x\n", raw))
	if err != nil {
		t.Fatal(err)
	}
	if same.ID() != kek.ID() {
		t.Errorf("KEKFromEnv ID %s, want %s", same.ID(), kek.ID())
	}
	if _, err := keys.KEKFromEnv("zz"); err == nil {
		t.Error("KEKFromEnv of bad hex: no error")
	}
}

func BenchmarkKeyringDataKeyHit(b *testing.B) {
	ctx := context.Background()
	kr := newKeyring(b, keys.NewMemoryStore(), newKEK(b))
	const subjects = 1000
	refs := make([]string, subjects)
	for i := range refs {
		refs[i] = fmt.Sprintf("u-%d", i)
		if _, err := kr.DataKey(ctx, "acme", refs[i], "default"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := kr.DataKey(ctx, "acme", refs[i%subjects], "default"); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
