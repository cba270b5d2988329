// Package erasure carries out crypto-shredding (Art. 17): it destroys a
// subject's data keys, so that every value sealed under them is unreadable
// for good, and records that in the ledger. The events themselves stay:
// their history, the findings and the proofs do not depend on the keys.
package erasure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ErrNotFound: the tenant has no such subject.
var ErrNotFound = errors.New("no such data subject")

// Keys shreds a subject's key of one group; *keys.Keyring is one.
type Keys interface {
	Shred(ctx context.Context, tenant, subject, group string) error
}

// Config is what a Shredder needs.
type Config struct {
	Reader model.Reader
	Keys   Keys
	// Record appends the shred's own event to the ledger.
	Record func(ctx context.Context, ev *eventsv1.Event) error
	Now    func() time.Time
}

// Shredder shreds subjects' keys.
type Shredder struct{ c Config }

// New returns a Shredder.
func New(c Config) (*Shredder, error) {
	if c.Reader == nil || c.Keys == nil || c.Record == nil {
		return nil, errors.New("erasure: New: nil dependency")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Shredder{c: c}, nil
}

// Request names what to shred.
type Request struct {
	Tenant, SubjectRef string
	// KeyGroups to shred; empty: every group the subject's events used.
	KeyGroups []string
	RequestID string
	// ActorID orders it: a staff member's id, or with BySystem the id of
	// the docketd component (the erasure saga).
	ActorID  string
	BySystem bool
	// EventID is the SubjectKeyShredded event's id; default a new UUIDv7.
	// A saga gives a derived one, so that doing it again is stored once.
	EventID string
}

// Result is what was shredded and the event recording it.
type Result struct {
	KeyGroups []string
	EventID   string
}

// Shred destroys the keys, then records SubjectKeyShredded. The keys go
// first: a record of a shred that did not happen would be a false claim,
// while a shred whose record failed is recorded when it is retried.
func (s *Shredder) Shred(ctx context.Context, req Request) (*Result, error) {
	groups := slices.Clone(req.KeyGroups)
	if len(groups) == 0 {
		var err error
		if groups, err = s.groupsOf(ctx, req.Tenant, req.SubjectRef); err != nil {
			return nil, err
		}
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	for _, g := range groups {
		if err := s.c.Keys.Shred(ctx, req.Tenant, req.SubjectRef, g); err != nil {
			return nil, fmt.Errorf("shred key group %s: %w", g, err)
		}
	}
	id := req.EventID
	if id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		id = u.String()
	}
	actor := &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "docketd"}
	switch {
	case req.ActorID != "" && req.BySystem:
		actor.Id = req.ActorID
	case req.ActorID != "":
		actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: req.ActorID}
	}
	ev := &eventsv1.Event{
		EventId: id, Tenant: req.Tenant, SubjectRef: req.SubjectRef, OccurredAt: timestamppb.New(s.c.Now()),
		Source: events.RecordedBy, Actor: actor, TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{
			KeyGroups: groups, RequestId: req.RequestID}},
	}
	if err := events.Validate(ev); err != nil {
		return nil, err
	}
	if err := s.c.Record(ctx, ev); err != nil {
		return nil, fmt.Errorf("the keys are shredded, but recording it failed (retry: it is recorded then): %w", err)
	}
	return &Result{KeyGroups: groups, EventID: ev.GetEventId()}, nil
}

// groupsOf is every key group the subject's events sealed values under.
func (s *Shredder) groupsOf(ctx context.Context, tenant, ref string) ([]string, error) {
	rows, err := model.AllHistory(ctx, s.c.Reader, tenant, ref)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	var groups []string
	for _, row := range rows {
		ev := &eventsv1.Event{}
		if err := proto.Unmarshal(row.Data, ev); err != nil {
			return nil, fmt.Errorf("sequence %d: %w", row.Seq, err)
		}
		for _, v := range events.Values(ev) {
			if g := v.KeyGroup(); !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	if len(groups) == 0 {
		groups = []string{events.DefaultKeyGroup}
	}
	return groups, nil
}
