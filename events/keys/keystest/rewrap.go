package keystest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/seal"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// RunRewrapTests runs the suite of Rewrap, the KEK rotation, on the stores
// newStore returns (each call an empty one).
func RunRewrapTests(t *testing.T, newStore func(t *testing.T) keys.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, newStore func(t *testing.T) keys.Store)
	}{
		{"Rotates", testRewrap},
		{"RefusesBadKEKs", testRewrapRefusesBadKEKs},
		{"Resumes", testRewrapResumes},
		{"ShredDuringRotation", testRewrapShredDuringRotation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore) })
	}
}

// Sealed is a value sealed under one ref's data key.
type Sealed struct {
	Ref   keys.Ref
	AAD   seal.AAD
	Value *eventsv1.Sealed
}

// Fill creates a data key for each of n subjects through a Keyring
// on kek, seals a value under each, and shreds the last subject's key.
func Fill(t *testing.T, store keys.Store, kek keys.KEK, n int) (live []Sealed, shredded keys.Ref) {
	t.Helper()
	ctx := context.Background()
	kr := NewKeyring(t, store, kek)
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
		live = append(live, Sealed{Ref: r, AAD: a, Value: s})
	}
	return live, shredded
}

// wantOpens checks that every value opens through a fresh Keyring on kek
// (with prev as its PreviousKEK when not nil), and that shredded stays so.
func wantOpens(t *testing.T, store keys.Store, kek, prev keys.KEK, values []Sealed, shredded keys.Ref) {
	t.Helper()
	ctx := context.Background()
	kr, err := keys.NewKeyring(store, kek, keys.KeyringConfig{PreviousKEK: prev})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		k, err := kr.OpenKey(ctx, v.Ref.Tenant, v.Ref.Subject, v.Ref.Group, v.Value.GetKeyVersion())
		if err != nil {
			t.Fatalf("OpenKey(%s): %v", v.Ref, err)
		}
		if _, err := k.Open(v.AAD, v.Value); err != nil {
			t.Fatalf("opening the value of %s: %v", v.Ref, err)
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

func testRewrap(t *testing.T, newStore func(t *testing.T) keys.Store) {
	ctx := context.Background()
	store := newStore(t)
	oldKEK, newKEK := NewKEK(t), NewKEK(t)
	values, shredded := Fill(t, store, oldKEK, 5)
	before, err := store.Get(ctx, values[0].Ref)
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
	after, err := store.Get(ctx, values[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	if after.KEKID != newKEK.ID() || after.Version != before.Version {
		t.Errorf("rewrapped key: KEK %s version %d, want KEK %s version %d", after.KEKID, after.Version, newKEK.ID(), before.Version)
	}

	// Only the new KEK is needed now; the old one opens nothing.
	wantOpens(t, store, newKEK, nil, values, shredded)
	oldOnly := NewKeyring(t, store, oldKEK)
	v := values[0]
	if _, err := oldOnly.OpenKey(ctx, v.Ref.Tenant, v.Ref.Subject, v.Ref.Group, 1); !errors.Is(err, keys.ErrUnwrap) {
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
}

func testRewrapRefusesBadKEKs(t *testing.T, newStore func(t *testing.T) keys.Store) {
	ctx := context.Background()
	store := newStore(t)
	a, b, c := NewKEK(t), NewKEK(t), NewKEK(t)
	values, shredded := Fill(t, store, a, 4)
	// One more key under a third KEK.
	third := NewKeyring(t, store, c)
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
func testRewrapResumes(t *testing.T, newStore func(t *testing.T) keys.Store) {
	ctx := context.Background()
	inner := newStore(t)
	oldKEK, newKEK := NewKEK(t), NewKEK(t)
	values, shredded := Fill(t, inner, oldKEK, 7)
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
	kr := NewKeyring(t, inner, newKEK)
	failed := 0
	for _, v := range values {
		if _, err := kr.OpenKey(ctx, v.Ref.Tenant, v.Ref.Subject, v.Ref.Group, 1); errors.Is(err, keys.ErrUnwrap) {
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

func testRewrapShredDuringRotation(t *testing.T, newStore func(t *testing.T) keys.Store) {
	ctx := context.Background()
	inner := newStore(t)
	oldKEK, newKEK := NewKEK(t), NewKEK(t)
	values, shredded := Fill(t, inner, oldKEK, 4)
	victim := values[1]
	store := &shreddingStore{Store: inner, victim: victim.Ref}
	stats, err := keys.Rewrap(ctx, store, oldKEK, newKEK)
	if err != nil {
		t.Fatal(err)
	}
	if want := (keys.RewrapStats{Rewrapped: 2, Shredded: 2}); stats != want {
		t.Errorf("stats %+v, want %+v", stats, want)
	}
	if _, err := inner.Get(ctx, victim.Ref); !errors.Is(err, keys.ErrShredded) {
		t.Errorf("Get of the ref shredded during the rotation: %v, want ErrShredded", err)
	}
	rest := append([]Sealed{values[0]}, values[2:]...)
	wantOpens(t, inner, newKEK, nil, rest, shredded)
}
