package keys_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/seal"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// rewrapStores are the stores every Rewrap test runs on.
var rewrapStores = []struct {
	name     string
	newStore func(t *testing.T) keys.Store
}{
	{"memory", func(t *testing.T) keys.Store { return keys.NewMemoryStore() }},
	{"kv", newKVStore},
}

// sealedValue is a value sealed under one ref's data key.
type sealedValue struct {
	ref    keys.Ref
	aad    seal.AAD
	sealed *eventsv1.Sealed
}

// fillKeyring creates a data key for each of n subjects through a Keyring
// on kek, seals a value under each, and shreds the last subject's key.
func fillKeyring(t *testing.T, store keys.Store, kek keys.KEK, n int) (live []sealedValue, shredded keys.Ref) {
	t.Helper()
	ctx := context.Background()
	kr := newKeyring(t, store, kek)
	for i := range n {
		r := keys.Ref{Tenant: "acme", Subject: fmt.Sprintf("u-%d", i), Group: "default"}
		k, err := kr.DataKey(ctx, r.Tenant, r.Subject, r.Group)
		if err != nil {
			t.Fatal(err)
		}
		a := seal.AAD{Tenant: r.Tenant, Subject: r.Subject, EventID: fmt.Sprintf("e-%d", i), KeyGroup: r.Group, Category: "user.contact.email"}
		s, err := k.Seal(a, []byte(fmt.Sprintf("user%d@example.com", i)))
		if err != nil {
			t.Fatal(err)
		}
		if i == n-1 {
			if err := kr.Shred(ctx, r.Tenant, r.Subject, r.Group); err != nil {
				t.Fatal(err)
			}
			shredded = r
			continue
		}
		live = append(live, sealedValue{ref: r, aad: a, sealed: s})
	}
	return live, shredded
}

// wantOpens checks that every value opens through a fresh Keyring on kek
// (with prev as its PreviousKEK when not nil), and that shredded stays so.
func wantOpens(t *testing.T, store keys.Store, kek, prev keys.KEK, values []sealedValue, shredded keys.Ref) {
	t.Helper()
	ctx := context.Background()
	kr, err := keys.NewKeyring(store, kek, keys.KeyringConfig{PreviousKEK: prev})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		k, err := kr.OpenKey(ctx, v.ref.Tenant, v.ref.Subject, v.ref.Group, v.sealed.GetKeyVersion())
		if err != nil {
			t.Fatalf("OpenKey(%s): %v", v.ref, err)
		}
		if _, err := k.Open(v.aad, v.sealed); err != nil {
			t.Fatalf("opening the value of %s: %v", v.ref, err)
		}
	}
	_, err = kr.OpenKey(ctx, shredded.Tenant, shredded.Subject, shredded.Group, 1)
	if !errors.Is(err, keys.ErrShredded) {
		t.Fatalf("OpenKey of the shredded %s: %v, want ErrShredded", shredded, err)
	}
}

// snapshot is every ref's stored state: its wrapped key, or the error.
func snapshot(t *testing.T, store keys.Store) map[keys.Ref]string {
	t.Helper()
	ctx := context.Background()
	refs, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[keys.Ref]string)
	for _, r := range refs {
		w, err := store.Get(ctx, r)
		if err != nil {
			m[r] = "error: " + err.Error()
			continue
		}
		m[r] = fmt.Sprintf("v%d %s %x", w.Version, w.KEKID, w.Ciphertext)
	}
	return m
}

func wantSnapshot(t *testing.T, store keys.Store, want map[keys.Ref]string) {
	t.Helper()
	got := snapshot(t, store)
	if len(got) != len(want) {
		t.Fatalf("store holds %d refs, want %d", len(got), len(want))
	}
	for r, w := range want {
		if got[r] != w {
			t.Errorf("%s changed:\n got %s\nwant %s", r, got[r], w)
		}
	}
}

func TestRewrap(t *testing.T) {
	for _, st := range rewrapStores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			store := st.newStore(t)
			oldKEK, newKEK := newKEK(t), newKEK(t)
			values, shredded := fillKeyring(t, store, oldKEK, 5)
			before, err := store.Get(ctx, values[0].ref)
			if err != nil {
				t.Fatal(err)
			}

			stats, err := keys.Rewrap(ctx, store, oldKEK, newKEK)
			if err != nil {
				t.Fatalf("Rewrap: %v", err)
			}
			if want := (keys.RewrapStats{Rewrapped: 4, Shredded: 1}); stats != want {
				t.Errorf("Rewrap stats %+v, want %+v", stats, want)
			}
			after, err := store.Get(ctx, values[0].ref)
			if err != nil {
				t.Fatal(err)
			}
			if after.KEKID != newKEK.ID() || after.Version != before.Version {
				t.Errorf("rewrapped key: KEK %s version %d, want KEK %s version %d", after.KEKID, after.Version, newKEK.ID(), before.Version)
			}

			// Only the new KEK is needed now; the old one opens nothing.
			wantOpens(t, store, newKEK, nil, values, shredded)
			oldOnly := newKeyring(t, store, oldKEK)
			v := values[0]
			if _, err := oldOnly.OpenKey(ctx, v.ref.Tenant, v.ref.Subject, v.ref.Group, 1); !errors.Is(err, keys.ErrUnwrap) {
				t.Errorf("OpenKey with the old KEK after the rotation: %v, want ErrUnwrap", err)
			}

			// A second run finds everything done and changes nothing.
			snap := snapshot(t, store)
			stats, err = keys.Rewrap(ctx, store, oldKEK, newKEK)
			if err != nil {
				t.Fatalf("second Rewrap: %v", err)
			}
			if want := (keys.RewrapStats{AlreadyNew: 4, Shredded: 1}); stats != want {
				t.Errorf("second Rewrap stats %+v, want %+v", stats, want)
			}
			wantSnapshot(t, store, snap)
			wantOpens(t, store, newKEK, nil, values, shredded)
		})
	}
}

func TestRewrapRefusesBadKEKs(t *testing.T) {
	for _, st := range rewrapStores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			store := st.newStore(t)
			a, b, c := newKEK(t), newKEK(t), newKEK(t)
			values, shredded := fillKeyring(t, store, a, 4)
			// One more key under a third KEK.
			third := newKeyring(t, store, c)
			if _, err := third.DataKey(ctx, "acme", "u-third", "default"); err != nil {
				t.Fatal(err)
			}
			snap := snapshot(t, store)

			tests := []struct {
				name     string
				old, new keys.KEK
				wantErr  error
			}{
				{name: "wrong old KEK", old: b, new: c, wantErr: keys.ErrRewrapCheck},
				{name: "a key under a third KEK", old: a, new: b, wantErr: keys.ErrRewrapCheck},
				{name: "same KEK", old: a, new: a},
				{name: "nil KEK", old: nil, new: b},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					stats, err := keys.Rewrap(ctx, store, tt.old, tt.new)
					if err == nil {
						t.Fatal("no error")
					}
					if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
						t.Fatalf("error %v, want %v", err, tt.wantErr)
					}
					if stats != (keys.RewrapStats{}) {
						t.Errorf("stats %+v after a refused Rewrap", stats)
					}
					wantSnapshot(t, store, snap)
				})
			}
			wantOpens(t, store, a, nil, values, shredded)
		})
	}
}

// failingStore fails every Replace that would write after the first n.
type failingStore struct {
	keys.Store
	mu sync.Mutex
	n  int
}

var errInjected = errors.New("injected failure")

func (s *failingStore) Replace(ctx context.Context, r keys.Ref, old, next keys.Wrapped) error {
	s.mu.Lock()
	if old.KEKID != next.KEKID {
		if s.n == 0 {
			s.mu.Unlock()
			return errInjected
		}
		s.n--
	}
	s.mu.Unlock()
	return s.Store.Replace(ctx, r, old, next)
}

// An interrupted rotation leaves keys under both KEKs: a Keyring with the
// new KEK and the old one as PreviousKEK opens them all, and running Rewrap
// again finishes the job.
func TestRewrapResumes(t *testing.T) {
	for _, st := range rewrapStores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			inner := st.newStore(t)
			oldKEK, newKEK := newKEK(t), newKEK(t)
			values, shredded := fillKeyring(t, inner, oldKEK, 7)
			store := &failingStore{Store: inner, n: 2}

			stats, err := keys.Rewrap(ctx, store, oldKEK, newKEK)
			if !errors.Is(err, errInjected) {
				t.Fatalf("interrupted Rewrap: %v, want the injected failure", err)
			}
			if stats.Rewrapped != 2 {
				t.Fatalf("interrupted Rewrap rewrapped %d, want 2", stats.Rewrapped)
			}
			// Mid-rotation: either KEK alone misses some keys, both open all.
			wantOpens(t, inner, newKEK, oldKEK, values, shredded)
			kr := newKeyring(t, inner, newKEK)
			failed := 0
			for _, v := range values {
				if _, err := kr.OpenKey(ctx, v.ref.Tenant, v.ref.Subject, v.ref.Group, 1); errors.Is(err, keys.ErrUnwrap) {
					failed++
				}
			}
			if failed != len(values)-2 {
				t.Errorf("%d keys do not open with the new KEK alone mid-rotation, want %d", failed, len(values)-2)
			}

			stats, err = keys.Rewrap(ctx, inner, oldKEK, newKEK)
			if err != nil {
				t.Fatalf("resumed Rewrap: %v", err)
			}
			if want := (keys.RewrapStats{Rewrapped: len(values) - 2, AlreadyNew: 2, Shredded: 1}); stats != want {
				t.Errorf("resumed Rewrap stats %+v, want %+v", stats, want)
			}
			wantOpens(t, inner, newKEK, nil, values, shredded)
		})
	}
}

// shreddingStore shreds a ref just before Rewrap replaces its key, as a
// concurrent erasure request would.
type shreddingStore struct {
	keys.Store
	victim keys.Ref
}

func (s *shreddingStore) Replace(ctx context.Context, r keys.Ref, old, next keys.Wrapped) error {
	if r == s.victim {
		if err := s.Store.Shred(ctx, r); err != nil {
			return err
		}
	}
	return s.Store.Replace(ctx, r, old, next)
}

func TestRewrapShredDuringRotation(t *testing.T) {
	for _, st := range rewrapStores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			inner := st.newStore(t)
			oldKEK, newKEK := newKEK(t), newKEK(t)
			values, shredded := fillKeyring(t, inner, oldKEK, 4)
			victim := values[1]
			store := &shreddingStore{Store: inner, victim: victim.ref}
			stats, err := keys.Rewrap(ctx, store, oldKEK, newKEK)
			if err != nil {
				t.Fatal(err)
			}
			if want := (keys.RewrapStats{Rewrapped: 2, Shredded: 2}); stats != want {
				t.Errorf("stats %+v, want %+v", stats, want)
			}
			if _, err := inner.Get(ctx, victim.ref); !errors.Is(err, keys.ErrShredded) {
				t.Errorf("Get of the ref shredded during the rotation: %v, want ErrShredded", err)
			}
			rest := append([]sealedValue{values[0]}, values[2:]...)
			wantOpens(t, inner, newKEK, nil, rest, shredded)
		})
	}
}

// After a KV rotation no message of the bucket's stream holds a key as the
// old KEK wrapped it.
func TestKVRewrapErasesOldWrapping(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t)
	store, err := keys.NewKVStore(ctx, ns.js, keys.KVConfig{})
	if err != nil {
		t.Fatal(err)
	}
	oldKEK, newKEK := newKEK(t), newKEK(t)
	values, _ := fillKeyring(t, store, oldKEK, 3)
	var old [][]byte
	for _, v := range values {
		w, err := store.Get(ctx, v.ref)
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, w.Ciphertext)
	}
	stream, err := ns.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	if !streamHolds(t, stream, old[0]) {
		t.Fatal("control: the stream does not hold the wrapped key")
	}
	if _, err := keys.Rewrap(ctx, store, oldKEK, newKEK); err != nil {
		t.Fatal(err)
	}
	for i, ct := range old {
		if streamHolds(t, stream, ct) {
			t.Errorf("the stream still holds key %d as the old KEK wrapped it", i)
		}
	}
}

func TestNewKeyringRefusesPreviousKEKSameAsKEK(t *testing.T) {
	kek := newKEK(t)
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

// TestKVRewrapFinishesInterruptedErase: a Replace that wrote the rewrapped
// key and then crashed before erasing the old one leaves that old wrapping
// as the older revision; the next Rewrap erases it, and so would a Shred.
func TestKVRewrapFinishesInterruptedErase(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t)
	store, err := keys.NewKVStore(ctx, ns.js, keys.KVConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"}
	old := keys.Wrapped{Version: 1, KEKID: "old-kek", Ciphertext: []byte("the-old-wrapping-of-the-data-key")}
	if err := store.Create(ctx, r, old); err != nil {
		t.Fatal(err)
	}
	kv, err := ns.js.KeyValue(ctx, keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "acme.u-1.default")
	if err != nil {
		t.Fatal(err)
	}
	// Step one of Replace only: the rewrapped record (format 1, kind 1,
	// version, KEK id length and id, ciphertext).
	next := keys.Wrapped{Version: 1, KEKID: "new-kek", Ciphertext: []byte("the-new-wrapping-of-the-data-key")}
	rec := binary.BigEndian.AppendUint32([]byte{1, 1}, next.Version)
	rec = append(rec, byte(len(next.KEKID)))
	rec = append(append(rec, next.KEKID...), next.Ciphertext...)
	if _, err := kv.Update(ctx, "acme.u-1.default", rec, e.Revision()); err != nil {
		t.Fatal(err)
	}
	stream, err := ns.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	if !streamHolds(t, stream, old.Ciphertext) {
		t.Fatal("control: the older revision does not hold the old wrapping")
	}
	// What Rewrap does for a key already under the new KEK.
	if err := store.Replace(ctx, r, next, next); err != nil {
		t.Fatal(err)
	}
	if streamHolds(t, stream, old.Ciphertext) {
		t.Error("the old wrapping survived")
	}
	got, err := store.Get(ctx, r)
	if err != nil || got.KEKID != next.KEKID {
		t.Fatalf("Get = %+v, %v; want the new wrapping", got, err)
	}
}

// A Shred after such an interrupted Replace erases both wrappings.
func TestKVShredErasesStaleWrapping(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t)
	store, err := keys.NewKVStore(ctx, ns.js, keys.KVConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"}
	old := keys.Wrapped{Version: 1, KEKID: "old-kek", Ciphertext: []byte("the-old-wrapping-of-the-data-key")}
	if err := store.Create(ctx, r, old); err != nil {
		t.Fatal(err)
	}
	kv, err := ns.js.KeyValue(ctx, keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "acme.u-1.default")
	if err != nil {
		t.Fatal(err)
	}
	next := keys.Wrapped{Version: 1, KEKID: "new-kek", Ciphertext: []byte("the-new-wrapping-of-the-data-key")}
	rec := binary.BigEndian.AppendUint32([]byte{1, 1}, next.Version)
	rec = append(rec, byte(len(next.KEKID)))
	rec = append(append(rec, next.KEKID...), next.Ciphertext...)
	if _, err := kv.Update(ctx, "acme.u-1.default", rec, e.Revision()); err != nil {
		t.Fatal(err)
	}
	if err := store.Shred(ctx, r); err != nil {
		t.Fatal(err)
	}
	stream, err := ns.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range [][]byte{old.Ciphertext, next.Ciphertext} {
		if streamHolds(t, stream, ct) {
			t.Errorf("%s survived the shred", ct)
		}
	}
	ns.srv.Shutdown()
	ns.srv.WaitForShutdown()
	for _, ct := range [][]byte{old.Ciphertext, next.Ciphertext} {
		if dirHolds(t, ns.storeDir, ct) {
			t.Errorf("%s is still on disk", ct)
		}
	}
}
