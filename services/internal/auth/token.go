// Package auth authenticates API calls and decides what each may do.
//
// A caller presents a bearer token. A token is "dkt_" + its id + "_" + a
// secret of 32 random bytes; the ledger stores only the token's record
// (name, roles, tenant, source, expiry, revocation) and the SHA-256 of the
// secret, so the token is shown once, when it is made, and never again.
// A token's roles are bound to one tenant (or, but for emitters, to every
// tenant, "*"); an emitter's source is fixed by its token.
//
// Every RPC has a rule (Policy): the roles that may call it and where its
// tenant is. Anything without a rule is denied. A missing, malformed,
// unknown, expired or revoked token is unauthenticated, and the error says
// nothing about which of these it was or what exists.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
)

// Role is what a token may do.
type Role string

// The roles.
const (
	// Emitter appends events to its tenant, as its source.
	Emitter Role = "emitter"
	// Auditor reads metadata, history, proofs and checkpoints; never values.
	Auditor Role = "auditor"
	// Legal queries, exports with values, and sees confidential disclosures.
	Legal Role = "legal"
	// DPO handles rights requests, erasure and key operations.
	DPO Role = "dpo"
	// Admin manages tokens and configuration.
	Admin Role = "admin"
)

// Roles lists every role.
var Roles = []Role{Emitter, Auditor, Legal, DPO, Admin}

// AllTenants binds a token to every tenant.
const AllTenants = "*"

// AnySource lets an emitter token append as any source of its tenant but
// docketd: an importer, for backfills and the demo loader. Grant sparingly:
// it is the one token that can speak for several services.
const AnySource = "*"

// tokenPrefix starts every token.
const tokenPrefix = "dkt_"

// Token is a token's record: everything but its secret.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"` // who holds it: a person's handle or a service's name
	Roles     []Role     `json:"roles"`
	Tenant    string     `json:"tenant"`           // a tenant, or AllTenants
	Source    string     `json:"source,omitempty"` // an emitter's source
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// ClientCert is the subject common name of the client certificate
	// that authenticates as this token (mutual TLS); "" for none.
	ClientCert string `json:"client_cert,omitempty"`
	// SecretSHA256 is the SHA-256 of the secret.
	SecretSHA256 []byte `json:"secret_sha256"`
}

// Has tells whether the token has role r.
func (t *Token) Has(r Role) bool { return slices.Contains(t.Roles, r) }

// Covers tells whether the token's tenant binding covers tenant.
func (t *Token) Covers(tenant string) bool { return t.Tenant == AllTenants || t.Tenant == tenant }

// Valid tells whether the token may be used at now.
func (t *Token) Valid(now time.Time) bool {
	return t.RevokedAt == nil && now.Before(t.ExpiresAt)
}

// Spec is what a new token is for.
type Spec struct {
	Name   string
	Roles  []Role
	Tenant string
	Source string
	TTL    time.Duration
	// ClientCert: a client certificate with this common name authenticates
	// as the token (mutual TLS).
	ClientCert string
}

// MaxTTL bounds a token's life.
const MaxTTL = 2 * 366 * 24 * time.Hour

// Check reports every problem with s, naming the field.
func (s Spec) Check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if err := events.CheckToken(s.Name); err != nil {
		bad("name", "%v (it is the actor id the ledger records for what the token does)", err)
	}
	if len(s.Roles) == 0 {
		bad("roles", "at least one is required")
	}
	for _, r := range s.Roles {
		if !slices.Contains(Roles, r) {
			bad("roles", "%q is not one of emitter, auditor, legal, dpo, admin", r)
		}
	}
	if s.Tenant != AllTenants {
		if err := events.CheckToken(s.Tenant); err != nil {
			bad("tenant", "%v (or * for every tenant)", err)
		}
	}
	if slices.Contains(s.Roles, Admin) && s.Tenant != AllTenants {
		bad("tenant", "an admin makes tokens of every tenant: its tenant is *")
	}
	emitter := slices.Contains(s.Roles, Emitter)
	switch {
	case emitter && s.Tenant == AllTenants:
		bad("tenant", "an emitter appends to one tenant")
	case emitter && s.Source == "":
		bad("source", "an emitter's source is required: it is fixed by the token")
	case emitter && s.Source == events.RecordedBy:
		bad("source", "%q is docketd's own", s.Source)
	case !emitter && s.Source != "":
		bad("source", "only an emitter has a source")
	}
	if s.Source != "" && s.Source != AnySource {
		if err := events.CheckToken(s.Source); err != nil {
			bad("source", "%v", err)
		}
	}
	if c := s.ClientCert; c != "" && (len(c) > 64 || strings.ContainsFunc(c, func(r rune) bool { return r < 0x21 || r > 0x7e })) {
		bad("client_cert", "must be a certificate common name of 1 to 64 printable ASCII characters without spaces")
	}
	if s.TTL <= 0 || s.TTL > MaxTTL {
		bad("ttl", "%s is not between 0 and %s", s.TTL, MaxTTL)
	}
	return errors.Join(errs...)
}

// New makes a token: the secret to hand over once, and the record to store.
func New(s Spec, now time.Time) (secret string, t *Token, err error) {
	if err := s.Check(); err != nil {
		return "", nil, err
	}
	var id [10]byte
	var key [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", nil, err
	}
	if _, err := rand.Read(key[:]); err != nil {
		return "", nil, err
	}
	enc := base64.RawURLEncoding
	t = &Token{
		ID: strings.ToLower(fmt.Sprintf("%x", id)), Name: s.Name, Roles: slices.Clone(s.Roles), Tenant: s.Tenant, Source: s.Source,
		CreatedAt: now.UTC(), ExpiresAt: now.Add(s.TTL).UTC(), ClientCert: s.ClientCert,
	}
	secretPart := enc.EncodeToString(key[:])
	sum := sha256.Sum256([]byte(secretPart))
	t.SecretSHA256 = sum[:]
	return tokenPrefix + t.ID + "_" + secretPart, t, nil
}

// ErrMalformed: not a token.
var ErrMalformed = errors.New("malformed token")

// split returns a token's id and the SHA-256 of its secret.
func split(token string) (id string, sum [32]byte, err error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", sum, ErrMalformed
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 20 || len(secret) != 43 || strings.ContainsFunc(id, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') }) {
		return "", sum, ErrMalformed
	}
	return id, sha256.Sum256([]byte(secret)), nil
}

// matches tells, in constant time, whether sum is the record's secret hash.
func (t *Token) matches(sum [32]byte) bool {
	return subtle.ConstantTimeCompare(t.SecretSHA256, sum[:]) == 1
}
