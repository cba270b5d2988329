// Package keystest holds the conformance suites of package keys, which
// every keys.Store passes: the store's own contract (RunStoreTests), and
// the Keyring (RunKeyringTests) and KEK rotation (RunRewrapTests) on that
// store. events/keys runs them on the memory store; the module
// events/natstest runs them on the NATS key-value store.
package keystest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/docketledger/docket/events/keys"
)

// RunStoreTests runs the suite; newStore returns an empty store (each
// subtest calls it once, so stores need not be shared).
func RunStoreTests(t *testing.T, newStore func(t *testing.T) keys.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s keys.Store)
	}{
		{"GetMissing", testGetMissing},
		{"CreateGet", testCreateGet},
		{"CreateTwice", testCreateTwice},
		{"ConcurrentCreators", testConcurrentCreators},
		{"Shred", testShred},
		{"ShredNeverCreated", testShredNeverCreated},
		{"GroupsIndependent", testGroupsIndependent},
		{"TenantsIsolated", testTenantsIsolated},
		{"InvalidRef", testInvalidRef},
		{"InvalidWrapped", testInvalidWrapped},
		{"List", testList},
		{"Replace", testReplace},
		{"ReplaceNeverRevivesTombstone", testReplaceNeverRevivesTombstone},
		{"ConcurrentReplaceShred", testConcurrentReplaceShred},
		{"InvalidReplace", testInvalidReplace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore(t)) })
	}
}

var ref = keys.Ref{Tenant: "acme", Subject: "u-123", Group: "default"}

func wrapped(n byte) keys.Wrapped {
	return keys.Wrapped{Version: 1, KEKID: "0123456789abcdef", Ciphertext: bytes.Repeat([]byte{n}, 60)}
}

// rewrapped is wrapped(n) as another KEK would wrap it.
func rewrapped(n byte) keys.Wrapped {
	return keys.Wrapped{Version: 1, KEKID: "fedcba9876543210", Ciphertext: bytes.Repeat([]byte{n}, 61)}
}

func equal(a, b keys.Wrapped) bool {
	return a.Version == b.Version && a.KEKID == b.KEKID && bytes.Equal(a.Ciphertext, b.Ciphertext)
}

func mustCreate(t *testing.T, s keys.Store, r keys.Ref, w keys.Wrapped) {
	t.Helper()
	if err := s.Create(context.Background(), r, w); err != nil {
		t.Fatalf("Create(%s): %v", r, err)
	}
}

func wantGet(t *testing.T, s keys.Store, r keys.Ref, want keys.Wrapped) {
	t.Helper()
	got, err := s.Get(context.Background(), r)
	if err != nil {
		t.Fatalf("Get(%s): %v", r, err)
	}
	if !equal(got, want) {
		t.Fatalf("Get(%s) = %+v, want %+v", r, got, want)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func testGetMissing(t *testing.T, s keys.Store) {
	_, err := s.Get(context.Background(), ref)
	wantErr(t, "Get of a ref without a key", err, keys.ErrNotFound)
}

func testCreateGet(t *testing.T, s keys.Store) {
	w := wrapped(1)
	mustCreate(t, s, ref, w)
	wantGet(t, s, ref, w)
	// The store holds its own copy.
	w.Ciphertext[0] = 0xff
	wantGet(t, s, ref, wrapped(1))
	got, _ := s.Get(context.Background(), ref)
	got.Ciphertext[0] = 0xff
	wantGet(t, s, ref, wrapped(1))
}

func testCreateTwice(t *testing.T, s keys.Store) {
	mustCreate(t, s, ref, wrapped(1))
	wantErr(t, "second Create", s.Create(context.Background(), ref, wrapped(2)), keys.ErrExists)
	wantGet(t, s, ref, wrapped(1))
}

func testConcurrentCreators(t *testing.T, s keys.Store) {
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.Create(context.Background(), ref, wrapped(byte(i)))
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("creators %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, keys.ErrExists):
			t.Fatalf("creator %d: %v, want nil or ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no creator won")
	}
	// Every reader, concurrently, sees the winner's key.
	got := make([]keys.Wrapped, n)
	for i := range n {
		wg.Go(func() {
			var err error
			got[i], err = s.Get(context.Background(), ref)
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Get %d: %v", i, errs[i])
		}
		if !equal(got[i], wrapped(byte(winner))) {
			t.Fatalf("Get %d = %x, want the winner's (%d)", i, got[i].Ciphertext[:4], winner)
		}
	}
}

func testShred(t *testing.T, s keys.Store) {
	ctx := context.Background()
	mustCreate(t, s, ref, wrapped(1))
	if err := s.Shred(ctx, ref); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	_, err := s.Get(ctx, ref)
	wantErr(t, "Get after Shred", err, keys.ErrShredded)
	wantErr(t, "Create after Shred", s.Create(ctx, ref, wrapped(2)), keys.ErrShredded)
	if err := s.Shred(ctx, ref); err != nil {
		t.Fatalf("second Shred: %v", err)
	}
	_, err = s.Get(ctx, ref)
	wantErr(t, "Get after second Shred", err, keys.ErrShredded)
}

func testShredNeverCreated(t *testing.T, s keys.Store) {
	ctx := context.Background()
	if err := s.Shred(ctx, ref); err != nil {
		t.Fatalf("Shred of a ref without a key: %v", err)
	}
	_, err := s.Get(ctx, ref)
	wantErr(t, "Get", err, keys.ErrShredded)
	wantErr(t, "Create", s.Create(ctx, ref, wrapped(1)), keys.ErrShredded)
}

func testGroupsIndependent(t *testing.T, s keys.Store) {
	ctx := context.Background()
	tax := ref
	tax.Group = "tax"
	marketing := ref
	marketing.Group = "marketing"
	mustCreate(t, s, tax, wrapped(1))
	mustCreate(t, s, marketing, wrapped(2))
	wantGet(t, s, tax, wrapped(1))
	wantGet(t, s, marketing, wrapped(2))
	if err := s.Shred(ctx, marketing); err != nil {
		t.Fatal(err)
	}
	wantGet(t, s, tax, wrapped(1))
	_, err := s.Get(ctx, ref) // the default group was never created
	wantErr(t, "Get of another group", err, keys.ErrNotFound)
	mustCreate(t, s, ref, wrapped(3))
}

func testTenantsIsolated(t *testing.T, s keys.Store) {
	ctx := context.Background()
	other := ref
	other.Tenant = "globex"
	mustCreate(t, s, ref, wrapped(1))
	_, err := s.Get(ctx, other)
	wantErr(t, "Get in another tenant", err, keys.ErrNotFound)
	mustCreate(t, s, other, wrapped(2))
	if err := s.Shred(ctx, ref); err != nil {
		t.Fatal(err)
	}
	wantGet(t, s, other, wrapped(2))
}

func testInvalidRef(t *testing.T, s keys.Store) {
	ctx := context.Background()
	for _, r := range []keys.Ref{
		{Tenant: "", Subject: "u", Group: "g"},
		{Tenant: "t", Subject: "a.b", Group: "g"},
		{Tenant: "t", Subject: "u", Group: "*"},
		{Tenant: "t", Subject: ">", Group: "g"},
		{Tenant: "t", Subject: string(bytes.Repeat([]byte("x"), keys.MaxTokenLen+1)), Group: "g"},
	} {
		t.Run(fmt.Sprintf("%q", r.String()), func(t *testing.T) {
			if _, err := s.Get(ctx, r); err == nil {
				t.Error("Get: no error")
			}
			if err := s.Create(ctx, r, wrapped(1)); err == nil {
				t.Error("Create: no error")
			}
			if err := s.Shred(ctx, r); err == nil {
				t.Error("Shred: no error")
			}
		})
	}
}

func testInvalidWrapped(t *testing.T, s keys.Store) {
	ctx := context.Background()
	for name, w := range map[string]keys.Wrapped{
		"version 0":       {Version: 0, KEKID: "k", Ciphertext: []byte{1}},
		"no KEK id":       {Version: 1, Ciphertext: []byte{1}},
		"no ciphertext":   {Version: 1, KEKID: "k"},
		"KEK id too long": {Version: 1, KEKID: string(bytes.Repeat([]byte("k"), 256)), Ciphertext: []byte{1}},
	} {
		if err := s.Create(ctx, ref, w); err == nil {
			t.Errorf("Create with %s: no error", name)
		}
	}
	_, err := s.Get(ctx, ref)
	wantErr(t, "Get after refused Creates", err, keys.ErrNotFound)
}

func testList(t *testing.T, s keys.Store) {
	ctx := context.Background()
	got, err := s.List(ctx)
	if err != nil {
		t.Fatalf("List of an empty store: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("List of an empty store = %v", got)
	}
	a, b, c := ref, ref, ref
	b.Group = "tax"
	c.Tenant = "globex"
	mustCreate(t, s, a, wrapped(1))
	mustCreate(t, s, b, wrapped(2))
	if err := s.Shred(ctx, b); err != nil { // a tombstone is listed
		t.Fatal(err)
	}
	if err := s.Shred(ctx, c); err != nil { // so is one without a key
		t.Fatal(err)
	}
	got, err = s.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := map[keys.Ref]bool{a: true, b: true, c: true}
	if len(got) != len(want) {
		t.Fatalf("List = %v, want %d refs", got, len(want))
	}
	for _, r := range got {
		if !want[r] {
			t.Fatalf("List = %v: %s unexpected or repeated", got, r)
		}
		delete(want, r)
	}
}

func testReplace(t *testing.T, s keys.Store) {
	ctx := context.Background()
	wantErr(t, "Replace without a key", s.Replace(ctx, ref, wrapped(1), rewrapped(1)), keys.ErrNotFound)
	mustCreate(t, s, ref, wrapped(1))
	wantErr(t, "Replace of another key", s.Replace(ctx, ref, wrapped(9), rewrapped(1)), keys.ErrChanged)
	wantGet(t, s, ref, wrapped(1))
	if err := s.Replace(ctx, ref, wrapped(1), rewrapped(1)); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	wantGet(t, s, ref, rewrapped(1))
	// A second Replace from the same old key lost the race.
	wantErr(t, "second Replace", s.Replace(ctx, ref, wrapped(1), rewrapped(2)), keys.ErrChanged)
	wantGet(t, s, ref, rewrapped(1))
	// Replacing a key with itself writes nothing and succeeds.
	if err := s.Replace(ctx, ref, rewrapped(1), rewrapped(1)); err != nil {
		t.Fatalf("Replace with the same key: %v", err)
	}
	wantGet(t, s, ref, rewrapped(1))
	// And it can be replaced again (a later rotation), then shredded.
	if err := s.Replace(ctx, ref, rewrapped(1), wrapped(3)); err != nil {
		t.Fatalf("third Replace: %v", err)
	}
	wantGet(t, s, ref, wrapped(3))
	if err := s.Shred(ctx, ref); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get(ctx, ref)
	wantErr(t, "Get after Replace and Shred", err, keys.ErrShredded)
	wantErr(t, "Create after Replace and Shred", s.Create(ctx, ref, wrapped(4)), keys.ErrShredded)
}

func testReplaceNeverRevivesTombstone(t *testing.T, s keys.Store) {
	ctx := context.Background()
	mustCreate(t, s, ref, wrapped(1))
	if err := s.Shred(ctx, ref); err != nil {
		t.Fatal(err)
	}
	// Even with the very key the ref held before its shred.
	wantErr(t, "Replace after Shred", s.Replace(ctx, ref, wrapped(1), rewrapped(1)), keys.ErrShredded)
	_, err := s.Get(ctx, ref)
	wantErr(t, "Get", err, keys.ErrShredded)
}

// testConcurrentReplaceShred races a rewrap against a shred: whichever
// wins, the ref ends shredded.
func testConcurrentReplaceShred(t *testing.T, s keys.Store) {
	ctx := context.Background()
	const n = 10
	var refs []keys.Ref
	for i := range n {
		r := ref
		r.Subject = fmt.Sprintf("u-%d", i)
		mustCreate(t, s, r, wrapped(byte(i)))
		refs = append(refs, r)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range refs {
		wg.Go(func() {
			<-start
			err := s.Replace(ctx, r, wrapped(byte(i)), rewrapped(byte(i)))
			if err != nil && !errors.Is(err, keys.ErrShredded) {
				t.Errorf("Replace(%s): %v, want nil or ErrShredded", r, err)
			}
		})
		wg.Go(func() {
			<-start
			if err := s.Shred(ctx, r); err != nil {
				t.Errorf("Shred(%s): %v", r, err)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, r := range refs {
		_, err := s.Get(ctx, r)
		wantErr(t, "Get after racing Replace and Shred", err, keys.ErrShredded)
	}
}

func testInvalidReplace(t *testing.T, s keys.Store) {
	ctx := context.Background()
	mustCreate(t, s, ref, wrapped(1))
	newVersion := rewrapped(1)
	newVersion.Version = 2
	for name, next := range map[string]keys.Wrapped{
		"another version": newVersion,
		"no KEK id":       {Version: 1, Ciphertext: []byte{1}},
		"no ciphertext":   {Version: 1, KEKID: "k"},
	} {
		if err := s.Replace(ctx, ref, wrapped(1), next); err == nil {
			t.Errorf("Replace with %s: no error", name)
		}
	}
	if err := s.Replace(ctx, keys.Ref{Tenant: "t", Subject: "a.b", Group: "g"}, wrapped(1), rewrapped(1)); err == nil {
		t.Error("Replace of an invalid ref: no error")
	}
	wantGet(t, s, ref, wrapped(1))
}
