package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/services/internal/auth"
)

func TestSpecCheckNamesTheField(t *testing.T) {
	ok := auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: "crm", TTL: time.Hour}
	if err := ok.Check(); err != nil {
		t.Fatalf("a good spec: %v", err)
	}
	for _, tc := range []struct {
		edit func(*auth.Spec)
		want string
	}{
		{func(s *auth.Spec) { s.Name = "" }, "name:"},
		{func(s *auth.Spec) { s.Name = "a b" }, "name:"},
		{func(s *auth.Spec) { s.Roles = nil }, "roles: at least one"},
		{func(s *auth.Spec) { s.Roles = []auth.Role{"root"} }, `roles: "root" is not one of`},
		{func(s *auth.Spec) { s.Tenant = "a.b" }, "tenant:"},
		{func(s *auth.Spec) { s.Tenant = auth.AllTenants }, "tenant: an emitter appends to one tenant"},
		{func(s *auth.Spec) { s.Source = "" }, "source: an emitter's source is required"},
		{func(s *auth.Spec) { s.Source = "docketd" }, `source: "docketd" is docketd's own`},
		{func(s *auth.Spec) { s.Roles = []auth.Role{auth.Legal} }, "source: only an emitter has a source"},
		{func(s *auth.Spec) { s.Roles, s.Source = []auth.Role{auth.Admin}, "" }, "tenant: an admin makes tokens of every tenant"},
		{func(s *auth.Spec) { s.TTL = 0 }, "ttl:"},
		{func(s *auth.Spec) { s.TTL = 3 * 366 * 24 * time.Hour }, "ttl:"},
	} {
		s := ok
		tc.edit(&s)
		if err := s.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%+v) = %v, want %q", s, err, tc.want)
		}
	}
}

// TestStoresShareTokens: two docketd sharing the bucket see a token made
// by one, and its revocation, at once; the secret alone opens it.
func TestStoresShareTokens(t *testing.T) {
	ctx := context.Background()
	srv := natstest.Start(t)
	_, js := natstest.Connect(t, srv)
	a, err := auth.OpenStore(ctx, js, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := auth.OpenStore(ctx, js, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !a.Empty() {
		t.Fatal("a new bucket is not empty")
	}
	now := time.Now()
	secret, tok, err := auth.New(auth.Spec{Name: "jane", Roles: []auth.Role{auth.Legal}, Tenant: "acme", TTL: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Create(ctx, tok); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := b.Authenticate(secret, now); return err == nil })
	got, _ := b.Authenticate(secret, now)
	if got.Name != "jane" || !got.Has(auth.Legal) || got.Has(auth.DPO) || !got.Covers("acme") || got.Covers("beta") {
		t.Fatalf("token %+v", got)
	}
	for name, s := range map[string]string{"tampered": secret[:len(secret)-1] + "x", "empty": "", "other": "dkt_x_y"} {
		if _, err := b.Authenticate(s, now); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := b.Authenticate(secret, now.Add(2*time.Hour)); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("expired: %v", err)
	}
	// The record holds the hash only.
	kv, err := js.KeyValue(ctx, auth.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(e.Value()), secret[len("dkt_")+21:]) {
		t.Fatal("the bucket holds the secret")
	}
	if _, err := b.Revoke(ctx, tok.ID, now); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := a.Authenticate(secret, now); return err != nil })
	if _, err := a.Revoke(ctx, "0000", now); !errors.Is(err, auth.ErrNoToken) {
		t.Errorf("revoke unknown: %v", err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
