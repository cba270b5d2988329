package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/natsembed"
)

// openTokens opens the API token bucket, makes the first admin token when
// there is none, and lets emitters log in to the embedded server (if any)
// with their API tokens. Close the store when done.
func openTokens(ctx context.Context, cfg config.Config, l *eventLog, log *slog.Logger) (*auth.Store, error) {
	var store *auth.Store
	if err := placed(ctx, log, "token bucket", func(ctx context.Context) (err error) {
		store, err = auth.OpenStore(ctx, l.js, "", cfg.StreamReplicas)
		return err
	}); err != nil {
		return nil, err
	}
	if err := bootstrapToken(ctx, store, cfg.AdminTokenPath(), log); err != nil {
		_ = store.Close()
		return nil, err
	}
	if l.ns != nil {
		// An emitter may log in to the embedded server with its API token,
		// to send batches to its intake door (events.IntakeSubject).
		l.ns.AcceptTokens(func(secret string) (natsembed.Emitter, bool) {
			t, err := store.Authenticate(secret, time.Now())
			if err != nil || !t.Has(auth.Emitter) || t.Tenant == auth.AllTenants {
				return natsembed.Emitter{}, false
			}
			return natsembed.Emitter{ID: t.ID, Tenant: t.Tenant, Source: t.Source, Expires: t.ExpiresAt}, true
		})
	}
	return store, nil
}

// bootstrapToken: with no token at all, nobody could call the API, so
// docketd makes the first one, writes it to path (mode 0600) and logs
// where, never the token. It holds every role but emitter's, on every
// tenant: use it to create narrower tokens, then revoke it.
func bootstrapToken(ctx context.Context, store *auth.Store, path string, log *slog.Logger) error {
	if !store.Empty() {
		return nil
	}
	secret, t, err := auth.New(auth.Spec{Name: "bootstrap-admin", Roles: []auth.Role{auth.Admin, auth.Auditor, auth.Legal, auth.DPO},
		Tenant: auth.AllTenants, TTL: auth.DefaultTTL}, time.Now())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := os.WriteFile(path+".tmp", []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := store.Create(ctx, t); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	log.Warn("no API token existed: the first admin token is written to a file; create narrower tokens with it, then revoke it",
		"path", path, "token_id", t.ID)
	return nil
}

// NewToken makes and stores a token, as TokenService.CreateToken does, and
// returns it: for programs that embed docketd (tests, benchmarks).
func (d *Daemon) NewToken(ctx context.Context, s auth.Spec) (string, error) {
	if s.TTL == 0 {
		s.TTL = auth.DefaultTTL
	}
	secret, t, err := auth.New(s, time.Now())
	if err != nil {
		return "", err
	}
	return secret, d.tokens.Create(ctx, t)
}
