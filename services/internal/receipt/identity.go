package receipt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/controller"
	gproto "google.golang.org/protobuf/proto"
)

// identity is the controller a receipt names: its profile as of the
// consent, with the contact details sealed under the tenant key opened.
type identity struct {
	profile *eventsv1.ControllerProfile
	// Opened free text; "" when not declared (or erased).
	email, phone, dpoEmail string
}

// identityAt returns the tenant's controller profile in force at at
// (occurred_at), its contact details opened (controller.AsOf).
func (m *Maker) identityAt(ctx context.Context, tenant string, at time.Time) (*identity, error) {
	p, _, err := controller.AsOf(ctx, m.c.Reader, m.c.Keys, tenant, at, model.Occurred)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, ErrNoController
	}
	return &identity{profile: p, email: p.GetContactEmail(), phone: p.GetContactPhone(), dpoEmail: p.GetDpoEmail()}, nil
}

// notice is the privacy notice a consent was given under.
type notice struct {
	id, version string
	sha256      []byte
	// From its NoticePublished, if the ledger has it.
	language, url string
}

// consentOf returns the consent ev is about: the ConsentGiven itself, or,
// for a withdrawal, the subject's last consent to the same purpose before
// it (nil: none recorded); and the notice it was given under (nil: none).
func (m *Maker) consentOf(ctx context.Context, ev *eventsv1.Event, seq uint64) (*eventsv1.ConsentGiven, *notice, error) {
	given := ev.GetConsentGiven()
	if given == nil {
		purpose := ev.GetConsentWithdrawn().GetPurpose()
		err := m.scan(ctx, ev.GetTenant(), ev.GetSubjectRef(), seq, func(e *eventsv1.Event) {
			if c := e.GetConsentGiven(); c != nil && c.GetPurpose() == purpose {
				given = c
			}
		})
		if err != nil {
			return nil, nil, fmt.Errorf("the consent withdrawn: %w", err)
		}
	}
	if given == nil || given.GetNoticeId() == "" {
		return given, nil, nil
	}
	n := &notice{id: given.GetNoticeId(), version: given.GetNoticeVersion(), sha256: given.GetNoticeSha256()}
	err := m.scan(ctx, ev.GetTenant(), "", 0, func(e *eventsv1.Event) {
		if p := e.GetNoticePublished(); p != nil && p.GetNoticeId() == n.id && p.GetVersion() == n.version {
			n.language, n.url = p.GetLanguage(), p.GetUrl()
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("privacy notice: %w", err)
	}
	return given, n, nil
}

// scan calls f with each event of the subject (subjectRef "": the
// tenant's controller-level events) in stream order, before sequence
// before (0: all).
func (m *Maker) scan(ctx context.Context, tenant, subjectRef string, before uint64, f func(*eventsv1.Event)) error {
	const page = 500
	var after uint64
	for {
		rows, err := m.c.Reader.History(ctx, tenant, subjectRef, model.Page{After: after, Limit: page})
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		for _, row := range rows {
			if before != 0 && row.Seq >= before {
				return nil
			}
			ev := &eventsv1.Event{}
			if gproto.Unmarshal(row.Data, ev) == nil {
				f(ev)
			}
			after = row.Seq
		}
		if len(rows) < page {
			return nil
		}
	}
}
