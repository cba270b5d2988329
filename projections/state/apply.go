package state

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

// ErrMismatch is matched by the error Apply returns when it is called with
// a state that does not fit the record: none for a subject-level event, one
// for a controller-level event, or another tenant's or subject's.
var ErrMismatch = errors.New("state: subject state does not match the event")

// Requests looks up the projector's current row of a request: nil if none.
type Requests func(tenant, requestID string) *model.RequestRow

// Effects is what one event adds to the read models.
type Effects struct {
	Audit      model.AuditRow
	Disclosure *model.DisclosureRow
	// Confidentiality is the register's change of a DisclosureConfidentialityChanged.
	Confidentiality *model.ConfidentialityChange
	Activity        *model.ActivityRow
	Profile         *model.ProfileRow
	// Request is the row the event created or changed (a copy: the row
	// Requests returned is never modified); nil when none.
	Request  *model.RequestRow
	Observed []model.ObservedRow
	Findings []model.Finding
	// FindingStatus is the row of a FindingStatusChanged, nil otherwise.
	FindingStatus *model.FindingStatusRow
}

// Apply folds rec into st and returns what the event adds.
//
// st is the subject's state, never nil for a subject-level event (pass
// &model.SubjectState{Tenant, SubjectRef} for a subject not seen before),
// nil for a controller-level event (catalogue, notices, breaches). st is
// changed in place. reqs looks up the rows of rights requests (nil: none).
// cat receives activity declarations and amendments.
//
// The findings are evaluated against the state before the event is folded
// in: an event is judged by what was known when it happened. Apply is
// deterministic and does no I/O. It fails only on a record it cannot judge
// (no event, no payload, a state that does not fit); a well-formed event
// that breaks a rule is folded in and raises a finding.
func Apply(st *model.SubjectState, reqs Requests, cat *Catalogue, rec source.Record) (Effects, error) {
	ev := rec.Event
	if ev == nil || ev.GetPayload() == nil {
		return Effects{}, fmt.Errorf("state: sequence %d: no event payload", rec.Sequence)
	}
	if cat == nil {
		return Effects{}, fmt.Errorf("state: sequence %d: nil catalogue", rec.Sequence)
	}
	ref := ev.GetSubjectRef()
	switch {
	case ref == "" && st != nil:
		return Effects{}, fmt.Errorf("%w: sequence %d: %s is controller-level, yet a subject state was passed", ErrMismatch, rec.Sequence, events.TypeName(ev))
	case ref != "" && st == nil:
		return Effects{}, fmt.Errorf("%w: sequence %d: no subject state passed for a subject-level event", ErrMismatch, rec.Sequence)
	case st != nil && (st.Tenant != ev.GetTenant() || st.SubjectRef != ref):
		return Effects{}, fmt.Errorf("%w: sequence %d: the state is another subject's", ErrMismatch, rec.Sequence)
	}
	rec.RecordedAt = recordedAt(rec)

	eff := Effects{Audit: auditRow(rec)}
	if st == nil {
		if a := activityRow(rec); a != nil {
			if err := cat.Add(*a); err != nil {
				return Effects{}, err
			}
			eff.Activity = a
			eff.Findings = ruleRetentionWithoutLimit(rec)
		}
		eff.FindingStatus = findingStatusRow(rec)
		if p := profileRow(ev, rec.Sequence, rec.RecordedAt); p != nil {
			if err := cat.AddProfile(*p); err != nil {
				return Effects{}, err
			}
			eff.Profile = p
		}
		return eff, nil
	}

	for _, r := range rules {
		eff.Findings = append(eff.Findings, r.check(st, cat, rec)...)
	}
	eff.Findings = append(eff.Findings, ruleExtensionNotCounted(reqs, cat, rec)...)
	eff.Request = fold(st, reqs, cat, rec)
	eff.Disclosure = disclosureRow(rec)
	eff.Confidentiality = confidentialityChange(rec)
	eff.Observed = observed(rec)
	return eff, nil
}

// recordedAt is when the ledger stored the event: the record's time, or
// the event's recorded_at when the record has none.
func recordedAt(rec source.Record) time.Time {
	if !rec.RecordedAt.IsZero() {
		return rec.RecordedAt.UTC()
	}
	if ts := rec.Event.GetRecordedAt(); ts != nil {
		return ts.AsTime()
	}
	return time.Time{}
}

func occurredAt(ev *eventsv1.Event) time.Time { return ev.GetOccurredAt().AsTime() }

// auditRow describes any event in the audit trail.
func auditRow(rec source.Record) model.AuditRow {
	ev := rec.Event
	row := model.AuditRow{
		Seq:        rec.Sequence,
		EventID:    ev.GetEventId(),
		Tenant:     ev.GetTenant(),
		SubjectRef: ev.GetSubjectRef(),
		Type:       events.TypeName(ev),
		OccurredAt: occurredAt(ev),
		RecordedAt: rec.RecordedAt,
		Source:     ev.GetSource(),
		ActorKind:  events.EnumName(ev.GetActor().GetKind()),
		ActorID:    ev.GetActor().GetId(),
		Data:       rec.Data,
	}
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_ProcessingActivityDeclared:
		a := p.ProcessingActivityDeclared.GetActivity()
		row.Categories, row.Purposes, row.LegalBasis = a.GetDataCategories(), a.GetPurposes(), events.EnumName(a.GetLegalBasis())
	case *eventsv1.Event_ProcessingActivityAmended:
		a := p.ProcessingActivityAmended.GetActivity()
		row.Categories, row.Purposes, row.LegalBasis = a.GetDataCategories(), a.GetPurposes(), events.EnumName(a.GetLegalBasis())
	case *eventsv1.Event_DataCollected:
		m := p.DataCollected
		row.Categories, row.Purposes, row.LegalBasis = m.GetCategories(), m.GetPurposes(), events.EnumName(m.GetLegalBasis())
	case *eventsv1.Event_DataProcessed:
		m := p.DataProcessed
		row.Categories, row.Purposes, row.LegalBasis = m.GetCategories(), m.GetPurposes(), events.EnumName(m.GetLegalBasis())
	case *eventsv1.Event_DataRectified:
		row.Categories = p.DataRectified.GetCategories()
	case *eventsv1.Event_ConsentGiven:
		row.Categories, row.Purposes = p.ConsentGiven.GetCategories(), one(p.ConsentGiven.GetPurpose())
	case *eventsv1.Event_ConsentWithdrawn:
		row.Purposes = one(p.ConsentWithdrawn.GetPurpose())
	case *eventsv1.Event_DisclosureMade:
		m := p.DisclosureMade
		row.Categories, row.Purposes, row.LegalBasis = m.GetCategories(), one(m.GetPurpose()), events.EnumName(m.GetLegalBasis())
		row.Recipient = m.GetRecipient().GetId()
	case *eventsv1.Event_RightsRequestReceived:
		row.Categories, row.Purposes = p.RightsRequestReceived.GetCategories(), p.RightsRequestReceived.GetPurposes()
	case *eventsv1.Event_RestrictionApplied:
		row.Categories, row.Purposes = p.RestrictionApplied.GetCategories(), p.RestrictionApplied.GetPurposes()
	case *eventsv1.Event_ObjectionRecorded:
		row.Purposes = p.ObjectionRecorded.GetPurposes()
	case *eventsv1.Event_ObjectionOverridden:
		row.Purposes = p.ObjectionOverridden.GetPurposes()
	case *eventsv1.Event_ErasureExecuted:
		row.Categories = p.ErasureExecuted.GetCategories()
	case *eventsv1.Event_RecipientNotificationDue:
		row.Recipient = p.RecipientNotificationDue.GetRecipientId()
	case *eventsv1.Event_RecipientNotified:
		row.Recipient = p.RecipientNotified.GetRecipientId()
	case *eventsv1.Event_RecipientNotificationWaived:
		row.Recipient = p.RecipientNotificationWaived.GetRecipientId()
	case *eventsv1.Event_RetentionExpired:
		row.Categories = p.RetentionExpired.GetCategories()
	case *eventsv1.Event_BreachRecorded:
		row.Categories = p.BreachRecorded.GetCategories()
	default:
		// exhaustive: the other payloads (notices, request steps, lifted
		// restrictions, shreds, exports, exemptions) carry no categories,
		// purposes, legal basis or recipient, and their audit row is the
		// common columns above.
	}
	row.Categories = slices.Clone(row.Categories)
	row.Purposes = slices.Clone(row.Purposes)
	return row
}

// activityRow is the catalogue row of a declaration or amendment, nil for
// any other event.
func activityRow(rec source.Record) *model.ActivityRow {
	ev := rec.Event
	var a *eventsv1.ProcessingActivity
	amended := false
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_ProcessingActivityDeclared:
		a = p.ProcessingActivityDeclared.GetActivity()
	case *eventsv1.Event_ProcessingActivityAmended:
		a, amended = p.ProcessingActivityAmended.GetActivity(), true
	default:
		// exhaustive: only declarations and amendments are catalogue rows.
		return nil
	}
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(a)
	return &model.ActivityRow{
		Seq: rec.Sequence, EventID: ev.GetEventId(), Tenant: ev.GetTenant(), ActivityID: a.GetActivityId(),
		Amended: amended, OccurredAt: occurredAt(ev), RecordedAt: rec.RecordedAt, Activity: b,
	}
}

// disclosureRow is the register entry of a DisclosureMade, nil otherwise.
func disclosureRow(rec source.Record) *model.DisclosureRow {
	ev := rec.Event
	m := ev.GetDisclosureMade()
	if m == nil {
		return nil
	}
	r := m.GetRecipient()
	row := &model.DisclosureRow{
		Seq: rec.Sequence, EventID: ev.GetEventId(), Tenant: ev.GetTenant(), SubjectRef: ev.GetSubjectRef(),
		RecipientID: r.GetId(), RecipientName: r.GetName(), RecipientKind: events.EnumName(r.GetKind()),
		Country: r.GetCountry(), TransferMechanism: events.EnumName(r.GetTransferMechanism()),
		Categories: slices.Clone(m.GetCategories()), Purpose: m.GetPurpose(), LegalBasis: events.EnumName(m.GetLegalBasis()),
		SpecialCondition: events.EnumName(m.GetSpecialCategoryCondition()), LegalInstrumentRef: events.ShownText(m.GetLegalInstrumentRef(), m.GetLegalInstrumentRefText()),
		ActivityID: m.GetActivityId(), OccurredAt: occurredAt(ev), RecordedAt: rec.RecordedAt,
		ParticularInquiry: m.GetParticularInquiry(), DPFCertified: r.GetDpfCertified(),
	}
	if d := r.GetArt49Derogation(); d != eventsv1.Art49Derogation_ART49_DEROGATION_UNSPECIFIED {
		row.Art49Derogation = events.EnumName(d)
	}
	if ts := m.GetConfidentialUntil(); ts != nil {
		t := ts.AsTime()
		row.ConfidentialUntil = &t
	}
	return row
}

// confidentialityChange is the register's change of a
// DisclosureConfidentialityChanged, nil for any other event: the new end of
// confidentiality, or the change's occurred_at when it lifts it.
func confidentialityChange(rec source.Record) *model.ConfidentialityChange {
	ev := rec.Event
	m := ev.GetDisclosureConfidentialityChanged()
	if m == nil {
		return nil
	}
	until := occurredAt(ev)
	if ts := m.GetConfidentialUntil(); ts != nil {
		until = ts.AsTime()
	}
	return &model.ConfidentialityChange{Seq: rec.Sequence, Tenant: ev.GetTenant(), SubjectRef: ev.GetSubjectRef(),
		EventID: m.GetDisclosureEventId(), Until: &until}
}

// observed lists what an event shows being processed: the purposes and
// categories of DataCollected and DataProcessed (a use), the purpose,
// recipient and categories of DisclosureMade. Other payloads (consents,
// requests, rectifications, erasures) describe processing rather than do
// it, and count for nothing.
func observed(rec source.Record) []model.ObservedRow {
	ev := rec.Event
	var purposes, recipients, categories []string
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_DataCollected:
		purposes, categories = p.DataCollected.GetPurposes(), p.DataCollected.GetCategories()
	case *eventsv1.Event_DataProcessed:
		purposes, categories = p.DataProcessed.GetPurposes(), p.DataProcessed.GetCategories()
	case *eventsv1.Event_DisclosureMade:
		purposes, categories = []string{p.DisclosureMade.GetPurpose()}, p.DisclosureMade.GetCategories()
		recipients = []string{p.DisclosureMade.GetRecipient().GetId()}
	default:
		// exhaustive: the other payloads describe processing rather than do
		// it (see the doc comment), so they count for nothing here.
		return nil
	}
	at := occurredAt(ev)
	var out []model.ObservedRow
	add := func(kind string, keys []string) {
		seen := map[string]bool{}
		for _, k := range keys {
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, model.ObservedRow{
				Tenant: ev.GetTenant(), Kind: kind, Key: k, Count: 1,
				FirstSeq: rec.Sequence, FirstEventID: ev.GetEventId(), FirstOccurred: at, LastOccurred: at,
			})
		}
	}
	add(model.ObservedPurpose, purposes)
	add(model.ObservedRecipient, recipients)
	add(model.ObservedCategory, categories)
	return out
}

// fold changes st (and a request row) by one subject-level event and
// returns the request row it created or changed.
func fold(st *model.SubjectState, reqs Requests, cat *Catalogue, rec source.Record) *model.RequestRow {
	ev := rec.Event
	at := occurredAt(ev)
	if st.Events == 0 {
		st.FirstSeen, st.FirstSeq = at, rec.Sequence
	}
	if at.After(st.LastSeen) {
		st.LastSeen = at
	}
	if rec.Sequence > st.LastSeq {
		st.LastSeq = rec.Sequence
	}
	st.Events++

	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_DataCollected:
		m := p.DataCollected
		if m.GetSubjectIsChild() && !st.Child {
			st.Child, st.ChildEventID = true, ev.GetEventId()
		}
		noteAgeBand(st, m.GetAgeBand(), at, ev.GetEventId())
		if id := m.GetActivityId(); id != "" {
			collect(st, id, at)
		}
	case *eventsv1.Event_DataProcessed:
		used(st, p.DataProcessed, at, ev.GetEventId())
	case *eventsv1.Event_ConsentGiven:
		m := p.ConsentGiven
		c := &model.Consent{
			Purpose: m.GetPurpose(), Given: true, NoticeID: m.GetNoticeId(), NoticeVersion: m.GetNoticeVersion(),
			Method: events.EnumName(m.GetMethod()), Channel: events.EnumName(m.GetChannel()),
			Parental: m.GetParentalAuthorization() != nil, GivenAt: &at, EventID: ev.GetEventId(),
		}
		if len(m.GetNoticeSha256()) > 0 {
			c.NoticeSHA256 = hex.EncodeToString(m.GetNoticeSha256())
		}
		if ts := m.GetExpiresAt(); ts != nil {
			t := ts.AsTime()
			c.ExpiresAt = &t
		}
		if st.Consents == nil {
			st.Consents = map[string]*model.Consent{}
		}
		st.Consents[m.GetPurpose()] = c
	case *eventsv1.Event_ConsentWithdrawn:
		m := p.ConsentWithdrawn
		if st.Consents == nil {
			st.Consents = map[string]*model.Consent{}
		}
		c := st.Consents[m.GetPurpose()]
		if c == nil {
			c = &model.Consent{Purpose: m.GetPurpose(), Method: events.EnumName(m.GetMethod()), Channel: events.EnumName(m.GetChannel())}
		} else {
			cp := *c
			c = &cp
		}
		c.Given, c.WithdrawnAt, c.EventID = false, &at, ev.GetEventId()
		st.Consents[m.GetPurpose()] = c
	case *eventsv1.Event_RestrictionApplied:
		m := p.RestrictionApplied
		if st.Restrictions == nil {
			st.Restrictions = map[string]*model.Restriction{}
		}
		st.Restrictions[m.GetRestrictionId()] = &model.Restriction{
			ID: m.GetRestrictionId(), Purposes: slices.Clone(m.GetPurposes()), Categories: slices.Clone(m.GetCategories()),
			RequestID: m.GetRequestId(), AppliedAt: at, EventID: ev.GetEventId(),
		}
	case *eventsv1.Event_RestrictionLifted:
		if r := st.Restrictions[p.RestrictionLifted.GetRestrictionId()]; r != nil && r.LiftedAt == nil {
			r.LiftedAt = &at
		}
	case *eventsv1.Event_ObjectionRecorded:
		m := p.ObjectionRecorded
		st.Objections = append(st.Objections, &model.Objection{
			Purposes: slices.Clone(m.GetPurposes()), RequestID: m.GetRequestId(), At: at, EventID: ev.GetEventId(),
		})
	case *eventsv1.Event_ObjectionOverridden:
		m := p.ObjectionOverridden
		st.Overrides = append(st.Overrides, &model.Override{
			Purposes: slices.Clone(m.GetPurposes()), Ground: events.EnumName(m.GetGround()), RequestID: m.GetRequestId(),
			At: at, EventID: ev.GetEventId(),
		})
	case *eventsv1.Event_RelationshipEnded:
		// It starts the retention of the activities it names (every one
		// when it names none) whose data was last collected at or before it.
		named := p.RelationshipEnded.GetActivityIds()
		for _, id := range sortedKeys(st.Collected) {
			if len(named) == 0 || slices.Contains(named, id) {
				startClock(st.Collected[id], &st.Collected[id].RelationshipEndedAt, at)
			}
		}
	case *eventsv1.Event_ErasureExecuted:
		if st.Erasures == nil {
			st.Erasures = map[string]time.Time{}
		}
		st.Erasures[p.ErasureExecuted.GetSystem()] = at
	case *eventsv1.Event_SubjectKeyShredded:
		if st.Shredded == nil {
			st.Shredded = map[string]time.Time{}
		}
		if st.ShreddedBy == nil {
			st.ShreddedBy = map[string]string{}
		}
		for _, g := range p.SubjectKeyShredded.GetKeyGroups() {
			if _, ok := st.Shredded[g]; !ok {
				st.Shredded[g] = at
				st.ShreddedBy[g] = ev.GetEventId()
			}
		}
		// The shredded groups' values are gone: so is the data of every
		// activity sealed under them.
		v := cat.view(ev.GetTenant(), at, rec.Sequence)
		for _, id := range sortedKeys(st.Collected) {
			if _, ok := st.Shredded[groupOf(v, id)]; ok {
				end(st.Collected[id], at)
			}
		}
	case *eventsv1.Event_RetentionExpired:
		// The period ends unless the data was kept ("held: <reason>"):
		// data still held past its retention stays a finding until erased.
		if c := st.Collected[p.RetentionExpired.GetActivityId()]; c != nil && c.EndedAt == nil {
			if c.ExpiredAt == nil {
				c.ExpiredAt = &at
			}
			if !strings.HasPrefix(p.RetentionExpired.GetAction(), RetentionHeld) {
				end(c, at)
			}
		}
	case *eventsv1.Event_ErasureExemptionRecorded:
		m := p.ErasureExemptionRecorded
		if st.Exemptions == nil {
			st.Exemptions = map[string]*model.Exemption{}
		}
		for _, g := range m.GetKeyGroups() {
			st.Exemptions[g] = &model.Exemption{KeyGroup: g, RequestID: m.GetRequestId(), Ground: events.EnumName(m.GetGround()),
				Until: m.GetUntil().AsTime(), EventID: ev.GetEventId()}
		}
	case *eventsv1.Event_RecipientNotificationDue:
		m := p.RecipientNotificationDue
		n := notification(st, m.GetRequestId(), m.GetRecipientId(), events.EnumName(m.GetRight()))
		due := m.GetDueAt().AsTime()
		var owed *time.Time
		if ts := m.GetOwedFrom(); ts != nil {
			t := ts.AsTime()
			owed = &t
		}
		switch {
		case n.Status == "": // a new one
			n.Status, n.DueAt, n.OwedFrom, n.ScheduledAt, n.CauseEventID, n.EventID = model.NotificationOpen, &due, owed, &at, m.GetCauseEventId(), ev.GetEventId()
		case n.Status == model.NotificationOpen && m.GetCauseEventId() == n.CauseEventID && (n.ScheduledAt == nil || at.After(*n.ScheduledAt)):
			// The same cause, occurring later: the saga reschedules an open
			// notice when the confidentiality of the recipient's disclosure
			// changes (Art. 23), the Due occurring when the change does; the
			// latest wins, whichever of them the stream holds first. The
			// cause's own Due again, another cause of the same request, right
			// and recipient change nothing, and a notice sent or waived stays
			// closed.
			n.DueAt, n.OwedFrom, n.ScheduledAt, n.EventID = &due, owed, &at, ev.GetEventId()
		}
	case *eventsv1.Event_RecipientNotified:
		m := p.RecipientNotified
		n := notification(st, m.GetRequestId(), m.GetRecipientId(), events.EnumName(m.GetRight()))
		if n.Status != model.NotificationNotified {
			n.Status, n.ClosedAt, n.Ground, n.EventID = model.NotificationNotified, &at, "", ev.GetEventId()
		}
	case *eventsv1.Event_RecipientNotificationWaived:
		m := p.RecipientNotificationWaived
		n := notification(st, m.GetRequestId(), m.GetRecipientId(), events.EnumName(m.GetRight()))
		if n.Status == "" || n.Status == model.NotificationOpen {
			n.Status, n.ClosedAt, n.Ground, n.EventID = model.NotificationWaived, &at, events.EnumName(m.GetGround()), ev.GetEventId()
		}
	case *eventsv1.Event_RightsRequestReceived,
		*eventsv1.Event_RightsRequestIdentityVerified,
		*eventsv1.Event_RightsRequestDeadlineExtended,
		*eventsv1.Event_RightsRequestFulfilled,
		*eventsv1.Event_RightsRequestDenied:
		row := request(st, reqs, cat, rec)
		if row != nil && row.Status == model.RequestFulfilled && ev.GetRightsRequestFulfilled() != nil {
			for _, id := range sortedKeys(st.Collected) {
				startClock(st.Collected[id], &st.Collected[id].FulfilledAt, at)
			}
		}
		return row
	default:
		// exhaustive: activities, notices and breaches are controller-level
		// and never reach fold (Apply returns before); DataRectified,
		// DisclosureMade (the register takes it, disclosureRow) and
		// SubjectDataExported change no subject state beyond the counters
		// above.
	}
	return nil
}

// notification returns the subject's notification of that key, adding an
// empty one (Status "") when there is none.
func notification(st *model.SubjectState, requestID, recipientID, right string) *model.Notification {
	if st.Notifications == nil {
		st.Notifications = map[string]*model.Notification{}
	}
	k := model.NotificationKey(requestID, recipientID, right)
	n := st.Notifications[k]
	if n == nil {
		n = &model.Notification{RequestID: requestID, RecipientID: recipientID, Right: right}
		st.Notifications[k] = n
	}
	return n
}

// groupOf is the key group of an activity's data: its declared group, or
// "default" when the activity is not declared.
func groupOf(v view, activityID string) string {
	if g := v.keyGroup(activityID); g != "" {
		return g
	}
	return "default"
}

// collect notes a collection for an activity. Data collected after the
// activity's data ended (retention expired or keys shredded) starts a new
// period: retention runs from its first collection again.
func collect(st *model.SubjectState, activityID string, at time.Time) {
	if st.Collected == nil {
		st.Collected = map[string]*model.Collection{}
	}
	c := st.Collected[activityID]
	switch {
	case c == nil || (c.EndedAt != nil && !at.Before(*c.EndedAt)):
		st.Collected[activityID] = &model.Collection{ActivityID: activityID, First: at, Last: at}
	default:
		if at.Before(c.First) {
			c.First = at
		}
		if at.After(c.Last) {
			c.Last = at
		}
		// Data collected after the relationship ended or the request was
		// fulfilled: the relationship goes on, or a new request is being
		// handled; the clock waits for the next end.
		for _, t := range []**time.Time{&c.RelationshipEndedAt, &c.FulfilledAt} {
			if *t != nil && at.After(**t) {
				*t = nil
			}
		}
	}
}

// startClock sets *t, a trigger of c's retention, to at when c's data is
// still held, was last collected at or before at, and no earlier trigger
// of that kind has started the clock since.
func startClock(c *model.Collection, t **time.Time, at time.Time) {
	if c.EndedAt != nil || at.Before(c.Last) || *t != nil && !at.Before(**t) {
		return
	}
	*t = &at
}

// used adds a use to the subject's uses of its activity ("" when it names
// none): purposes, categories and bases are added in order of first use;
// the latest use by occurred_at (the later in stream order on a tie) is
// EventID.
func used(st *model.SubjectState, m *eventsv1.DataProcessed, at time.Time, eventID string) {
	if st.Used == nil {
		st.Used = map[string]*model.Use{}
	}
	u := st.Used[m.GetActivityId()]
	if u == nil {
		u = &model.Use{ActivityID: m.GetActivityId(), First: at, Last: at}
		st.Used[m.GetActivityId()] = u
	}
	add := func(list []string, keys ...string) []string {
		for _, k := range keys {
			if k != "" && !slices.Contains(list, k) {
				list = append(list, k)
			}
		}
		return list
	}
	u.Purposes = add(u.Purposes, m.GetPurposes()...)
	u.Categories = add(u.Categories, m.GetCategories()...)
	u.LegalBases = add(u.LegalBases, events.EnumName(m.GetLegalBasis()))
	u.Count++
	u.Profiling = u.Profiling || m.GetProfiling()
	if d := m.GetAutomatedDecision(); d > eventsv1.AutomatedDecision(eventsv1.AutomatedDecision_value[u.AutomatedDecision]) {
		u.AutomatedDecision = events.EnumName(d)
	}
	if at.Before(u.First) {
		u.First = at
	}
	if !at.Before(u.Last) {
		u.Last, u.EventID = at, eventID
	}
}

func end(c *model.Collection, at time.Time) {
	if c.EndedAt == nil {
		c.EndedAt = &at
	}
}

// request applies a rights request event to its row and to the subject's
// open requests. Deadlines are counted in the tenant's zone in force at the
// receipt (locationAt at the receipt's time and sequence, also for a later
// extension of it): a profile declared later changes only later requests. A receipt
// of an id that exists, and any other event of a request that does not
// exist or is another subject's, change nothing (the audit trail keeps
// them).
func request(st *model.SubjectState, reqs Requests, cat *Catalogue, rec source.Record) *model.RequestRow {
	ev := rec.Event
	at := occurredAt(ev)
	var cur *model.RequestRow
	lookup := func(id string) *model.RequestRow {
		if reqs == nil {
			return nil
		}
		return reqs(ev.GetTenant(), id)
	}
	if m := ev.GetRightsRequestReceived(); m != nil {
		if lookup(m.GetRequestId()) != nil {
			return nil
		}
		st.OpenRequests = append(st.OpenRequests, m.GetRequestId())
		loc := cat.locationAt(ev.GetTenant(), at, rec.Sequence)
		return &model.RequestRow{
			Tenant: ev.GetTenant(), RequestID: m.GetRequestId(), SubjectRef: ev.GetSubjectRef(),
			Right: events.EnumName(m.GetRight()), ReceivedAt: at, DueAt: DueAt(at, 0, loc), Status: model.RequestOpen,
			ReceivedSeq: rec.Sequence, EventIDs: []string{ev.GetEventId()},
		}
	}
	id := ev.GetRightsRequestIdentityVerified().GetRequestId() + ev.GetRightsRequestDeadlineExtended().GetRequestId() +
		ev.GetRightsRequestFulfilled().GetRequestId() + ev.GetRightsRequestDenied().GetRequestId()
	// A closed request changes no more: its last event id stays the one
	// that closed it.
	if cur = lookup(id); cur == nil || cur.SubjectRef != ev.GetSubjectRef() || cur.Status != model.RequestOpen {
		return nil
	}
	loc := cat.RequestLocation(cur)
	row := *cur
	row.EventIDs = append(slices.Clone(cur.EventIDs), ev.GetEventId())
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_RightsRequestIdentityVerified:
		if row.VerifiedAt == nil {
			row.VerifiedAt = &at
		}
	case *eventsv1.Event_RightsRequestDeadlineExtended:
		// Art. 12(3): the first extension, recorded within the first month,
		// counts, for two further months at most; any other is the
		// deadline_extension_not_counted finding (ruleExtensionNotCounted)
		// and leaves the deadline as it stands.
		if ExtensionStanding(cur, at, loc) == nil {
			row.ExtendedMonths = min(int(p.RightsRequestDeadlineExtended.GetMonths()), MaxExtensionMonths)
			row.DueAt = DueAt(row.ReceivedAt, row.ExtendedMonths, loc)
		}
	case *eventsv1.Event_RightsRequestFulfilled:
		m := p.RightsRequestFulfilled
		row.Status, row.Outcome, row.ClosedAt = model.RequestFulfilled, events.ShownText(m.GetOutcome(), m.GetOutcomeText()), &at
		// Art. 15: "no data held" answers the request; it is not a denial.
		row.NoDataHeld = m.GetNoDataHeld()
	case *eventsv1.Event_RightsRequestDenied:
		row.Status, row.DenialGround, row.ClosedAt = model.RequestDenied, events.EnumName(p.RightsRequestDenied.GetGround()), &at
	default:
		// exhaustive: fold calls request for the five request events only,
		// and RightsRequestReceived returned above.
	}
	if row.Status != model.RequestOpen {
		st.OpenRequests = slices.DeleteFunc(st.OpenRequests, func(s string) bool { return s == id })
		if len(st.OpenRequests) == 0 {
			st.OpenRequests = nil
		}
	}
	return &row
}
