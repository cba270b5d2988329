package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultBucket is the key-value bucket tokens are kept in.
const DefaultBucket = "DOCKET_TOKENS"

// Errors.
var (
	// ErrUnauthenticated: no usable token. Deliberately one error for
	// every reason.
	ErrUnauthenticated = errors.New("a valid bearer token is required")
	// ErrNoToken: no token has that id.
	ErrNoToken = errors.New("no such token")
)

// Store keeps token records in a JetStream key-value bucket (key: the
// token id) and follows the bucket with a watcher, so that every docketd
// sharing it sees a new token or a revocation at once, and a lookup costs
// no round trip.
type Store struct {
	kv      jetstream.KeyValue
	watcher jetstream.KeyWatcher

	mu     sync.RWMutex
	tokens map[string]*Token
	ready  chan struct{}
	done   chan struct{}
}

// OpenStore opens (creating it when missing) the tokens bucket and loads it.
func OpenStore(ctx context.Context, js jetstream.JetStream, bucket string, replicas int) (*Store, error) {
	if bucket == "" {
		bucket = DefaultBucket
	}
	if replicas < 1 {
		replicas = 1
	}
	// Look up, create when missing: never an update, which a NATS account
	// that denies stream updates (deploy/nats) refuses.
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: bucket, Description: "Docket API tokens (hashed)", History: 5, Storage: jetstream.FileStorage, Replicas: replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("tokens bucket: %w", err)
	}
	w, err := kv.WatchAll(context.Background())
	if err != nil {
		return nil, fmt.Errorf("tokens bucket: watch: %w", err)
	}
	s := &Store{kv: kv, watcher: w, tokens: map[string]*Token{}, ready: make(chan struct{}), done: make(chan struct{})}
	go s.follow()
	select {
	case <-s.ready:
		return s, nil
	case <-ctx.Done():
		_ = w.Stop()
		return nil, ctx.Err()
	}
}

func (s *Store) follow() {
	defer close(s.done)
	initial := true
	for e := range s.watcher.Updates() {
		if e == nil {
			if initial {
				initial = false
				close(s.ready)
			}
			continue
		}
		s.mu.Lock()
		switch e.Operation() {
		case jetstream.KeyValuePut:
			t := &Token{}
			if json.Unmarshal(e.Value(), t) == nil && t.ID == e.Key() {
				s.tokens[t.ID] = t
			}
		default:
			delete(s.tokens, e.Key())
		}
		s.mu.Unlock()
	}
}

// Close stops following the bucket.
func (s *Store) Close() error {
	err := s.watcher.Stop()
	<-s.done
	return err
}

// Create stores a new token's record.
func (s *Store) Create(ctx context.Context, t *Token) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := s.kv.Create(ctx, t.ID, b); err != nil {
		return fmt.Errorf("store token %s: %w", t.ID, err)
	}
	return s.await(ctx, t.ID, func(have *Token) bool { return have != nil })
}

// Revoke marks a token revoked at now; revoking it again changes nothing.
func (s *Store) Revoke(ctx context.Context, id string, now time.Time) (*Token, error) {
	for range 5 {
		e, err := s.kv.Get(ctx, id)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, ErrNoToken
		}
		if err != nil {
			return nil, fmt.Errorf("revoke token %s: %w", id, err)
		}
		t := &Token{}
		if err := json.Unmarshal(e.Value(), t); err != nil {
			return nil, fmt.Errorf("revoke token %s: %w", id, err)
		}
		if t.RevokedAt != nil {
			return t, nil
		}
		at := now.UTC()
		t.RevokedAt = &at
		b, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		if _, err := s.kv.Update(ctx, id, b, e.Revision()); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // changed meanwhile: read it again
			}
			return nil, fmt.Errorf("revoke token %s: %w", id, err)
		}
		return t, s.await(ctx, id, func(have *Token) bool { return have != nil && have.RevokedAt != nil })
	}
	return nil, fmt.Errorf("revoke token %s: kept changing", id)
}

// await waits until the watcher has delivered what a write did, so that
// this docketd's own lookups see it when the call returns.
func (s *Store) await(ctx context.Context, id string, ok func(*Token) bool) error {
	for {
		s.mu.RLock()
		t := s.tokens[id]
		s.mu.RUnlock()
		if ok(t) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// List returns every token record, by creation time.
func (s *Store) List() []*Token {
	s.mu.RLock()
	out := make([]*Token, 0, len(s.tokens))
	for _, t := range s.tokens {
		c := *t
		out = append(out, &c)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Token) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Empty tells whether no token was ever made.
func (s *Store) Empty() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.tokens) == 0
}

// ByClientCert returns the usable token bound to a verified client
// certificate's common name, or ErrUnauthenticated.
func (s *Store) ByClientCert(cn string, now time.Time) (*Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range s.tokens {
		if cn != "" && t.ClientCert == cn && t.Valid(now) {
			c := *t
			return &c, nil
		}
	}
	return nil, ErrUnauthenticated
}

// Authenticate returns the record of a usable token, or
// ErrUnauthenticated whatever the reason.
func (s *Store) Authenticate(token string, now time.Time) (*Token, error) {
	id, sum, err := split(token)
	if err != nil {
		return nil, ErrUnauthenticated
	}
	s.mu.RLock()
	t := s.tokens[id]
	s.mu.RUnlock()
	if t == nil {
		(&Token{SecretSHA256: make([]byte, 32)}).matches(sum) // the same work as for a known id
		return nil, ErrUnauthenticated
	}
	if !t.matches(sum) || !t.Valid(now) {
		return nil, ErrUnauthenticated
	}
	c := *t
	return &c, nil
}
