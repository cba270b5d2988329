// Package controller reads the controller's profile (ControllerProfileDeclared)
// as the documents Docket hands out name it: the declaration in force at a
// time, with the contact details that are sealed under the tenant key opened.
// The Art. 15 report, the consent receipts and the record of processing all
// take the controller's identity from here.
package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

// Profiles is what AsOf reads: model.Reader has it.
type Profiles interface {
	Profiles(ctx context.Context, tenant string) ([]model.ProfileRow, error)
}

// AsOf returns the tenant's controller profile in force at t on axis: the
// declaration with the latest occurred_at (recorded_at on model.Recorded)
// not after t, the later in the stream on a tie; a zero t means the latest.
// It returns nil, "" when there is none, and the declaring event's id.
//
// The contact email, telephone and DPO mailbox are free text sealed under
// the tenant key: they are opened into ContactEmail, ContactPhone and
// DpoEmail with keys, and the sealed values are dropped. One whose key was
// shredded, or that does not open, stays empty; with keys nil none is
// opened. An error names the value's path, never its content.
func AsOf(ctx context.Context, r Profiles, keys events.KeyOpener, tenant string, t time.Time, axis model.TimeAxis) (*eventsv1.ControllerProfile, string, error) {
	rows, err := r.Profiles(ctx, tenant)
	if err != nil {
		return nil, "", fmt.Errorf("controller profile: %w", err)
	}
	var best *model.ProfileRow
	at := func(row *model.ProfileRow) time.Time {
		if axis == model.Recorded {
			return row.RecordedAt
		}
		return row.OccurredAt
	}
	for i := range rows {
		row := &rows[i]
		if !t.IsZero() && at(row).After(t) {
			continue
		}
		if best == nil || at(row).After(at(best)) || at(row).Equal(at(best)) && row.Seq > best.Seq {
			best = row
		}
	}
	if best == nil {
		return nil, "", nil
	}
	p := &eventsv1.ControllerProfile{}
	if err := proto.Unmarshal(best.Profile, p); err != nil {
		return nil, "", fmt.Errorf("controller profile: sequence %d: %w", best.Seq, err)
	}
	if err := open(ctx, keys, tenant, best.EventID, p); err != nil {
		return nil, "", fmt.Errorf("controller profile: sequence %d: %w", best.Seq, err)
	}
	return p, best.EventID, nil
}

// open moves p's sealed contact details into their plaintext fields.
func open(ctx context.Context, keys events.KeyOpener, tenant, eventID string, p *eventsv1.ControllerProfile) error {
	defer func() { p.ContactEmailText, p.ContactPhoneText, p.DpoEmailText = nil, nil, nil }()
	if keys == nil || p.GetContactEmailText() == nil && p.GetContactPhoneText() == nil && p.GetDpoEmailText() == nil {
		return nil
	}
	// The seal binds the tenant and the declaring event's id: open the
	// values as part of the event that stored them.
	ev := &eventsv1.Event{Tenant: tenant, EventId: eventID,
		Payload: &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{Profile: p}}}
	vals, err := events.OpenValues(ctx, ev, keys)
	if err != nil {
		return err
	}
	for _, o := range vals {
		if o.Erased || o.Unreadable {
			continue
		}
		switch o.Path[strings.LastIndexByte(o.Path, '.')+1:] {
		case "contact_email_text":
			p.ContactEmail = o.Plaintext
		case "contact_phone_text":
			p.ContactPhone = o.Plaintext
		case "dpo_email_text":
			p.DpoEmail = o.Plaintext
		}
	}
	return nil
}
