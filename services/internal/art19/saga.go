// Package art19 is the Art. 19 saga: when a subject's data is rectified,
// erased or restricted, every recipient that received the subject's data
// must be told. The saga runs on Watermill's router: a durable JetStream
// consumer delivers each rectification, erasure and restriction event; the
// handler looks the subject's recipients up in the disclosure register and
// records a RecipientNotificationDue for each; failures are retried with a
// backoff and, when they keep failing, the event is parked on the poison
// queue (a stream of its own) so that the saga goes on with the next.
//
// Every step is idempotent: a notice's event id is derived from the
// causing event, the recipient and the right, so a redelivery stores it
// once within the duplicate window, and the projection keeps one notice
// per request, recipient and right whatever arrives later. A notice closes
// when a RecipientNotified of the same request, recipient and right is
// recorded, or is waived by a RecipientNotificationWaived; one still open
// past its due date is the recipient_notification_overdue finding.
package art19

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/wmjs"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Defaults.
const (
	DefaultDurable = "docket-art19"
	// PoisonSubject is where events the saga gave up on are parked, on
	// the wmjs.PoisonStream stream.
	PoisonSubject = "docket-poison.art19"
)

// Config configures a Saga.
type Config struct {
	JetStream jetstream.JetStream
	Stream    jetstream.Stream // the events stream
	Reader    model.Reader     // the disclosure register and subject state
	// ReadPosition is the read models' checkpoint: the saga waits until
	// they have applied the causing event, so the register is complete.
	ReadPosition func() uint64
	// Record appends a notice to the ledger (the Emitter).
	Record func(ctx context.Context, ev *eventsv1.Event) error
	// DueIn is how long recipients have to be told; default 30 days.
	DueIn time.Duration
	// Retries before an event goes to the poison queue; default 5.
	Retries int
	// RetryInterval is the first pause between retries; default 200ms.
	RetryInterval time.Duration
	Durable       string // default DefaultDurable
	Log           *slog.Logger
}

// Saga is the Art. 19 saga.
type Saga struct {
	wmjs.Runner
	c Config
}

// New builds the saga (its router, consumer and poison queue).
func New(ctx context.Context, c Config) (*Saga, error) {
	if c.JetStream == nil || c.Stream == nil || c.Reader == nil || c.ReadPosition == nil || c.Record == nil || c.Log == nil {
		return nil, errors.New("art19: New: nil dependency")
	}
	if c.DueIn == 0 {
		c.DueIn = 30 * 24 * time.Hour
	}
	if c.Retries == 0 {
		c.Retries = 5
	}
	if c.RetryInterval == 0 {
		c.RetryInterval = 200 * time.Millisecond
	}
	if c.Durable == "" {
		c.Durable = DefaultDurable
	}
	if c.DueIn < time.Second || c.Retries < 1 {
		return nil, fmt.Errorf("art19: due in %s (at least 1s), retries %d (at least 1)", c.DueIn, c.Retries)
	}
	s := &Saga{c: c}
	// The register must hold every disclosure stored before the event:
	// the handler runs once the read models have applied it.
	var err error
	s.Runner, err = wmjs.NewRunner(ctx, c.JetStream, c.Stream, wmjs.Saga{
		Name: "art19", Description: "Docket Art. 19 saga", Durable: c.Durable,
		Events:        []string{"DataRectified", "RestrictionApplied", "ErasureExecuted", "SubjectKeyShredded"},
		PoisonSubject: PoisonSubject, Retries: c.Retries, RetryInterval: c.RetryInterval,
		ReadPosition: c.ReadPosition, Handle: s.handle,
	}, c.Log)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// handle records the notices one event makes due.
func (s *Saga) handle(ctx context.Context, _ uint64, ev *eventsv1.Event) error {
	right, requestID := cause(ev)
	if right == eventsv1.Right_RIGHT_UNSPECIFIED {
		return nil // not a rectification, erasure or restriction
	}
	recipients, err := s.recipients(ctx, ev.GetTenant(), ev.GetSubjectRef())
	if err != nil {
		return err
	}
	st, err := s.c.Reader.Subject(ctx, ev.GetTenant(), ev.GetSubjectRef())
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("art19: subject state: %w", err)
	}
	for _, rc := range recipients {
		if st != nil && st.Notifications[model.NotificationKey(requestID, rc, right.String())] != nil {
			continue // owed, sent or waived already
		}
		due := ev.GetOccurredAt().AsTime().Add(s.c.DueIn)
		n := &eventsv1.Event{
			EventId: events.DerivedID(ev.GetOccurredAt().AsTime(), ev.GetEventId(), rc, right.String()), Tenant: ev.GetTenant(), SubjectRef: ev.GetSubjectRef(),
			OccurredAt: ev.GetOccurredAt(), Source: events.RecordedBy, TaxonomyVersion: ev.GetTaxonomyVersion(),
			Actor:         &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "art19-saga"},
			CorrelationId: ev.GetCorrelationId(), CausationId: ev.GetEventId(),
			Payload: &eventsv1.Event_RecipientNotificationDue{RecipientNotificationDue: &eventsv1.RecipientNotificationDue{
				RequestId: requestID, RecipientId: rc, Right: right, CauseEventId: ev.GetEventId(), DueAt: timestamppb.New(due),
			}},
		}
		if err := s.c.Record(ctx, n); err != nil {
			return fmt.Errorf("art19: record the notice due to %s: %w", rc, err)
		}
	}
	return nil
}

// cause is the right an event carries out and the request it belongs to
// (its own id when it names none); RIGHT_UNSPECIFIED for other events.
func cause(ev *eventsv1.Event) (eventsv1.Right, string) {
	var right eventsv1.Right
	var req string
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_DataRectified:
		right, req = eventsv1.Right_RIGHT_RECTIFICATION, p.DataRectified.GetRequestId()
	case *eventsv1.Event_RestrictionApplied:
		right, req = eventsv1.Right_RIGHT_RESTRICTION, p.RestrictionApplied.GetRequestId()
	case *eventsv1.Event_ErasureExecuted:
		right, req = eventsv1.Right_RIGHT_ERASURE, p.ErasureExecuted.GetRequestId()
	case *eventsv1.Event_SubjectKeyShredded:
		right, req = eventsv1.Right_RIGHT_ERASURE, p.SubjectKeyShredded.GetRequestId()
	default:
		// exhaustive: Art. 19 asks for notices of a rectification, an
		// erasure or a restriction only (Art. 16, 17(1) and 18).
		return eventsv1.Right_RIGHT_UNSPECIFIED, ""
	}
	if req == "" {
		req = ev.GetEventId()
	}
	return right, req
}

// recipients are the distinct recipients of the subject's disclosures.
func (s *Saga) recipients(ctx context.Context, tenant, ref string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for after := uint64(0); ; {
		page, err := s.c.Reader.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant, SubjectRef: ref}, model.Page{After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("art19: disclosure register: %w", err)
		}
		for _, d := range page {
			if !seen[d.RecipientID] {
				seen[d.RecipientID] = true
				out = append(out, d.RecipientID)
			}
		}
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1].Seq
	}
}
