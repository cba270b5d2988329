package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/seal"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// KeyOpener returns a subject's data key of a key group at a version;
// keys.ErrShredded once it was shredded. *keys.Keyring is one.
type KeyOpener interface {
	OpenKey(ctx context.Context, tenant, subject, group string, version uint32) (*seal.Key, error)
}

// Opened is one value of a stored event: its plaintext, or Erased when
// the subject's key for it was shredded (the value is gone for good).
type Opened struct {
	Path      string // e.g. "data_collected.values[0]"
	Category  string
	KeyGroup  string
	Plaintext string
	Erased    bool
	// FreeText: the value is a free-text field's sealed sibling (e.g.
	// data_rectified.reason_text), not a value of the payload's categories.
	FreeText bool
	// Unreadable: the value does not open under the subject's key (sealed
	// for another subject, tenant or event — a copy re-addressed — or
	// tampered with, or under a key the subject never had). It is not
	// shown, and the rest of the event is.
	Unreadable bool
}

// UnreadableText is how a report shows an Unreadable value.
const UnreadableText = "unreadable: it does not open under the subject's key"

// OpenValues decrypts every sealed value of a stored event, in field order.
// A value whose key was shredded is Erased; one that does not open under
// the subject's key (seal.ErrOpen), or for which the subject has no key
// of that version (keys.ErrNotFound), is Unreadable: what the stored
// event holds decides both, so a report built from them goes on. Any
// other failure (the key store unreachable, a value stored unsealed) is
// an error naming the value's path, never its content.
func OpenValues(ctx context.Context, ev *eventsv1.Event, kr KeyOpener) ([]Opened, error) {
	var out []Opened
	for _, v := range Values(ev) {
		o := Opened{Path: v.Path(), Category: v.Value.GetCategory(), KeyGroup: v.KeyGroup(), FreeText: v.IsFreeText()}
		s := v.Value.GetSealed()
		if s == nil {
			return nil, fmt.Errorf("%s: not sealed", o.Path)
		}
		key, err := kr.OpenKey(ctx, ev.GetTenant(), KeySubject(ev), o.KeyGroup, s.GetKeyVersion())
		if errors.Is(err, keys.ErrShredded) {
			o.Erased = true
			out = append(out, o)
			continue
		}
		if errors.Is(err, keys.ErrNotFound) {
			o.Unreadable = true
			out = append(out, o)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Path, err)
		}
		pt, err := key.Open(seal.AAD{Tenant: ev.GetTenant(), Subject: KeySubject(ev), EventID: ev.GetEventId(),
			KeyGroup: o.KeyGroup, Category: o.Category}, s)
		if errors.Is(err, seal.ErrOpen) {
			o.Unreadable = true
			out = append(out, o)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Path, err)
		}
		o.Plaintext = string(pt)
		out = append(out, o)
	}
	return out, nil
}
