package keystest

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/seal"
)

// RunKeyringTests runs the Keyring's suite on the stores newStore returns
// (each call an empty one): a Keyring keeps its promises on every store.
func RunKeyringTests(t *testing.T, newStore func(t *testing.T) keys.Store) {
	ctx := context.Background()

	t.Run("StableAndPersisted", func(t *testing.T) {
		store, kek := newStore(t), NewKEK(t)
		kr := NewKeyring(t, store, kek)
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
		k3, err := NewKeyring(t, store, kek).DataKey(ctx, "acme", "u-1", "default")
		if err != nil {
			t.Fatal(err)
		}
		if !SameKey(t, k1, k3) {
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
			if SameKey(t, k1, other) {
				t.Errorf("%s shares the key of acme/u-1/default", r)
			}
		}
	})

	t.Run("OtherKEKCannotUnwrap", func(t *testing.T) {
		store := newStore(t)
		if _, err := NewKeyring(t, store, NewKEK(t)).DataKey(ctx, "acme", "u-1", "default"); err != nil {
			t.Fatal(err)
		}
		other := NewKeyring(t, store, NewKEK(t))
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
		store, kek := newStore(t), NewKEK(t)
		kr := NewKeyring(t, store, kek)
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
		store, kek := newStore(t), NewKEK(t)
		kr := NewKeyring(t, store, kek)
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
		fresh := NewKeyring(t, store, kek)
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
		kr := NewKeyring(t, store, NewKEK(t))
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
		if err != nil || !SameKey(t, k, got) {
			t.Errorf("OpenKey after DataKey: %v", err)
		}
		if _, err := kr.OpenKey(ctx, "acme", "u-1", "default", 2); !errors.Is(err, keys.ErrNotFound) {
			t.Errorf("OpenKey of a version that does not exist: %v, want ErrNotFound", err)
		}
	})

	t.Run("ConcurrentDataKey", func(t *testing.T) {
		// Several Keyrings (replicas) on one store, many goroutines each:
		// everyone ends up with the one key.
		store, kek := newStore(t), NewKEK(t)
		rings := []*keys.Keyring{NewKeyring(t, store, kek), NewKeyring(t, store, kek), NewKeyring(t, store, kek)}
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
			if !SameKey(t, got[0], got[i]) {
				t.Fatalf("DataKey %d returned another key", i)
			}
		}
	})

	t.Run("InvalidRef", func(t *testing.T) {
		kr := NewKeyring(t, newStore(t), NewKEK(t))
		if _, err := kr.DataKey(ctx, "acme", "a.b", "default"); err == nil {
			t.Error("DataKey with a dotted subject: no error")
		}
		if err := kr.Shred(ctx, "acme", "", "default"); err == nil {
			t.Error("Shred with an empty subject: no error")
		}
	})
}

// NewKEK returns a random local KEK.
func NewKEK(t testing.TB) keys.KEK {
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

// NewKeyring returns a Keyring on store and kek with the default
// configuration.
func NewKeyring(t testing.TB, store keys.Store, kek keys.KEK) *keys.Keyring {
	t.Helper()
	kr, err := keys.NewKeyring(store, kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

var aad = seal.AAD{Tenant: "acme", Subject: "u-1", EventID: "e-1", KeyGroup: "default", Category: "user.contact.email"}

// SameKey reports whether a value sealed by a opens with b.
func SameKey(t testing.TB, a, b *seal.Key) bool {
	t.Helper()
	s, err := a.Seal(aad, []byte("bob@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Open(aad, s)
	return err == nil
}
