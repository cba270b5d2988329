package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// How many problems of each rule are planted (fewer when a small data set
// has fewer candidates).
const plantsPerRule = 4

// planter puts compliance problems into simulated subjects: every event it
// adds is valid, and none of the simulation's own events breaks these rules.
// A subject receives at most one planted problem.
type planter struct {
	g    *gen
	r    *rand.Rand
	used map[int]bool
	out  []Planted
}

func plant(g *gen, subjects []*subject, r *rand.Rand) []Planted {
	p := &planter{g: g, r: r, used: map[int]bool{}}
	p.each(subjects, p.afterConsentWithdrawn)
	p.each(subjects, p.undeclaredRecipient)
	p.each(subjects, p.duringRestriction)
	p.each(subjects, p.afterObjection)
	p.each(subjects, p.childWithoutParent)
	p.each(subjects, p.requestPastDeadline)
	p.each(subjects, p.retentionExceeded)
	p.each(subjects, p.afterErasure)
	p.each(subjects, p.extensionNotCounted)
	p.each(subjects, p.specialCondition)
	p.each(subjects, p.undeclaredActivity)
	p.each(subjects, p.outsideActivity)
	p.each(subjects, p.transferWithoutGround)
	p.each(subjects, p.recipientNotAsDeclared)
	p.each(subjects, p.automatedDecision)
	p.each(subjects, p.criminalWithoutBasis)
	p.each(subjects, p.childTargeted)
	p.each(subjects, p.denialWithoutRemedies)
	p.each(subjects, p.withoutConsent)
	return p.out
}

// each offers the subjects, in a seeded random order, to try until it has
// planted plantsPerRule problems.
func (p *planter) each(subjects []*subject, try func(*subject) *Planted) {
	order := make([]int, len(subjects))
	for i := range order {
		order[i] = i
	}
	p.r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	n := 0
	for _, i := range order {
		if n == plantsPerRule {
			return
		}
		s := subjects[i]
		if p.used[s.idx] {
			continue
		}
		if pl := try(s); pl != nil {
			p.used[s.idx] = true
			p.out = append(p.out, *pl)
			n++
		}
	}
}

func ts(ev *eventsv1.Event) time.Time { return ev.GetOccurredAt().AsTime() }

func (p *planter) between(lo, hi time.Time) time.Time {
	return lo.Add(time.Duration(p.r.Int64N(int64(hi.Sub(lo))))).Truncate(time.Second)
}

func (s *subject) withdrawnBefore(t time.Time) bool {
	return s.nlWithdrawn != nil && !ts(s.nlWithdrawn).After(t)
}

// newsletterIssue sends a newsletter issue to the subscriber by email.
func (s *subject) newsletterIssue(t time.Time) *eventsv1.Event {
	return s.send(t, []string{catFirstName, catEmail})
}

// afterConsentWithdrawn: a newsletter issue still goes to someone who
// unsubscribed.
func (p *planter) afterConsentWithdrawn(s *subject) *Planted {
	if s.nlWithdrawn == nil || len(s.restrictions) > 0 || len(s.objections) > 0 {
		return nil
	}
	w := ts(s.nlWithdrawn)
	if !w.Add(20 * day).Before(s.stop) {
		return nil
	}
	t := p.between(w.Add(2*day), w.Add(20*day))
	ev := s.newsletterIssue(t)
	return &Planted{
		Rule:     RuleAfterConsentWithdrawn,
		EventIDs: []string{s.nlWithdrawn.GetEventId(), ev.GetEventId()},
		Note: fmt.Sprintf("a newsletter issue was sent by email %d days after the subscriber withdrew consent to email marketing",
			int(t.Sub(w)/day)),
	}
}

// passEnquiry discloses an enquirer's data under the enquiries activity to
// rcp, by staff member actor, within the given time after the enquiry; nil
// when the subject made no enquiry, is a child or stops by then.
func (p *planter) passEnquiry(s *subject, within time.Duration, actor string, rcp *eventsv1.Recipient, purpose string, cats []string) *eventsv1.Event {
	if s.enquiry == nil || s.child || !ts(s.enquiry).Add(within).Before(s.stop) {
		return nil
	}
	t := p.between(ts(s.enquiry).Add(day), ts(s.enquiry).Add(within))
	return s.disclose(t, staff(actor), s.enquiry.GetCorrelationId(), s.enquiry.GetEventId(), actEnquiries,
		rcp, purpose, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, cats)
}

// undeclaredRecipient: a webinar registrant's contact details go to an
// events company that no activity declares.
func (p *planter) undeclaredRecipient(s *subject) *Planted {
	ev := p.passEnquiry(s, 5*day, "staff-sales-02", recipientUndeclared(), useService, []string{catFirstName, catLastName, catEmail})
	if ev == nil {
		return nil
	}
	return &Planted{
		Rule:     RuleUndeclaredRecipient,
		EventIDs: []string{ev.GetEventId()},
		Note:     "an enquirer's name and email were passed to Brightlane Events Ltd, a recipient no processing activity declares",
	}
}

// duringRestriction: usage statistics are collected while processing for
// that purpose is restricted.
func (p *planter) duringRestriction(s *subject) *Planted {
	if len(s.restrictions) == 0 || len(s.objections) > 0 {
		return nil
	}
	w := s.restrictions[0]
	if w.to.Sub(w.from) < 4*day {
		return nil
	}
	t := p.between(w.from.Add(day), w.to.Add(-day))
	ev := s.collect(t, system("telemetry-collector"), "", "", actTelemetry, []string{useImprove},
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "observed", "client.usage_report",
		val(catUniqueID, "", s.p.accountID), val(catIP, "", ipAddress(s.r)))
	return &Planted{
		Rule:     RuleDuringRestriction,
		EventIDs: []string{w.applied.GetEventId(), ev.GetEventId()},
		Note:     "usage statistics (functional.service.improve) were collected while processing for that purpose was restricted",
	}
}

// afterObjection: processing for a purpose goes on after the subject
// objected to it.
func (p *planter) afterObjection(s *subject) *Planted {
	if len(s.objections) != 1 || len(s.restrictions) > 0 {
		return nil
	}
	o := s.objections[0]
	if !o.at.Add(25 * day).Before(s.stop) {
		return nil
	}
	t := p.between(o.at.Add(3*day), o.at.Add(25*day))
	var ev *eventsv1.Event
	var what string
	if slices.Contains(o.purposes, useImprove) {
		ev = s.collect(t, system("telemetry-collector"), "", "", actTelemetry, []string{useImprove},
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "observed", "client.usage_report",
			val(catUniqueID, "", s.p.accountID), val(catIP, "", ipAddress(s.r)))
		what = "usage statistics were collected after the customer objected to functional.service.improve"
	} else {
		if s.withdrawnBefore(t) {
			return nil
		}
		ev = s.disclose(t, system("newsletter-scheduler"), "", "", actProductUpdates, recipientMailing(), useEmailMarketing,
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, []string{catFirstName, catEmail})
		what = "a product announcement went to Postwave Mail after the customer objected to email marketing"
	}
	return &Planted{Rule: RuleAfterObjection, EventIDs: []string{o.ev.GetEventId(), ev.GetEventId()}, Note: what}
}

// childWithoutParent: a child ticks the newsletter box and the consent is
// recorded without a parent's authorisation, before staff notice the child.
func (p *planter) childWithoutParent(s *subject) *Planted {
	if s.childDetect.IsZero() {
		return nil
	}
	t := ts(s.enquiry).Add(time.Duration(1+p.r.IntN(20)) * time.Minute)
	ev := s.event(t, s.dataSubject(), s.enquiry.GetCorrelationId(), s.enquiry.GetEventId())
	ev.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
		Purpose: useEmailMarketing, NoticeId: privacyNoticeV1.id, NoticeVersion: privacyNoticeV1.version,
		NoticeSha256: privacyNoticeV1.sha(), Method: eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX,
		Channel: eventsv1.Channel_CHANNEL_WEB, Categories: []string{catFirstName, catEmail},
	}}
	return &Planted{
		Rule:     RuleChildWithoutParent,
		EventIDs: []string{s.enquiry.GetEventId(), ev.GetEventId()},
		Note:     "consent to the newsletter was recorded for a subject flagged as a child under 13, without parental authorisation",
	}
}

// requestPastDeadline: an access request is never answered, or answered
// weeks late, without an extension.
func (p *planter) requestPastDeadline(s *subject) *Planted {
	var rq *request
	for _, r := range s.requests {
		if r.right == eventsv1.Right_RIGHT_ACCESS && !r.extended && r.closing != nil && r.closing.GetRightsRequestFulfilled() != nil {
			rq = r
			break
		}
	}
	if rq == nil || !ts(rq.received).Add(62*day).Before(s.stop) {
		return nil
	}
	s.remove(rq.closing)
	late := len(p.out)%2 == 1
	if !late {
		rq.closing = nil
		return &Planted{
			Rule:     RuleRequestPastDeadline,
			EventIDs: []string{rq.received.GetEventId()},
			Note:     "an access request was received and identity verified, and never answered",
		}
	}
	t := p.between(ts(rq.received).Add(40*day), ts(rq.received).Add(60*day))
	rq.closing = s.fulfil(rq, t, rq.received, "copy of the personal data sent by secure download link", "access export for "+rq.id)
	return &Planted{
		Rule:     RuleRequestPastDeadline,
		EventIDs: []string{rq.received.GetEventId(), rq.closing.GetEventId()},
		Note:     fmt.Sprintf("an access request was answered %d days after receipt, without an extension", int(t.Sub(ts(rq.received))/day)),
	}
}

// extensionNotCounted: an access request whose deadline was extended is
// extended a second time, a few days before it is answered. Only the first
// extension counts (Art. 12(3)): the deadline stays the first extension's,
// and the answer is in time by it.
func (p *planter) extensionNotCounted(s *subject) *Planted {
	var rq *request
	var first *eventsv1.Event
	for _, r := range s.requests {
		if r.right != eventsv1.Right_RIGHT_ACCESS || !r.extended || r.closing == nil || r.closing.GetRightsRequestFulfilled() == nil {
			continue
		}
		for _, ev := range s.events {
			if ev.GetRightsRequestDeadlineExtended().GetRequestId() == r.id {
				rq, first = r, ev
			}
		}
		if rq != nil {
			break
		}
	}
	if rq == nil || ts(rq.closing).Sub(ts(first)) < 3*day {
		return nil
	}
	t := p.between(ts(first).Add(day), ts(rq.closing).Add(-day))
	ev := s.event(t, s.staffMember(), rq.received.GetEventId(), first.GetEventId())
	ev.Payload = &eventsv1.Event_RightsRequestDeadlineExtended{RightsRequestDeadlineExtended: &eventsv1.RightsRequestDeadlineExtended{
		RequestId: rq.id, Months: 1, Reason: "the archived backup catalogues are taking longer to restore than planned",
	}}
	return &Planted{
		Rule:     RuleExtensionNotCounted,
		EventIDs: []string{rq.received.GetEventId(), ev.GetEventId()},
		Note: fmt.Sprintf("an access request's deadline, already extended, was extended again %d days after receipt; only the first extension counts",
			int(t.Sub(ts(rq.received))/day)),
	}
}

// retentionExceeded: an enquiry is kept past its retention period.
func (p *planter) retentionExceeded(s *subject) *Planted {
	if len(s.retention) == 0 || s.enquiry == nil {
		return nil
	}
	due := ts(s.enquiry).Add(enquiryRetentionDays * day)
	if !due.Add(45 * day).Before(s.stop) {
		return nil
	}
	for _, ev := range s.retention {
		s.remove(ev)
	}
	s.retention = nil
	until := "the end of the data set"
	if s.stop.Before(p.g.end) {
		until = "the subject's erasure request"
	}
	return &Planted{
		Rule:     RuleRetentionExceeded,
		EventIDs: []string{s.enquiry.GetEventId()},
		Note: fmt.Sprintf("enquiry data (web-enquiries, kept %d days from collection) was due for erasure on %s and still held %d days later, at %s",
			enquiryRetentionDays, due.Format(time.DateOnly), int(s.stop.Sub(due)/day), until),
	}
}

// afterErasure: a newsletter issue goes to the mailing platform after the
// subscriber's keys were shredded.
func (p *planter) afterErasure(s *subject) *Planted {
	if s.shred == nil || s.nlConsent == nil || s.nlWithdrawn != nil || !s.childDetect.IsZero() || len(s.objections) > 0 {
		return nil
	}
	sh := ts(s.shred)
	if !sh.Add(20 * day).Before(p.g.end) {
		return nil
	}
	t := p.between(sh.Add(2*day), sh.Add(20*day))
	ev := s.newsletterIssue(t)
	return &Planted{
		Rule:     RuleAfterErasure,
		EventIDs: []string{s.shred.GetEventId(), ev.GetEventId()},
		Note:     "a newsletter issue was sent by email after the subject's erasure request was carried out and the keys shredded",
	}
}

// specialCondition: a sick note is recorded as health care (Art. 9(2)(h))
// while the staff-sickness activity declares employment and social
// security law (Art. 9(2)(b)).
func (p *planter) specialCondition(s *subject) *Planted {
	if s.kind != kindEmployee {
		return nil
	}
	for _, ev := range s.events {
		if dc := ev.GetDataCollected(); dc != nil && dc.GetActivityId() == actStaffSickness {
			dc.SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_H_HEALTH_SOCIAL_CARE
			return &Planted{
				Rule:     RuleSpecialCategory,
				EventIDs: []string{p.g.declaredBy[actStaffSickness], ev.GetEventId()},
				Note:     "a sick note was recorded under Art. 9(2)(h) health care, while the staff-sickness activity declares Art. 9(2)(b) employment law",
			}
		}
	}
	return nil
}

// undeclaredActivity: sales staff copy an enquirer's contact details into a
// prospecting sheet, an activity the catalogue does not declare.
func (p *planter) undeclaredActivity(s *subject) *Planted {
	if s.enquiry == nil || s.child || !ts(s.enquiry).Add(5*day).Before(s.stop) {
		return nil
	}
	t := p.between(ts(s.enquiry).Add(day), ts(s.enquiry).Add(5*day))
	if !s.allowed(t, useService) {
		return nil
	}
	ev := s.collect(t, staff("staff-sales-01"), s.enquiry.GetCorrelationId(), s.enquiry.GetEventId(), actProspecting,
		[]string{useService}, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "third_party:crm", "sales.prospecting_sheet",
		val(catFirstName, "", s.p.first), val(catLastName, "", s.p.last), val(catEmail, "", s.p.email))
	return &Planted{
		Rule:     RuleUndeclaredActivity,
		EventIDs: []string{ev.GetEventId()},
		Note:     "an enquirer's name and email were copied into a sales prospecting sheet, under activity sales-prospecting, which the catalogue does not declare",
	}
}

// outsideActivity: a newsletter issue uses the subscriber's last name too,
// a category the newsletter does not declare.
func (p *planter) outsideActivity(s *subject) *Planted {
	if s.nlConsent == nil || s.child || len(s.restrictions) > 0 || len(s.objections) > 0 {
		return nil
	}
	from, to := ts(s.nlConsent).Add(day), s.marketingStop().Add(-day)
	if !from.Before(to) {
		return nil
	}
	t := p.between(from, to)
	if !s.allowed(t, useEmailMarketing) {
		return nil
	}
	ev := s.send(t, []string{catFirstName, catLastName, catEmail})
	return &Planted{
		Rule:     RuleOutsideActivity,
		EventIDs: []string{p.g.declaredBy[actNewsletter], ev.GetEventId()},
		Note:     "a newsletter issue used the subscriber's last name (user.name.last), a category the newsletter activity does not declare",
	}
}

// remove drops one event of the subject.
func (s *subject) remove(ev *eventsv1.Event) {
	s.events = slices.DeleteFunc(s.events, func(e *eventsv1.Event) bool { return e == ev })
}

// transferWithoutGround: an enquiry is passed to the overflow support desk
// in India, which the catalogue declares under an adequacy decision India
// does not have (Art. 45): the transfer has no Chapter V ground.
func (p *planter) transferWithoutGround(s *subject) *Planted {
	if len(s.restrictions) > 0 || len(s.objections) > 0 {
		return nil // none of them may reach operations.support
	}
	ev := p.passEnquiry(s, 3*day, "staff-support-03", recipientSupport(), useSupport, []string{catFirstName, catEmail})
	if ev == nil {
		return nil
	}
	return &Planted{
		Rule:     RuleTransferWithoutGround,
		EventIDs: []string{ev.GetEventId()},
		Note:     "an enquirer's name and email went to Sahyadri Support Services in India under an adequacy decision India does not have",
	}
}

// recipientNotAsDeclared: a subscriber's name and email are handed to
// Postwave Mail's Canadian data centre (a migration of the mailing list),
// while the catalogue declares the platform in the United States (same
// clauses, another country).
func (p *planter) recipientNotAsDeclared(s *subject) *Planted {
	if s.nlConsent == nil || s.child || len(s.restrictions) > 0 || len(s.objections) > 0 {
		return nil
	}
	lo := ts(s.nlConsent).Add(day)
	hi := lo.Add(30 * day)
	if s.nlWithdrawn != nil && ts(s.nlWithdrawn).Before(hi) || !hi.Before(s.stop) {
		return nil
	}
	t := p.between(lo, hi)
	ev := s.disclose(t, system("newsletter-scheduler"), "", "", actNewsletter, recipientMailing(), useEmailMarketing,
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, []string{catFirstName, catEmail})
	ev.GetDisclosureMade().Recipient.Country = "CA"
	return &Planted{
		Rule:     RuleRecipientNotAsDeclared,
		EventIDs: []string{ev.GetEventId()},
		Note:     "a subscriber's name and email were handed to Postwave Mail in Canada, where the catalogue declares it in the United States",
	}
}

// automatedDecision: after a payment anomaly the risk engine suspends a
// customer's account on its own, and the use records no Art. 22(2)
// exception. The fraud activity declares profiling and such decisions.
func (p *planter) automatedDecision(s *subject) *Planted {
	if s.signupCheck == nil || len(s.restrictions) > 0 || len(s.objections) > 0 {
		return nil
	}
	lo := ts(s.signupCheck).Add(10 * day)
	hi := lo.Add(60 * day)
	if !hi.Before(s.stop) {
		return nil
	}
	t := p.between(lo, hi)
	ev := s.fraudCheck(t, "", "", eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT, 0)
	return &Planted{
		Rule:     RuleAutomatedDecision,
		EventIDs: []string{ev.GetEventId()},
		Note:     "the risk engine suspended a customer's account on its own after a payment anomaly, with no Art. 22(2) exception recorded",
	}
}

// criminalWithoutBasis: an employee's criminal record check is recorded
// without the Art. 10 basis HR's form usually carries, under the
// staff-vetting activity, whose declaration has none either.
func (p *planter) criminalWithoutBasis(s *subject) *Planted {
	if s.vetting == nil {
		return nil
	}
	s.vetting.GetDataCollected().CriminalDataBasis = eventsv1.CriminalDataBasis_CRIMINAL_DATA_BASIS_UNSPECIFIED
	return &Planted{
		Rule:     RuleCriminalData,
		EventIDs: []string{p.g.declaredBy[actStaffVetting], s.vetting.GetEventId()},
		Note:     "an employee's criminal record check (user.criminal_history) was recorded with no Art. 10 basis, and the staff-vetting activity declares none",
	}
}

// childTargeted: a prospect gives an age under 18 on the enquiry form (15,
// under Ireland's age of digital consent, or 16 to 17, above it), and a
// product announcement goes to Postwave Mail for them anyway, under
// legitimate interests: marketing to a child (Recital 38) without consent.
// Only prospects whom nothing else markets to are chosen, so the
// announcement is the one finding.
func (p *planter) childTargeted(s *subject) *Planted {
	if s.kind != kindProspect || s.child || s.enquiry == nil || !s.customerAt.IsZero() || s.nlConsent != nil ||
		len(s.restrictions) > 0 || len(s.objections) > 0 || s.marketedTo() {
		return nil
	}
	from := ts(s.enquiry).Add(2 * day)
	if !from.Add(30 * day).Before(s.stop) {
		return nil
	}
	band, age := eventsv1.AgeBand_AGE_BAND_15, "15"
	if len(p.out)%2 == 1 {
		band, age = eventsv1.AgeBand_AGE_BAND_16_TO_17, "16 or 17"
	}
	s.enquiry.GetDataCollected().AgeBand = band
	t := p.between(from, from.Add(28*day))
	ev := s.disclose(t, system("newsletter-scheduler"), "", "", actProductUpdates, recipientMailing(), useEmailMarketing,
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, []string{catFirstName, catEmail})
	return &Planted{
		Rule:     RuleChildTargeted,
		EventIDs: []string{s.enquiry.GetEventId(), ev.GetEventId()},
		Note: "a product announcement went to Postwave Mail, under legitimate interests, for a prospect who gave their age as " +
			age + " on the enquiry form: direct marketing to a child without consent",
	}
}

// marketedTo reports whether any of the subject's events is for a purpose
// at or below "marketing", or is a consent.
func (s *subject) marketedTo() bool {
	for _, ev := range s.events {
		purposes := ev.GetDataCollected().GetPurposes()
		if d := ev.GetDisclosureMade(); d != nil {
			purposes = []string{d.GetPurpose()}
		}
		if ev.GetConsentGiven() != nil {
			return true
		}
		for _, pu := range purposes {
			if pu == "marketing" || strings.HasPrefix(pu, "marketing.") {
				return true
			}
		}
	}
	return false
}

// denialWithoutRemedies: a refusal letter leaves out the right to complain
// to the Data Protection Commission and to go to court (Art. 12(4)).
func (p *planter) denialWithoutRemedies(s *subject) *Planted {
	for _, rq := range s.requests {
		if d := rq.closing.GetRightsRequestDenied(); d != nil {
			d.RemediesGiven = false
			return &Planted{
				Rule:     RuleDenialWithoutRemedies,
				EventIDs: []string{rq.closing.GetEventId()},
				Note:     "a request was refused with a letter that did not tell the subject of the complaint to the Data Protection Commission and the judicial remedy",
			}
		}
	}
	return nil
}

// withoutConsent: a customer or an enquirer who never subscribed gets a
// newsletter issue by email, sent on consent (Art. 6(1)(a)) that was never
// given. Only adults whom nothing markets to are chosen, so the send is
// the one finding.
func (p *planter) withoutConsent(s *subject) *Planted {
	if s.child || s.nlConsent != nil || s.nlWithdrawn != nil || len(s.restrictions) > 0 || len(s.objections) > 0 || s.marketedTo() {
		return nil
	}
	from := s.customerAt
	if from.IsZero() {
		if s.enquiry == nil {
			return nil
		}
		from = ts(s.enquiry)
	}
	lo := from.Add(3 * day)
	hi := lo.Add(30 * day)
	if !hi.Before(s.stop) {
		return nil
	}
	ev := s.newsletterIssue(p.between(lo, hi))
	return &Planted{
		Rule:     RuleWithoutConsent,
		EventIDs: []string{ev.GetEventId()},
		Note:     "a newsletter issue was sent by email, on consent, to someone who never subscribed",
	}
}
