package keys_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/keys/keystest"
)

func TestMemoryStore(t *testing.T) {
	keystest.RunStoreTests(t, func(t *testing.T) keys.Store { return keys.NewMemoryStore() })
}

func TestNewKeyringRefusesNilDeps(t *testing.T) {
	kek := keystest.NewKEK(t)
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
	keystest.RunKeyringTests(t, func(t *testing.T) keys.Store { return keys.NewMemoryStore() })
}

func TestRewrap(t *testing.T) {
	keystest.RunRewrapTests(t, func(t *testing.T) keys.Store { return keys.NewMemoryStore() })
}

func TestKeyringCacheBounded(t *testing.T) {
	ctx := context.Background()
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), keystest.NewKEK(t), keys.KeyringConfig{CacheSize: 100, CacheTTL: time.Hour})
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
	if !keystest.SameKey(t, first, again) {
		t.Error("s-0 has another key after eviction")
	}
}

func TestKeyringCacheTTL(t *testing.T) {
	ctx := context.Background()
	store, kek := keys.NewMemoryStore(), keystest.NewKEK(t)
	kr, err := keys.NewKeyring(store, kek, keys.KeyringConfig{CacheTTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.DataKey(ctx, "acme", "u-1", "default"); err != nil {
		t.Fatal(err)
	}
	// Shred through another Keyring (another replica): once the TTL has
	// passed, this one sees it too.
	if err := keystest.NewKeyring(t, store, kek).Shred(ctx, "acme", "u-1", "default"); err != nil {
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
	kr := keystest.NewKeyring(t, store, keystest.NewKEK(t))
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
	if _, err := keystest.NewKEK(t).Unwrap(ctx, w, []byte("aad")); !errors.Is(err, keys.ErrUnwrap) {
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
	kr := keystest.NewKeyring(b, keys.NewMemoryStore(), keystest.NewKEK(b))
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

func TestNewKeyringRefusesPreviousKEKSameAsKEK(t *testing.T) {
	kek := keystest.NewKEK(t)
	if _, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{PreviousKEK: kek}); err == nil {
		t.Error("no error")
	}
}

func TestGenerateKEKFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "kek")
	kek, err := keys.GenerateKEKFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %#o, want 0600", perm)
	}
	loaded, err := keys.LoadKEKFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.ID() != kek.ID() {
		t.Errorf("loaded KEK %s, generated %s", loaded.ID(), kek.ID())
	}
	if _, err := keys.GenerateKEKFile(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("GenerateKEKFile over an existing file: %v, want fs.ErrExist", err)
	}
	again, err := keys.LoadKEKFile(path, false)
	if err != nil || again.ID() != kek.ID() {
		t.Errorf("the existing file changed: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadKEKFile(path, false); err == nil {
		t.Error("LoadKEKFile accepted a KEK file with mode 0644")
	}
}
