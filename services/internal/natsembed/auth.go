package natsembed

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/notary"
	"github.com/nats-io/nats-server/v2/server"
)

// Every client of the embedded server logs in (invariant 1): as one of
// the two users below, whose passwords docketd generates at first start
// into its data dir, or with an emitter's API token. Nothing else
// connects, not even docketd's in-process connection.
const (
	// DocketdUser is docketd's own user: every permission.
	DocketdUser = "docketd"
	// ReaderUser is the read-only user of `docket tail`, `docket verify
	// log` and `docket projections rebuild`: it reads the events stream
	// and the checkpoints, and nothing else.
	ReaderUser = "reader"
	// ReaderInbox is the inbox prefix the reader must use: it may
	// subscribe to nothing else (nats.CustomInboxPrefix).
	ReaderInbox = "_INBOX_reader"
)

// PasswordFile is the file that holds user's password in docketd's data
// dir: DATA_DIR/keys/nats-USER, mode 0600.
func PasswordFile(dataDir, user string) string {
	return filepath.Join(dataDir, "keys", "nats-"+user)
}

// passwordBytes is how many random bytes a generated password holds; the
// file holds them as hex.
const passwordBytes = 32

// ReadPassword reads a password file written by docketd. Like the KEK
// file (keys.LoadKEKFile), it refuses a file that is not a regular file or
// whose mode is wider than 0600. No error holds the password.
func ReadPassword(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("NATS password file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("NATS password file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("NATS password file %s is not a regular file (mode %v)", path, fi.Mode())
	}
	if perm := fi.Mode().Perm(); perm&^0o600 != 0 {
		return "", fmt.Errorf("NATS password file %s has mode %#o, wider than 0600; run chmod 600 on it", path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4*passwordBytes))
	if err != nil {
		return "", fmt.Errorf("reading NATS password file %s: %w", path, err)
	}
	p := strings.TrimSpace(string(b))
	if len(p) < 2*passwordBytes {
		return "", fmt.Errorf("NATS password file %s: holds fewer than %d characters; delete it and restart docketd to generate a new one", path, 2*passwordBytes)
	}
	return p, nil
}

// loadPassword reads user's password file in dataDir, generating it
// first if it does not exist.
func loadPassword(dataDir, user string) (string, error) {
	path := PasswordFile(dataDir, user)
	p, err := ReadPassword(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createPassword(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		// Created now, or by a concurrent process: read it like any other.
		p, err = ReadPassword(path)
	}
	return p, err
}

// createPassword writes a new random password to path, mode 0600, through
// a temporary file linked into place: no reader sees a partial file, and
// an existing one is never overwritten (fs.ErrExist).
func createPassword(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("NATS password file: %w", err)
	}
	raw := make([]byte, passwordBytes)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("NATS password: %w", err)
	}
	enc := []byte(hex.EncodeToString(raw) + "\n")
	tmp, err := os.CreateTemp(dir, ".nats-*")
	if err != nil {
		return fmt.Errorf("NATS password file: %w", err)
	}
	defer os.Remove(tmp.Name())
	werr := tmp.Chmod(0o600)
	if werr == nil {
		_, werr = tmp.Write(enc)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return fmt.Errorf("NATS password file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("NATS password file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Emitter is what an API token that logs in to the embedded server is
// bound to: a valid emitter token's id, tenant and source (or
// auth.AnySource, "*"), and when it expires.
type Emitter struct {
	ID, Tenant, Source string
	Expires            time.Time
}

// Tokens looks up an API token: the emitter it binds, and true, only for a
// valid, unexpired, unrevoked token with the emitter role.
type Tokens func(secret string) (Emitter, bool)

// authenticator is the server's CustomClientAuthentication.
type authenticator struct {
	docketd, reader []byte
	// private are consumers of the events stream whose state lives only
	// in JetStream (docketd's sagas): the reader may not touch them.
	private []string
	tokens  atomic.Pointer[Tokens]
	// live are the connections logged in with a token, by client id,
	// with the token: sweepTokens closes them once it is revoked.
	mu   sync.Mutex
	live map[uint64]string
}

var _ server.Authentication = (*authenticator)(nil)

// Check logs a client in, with its permissions, or refuses it.
func (a *authenticator) Check(c server.ClientAuthentication) bool {
	if c.Kind() != server.CLIENT {
		return false
	}
	o := c.GetOpts()
	switch {
	case o.Username == DocketdUser:
		if !equal(o.Password, a.docketd) {
			return false
		}
		c.RegisterUser(&server.User{Username: DocketdUser}) // nil permissions: everything
		return true
	case o.Username == ReaderUser:
		if !equal(o.Password, a.reader) {
			return false
		}
		c.RegisterUser(&server.User{Username: ReaderUser, Permissions: a.readerPermissions()})
		return true
	case o.Username == "" && o.Password == "" && o.Token != "":
		look := a.tokens.Load()
		if look == nil {
			return false // docketd has not opened its token store yet
		}
		e, ok := (*look)(o.Token)
		if !ok {
			return false
		}
		perms, err := emitterPermissions(e)
		if err != nil {
			return false
		}
		c.RegisterUser(&server.User{Username: "token:" + e.ID, Permissions: perms, ConnectionDeadline: e.Expires})
		a.mu.Lock()
		if a.live == nil {
			a.live = map[uint64]string{}
		}
		a.live[c.GetID()] = o.Token
		a.mu.Unlock()
		return true
	}
	return false
}

// tokenSweep is how often sweepTokens checks the tokens of the open
// connections.
const tokenSweep = 2 * time.Second

// sweepTokens closes, every period until done closes, each connection
// whose token is no longer a valid emitter token (revoked): the server's
// connection deadline ends it only when the token expires.
func (a *authenticator) sweepTokens(s *server.Server, every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		look := a.tokens.Load()
		if look == nil {
			continue
		}
		a.mu.Lock()
		live := maps.Clone(a.live)
		a.mu.Unlock()
		for cid, secret := range live {
			gone := s.GetClient(cid) == nil
			if !gone {
				if _, ok := (*look)(secret); !ok {
					_ = s.DisconnectClientByID(cid)
					gone = true
				}
			}
			if gone {
				a.mu.Lock()
				delete(a.live, cid)
				a.mu.Unlock()
			}
		}
	}
}

// equal compares a presented password with the user's in constant time.
func equal(presented string, want []byte) bool {
	return len(want) > 0 && subtle.ConstantTimeCompare([]byte(presented), want) == 1
}

// readStreams are the streams the reader reads: the events and the
// signed checkpoints.
var readStreams = []string{events.DefaultStream, notary.DefaultCheckpointStream}

// readerPermissions: read DOCKET and DOCKET_CHECKPOINTS through ordered
// consumers, direct get and msg get, and the durable consumers of
// `docket projections rebuild` (which acknowledges what it folded);
// subscribe to its own inboxes only. It may not publish into any stream
// (docket.>, $KV.>), delete, purge or update any, nor read a KV bucket
// (they are streams KV_*, never named here).
func (a *authenticator) readerPermissions() *server.Permissions {
	pub := []string{"$JS.API.INFO"}
	for _, s := range readStreams {
		pub = append(pub,
			"$JS.API.STREAM.INFO."+s,
			"$JS.API.CONSUMER.CREATE."+s+".>",
			"$JS.API.CONSUMER.INFO."+s+".*",
			"$JS.API.CONSUMER.DELETE."+s+".*",
			"$JS.API.CONSUMER.MSG.NEXT."+s+".*",
			"$JS.API.STREAM.MSG.GET."+s,
			"$JS.API.DIRECT.GET."+s,
			"$JS.API.DIRECT.GET."+s+".>",
		)
	}
	// The acknowledgements of rebuild's durable consumer.
	pub = append(pub, "$JS.ACK."+events.DefaultStream+".>")
	var deny []string
	for _, name := range a.private {
		s := events.DefaultStream
		deny = append(deny,
			"$JS.API.CONSUMER.CREATE."+s+"."+name,
			"$JS.API.CONSUMER.CREATE."+s+"."+name+".>",
			"$JS.API.CONSUMER.INFO."+s+"."+name,
			"$JS.API.CONSUMER.DELETE."+s+"."+name,
			"$JS.API.CONSUMER.MSG.NEXT."+s+"."+name,
			"$JS.ACK."+s+"."+name+".>",
		)
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub, Deny: deny},
		Subscribe: &server.SubjectPermission{Allow: []string{ReaderInbox + ".>"}},
	}
}

// emitterPermissions: publish only to the intake door of the token's
// tenant and source (every source of its tenant for an importer, "*"),
// subscribe only to the token's own inboxes, where docketd answers.
func emitterPermissions(e Emitter) (*server.Permissions, error) {
	if err := events.CheckToken(e.ID); err != nil {
		return nil, fmt.Errorf("token id: %w", err)
	}
	if err := events.CheckToken(e.Tenant); err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	if e.Source != "*" {
		if err := events.CheckToken(e.Source); err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: []string{events.IntakeSubject(e.Tenant, e.Source)}},
		Subscribe: &server.SubjectPermission{Allow: []string{events.TokenInboxPrefix(e.ID) + ".>"}},
	}, nil
}
