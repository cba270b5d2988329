package state

import (
	"fmt"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// AdultAge is the age below which a subject is a child for the rules on
// profiling and marketing (Recitals 38 and 71): 18, as in Art. 1 of the UN
// Convention on the Rights of the Child, which the EDPB's guidelines on
// automated decision-making and profiling (WP251rev.01) follow. The Art. 8
// age of digital consent (13 to 16) says only when a child's own consent
// is valid.
const AdultAge = 18

// bandFloor is the lower bound of an age band, in years: the least age a
// subject of the band can have at the band's date.
func bandFloor(b eventsv1.AgeBand) (int, bool) {
	switch b {
	case eventsv1.AgeBand_AGE_BAND_UNDER_13:
		return 0, true
	case eventsv1.AgeBand_AGE_BAND_13:
		return 13, true
	case eventsv1.AgeBand_AGE_BAND_14:
		return 14, true
	case eventsv1.AgeBand_AGE_BAND_15:
		return 15, true
	case eventsv1.AgeBand_AGE_BAND_16_TO_17:
		return 16, true
	case eventsv1.AgeBand_AGE_BAND_ADULT:
		return AdultAge, true
	default:
		return 0, false
	}
}

// bornBy is the latest birth date a subject of band b at at can have (the
// day at falls on, b's lower bound years before): the subject was born on
// that day or earlier.
func bornBy(b eventsv1.AgeBand, at time.Time) (time.Time, bool) {
	floor, ok := bandFloor(b)
	if !ok {
		return time.Time{}, false
	}
	return at.UTC().AddDate(-floor, 0, 0), true
}

// wholeYears is the number of whole years from from to t (0 when t is
// before from), counted on the UTC calendar.
func wholeYears(from, t time.Time) int {
	from, t = from.UTC(), t.UTC()
	if t.Before(from) {
		return 0
	}
	y := t.Year() - from.Year()
	if from.AddDate(y, 0, 0).After(t) {
		y--
	}
	return y
}

// AgeAt is the least age the subject can have at t by the age band a
// collection reported: the band's lower bound plus the whole years since
// the collection (AGE_BAND_14 on 1 March 2024 is at least 15 on 1 March
// 2025). ok is false when no collection gave a band.
func AgeAt(st *model.SubjectState, t time.Time) (age int, ok bool) {
	if st == nil || st.AgeBandAt == nil {
		return 0, false
	}
	b, ok := bornBy(eventsv1.AgeBand(eventsv1.AgeBand_value[st.AgeBand]), *st.AgeBandAt)
	if !ok {
		return 0, false
	}
	return wholeYears(b, t), true
}

// noteAgeBand keeps, of the subject's age bands, the one that shows the
// subject oldest (the earliest bornBy date): every band is a lower bound,
// so the greatest is the best one known.
func noteAgeBand(st *model.SubjectState, b eventsv1.AgeBand, at time.Time, eventID string) {
	d, ok := bornBy(b, at)
	if !ok {
		return
	}
	if st.AgeBandAt != nil {
		if cur, ok := bornBy(eventsv1.AgeBand(eventsv1.AgeBand_value[st.AgeBand]), *st.AgeBandAt); ok && !d.Before(cur) {
			return
		}
	}
	t := at
	st.AgeBand, st.AgeBandAt, st.AgeBandEventID = events.EnumName(b), &t, eventID
}

// childness is why a subject counts as a child at one time, with the
// events that show it.
type childness struct {
	why string
	ids []string
}

// childAt tells whether the subject is under limit at t: a source reported
// it as a child (subject_is_child), or the age band of a collection, aged
// by the years since, is below limit. The event being judged counts too
// (a collection that reports a band or the flag is judged with it): its
// band is noted into a copy of the age facts, never into st. limitName
// names the limit in the reason.
func childAt(st *model.SubjectState, ev *eventsv1.Event, t time.Time, limit int, limitName string) *childness {
	age := model.SubjectState{AgeBand: st.AgeBand, AgeBandAt: st.AgeBandAt, AgeBandEventID: st.AgeBandEventID}
	flag, flagID := st.Child, st.ChildEventID
	if m := ev.GetDataCollected(); m != nil {
		noteAgeBand(&age, m.GetAgeBand(), occurredAt(ev), ev.GetEventId())
		if m.GetSubjectIsChild() && !flag {
			flag, flagID = true, ev.GetEventId()
		}
	}
	if a, ok := AgeAt(&age, t); ok && a < limit {
		return &childness{
			why: fmt.Sprintf("aged at least %d (%s on %s, %d whole years before), below %s",
				a, age.AgeBand, age.AgeBandAt.UTC().Format(time.DateOnly), wholeYears(*age.AgeBandAt, t), limitName),
			ids: []string{age.AgeBandEventID},
		}
	}
	if flag {
		return &childness{why: "reported as a child (subject_is_child)", ids: []string{flagID}}
	}
	return nil
}

// consentChild is childAt below the tenant's age of digital consent
// (Art. 8(1)) in force for the event.
func consentChild(st *model.SubjectState, cat *Catalogue, rec source.Record, t time.Time) *childness {
	limit, from := cat.consentAge(rec.Event.GetTenant(), occurredAt(rec.Event), rec.Sequence)
	return childAt(st, rec.Event, t, limit, fmt.Sprintf("the age of digital consent %d (%s)", limit, from))
}

// ruleChildWithoutParent (Art. 8(1)): consent recorded, without parental
// authorisation, for a subject who is a child at that time — reported as
// one, or younger than the tenant's age of digital consent by an age band
// (AgeAt) — or a collection that first shows the subject to be such a
// child while a consent given without parental authorisation stands.
func ruleChildWithoutParent(st *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	ev := rec.Event
	at := occurredAt(ev)
	if m := ev.GetConsentGiven(); m != nil {
		if m.GetParentalAuthorization() != nil {
			return nil
		}
		c := consentChild(st, cat, rec, at)
		if c == nil {
			return nil
		}
		return []model.Finding{finding(RuleChildWithoutParent, rec, c.ids, fmt.Sprintf(
			"consent to %s recorded without parental authorisation for a subject who is a child: %s", m.GetPurpose(), c.why))}
	}
	if ev.GetDataCollected() == nil {
		return nil
	}
	before := model.SubjectState{Child: st.Child, ChildEventID: st.ChildEventID, AgeBand: st.AgeBand, AgeBandAt: st.AgeBandAt, AgeBandEventID: st.AgeBandEventID}
	limit, _ := cat.consentAge(ev.GetTenant(), at, rec.Sequence)
	if childAt(&before, &eventsv1.Event{}, at, limit, "") != nil {
		return nil // already a child: the consent was judged when given, or by an earlier collection
	}
	c := consentChild(st, cat, rec, at)
	if c == nil {
		return nil
	}
	var ids, purposes []string
	for _, purpose := range sortedKeys(st.Consents) {
		if s, cn := consentAt(st, purpose, at); s == consentValid && !cn.Parental {
			ids = append(ids, cn.EventID)
			purposes = append(purposes, purpose)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return []model.Finding{finding(RuleChildWithoutParent, rec, append(ids, c.ids...), fmt.Sprintf(
		"the subject is a child (%s); consent to %s stands without parental authorisation", c.why, strings.Join(purposes, ", ")))}
}

// ruleChildProfiledOrTargeted (Recitals 38 and 71): processing of a subject
// under 18 (AdultAge; childAt) that profiles it — DataProcessed with
// profiling or an automated decision, whatever the legal basis: a decision
// based solely on automated processing "should not concern a child"
// (Recital 71) and children merit specific protection as to profiling
// (Recital 38) — or that is for direct marketing (a purpose at or below
// "marketing") on any other ground than consent valid under Art. 8: the
// event rests on consent, the subject's consent to that purpose stands at
// occurred_at and, if the subject is under the age of digital consent, was
// given with parental authorisation. Marketing to a child under legitimate
// interests, or under a child's own consent below the Art. 8 age, is the
// finding. A controller that judged a case acceptable records that on the
// finding.
func ruleChildProfiledOrTargeted(st *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	ev := rec.Event
	p, _ := processingOf(ev)
	var what []string
	if d := ev.GetDataProcessed(); d != nil {
		if d.GetProfiling() {
			what = append(what, "profiling")
		}
		if a := d.GetAutomatedDecision(); a != eventsv1.AutomatedDecision_AUTOMATED_DECISION_UNSPECIFIED {
			what = append(what, "an automated decision ("+events.EnumName(a)+")")
		}
	}
	at := occurredAt(ev)
	for _, purpose := range p.purposes {
		if taxonomy.Covers(marketingPurpose, purpose) && !art8Consent(st, cat, rec, p, purpose, at) {
			what = append(what, "marketing ("+purpose+")")
		}
	}
	if len(what) == 0 {
		return nil
	}
	c := childAt(st, ev, at, AdultAge, fmt.Sprintf("%d (UNCRC Art. 1)", AdultAge))
	if c == nil {
		return nil
	}
	s := "data collected"
	switch {
	case ev.GetDisclosureMade() != nil:
		s = "disclosure to " + ev.GetDisclosureMade().GetRecipient().GetId()
	case ev.GetDataProcessed() != nil:
		s = "processing"
	}
	a := p.activity
	if a == "" {
		a = ev.GetDataProcessed().GetActivityId()
	}
	if a != "" {
		s += " under activity " + a
	}
	return []model.Finding{finding(RuleChildProfiledOrTargeted, rec, c.ids, fmt.Sprintf(
		"%s for %s of a subject who is a child: %s", s, strings.Join(what, ", "), c.why))}
}

// art8Consent reports whether processing p for purpose rests on consent
// that Art. 8 makes valid for the subject at at: the event's basis is
// consent, the subject's consent to purpose stands, and it was given with
// parental authorisation or the subject is not under the age of digital
// consent.
func art8Consent(st *model.SubjectState, cat *Catalogue, rec source.Record, p processing, purpose string, at time.Time) bool {
	if p.basis != eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT {
		return false
	}
	s, c := consentAt(st, purpose, at)
	if s != consentValid {
		return false
	}
	return c.Parental || consentChild(st, cat, rec, at) == nil
}
