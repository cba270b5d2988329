package keys

import (
	"encoding/binary"
	"fmt"
)

// MaxTokenLen bounds each field of a Ref (the same bound as the events
// package's subject tokens).
const MaxTokenLen = 64

// Ref names one data key: a key group of a subject of a tenant. Every field
// is a NATS subject token: 1 to MaxTokenLen characters of [A-Za-z0-9_-].
// Subject is a pseudonymous reference, never a personal-data value.
type Ref struct {
	Tenant, Subject, Group string
}

// String is "tenant/subject/group"; it appears in error messages.
func (r Ref) String() string { return r.Tenant + "/" + r.Subject + "/" + r.Group }

// Validate reports every field of r that is not a valid token.
func (r Ref) Validate() error {
	for _, f := range [...]struct{ name, v string }{{"tenant", r.Tenant}, {"subject", r.Subject}, {"group", r.Group}} {
		if err := checkToken(f.v); err != nil {
			return fmt.Errorf("keys: %s %w", f.name, err)
		}
	}
	return nil
}

// checkToken mirrors events.CheckToken; keys does not import package events
// (which depends on keys' consumers, not the other way round).
func checkToken(s string) error {
	if s == "" {
		return fmt.Errorf("is empty")
	}
	if len(s) > MaxTokenLen {
		return fmt.Errorf("is %d characters long, more than %d", len(s), MaxTokenLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("has a character at position %d outside [A-Za-z0-9_-]", i)
		}
	}
	return nil
}

// wrapAADDomain separates the associated data of wrapped data keys from any
// other use of a KEK.
const wrapAADDomain = "docket.keys.wrap.v1"

// wrapAAD is the associated data a data key is wrapped under: the domain,
// then tenant, subject and group, each a 4-byte big-endian length and its
// bytes, then the data key's version (4 bytes big-endian). A wrapped key
// copied to another ref or version does not unwrap.
func wrapAAD(r Ref, version uint32) []byte {
	b := make([]byte, 0, len(wrapAADDomain)+4*4+len(r.Tenant)+len(r.Subject)+len(r.Group))
	b = append(b, wrapAADDomain...)
	for _, f := range [...]string{r.Tenant, r.Subject, r.Group} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return binary.BigEndian.AppendUint32(b, version)
}
