// Package art19 is the Art. 19 saga: when a subject's data is rectified,
// erased or restricted, each recipient (Art. 4(9)) that received the data
// concerned must be told. The saga runs on Watermill's router: a durable
// JetStream consumer delivers each rectification, erasure and restriction
// event; the handler reads the recipients owed a notice from the
// disclosure register (see Saga.owed: recipients in the Art. 4(9) sense,
// that received data the cause concerns before it, the notice waiting
// while their disclosures are confidential, Art. 23) and records a
// RecipientNotificationDue for each, with owed_from (the cause, or the end
// of the confidentiality) and its due date the saga's period after that.
// It also reads each DisclosureMade, to owe the notices of earlier-stored
// causes to a disclosure recorded after them but made before them, and
// each DisclosureConfidentialityChanged, to reschedule the waiting notices
// of the disclosure's recipient. Failures are retried with a backoff
// and, when they keep failing, the event is parked on the poison queue (a
// stream of its own) so that the saga goes on with the next.
//
// Every step is idempotent: a notice's event id is derived from the
// request, the recipient and the right, so a redelivery, or another cause
// of the same request (a second system reporting one erasure), stores it
// once within the duplicate window, and the projection keeps one notice
// per request, recipient and right whatever arrives later. A notice closes
// when a RecipientNotified of the same request, recipient and right is
// recorded, or is waived by a RecipientNotificationWaived; one still open
// past its due date is the recipient_notification_overdue finding.
package art19

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/wmjs"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
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
		Events: []string{"DataRectified", "RestrictionApplied", "ErasureExecuted", "SubjectKeyShredded",
			"DisclosureMade", "DisclosureConfidentialityChanged"},
		PoisonSubject: PoisonSubject, Retries: c.Retries, RetryInterval: c.RetryInterval,
		ReadPosition: c.ReadPosition, Handle: s.handle,
	}, c.Log)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// handle records the notices one event makes due: for a rectification,
// erasure or restriction, one per recipient owed one (see owed), none
// already owed, sent or waived for that request and right; for a
// disclosure stored after such a cause but made (occurred_at) before it,
// the notice its recipient is owed for that cause (see lateDisclosure);
// for a change of a disclosure's confidentiality, the notices of its
// recipient rescheduled (see confidentialityChanged).
func (s *Saga) handle(ctx context.Context, seq uint64, ev *eventsv1.Event) error {
	switch {
	case ev.GetDisclosureMade() != nil:
		return s.lateDisclosure(ctx, seq, ev)
	case ev.GetDisclosureConfidentialityChanged() != nil:
		return s.confidentialityChanged(ctx, seq, ev)
	}
	c, ok := causeOf(ev)
	if !ok {
		return nil // not a rectification, erasure or restriction
	}
	c.seq, c.eventID, c.ev = seq, ev.GetEventId(), ev
	owed, err := s.owed(ctx, ev, seq, c)
	if err != nil {
		return err
	}
	if len(owed) == 0 {
		return nil
	}
	st, err := s.subject(ctx, ev)
	if err != nil {
		return err
	}
	for _, o := range owed {
		if st != nil && st.Notifications[model.NotificationKey(c.request, o.recipient, c.right.String())] != nil {
			continue // owed, sent or waived already
		}
		if err := s.record(ctx, ev, c, o, nil); err != nil {
			return err
		}
	}
	return nil
}

// subject reads the state of ev's subject; nil when it has none yet.
func (s *Saga) subject(ctx context.Context, ev *eventsv1.Event) (*model.SubjectState, error) {
	st, err := s.c.Reader.Subject(ctx, ev.GetTenant(), ev.GetSubjectRef())
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return nil, fmt.Errorf("art19: subject state: %w", err)
	}
	return st, nil
}

// record appends the notice of cause c owed to o. by is nil for the
// notice as the cause makes it (its id is the request's, the recipient's
// and the right's, not the causing event's: a second cause of one request,
// another system reporting the same erasure, or a disclosure of the cause's
// data recorded late, makes the same notice, which the stream stores once);
// it is the DisclosureConfidentialityChanged that reschedules the notice
// otherwise: the new notice's id is derived from it too, and it occurs
// when the change does, so that the projection takes it over the first
// (see model.Notification.ScheduledAt).
func (s *Saga) record(ctx context.Context, ev *eventsv1.Event, c cause, o owing, by *eventsv1.Event) error {
	idAt, err := s.requestTime(ctx, ev, c.request)
	if err != nil {
		return err
	}
	parts := []string{ev.GetTenant(), ev.GetSubjectRef(), c.request, o.recipient, c.right.String()}
	occurred, causation, correlation := timestamppb.New(c.at), c.eventID, ev.GetCorrelationId()
	if by != nil {
		parts = append(parts, by.GetEventId())
		occurred, causation, correlation = by.GetOccurredAt(), by.GetEventId(), by.GetCorrelationId()
	}
	n := &eventsv1.Event{
		EventId: events.DerivedID(idAt, parts...),
		Tenant:  ev.GetTenant(), SubjectRef: ev.GetSubjectRef(),
		OccurredAt: occurred, Source: events.RecordedBy, TaxonomyVersion: ev.GetTaxonomyVersion(),
		Actor:         &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "art19-saga"},
		CorrelationId: correlation, CausationId: causation,
		Payload: &eventsv1.Event_RecipientNotificationDue{RecipientNotificationDue: &eventsv1.RecipientNotificationDue{
			RequestId: c.request, RecipientId: o.recipient, Right: c.right, CauseEventId: c.eventID,
			DueAt: timestamppb.New(o.from.Add(s.c.DueIn)), OwedFrom: timestamppb.New(o.from),
		}},
	}
	if err := s.c.Record(ctx, n); err != nil {
		return fmt.Errorf("art19: record the notice due to %s: %w", o.recipient, err)
	}
	return nil
}

// lateDisclosure handles a disclosure: if it was stored after causes it
// was made before (occurred_at no later than theirs), its recipient is
// owed the notices of those causes that concern its data, as if it had
// been in the register when they were handled (the axis is occurred_at:
// the recipient received the data before the cause, whenever the ledger
// learned of it). A notice already owed, sent or waived stays.
func (s *Saga) lateDisclosure(ctx context.Context, seq uint64, ev *eventsv1.Event) error {
	row, causes, st, err := s.causesAfter(ctx, seq, ev, ev.GetEventId())
	if err != nil {
		return err
	}
	for _, c := range causes {
		groups, err := s.groupsFor(ctx, ev.GetTenant(), c)
		if err != nil {
			return err
		}
		if !c.concerns(*row, groups) || st != nil && st.Notifications[model.NotificationKey(c.request, row.RecipientID, c.right.String())] != nil {
			continue
		}
		o := owing{recipient: row.RecipientID, from: c.at}
		if u := row.ConfidentialUntil; u != nil && u.After(o.from) {
			o.from = *u
		}
		if err := s.record(ctx, c.ev, c, o, nil); err != nil {
			return err
		}
	}
	return nil
}

// confidentialityChanged handles a DisclosureConfidentialityChanged: the
// register holds the disclosure's new confidential_until (the projection
// has applied the change), so the notices its recipient is owed for the
// causes before the change are worked out again (owed, over the
// disclosures stored before the change), and each open one whose owed_from
// moves is rescheduled: owed from the new end of the confidentiality (or
// the cause, if that is later), due the saga's period after it. A notice
// sent or waived stays closed.
func (s *Saga) confidentialityChanged(ctx context.Context, seq uint64, ev *eventsv1.Event) error {
	row, causes, st, err := s.causesAfter(ctx, seq, ev, ev.GetDisclosureConfidentialityChanged().GetDisclosureEventId())
	if err != nil {
		return err
	}
	for _, c := range causes {
		owed, err := s.owed(ctx, c.ev, seq, c)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(owed, func(o owing) bool { return o.recipient == row.RecipientID })
		if i < 0 {
			continue
		}
		if st != nil {
			n := st.Notifications[model.NotificationKey(c.request, row.RecipientID, c.right.String())]
			if n != nil && (n.Status != model.NotificationOpen || n.OwedFrom != nil && n.OwedFrom.Equal(owed[i].from)) {
				continue // closed, or owed from then already
			}
		}
		if err := s.record(ctx, c.ev, c, owed[i], ev); err != nil {
			return err
		}
	}
	return nil
}

// causesAfter reads the register's row of ev's subject's disclosure id and
// the causes stored before seq that it was made before (occurred_at no
// later than theirs), and the subject's state when there are any; no
// causes when the subject has no such disclosure or it went to an authority
// in an inquiry (no recipient).
func (s *Saga) causesAfter(ctx context.Context, seq uint64, ev *eventsv1.Event, id string) (*model.DisclosureRow, []cause, *model.SubjectState, error) {
	row, err := s.disclosure(ctx, ev.GetTenant(), ev.GetSubjectRef(), id)
	if err != nil || row == nil || inquiry(*row) {
		return nil, nil, nil, err
	}
	all, err := s.causesBefore(ctx, ev, seq)
	if err != nil {
		return nil, nil, nil, err
	}
	causes := slices.DeleteFunc(all, func(c cause) bool { return row.OccurredAt.After(c.at) })
	if len(causes) == 0 {
		return row, nil, nil, nil
	}
	st, err := s.subject(ctx, ev)
	return row, causes, st, err
}

// disclosure is the register's row of the subject's disclosure eventID;
// nil when the subject has none.
func (s *Saga) disclosure(ctx context.Context, tenant, subjectRef, eventID string) (*model.DisclosureRow, error) {
	for after := uint64(0); ; {
		page, err := s.c.Reader.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant, SubjectRef: subjectRef}, model.Page{After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("art19: disclosure register: %w", err)
		}
		for i := range page {
			if page[i].EventID == eventID {
				return &page[i], nil
			}
		}
		if len(page) < 1000 {
			return nil, nil
		}
		after = page[len(page)-1].Seq
	}
}

// causesBefore are the rectifications, erasures and restrictions of ev's
// subject stored before seq, from its history, in stream order.
func (s *Saga) causesBefore(ctx context.Context, ev *eventsv1.Event, seq uint64) ([]cause, error) {
	var out []cause
	for after := uint64(0); ; {
		rows, err := s.c.Reader.History(ctx, ev.GetTenant(), ev.GetSubjectRef(), model.Page{After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("art19: history: %w", err)
		}
		for _, r := range rows {
			if r.Seq >= seq {
				return out, nil
			}
			if !causeTypes[r.Type] {
				continue
			}
			var cev eventsv1.Event
			if err := proto.Unmarshal(r.Data, &cev); err != nil {
				return nil, fmt.Errorf("art19: history at sequence %d: %w", r.Seq, err)
			}
			if c, ok := causeOf(&cev); ok {
				c.seq, c.eventID, c.ev = r.Seq, cev.GetEventId(), &cev
				out = append(out, c)
			}
		}
		if len(rows) < 1000 {
			return out, nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// causeTypes are the audit row types of the events causeOf takes.
var causeTypes = map[string]bool{
	string((&eventsv1.DataRectified{}).ProtoReflect().Descriptor().FullName()):      true,
	string((&eventsv1.RestrictionApplied{}).ProtoReflect().Descriptor().FullName()): true,
	string((&eventsv1.ErasureExecuted{}).ProtoReflect().Descriptor().FullName()):    true,
	string((&eventsv1.SubjectKeyShredded{}).ProtoReflect().Descriptor().FullName()): true,
}

// groupsFor is keyGroups for a cause that shreds key groups, nil otherwise.
func (s *Saga) groupsFor(ctx context.Context, tenant string, c cause) (map[string]string, error) {
	if len(c.keyGroups) == 0 {
		return nil, nil
	}
	return s.keyGroups(ctx, tenant, c.seq)
}

// requestTime is when the request was received, the time in its notices'
// ids; the causing event's time when the ledger has no such request (a
// cause that names none is its own request).
func (s *Saga) requestTime(ctx context.Context, ev *eventsv1.Event, requestID string) (time.Time, error) {
	for after := uint64(0); ; {
		rows, err := s.c.Reader.ListRequests(ctx, model.RequestFilter{Tenant: ev.GetTenant(), SubjectRef: ev.GetSubjectRef()}, model.Page{After: after, Limit: 1000})
		if err != nil {
			return time.Time{}, fmt.Errorf("art19: requests: %w", err)
		}
		for _, r := range rows {
			if r.RequestID == requestID {
				return r.ReceivedAt, nil
			}
		}
		if len(rows) < 1000 {
			return ev.GetOccurredAt().AsTime(), nil
		}
		after = rows[len(rows)-1].ReceivedSeq
	}
}

// cause is what a rectification, erasure or restriction carries out: the
// right, the request (the event's own id when it names none) and the data
// it concerns.
type cause struct {
	right   eventsv1.Right
	request string
	at      time.Time
	seq     uint64          // the causing event's stream sequence
	eventID string          // and its id
	ev      *eventsv1.Event // the causing event (read from the history), or nil
	// categories are the categories concerned, keyGroups the key groups;
	// both empty: all the subject's data.
	categories []string
	keyGroups  []string
	// purposes are the purposes a restriction is limited to; empty: all.
	purposes []string
}

// causeOf is the cause ev carries out; false for other events.
func causeOf(ev *eventsv1.Event) (cause, bool) {
	c := cause{at: ev.GetOccurredAt().AsTime()}
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_DataRectified:
		c.right, c.request, c.categories = eventsv1.Right_RIGHT_RECTIFICATION, p.DataRectified.GetRequestId(), p.DataRectified.GetCategories()
	case *eventsv1.Event_RestrictionApplied:
		m := p.RestrictionApplied
		c.right, c.request, c.categories, c.purposes = eventsv1.Right_RIGHT_RESTRICTION, m.GetRequestId(), m.GetCategories(), m.GetPurposes()
	case *eventsv1.Event_ErasureExecuted:
		c.right, c.request, c.categories = eventsv1.Right_RIGHT_ERASURE, p.ErasureExecuted.GetRequestId(), p.ErasureExecuted.GetCategories()
	case *eventsv1.Event_SubjectKeyShredded:
		c.right, c.request, c.keyGroups = eventsv1.Right_RIGHT_ERASURE, p.SubjectKeyShredded.GetRequestId(), p.SubjectKeyShredded.GetKeyGroups()
	default:
		// exhaustive: Art. 19 asks for notices of a rectification, an
		// erasure or a restriction only (Art. 16, 17(1) and 18).
		return cause{}, false
	}
	if c.request == "" {
		c.request = ev.GetEventId()
	}
	return c, true
}

// owing is a recipient owed a notice and the time from which it is owed:
// the cause's, or the end of the confidentiality of its disclosures.
type owing struct {
	recipient string
	from      time.Time
}

// owed are the recipients the cause must be notified to (Art. 19), in the
// order of their first disclosure. A disclosure makes its recipient owed
// a notice when:
//   - it was made before the cause: it occurred no later than the cause
//     (occurred_at, whenever it was stored), and was stored before before,
//     the sequence of the event handled, so that the answer is the same on
//     every redelivery (a disclosure stored after the cause is handled when
//     it arrives: lateDisclosure);
//   - its recipient is a recipient in the Art. 4(9) sense (see inquiry);
//   - it concerns the cause's data: a category the cause names, a broader
//     or a narrower one (fideslang keys nest by dots), or a category of a
//     key group the cause shreds; any disclosure when the cause concerns
//     all the subject's data. A restriction limited to purposes concerns
//     only disclosures for one of them (or a broader or narrower one).
//
// While every such disclosure to a recipient is confidential (Art. 23) the
// notice waits: it is owed from the earliest end of their confidentiality.
func (s *Saga) owed(ctx context.Context, ev *eventsv1.Event, before uint64, c cause) ([]owing, error) {
	groups, err := s.groupsFor(ctx, ev.GetTenant(), c) // activity id -> key group, when the cause shreds groups
	if err != nil {
		return nil, err
	}
	var out []owing
	at := map[string]int{}
	for after := uint64(0); ; {
		page, err := s.c.Reader.Disclosures(ctx, model.DisclosureFilter{Tenant: ev.GetTenant(), SubjectRef: ev.GetSubjectRef()}, model.Page{After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("art19: disclosure register: %w", err)
		}
		for _, d := range page {
			if d.Seq >= before || d.OccurredAt.After(c.at) || inquiry(d) || !c.concerns(d, groups) {
				continue
			}
			from := c.at
			if d.ConfidentialUntil != nil && d.ConfidentialUntil.After(from) {
				from = *d.ConfidentialUntil
			}
			if i, ok := at[d.RecipientID]; ok {
				if from.Before(out[i].from) {
					out[i].from = from
				}
				continue
			}
			at[d.RecipientID] = len(out)
			out = append(out, owing{recipient: d.RecipientID, from: from})
		}
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1].Seq
	}
}

// inquiry tells whether d went to a public authority in the framework of a
// particular inquiry in accordance with Union or Member State law, which
// Art. 4(9) says does not make it a recipient. The explicit flag comes
// first: DisclosureMade.particular_inquiry says so. An event without it
// (stored before the field existed; proto3 cannot tell an unset flag from
// false) is read as before: every disclosure to a public authority names
// its legal instrument (validation requires it), so the instrument alone
// does not tell an inquiry, the legal basis does. One made because the law
// obliged the controller (Art. 6(1)(c): an order, a warrant, a statutory
// request) is an inquiry; one the controller chose to make (a claim before
// a court under Art. 6(1)(f), a contract) makes the authority a recipient.
func inquiry(d model.DisclosureRow) bool {
	if d.RecipientKind != events.EnumName(eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY) {
		return false
	}
	return d.ParticularInquiry || d.LegalBasis == events.EnumName(eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION)
}

// concerns tells whether d disclosed data the cause concerns; groups maps
// activity ids to their key groups when the cause shreds key groups.
func (c cause) concerns(d model.DisclosureRow, groups map[string]string) bool {
	if len(c.keyGroups) > 0 {
		g := groups[d.ActivityID]
		if g == "" {
			g = events.DefaultKeyGroup
		}
		return slices.Contains(c.keyGroups, g)
	}
	if len(c.purposes) > 0 && !overlap(c.purposes, []string{d.Purpose}) {
		return false // a restriction of other purposes than d's
	}
	// Empty: the cause concerns all the data, or d names none.
	return len(c.categories) == 0 || len(d.Categories) == 0 || overlap(c.categories, d.Categories)
}

// overlap tells whether a key of as equals, holds or is held by a key of
// bs: fideslang keys nest by dots (user.contact holds user.contact.email).
func overlap(as, bs []string) bool {
	for _, a := range as {
		for _, b := range bs {
			if taxonomy.Related(a, b) {
				return true
			}
		}
	}
	return false
}

// keyGroups maps the tenant's activities, as declared before seq, to the
// key group each seals under (empty: events.DefaultKeyGroup).
func (s *Saga) keyGroups(ctx context.Context, tenant string, seq uint64) (map[string]string, error) {
	rows, err := s.c.Reader.Activities(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("art19: activities: %w", err)
	}
	slices.SortStableFunc(rows, func(a, b model.ActivityRow) int { return cmp.Compare(a.Seq, b.Seq) })
	out := map[string]string{}
	for _, r := range rows {
		if r.Seq >= seq {
			break
		}
		var a eventsv1.ProcessingActivity
		if err := proto.Unmarshal(r.Activity, &a); err != nil {
			return nil, fmt.Errorf("art19: activity at sequence %d: %w", r.Seq, err)
		}
		out[r.ActivityID] = a.GetKeyGroup()
	}
	return out, nil
}
