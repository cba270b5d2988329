package state

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

const (
	// BreachNotifyWithin is Art. 33(1)'s "where feasible, not later than 72
	// hours after having become aware of it".
	BreachNotifyWithin = 72 * time.Hour
	// BreachTellSubjectsWithin is the bound the ledger gives Art. 34(1)'s
	// "without undue delay" for telling the subjects of a high-risk breach:
	// 72 hours after the risk was assessed high, the time Art. 33(1) gives
	// for the authority. The GDPR sets no number; a controller that tells
	// the subjects later must be able to justify it, and the finding asks
	// for that justification.
	BreachTellSubjectsWithin = 72 * time.Hour
)

// BreachID is the breach a controller-level breach event is about; "" for
// any other event.
func BreachID(ev *eventsv1.Event) string {
	if ev.GetSubjectRef() != "" {
		return ""
	}
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_BreachRecorded:
		return p.BreachRecorded.GetBreachId()
	case *eventsv1.Event_BreachRiskAssessed:
		return p.BreachRiskAssessed.GetBreachId()
	case *eventsv1.Event_BreachAuthorityNotified:
		return p.BreachAuthorityNotified.GetBreachId()
	case *eventsv1.Event_BreachSubjectsNotified:
		return p.BreachSubjectsNotified.GetBreachId()
	case *eventsv1.Event_BreachSubjectNotificationExempted:
		return p.BreachSubjectNotificationExempted.GetBreachId()
	case *eventsv1.Event_BreachClosed:
		return p.BreachClosed.GetBreachId()
	default:
		// exhaustive: only these six events are steps of a breach.
		return ""
	}
}

// FoldBreach folds a breach event into prev, the breach's row so far (nil
// for a breach not seen before), and returns the new row: a copy, prev is
// left as it was. It returns nil for an event that is no step of a breach
// (BreachID is ""). A step of a breach id never recorded starts a row that
// is not Recorded; a BreachRecorded arriving later fills it in.
func FoldBreach(prev *model.BreachRow, rec source.Record) *model.BreachRow {
	ev := rec.Event
	id := BreachID(ev)
	if id == "" {
		return nil
	}
	var r *model.BreachRow
	if prev != nil {
		r = prev.Clone()
	} else {
		r = &model.BreachRow{Tenant: ev.GetTenant(), BreachID: id, FirstSeq: rec.Sequence}
	}
	at := occurredAt(ev)
	eid := ev.GetEventId()
	r.EventIDs = append(r.EventIDs, eid)
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_BreachRecorded:
		m := p.BreachRecorded
		r.Recorded, r.RecordedEventID = true, eid
		if ts := m.GetDetectedAt(); ts != nil {
			d := ts.AsTime()
			r.DetectedAt = &d
		}
		r.Categories = slices.Clone(m.GetCategories())
		r.SubjectsAffectedEstimate = m.GetSubjectsAffectedEstimate()
		if risk := m.GetRisk(); risk != "" {
			from := at
			if r.DetectedAt != nil {
				from = *r.DetectedAt // assessed as recorded, it holds from awareness
			}
			addRisk(r, model.BreachRisk{Risk: risk, At: from, EventID: eid})
		}
		// The event's own fields, from before the life cycle, still count.
		if ts := m.GetAuthorityNotifiedAt(); ts != nil {
			r.AuthorityNotices = append(r.AuthorityNotices, model.BreachAuthorityNotice{
				Phase: model.BreachLegacyPhase, At: ts.AsTime(), EventID: eid})
		}
		if m.GetSubjectsNotified() {
			r.SubjectsNotices = append(r.SubjectsNotices, model.BreachSubjectsNotice{At: at, EventID: eid})
		}
	case *eventsv1.Event_BreachRiskAssessed:
		addRisk(r, model.BreachRisk{Risk: p.BreachRiskAssessed.GetRisk(), At: at, EventID: eid})
	case *eventsv1.Event_BreachAuthorityNotified:
		m := p.BreachAuthorityNotified
		r.AuthorityNotices = append(r.AuthorityNotices, model.BreachAuthorityNotice{
			Phase: events.EnumName(m.GetPhase()), At: at, Authority: m.GetAuthority(), Reference: m.GetReference(),
			DelayReason: m.GetDelayReason() != "" || m.GetDelayReasonText() != nil, EventID: eid})
		if len(m.GetCategories()) > 0 {
			r.Categories = slices.Clone(m.GetCategories())
		}
		if n := m.GetSubjectsAffectedEstimate(); n > 0 {
			r.SubjectsAffectedEstimate = n
		}
	case *eventsv1.Event_BreachSubjectsNotified:
		m := p.BreachSubjectsNotified
		r.SubjectsNotices = append(r.SubjectsNotices, model.BreachSubjectsNotice{
			At: at, Channel: events.EnumName(m.GetChannel()), SubjectsNotified: m.GetSubjectsNotified(),
			PublicCommunication: m.GetPublicCommunication(), EventID: eid})
	case *eventsv1.Event_BreachSubjectNotificationExempted:
		r.Exemptions = append(r.Exemptions, model.BreachExemption{
			Ground: events.EnumName(p.BreachSubjectNotificationExempted.GetGround()), At: at, EventID: eid})
	case *eventsv1.Event_BreachClosed:
		r.ClosedAt, r.ClosedEventID = &at, eid
	default:
		// exhaustive: FoldBreach returns before for every other payload
		// (BreachID is ""): only the six breach events reach here.
	}
	return r
}

// addRisk inserts an assessment in time order, after those of the same
// time (stream order on a tie).
func addRisk(r *model.BreachRow, x model.BreachRisk) {
	i := sort.Search(len(r.Risks), func(i int) bool { return r.Risks[i].At.After(x.At) })
	r.Risks = slices.Insert(r.Risks, i, x)
}

// RiskAt is the breach's risk at t: the last assessment not after t; ""
// when none was made by then.
func RiskAt(r *model.BreachRow, t time.Time) string {
	risk := ""
	for _, x := range r.Risks {
		if x.At.After(t) {
			break
		}
		risk = x.Risk
	}
	return risk
}

// Subjects' standing on a breach (BreachClock.Subjects).
const (
	BreachSubjectsTold        = "told"
	BreachSubjectsExempted    = "exempted"
	BreachSubjectsNotTold     = "not told"
	BreachSubjectsNotRequired = "not required"
)

// BreachClock is where a breach stands at now against Art. 33 and 34.
type BreachClock struct {
	// NotifyBy is awareness plus 72 hours; zero when the breach was never
	// recorded (no awareness time).
	NotifyBy time.Time
	// NotificationRequired: the risk at NotifyBy is not "none" (an unknown
	// risk counts as a risk). A breach unlikely to result in a risk needs
	// no notification (Art. 33(1)); it stays in the register (Art. 33(5)).
	NotificationRequired bool
	// FirstNotice is the earliest notification to the authority not after
	// now; nil when none.
	FirstNotice *model.BreachAuthorityNotice
	// HoursToNotice is the time from awareness to FirstNotice in hours,
	// rounded up to a tenth (0 without either): a notification a minute past
	// the 72 hours shows as 72.1, never as 72.0.
	HoursToNotice float64
	// Late: breach_notified_late holds at now.
	Late bool
	// Risk is the risk at now; "" when none was assessed.
	Risk string
	// Subjects is BreachSubjectsTold, ...Exempted, ...NotTold (the risk is
	// high at now and neither was recorded) or ...NotRequired.
	Subjects string
	// SubjectsLate: breach_subjects_not_informed holds at now (the subjects
	// were told, or an exception recorded, too late or not at all).
	SubjectsLate bool
	// Closed: a BreachClosed not after now.
	Closed bool
}

// ClockOf judges r at now.
func ClockOf(r *model.BreachRow, now time.Time) BreachClock {
	c := BreachClock{Risk: RiskAt(r, now), Closed: r.ClosedAt != nil && !r.ClosedAt.After(now)}
	for i := range r.AuthorityNotices {
		n := &r.AuthorityNotices[i]
		if !n.At.After(now) && (c.FirstNotice == nil || n.At.Before(c.FirstNotice.At)) {
			c.FirstNotice = n
		}
	}
	if r.Recorded && r.DetectedAt != nil {
		c.NotifyBy = r.DetectedAt.Add(BreachNotifyWithin)
		c.NotificationRequired = RiskAt(r, c.NotifyBy) != model.BreachRiskNone
		if c.FirstNotice != nil {
			c.HoursToNotice = hoursUp(c.FirstNotice.At.Sub(*r.DetectedAt))
		}
		switch {
		case !c.NotificationRequired:
		case c.FirstNotice != nil:
			c.Late = c.FirstNotice.At.After(c.NotifyBy) && !c.FirstNotice.DelayReason
		default:
			c.Late = now.After(c.NotifyBy)
		}
	}
	told, exempted := firstTold(r, now)
	switch {
	case told != nil:
		c.Subjects = BreachSubjectsTold
	case exempted != nil:
		c.Subjects = BreachSubjectsExempted
	case c.Risk == model.BreachRiskHigh:
		c.Subjects = BreachSubjectsNotTold
	default:
		c.Subjects = BreachSubjectsNotRequired
	}
	_, c.SubjectsLate = subjectsNotInformed(r, now)
	return c
}

// hoursUp is d in hours, rounded up to a tenth.
func hoursUp(d time.Duration) float64 {
	const tenth = 6 * time.Minute
	n := d / tenth
	if d%tenth > 0 {
		n++
	}
	return float64(n) / 10
}

// firstTold is the earliest communication to the subjects and the earliest
// Art. 34(3) exception, each not after now; nil when none.
func firstTold(r *model.BreachRow, now time.Time) (told *model.BreachSubjectsNotice, exempted *model.BreachExemption) {
	for i := range r.SubjectsNotices {
		n := &r.SubjectsNotices[i]
		if !n.At.After(now) && (told == nil || n.At.Before(told.At)) {
			told = n
		}
	}
	for i := range r.Exemptions {
		x := &r.Exemptions[i]
		if !x.At.After(now) && (exempted == nil || x.At.Before(exempted.At)) {
			exempted = x
		}
	}
	return told, exempted
}

// BreachFindings judges the breach register at now, in the order of rows:
//
//   - breach_notified_late (Art. 33(1)): a recorded breach whose risk at
//     awareness + 72 hours was not "none", and whose first notification to
//     the authority came after that without a reason for the delay recorded
//     on it (Art. 33(1), second sentence), or had not come by now, past
//     that time. ID: the rule and the BreachRecorded's event id; events:
//     it and the late notification; arose at awareness + 72 hours.
//   - breach_subjects_not_informed (Art. 34(1)): the risk was assessed high
//     and stayed high for BreachTellSubjectsWithin, and by then neither a
//     communication to the subjects nor an Art. 34(3) exception was
//     recorded (one recorded later is named with the finding). ID: the rule
//     and the event that made the risk high; arose at that time plus
//     BreachTellSubjectsWithin. One per breach: the first time it holds.
func BreachFindings(rows []model.BreachRow, now time.Time) []model.Finding {
	var out []model.Finding
	for i := range rows {
		r := &rows[i]
		if f, ok := notifiedLate(r, now); ok {
			out = append(out, f)
		}
		if f, ok := subjectsNotInformed(r, now); ok {
			out = append(out, f)
		}
	}
	return out
}

func notifiedLate(r *model.BreachRow, now time.Time) (model.Finding, bool) {
	c := ClockOf(r, now)
	if !c.Late {
		return model.Finding{}, false
	}
	f := model.Finding{
		ID: RuleBreachNotifiedLate + ":" + r.RecordedEventID, Tenant: r.Tenant, Rule: RuleBreachNotifiedLate,
		EventIDs: []string{r.RecordedEventID}, AroseAt: c.NotifyBy,
	}
	detected := r.DetectedAt.UTC().Format(detailTime)
	if n := c.FirstNotice; n != nil {
		if n.EventID != r.RecordedEventID { // not the BreachRecorded's own authority_notified_at
			f.EventIDs = append(f.EventIDs, n.EventID)
		}
		f.Detail = fmt.Sprintf("Art. 33(1): breach %s, detected %s, was first notified to the supervisory authority at %s, %.1f hours after awareness (the limit is 72), with no reason for the delay recorded",
			r.BreachID, detected, n.At.UTC().Format(detailTime), c.HoursToNotice)
	} else {
		f.Detail = fmt.Sprintf("Art. 33(1): breach %s, detected %s, was not notified to the supervisory authority by %s (due by %s), and its risk was not assessed as none",
			r.BreachID, detected, now.UTC().Format(detailTime), c.NotifyBy.UTC().Format(detailTime))
	}
	return f, true
}

func subjectsNotInformed(r *model.BreachRow, now time.Time) (model.Finding, bool) {
	told, exempted := firstTold(r, now)
	for i, x := range r.Risks {
		if x.Risk != model.BreachRiskHigh || i > 0 && r.Risks[i-1].Risk == model.BreachRiskHigh {
			continue // not the start of a run of high risk
		}
		bound := x.At.Add(BreachTellSubjectsWithin)
		if bound.After(now) {
			break
		}
		stillHigh := true
		for _, y := range r.Risks[i+1:] {
			if y.At.After(bound) {
				break
			}
			if y.Risk != model.BreachRiskHigh {
				stillHigh = false
				break
			}
		}
		if !stillHigh {
			continue
		}
		if told != nil && !told.At.After(bound) || exempted != nil && !exempted.At.After(bound) {
			return model.Finding{}, false
		}
		f := model.Finding{
			ID: RuleBreachSubjectsNotInformed + ":" + x.EventID, Tenant: r.Tenant, Rule: RuleBreachSubjectsNotInformed,
			EventIDs: []string{x.EventID}, AroseAt: bound,
		}
		var later string
		switch {
		case told != nil && (exempted == nil || told.At.Before(exempted.At)):
			if told.EventID != x.EventID {
				f.EventIDs = append(f.EventIDs, told.EventID)
			}
			later = "; they were told only at " + told.At.UTC().Format(detailTime)
		case exempted != nil:
			f.EventIDs = append(f.EventIDs, exempted.EventID)
			later = "; an Art. 34(3) exception (" + exempted.Ground + ") was recorded only at " + exempted.At.UTC().Format(detailTime)
		default:
			later = "; neither was recorded by " + now.UTC().Format(detailTime)
		}
		f.Detail = fmt.Sprintf("Art. 34(1): breach %s was assessed high risk at %s, and by %s (%d hours later) neither were the subjects told nor was an Art. 34(3) exception recorded%s",
			r.BreachID, x.At.UTC().Format(detailTime), bound.UTC().Format(detailTime), int(BreachTellSubjectsWithin.Hours()), later)
		return f, true
	}
	return model.Finding{}, false
}
