package erasure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/wmjs"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// SagaPoisonSubject is where events the erasure saga gave up on are parked.
const SagaPoisonSubject = "docket-poison.erasure"

// SagaConfig configures the erasure saga.
type SagaConfig struct {
	JetStream jetstream.JetStream
	Stream    jetstream.Stream // the events stream
	Reader    model.Reader
	// ReadPosition is the read models' checkpoint: the saga decides on
	// what they hold once they have applied the event it handles.
	ReadPosition func() uint64
	Shredder     *Shredder
	// Record appends the saga's own events (the fulfilment).
	Record        func(ctx context.Context, ev *eventsv1.Event) error
	Retries       int
	RetryInterval time.Duration
	Durable       string // default DefaultDurable
	Log           *slog.Logger
}

// Saga carries an erasure request out (Art. 17): once the request is
// received and the subject's identity verified, it waits for every system
// that holds the subject's data (each source that recorded data about the
// subject) to report ErasureExecuted for the request; then it shreds the
// subject's key groups but those kept under an Art. 17(3) exemption
// (ErasureExemptionRecorded), and records the request fulfilled. It runs
// on Watermill's router (wmjs): retries, then the poison queue. Every
// step is idempotent, so a redelivered event changes nothing.
type Saga struct {
	wmjs.Runner
	c SagaConfig
}

// DefaultDurable is the saga's durable consumer of the events stream.
const DefaultDurable = "docket-erasure"

// NewSaga builds the erasure saga.
func NewSaga(ctx context.Context, c SagaConfig) (*Saga, error) {
	if c.JetStream == nil || c.Stream == nil || c.Reader == nil || c.ReadPosition == nil || c.Shredder == nil || c.Record == nil || c.Log == nil {
		return nil, errors.New("erasure: NewSaga: nil dependency")
	}
	if c.Durable == "" {
		c.Durable = DefaultDurable
	}
	s := &Saga{c: c}
	var err error
	s.Runner, err = wmjs.NewRunner(ctx, c.JetStream, c.Stream, wmjs.Saga{
		Name: "erasure", Description: "Docket erasure saga", Durable: c.Durable,
		Events:        []string{"RightsRequestIdentityVerified", "ErasureExecuted", "ErasureExemptionRecorded"},
		PoisonSubject: SagaPoisonSubject, Retries: c.Retries, RetryInterval: c.RetryInterval,
		ReadPosition: c.ReadPosition, Handle: s.handle,
	}, c.Log)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// handle decides on the request an event belongs to, once the read
// models have applied the event.
func (s *Saga) handle(ctx context.Context, _ uint64, ev *eventsv1.Event) error {
	id := ev.GetRightsRequestIdentityVerified().GetRequestId() + ev.GetErasureExecuted().GetRequestId() +
		ev.GetErasureExemptionRecorded().GetRequestId()
	if id == "" {
		return nil // an erasure no request asked for
	}
	tenant, ref := ev.GetTenant(), ev.GetSubjectRef()
	req, err := s.request(ctx, tenant, ref, id)
	if err != nil || req == nil || req.Right != eventsv1.Right_RIGHT_ERASURE.String() || req.Status != model.RequestOpen || req.VerifiedAt == nil {
		return err // not an open, verified erasure request (yet)
	}
	p, err := s.plan(ctx, tenant, ref, id)
	if err != nil {
		return err
	}
	if len(p.waitingFor) > 0 {
		return nil // some system has not reported yet
	}
	if len(p.shred) > 0 {
		if _, err := s.c.Shredder.Shred(ctx, Request{Tenant: tenant, SubjectRef: ref, KeyGroups: p.shred, RequestID: id,
			ActorID: "erasure-saga", BySystem: true, EventID: derivedID(req, "shredded")}); err != nil {
			return err
		}
	}
	outcome := "erased"
	if len(p.kept) > 0 {
		outcome += "; kept under Art. 17(3): " + strings.Join(p.kept, "; ")
	}
	done := &eventsv1.Event{
		EventId: derivedID(req, "fulfilled"), Tenant: tenant, SubjectRef: ref, OccurredAt: timestamppb.Now(),
		Source: events.RecordedBy, Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "erasure-saga"},
		TaxonomyVersion: ev.GetTaxonomyVersion(), CausationId: ev.GetEventId(),
		Payload: &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: &eventsv1.RightsRequestFulfilled{RequestId: id, Outcome: outcome}},
	}
	if err := s.c.Record(ctx, done); err != nil {
		return fmt.Errorf("erasure saga: record request %s fulfilled: %w", id, err)
	}
	return nil
}

func (s *Saga) request(ctx context.Context, tenant, ref, id string) (*model.RequestRow, error) {
	for after := uint64(0); ; {
		page, err := s.c.Reader.ListRequests(ctx, model.RequestFilter{Tenant: tenant, SubjectRef: ref}, model.Page{After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("erasure saga: requests: %w", err)
		}
		for i := range page {
			if page[i].RequestID == id {
				return &page[i], nil
			}
		}
		if len(page) < 1000 {
			return nil, nil
		}
		after = page[len(page)-1].ReceivedSeq
	}
}

// plan is what the request needs: which systems have yet to report, which
// key groups to shred and which are kept (and why).
type plan struct {
	waitingFor []string
	shred      []string
	kept       []string
}

func (s *Saga) plan(ctx context.Context, tenant, ref, id string) (*plan, error) {
	holders, reported := map[string]bool{}, map[string]bool{}
	groups, exempt := map[string]bool{}, map[string]string{}
	rows, err := model.AllHistory(ctx, s.c.Reader, tenant, ref)
	if err != nil {
		return nil, fmt.Errorf("erasure saga: history: %w", err)
	}
	for _, row := range rows {
		ev := &eventsv1.Event{}
		if err := proto.Unmarshal(row.Data, ev); err != nil {
			return nil, fmt.Errorf("erasure saga: sequence %d: %w", row.Seq, err)
		}
		for _, v := range events.Values(ev) {
			groups[v.KeyGroup()] = true
		}
		switch p := ev.GetPayload().(type) {
		case *eventsv1.Event_DataCollected, *eventsv1.Event_DataRectified:
			holders[ev.GetSource()] = true
		case *eventsv1.Event_ErasureExecuted:
			if p.ErasureExecuted.GetRequestId() == id {
				reported[p.ErasureExecuted.GetSystem()] = true
			}
		case *eventsv1.Event_ErasureExemptionRecorded:
			m := p.ErasureExemptionRecorded
			if m.GetRequestId() == id {
				for _, g := range m.GetKeyGroups() {
					exempt[g] = fmt.Sprintf("%s (%s) until %s", g, events.EnumName(m.GetGround()), m.GetUntil().AsTime().UTC().Format(time.DateOnly))
				}
			}
		default:
			// exhaustive: the plan needs the systems that hold data (they
			// collected or rectified some), the erasures they reported and
			// the exemptions; every event's key groups are read above.
		}
	}
	st, err := s.c.Reader.Subject(ctx, tenant, ref)
	if err != nil {
		return nil, fmt.Errorf("erasure saga: subject: %w", err)
	}
	p := &plan{}
	for h := range holders {
		if !reported[h] {
			p.waitingFor = append(p.waitingFor, h)
		}
	}
	for g := range groups {
		if why, ok := exempt[g]; ok {
			p.kept = append(p.kept, why)
		} else if _, done := st.Shredded[g]; !done {
			p.shred = append(p.shred, g)
		}
	}
	sort.Strings(p.waitingFor)
	slices.Sort(p.shred)
	slices.Sort(p.kept)
	return p, nil
}

// derivedID is the id of a step of a request: the same step of the same
// request always gets the same id, so doing it again (a redelivery, a
// second report arriving meanwhile) is stored once.
func derivedID(req *model.RequestRow, step string) string {
	return events.DerivedID(req.ReceivedAt, req.Tenant, req.SubjectRef, req.RequestID, step)
}
