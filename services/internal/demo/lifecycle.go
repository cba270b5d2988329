package demo

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Kinds of subject the simulation knows.
const (
	kindCustomer  = "customer"  // signs up for a subscription
	kindProspect  = "prospect"  // fills in a contact or download form, may become a customer
	kindVisitor   = "visitor"   // only accepts cookies on the website
	kindAnonymous = "anonymous" // trips the download abuse protection
	kindEmployee  = "employee"  // Harbourline staff
)

type window struct {
	from, to time.Time
	purposes []string
	applied  *eventsv1.Event
}

type objection struct {
	at       time.Time
	purposes []string
	ev       *eventsv1.Event
}

// request is one rights request's chain, kept for the planted problems.
type request struct {
	id       string
	right    eventsv1.Right
	received *eventsv1.Event
	closing  *eventsv1.Event // Fulfilled or Denied
	extended bool
}

// subject is one data subject: its invented person, its events and the facts
// of its life cycle that later steps (and the planted problems) need.
type subject struct {
	g      *gen
	idx    int
	ref    string
	kind   string
	r      *rand.Rand
	p      person
	events []*eventsv1.Event

	child        bool
	guardianRef  string
	stop         time.Time // no processing from here on: erasure requested or end of the data set
	erasureAt    time.Time
	customerAt   time.Time
	cancelAt     time.Time
	planIdx      int
	enquiry      *eventsv1.Event
	nlConsent    *eventsv1.Event
	nlWithdrawn  *eventsv1.Event
	cookieFrom   time.Time
	cookieUses   []string
	cookieStop   time.Time
	restrictions []window
	objections   []objection
	disclosedTo  []string // recipient ids, in order of first disclosure
	keyGroups    []string // key groups the subject has values in
	systems      []string // systems that hold the subject's data
	ticketCount  int
	shred        *eventsv1.Event
	requests     []*request
	retention    []*eventsv1.Event // RetentionExpired of the enquiry
	vetting      *eventsv1.Event   // an employee's criminal record check
	signupCheck  *eventsv1.Event   // a customer's sign-up fraud check
	childDetect  time.Time         // staff erased a child's data then
	lastActivity time.Time
}

func (s *subject) dataSubject() *eventsv1.Actor {
	return &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_DATA_SUBJECT, Id: s.ref}
}

func (s *subject) staffMember() *eventsv1.Actor {
	return staff(fmt.Sprintf("staff-%03d", 100+s.r.IntN(14)))
}

func (s *subject) chance(p float64) bool { return s.r.Float64() < p }

// after returns a time between lo and hi after t, to the second.
func (s *subject) after(t time.Time, lo, hi time.Duration) time.Time {
	d := lo
	if hi > lo {
		d += time.Duration(s.r.Int64N(int64(hi - lo)))
	}
	if d < time.Second {
		d = time.Second
	}
	return t.Add(d).Truncate(time.Second)
}

func (s *subject) id(prefix string) string { return prefix + randHex(s.r, 6) }

func val(cat, kg, v string) *eventsv1.DataValue {
	return &eventsv1.DataValue{Category: cat, KeyGroup: kg, Value: &eventsv1.DataValue_Plaintext{Plaintext: v}}
}

func categoriesOf(vals []*eventsv1.DataValue) []string {
	var out []string
	for _, v := range vals {
		if !slices.Contains(out, v.GetCategory()) {
			out = append(out, v.GetCategory())
		}
	}
	return out
}

func (s *subject) noteKeyGroup(kg string) {
	if !slices.Contains(s.keyGroups, kg) {
		s.keyGroups = append(s.keyGroups, kg)
	}
}

func (s *subject) noteSystem(sys string) {
	if !slices.Contains(s.systems, sys) {
		s.systems = append(s.systems, sys)
	}
}

// collect records DataCollected under an activity; the values' key group is
// the activity's.
func (s *subject) collect(at time.Time, actor *eventsv1.Actor, corr, cause, activity string,
	purposes []string, basis eventsv1.LegalBasis, source, point string, vals ...*eventsv1.DataValue) *eventsv1.Event {
	kg := activityKeyGroup(activity)
	for _, v := range vals {
		v.KeyGroup = kg
	}
	s.noteKeyGroup(kg)
	dc := &eventsv1.DataCollected{
		ActivityId: activity, Purposes: purposes, Categories: categoriesOf(vals), LegalBasis: basis,
		Values: vals, CollectionSource: source, CollectionPoint: point,
	}
	if slices.Contains(dc.Categories, catHealth) {
		dc.SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY
	}
	ev := s.event(at, actor, corr, cause)
	ev.Payload = &eventsv1.Event_DataCollected{DataCollected: dc}
	s.touch(at)
	return ev
}

// disclose records DisclosureMade.
func (s *subject) disclose(at time.Time, actor *eventsv1.Actor, corr, cause, activity string,
	rcp *eventsv1.Recipient, purpose string, basis eventsv1.LegalBasis, cats []string) *eventsv1.Event {
	ev := s.event(at, actor, corr, cause)
	ev.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
		Recipient: rcp, Categories: cats, Purpose: purpose, LegalBasis: basis, ActivityId: activity,
	}}
	if !slices.Contains(s.disclosedTo, rcp.GetId()) {
		s.disclosedTo = append(s.disclosedTo, rcp.GetId())
	}
	s.touch(at)
	return ev
}

// use records DataProcessed: a use of the subject's data under an activity
// by one of the company's own systems, neither a collection nor a
// disclosure.
func (s *subject) use(at time.Time, sys string, corr, cause, activity string, purposes []string,
	basis eventsv1.LegalBasis, cats []string) *eventsv1.Event {
	ev := s.event(at, system(sys), corr, cause)
	ev.Payload = &eventsv1.Event_DataProcessed{DataProcessed: &eventsv1.DataProcessed{
		ActivityId: activity, Purposes: purposes, Categories: cats, LegalBasis: basis, System: sys,
	}}
	s.touch(at)
	return ev
}

// send records the company's own send of a newsletter issue by email.
func (s *subject) send(at time.Time, cats []string) *eventsv1.Event {
	ev := s.use(at, "newsletter-scheduler", "", "", actNewsletter, []string{useEmailMarketing},
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, cats)
	ev.GetDataProcessed().Channel = eventsv1.Channel_CHANNEL_EMAIL
	return ev
}

// fraudCheck records the risk engine's scoring of the subject (profiling,
// Art. 4(4)) on legitimate interests; decides is the decision it takes on
// its own, if any.
func (s *subject) fraudCheck(at time.Time, corr, cause string, decides eventsv1.AutomatedDecision, exc eventsv1.Art22Exception) *eventsv1.Event {
	ev := s.use(at, "risk-engine", corr, cause, actFraud, []string{useFraud},
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, []string{catIP, catUniqueID})
	m := ev.GetDataProcessed()
	m.Profiling, m.AutomatedDecision, m.Art22Exception = true, decides, exc
	return ev
}

func (s *subject) touch(at time.Time) {
	if at.After(s.lastActivity) {
		s.lastActivity = at
	}
}

// allowed reports whether processing for purpose may happen at t: before the
// subject's stop, outside any restriction of it and before any objection to it.
func (s *subject) allowed(t time.Time, purpose string) bool {
	if !t.Before(s.stop) {
		return false
	}
	for _, w := range s.restrictions {
		if !t.Before(w.from) && t.Before(w.to) && (len(w.purposes) == 0 || slices.Contains(w.purposes, purpose)) {
			return false
		}
	}
	for _, o := range s.objections {
		if !t.Before(o.at) && slices.Contains(o.purposes, purpose) {
			return false
		}
	}
	return true
}

// slot picks a time from lo on that leaves need before the subject's stop.
func (s *subject) slot(lo time.Time, need time.Duration) (time.Time, bool) {
	hi := s.stop.Add(-need)
	if !hi.After(lo) {
		return time.Time{}, false
	}
	return s.after(lo, 0, hi.Sub(lo)), true
}

// simulate plays the subject's whole life cycle.
func (s *subject) simulate() {
	g := s.g
	s.p = newPerson(s.r, s.idx)
	s.stop = g.end
	arrival := s.after(g.start, time.Hour, 330*day)

	switch s.kind {
	case kindEmployee:
		s.simEmployee(s.after(g.start, time.Hour, 20*day))
		return
	case kindAnonymous:
		s.simAnonymous(arrival)
		return
	case kindVisitor:
		s.visitorPhase(arrival)
		s.simRequests(arrival)
		s.analyticsStream()
		s.retentionPhase()
		return
	}

	// A few who fill in a form are children; the others may have browsed
	// and accepted cookies first.
	s.child = s.kind == kindProspect && s.chance(0.04)
	if !s.child && s.chance(0.35) {
		s.visitorPhase(arrival.Add(-time.Hour - time.Duration(s.r.Int64N(int64(20*day)))).Truncate(time.Second))
	}
	if s.kind == kindProspect {
		s.enquiryPhase(arrival)
		if s.child {
			s.childPhase()
			s.newsletterStream()
			s.analyticsStream()
			s.finishErasure()
			s.retentionPhase()
			return
		}
		if s.chance(0.25) {
			s.customerAt = s.after(arrival, 3*day, 60*day)
		}
	} else {
		s.customerAt = arrival
	}
	if !s.customerAt.IsZero() && s.customerAt.Before(g.end.Add(-2*day)) {
		s.customerPhase(s.customerAt)
	} else {
		s.customerAt = time.Time{}
	}
	if s.kind == kindProspect && s.customerAt.IsZero() && s.chance(0.4) {
		s.newsletterConsent(s.after(arrival, 2*time.Minute, 30*time.Minute), s.enquiry)
	}

	// An erasure request ends the subject's processing.
	pErase := 0.06
	if s.kind == kindCustomer {
		pErase = 0.08
	}
	if s.chance(pErase) {
		from := arrival
		if s.customerAt.After(from) {
			from = s.customerAt
		}
		if t, ok := s.slot(from.Add(20*day), 35*day); ok {
			s.erasureAt = t
			s.stop = t
		}
	}
	s.simRequests(arrival)
	s.newsletterWithdrawal()
	s.newsletterStream()
	s.analyticsStream()
	if !s.customerAt.IsZero() {
		s.customerStreams()
	}
	s.finishErasure()
	s.retentionPhase()
}

// visitorPhase: the cookie banner and the consents given on it.
func (s *subject) visitorPhase(at time.Time) {
	if at.Before(s.g.start.Add(time.Hour)) {
		at = s.g.start.Add(time.Hour)
	}
	s.cookieFrom = at
	s.cookieUses = []string{useContentPerf, useAdPerformance}
	if s.chance(0.6) {
		s.cookieUses = append(s.cookieUses, useTargetedAds)
	}
	n := s.cookieNotice(at)
	var first string
	for i, use := range s.cookieUses {
		ev := s.event(at.Add(time.Duration(i)*time.Second), s.dataSubject(), first, first)
		ev.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
			Purpose: use, NoticeId: n.id, NoticeVersion: n.version, NoticeSha256: n.sha(),
			Method: eventsv1.ConsentMethod_CONSENT_METHOD_COOKIE_BANNER, Channel: eventsv1.Channel_CHANNEL_WEB,
			Categories: []string{catCookieID, catIP, catBrowsing},
			ExpiresAt:  timestamppb.New(at.Add(365 * day)),
		}}
		if first == "" {
			first = ev.GetEventId()
		}
	}
	s.cookieStop = s.g.end
	if s.chance(0.15) {
		w := s.after(at, 5*day, 200*day)
		if w.Before(s.g.end) {
			s.cookieStop = w
			first := ""
			for i, use := range s.cookieUses {
				ev := s.event(w.Add(time.Duration(i)*time.Second), s.dataSubject(), first, first)
				if first == "" {
					first = ev.GetEventId()
				}
				ev.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
					Purpose: use, Method: eventsv1.ConsentMethod_CONSENT_METHOD_COOKIE_BANNER, Channel: eventsv1.Channel_CHANNEL_WEB,
				}}
			}
		}
	}
}

func (s *subject) cookieNotice(at time.Time) notice {
	if at.Before(s.g.amendAt) {
		return cookieNoticeV1
	}
	return cookieNoticeV2
}

// analyticsStream: visits recorded and handed to Metricsfield while the
// cookie consents last.
func (s *subject) analyticsStream() {
	if s.cookieFrom.IsZero() {
		return
	}
	visits := 2 + s.r.IntN(9)
	cookie := cookieID(s.r)
	t := s.cookieFrom.Add(time.Duration(len(s.cookieUses)+1) * time.Second)
	last := s.cookieFrom.Add(analyticsVisitDays * day)
	for i := 0; i < visits; i++ {
		if i > 0 {
			t = s.after(t, 12*time.Hour, 10*day)
		}
		if !t.Before(s.cookieStop) || !t.Before(last) || !s.allowed(t, useAdPerformance) {
			return
		}
		c := s.collect(t, system("web-analytics-tag"), "", "", actAnalytics, s.cookieUses,
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, "observed", "web.analytics_tag",
			val(catCookieID, "", cookie), val(catIP, "", ipAddress(s.r)), val(catBrowsing, "", browsingTrail(s.r)))
		s.noteSystem("analytics-store")
		s.disclose(t.Add(2*time.Second), system("web-analytics-tag"), c.GetEventId(), c.GetEventId(), actAnalytics,
			recipientAnalytics(!t.Before(s.g.amendAt)), useAdPerformance, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
			[]string{catCookieID, catIP, catBrowsing})
	}
}

// enquiryPhase: the contact or download form.
func (s *subject) enquiryPhase(at time.Time) {
	point := "web.contact_form"
	if s.chance(0.55) {
		point = "web.download_form"
	}
	vals := []*eventsv1.DataValue{val(catFirstName, "", s.p.first), val(catLastName, "", s.p.last), val(catEmail, "", s.p.email)}
	if s.chance(0.6) {
		vals = append(vals, val(catPhone, "", s.p.phone))
	}
	if s.chance(0.7) {
		vals = append(vals, val(catWorkplace, "", s.p.company))
	}
	vals = append(vals, val(catCountry, "", s.p.country))
	if s.child {
		vals = append(vals, val(catAgeRange, "", "under 13"))
	}
	ev := s.collect(at, system("web-forms"), "", "", actEnquiries, []string{useSupport, useService},
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "data_subject", point, vals...)
	ev.GetDataCollected().SubjectIsChild = s.child
	if s.child {
		ev.GetDataCollected().AgeBand = eventsv1.AgeBand_AGE_BAND_UNDER_13 // the form's age question
	}
	s.enquiry = ev
	s.noteSystem("crm")
}

// childPhase: a child under 13 was detected on a form. Mostly staff erase
// the data within days; sometimes a parent steps in, authorises the
// newsletter and later asks for erasure.
func (s *subject) childPhase() {
	at := s.enquiry.GetOccurredAt().AsTime()
	if s.chance(0.6) {
		s.childDetect = s.after(at, 2*day, 6*day)
		s.stop = s.childDetect
		return
	}
	s.guardianRef = "g_" + randHex(s.r, 10)
	t := s.after(at, 1*day, 5*day)
	ev := s.event(t, &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_GUARDIAN, Id: s.guardianRef}, "", s.enquiry.GetEventId())
	ev.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
		Purpose: useEmailMarketing, NoticeId: privacyNoticeV1.id, NoticeVersion: privacyNoticeV1.version,
		NoticeSha256: privacyNoticeV1.sha(), Method: eventsv1.ConsentMethod_CONSENT_METHOD_SIGNED_FORM,
		Channel: eventsv1.Channel_CHANNEL_EMAIL,
		ParentalAuthorization: &eventsv1.ParentalAuthorization{
			GuardianRef: s.guardianRef, VerificationMethod: "signed_form",
			VerifiedAt: timestamppb.New(t.Add(-2 * time.Hour)),
		},
	}}
	s.nlConsent = ev
	s.collect(t.Add(time.Minute), system("newsletter-signup"), ev.GetCorrelationId(), ev.GetEventId(), actNewsletter,
		[]string{useEmailMarketing}, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, "third_party:guardian", "email.guardian_form",
		val(catFirstName, "", s.p.first), val(catEmail, "", s.p.email))
	s.noteSystem("mailing-list")
	if e, ok := s.slot(t.Add(40*day), 35*day); ok {
		s.erasureAt = e
		s.stop = e
	}
}

// newsletterConsent: double opt-in, then the subscriber record.
func (s *subject) newsletterConsent(at time.Time, cause *eventsv1.Event) {
	corr, causeID := "", ""
	if cause != nil {
		corr, causeID = cause.GetCorrelationId(), cause.GetEventId()
	}
	ev := s.event(at, s.dataSubject(), corr, causeID)
	ev.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
		Purpose: useEmailMarketing, NoticeId: privacyNoticeV1.id, NoticeVersion: privacyNoticeV1.version,
		NoticeSha256: privacyNoticeV1.sha(), Method: eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN,
		Channel: eventsv1.Channel_CHANNEL_EMAIL, Categories: []string{catFirstName, catEmail},
	}}
	s.nlConsent = ev
	s.collect(at.Add(3*time.Second), system("newsletter-signup"), ev.GetCorrelationId(), ev.GetEventId(), actNewsletter,
		[]string{useEmailMarketing}, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, "data_subject", "email.double_opt_in",
		val(catFirstName, "", s.p.first), val(catEmail, "", s.p.email))
	s.noteSystem("mailing-list")
}

// newsletterWithdrawal: a quarter of subscribers unsubscribe again.
func (s *subject) newsletterWithdrawal() {
	if s.nlConsent == nil || !s.chance(0.25) {
		return
	}
	t, ok := s.slot(s.nlConsent.GetOccurredAt().AsTime().Add(10*day), time.Hour)
	if !ok {
		return
	}
	actor := s.dataSubject()
	method, channel := eventsv1.ConsentMethod_CONSENT_METHOD_ACCOUNT_SETTINGS, eventsv1.Channel_CHANNEL_WEB
	if s.chance(0.6) {
		actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_PROCESSOR, Id: rcpMailing}
		method, channel = eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK, eventsv1.Channel_CHANNEL_EMAIL
	}
	ev := s.event(t, actor, s.nlConsent.GetCorrelationId(), "")
	ev.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
		Purpose: useEmailMarketing, Method: method, Channel: channel,
	}}
	s.nlWithdrawn = ev
}

func (s *subject) marketingStop() time.Time {
	if s.nlWithdrawn != nil {
		return s.nlWithdrawn.GetOccurredAt().AsTime()
	}
	return s.stop
}

// newsletterStream: each issue is sent to the subscriber by email.
func (s *subject) newsletterStream() {
	if s.nlConsent == nil {
		return
	}
	from := s.nlConsent.GetOccurredAt().AsTime()
	for _, c := range s.g.campaigns {
		t := c.Add(time.Duration(s.r.IntN(3600)) * time.Second)
		if !t.After(from) || !t.Before(s.marketingStop()) || !s.allowed(t, useEmailMarketing) {
			continue
		}
		s.send(t, []string{catFirstName, catEmail})
	}
}

// customerPhase: sign-up, security record, first payment, maybe newsletter.
func (s *subject) customerPhase(at time.Time) {
	vals := []*eventsv1.DataValue{
		val(catFirstName, "", s.p.first), val(catLastName, "", s.p.last), val(catEmail, "", s.p.email),
		val(catStreet, "", s.p.street), val(catCity, "", s.p.city), val(catPostalCode, "", s.p.postal),
		val(catCountry, "", s.p.country),
	}
	if s.chance(0.5) {
		vals = append(vals, val(catPhone, "", s.p.phone))
	}
	if s.chance(0.55) {
		vals = append(vals, val(catWorkplace, "", s.p.company))
	}
	vals = append(vals, val(catUsername, "", s.p.username), val(catCredentials, "", credentialHash(s.r)),
		val(catUniqueID, "", s.p.accountID))
	acc := s.collect(at, system("account-service"), "", "", actAccounts, []string{useService, useAuthentication},
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, "data_subject", "web.signup_form", vals...)
	// Subscriptions are sold to adults: the sign-up form asks for it.
	acc.GetDataCollected().AgeBand = eventsv1.AgeBand_AGE_BAND_ADULT
	s.noteSystem("crm")
	corr := acc.GetEventId()
	risk := s.collect(at.Add(2*time.Second), system("risk-engine"), corr, acc.GetEventId(), actFraud, []string{useFraud, useSecurity},
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "observed", "web.signup_form",
		val(catIP, "", ipAddress(s.r)), val(catUniqueID, "", s.p.accountID))
	s.noteSystem("risk-engine")
	// The risk engine scores the sign-up and opens the account on its own:
	// a decision with similarly significant effect, necessary to enter the
	// contract (Art. 22(2)(a)).
	s.signupCheck = s.fraudCheck(at.Add(3*time.Second), corr, risk.GetEventId(),
		eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT, eventsv1.Art22Exception_ART22_EXCEPTION_CONTRACT)
	s.planIdx = s.r.IntN(len(plans))
	if s.nlConsent == nil && s.chance(0.35) {
		s.newsletterConsent(s.after(at, time.Minute, 10*time.Minute), acc)
	}
	if s.chance(0.15) {
		s.cancelAt = s.after(at, 40*day, 300*day)
	}
}

// customerStreams: payments and invoices, usage statistics, product
// updates, tax hand-overs, support tickets, settings changes and, rarely, a
// court order.
func (s *subject) customerStreams() {
	g := s.g
	plan := plans[s.planIdx]
	billingStop := s.stop
	if !s.cancelAt.IsZero() && s.cancelAt.Before(billingStop) {
		billingStop = s.cancelAt
	}
	billSys := system("billing-service")
	var invoiceTimes []time.Time
	for n, t := 0, s.customerAt.Add(5*time.Minute); t.Before(billingStop); n, t = n+1, t.Add(30*day) {
		if n > 0 && !plan.monthly {
			break
		}
		t := t.Add(time.Duration(s.r.IntN(600)) * time.Second)
		var corr, cause string
		if n == 0 {
			c := s.collect(t, billSys, "", "", actBilling, []string{usePayment}, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
				"data_subject", "web.checkout",
				val(catCard, "", fmt.Sprintf("%s ending %s", s.p.cardBrand, s.p.cardLast4)),
				val(catPayment, "", fmt.Sprintf("card on file, %s per period", money(plan.cents))))
			s.noteSystem("billing")
			corr, cause = c.GetEventId(), c.GetEventId()
			t = t.Add(5 * time.Second)
		}
		d := s.disclose(t, billSys, corr, cause, actBilling, recipientPayments(), usePayment,
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, []string{catCard, catPayment})
		d.GetDisclosureMade().Values = []*eventsv1.DataValue{
			val(catCard, kgDefault, s.p.cardLast4), val(catPayment, kgDefault, money(plan.cents)),
		}
		inv := []*eventsv1.DataValue{
			val(catPayment, "", fmt.Sprintf("invoice HBL-%d-%06d, %s, paid by card", t.Year(), s.idx*20+n, money(plan.cents))),
			val(catPurchases, "", plan.name),
		}
		if n == 0 {
			inv = append(inv, val(catFirstName, "", s.p.first), val(catLastName, "", s.p.last),
				val(catStreet, "", s.p.street), val(catCity, "", s.p.city), val(catPostalCode, "", s.p.postal),
				val(catCountry, "", s.p.country))
			if s.chance(0.3) {
				inv = append(inv, val(catBankAccount, "", s.p.iban))
			}
		}
		s.collect(t.Add(3*time.Second), billSys, d.GetCorrelationId(), d.GetEventId(), actTax, []string{useFinance, useLegal},
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, "data_subject", "billing.invoice", inv...)
		invoiceTimes = append(invoiceTimes, t)
	}

	// Quarterly hand-over of invoice records to the tax advisers.
	prev := g.start
	for _, q := range g.quarters {
		n := 0
		for _, it := range invoiceTimes {
			if !it.Before(prev) && it.Before(q) {
				n++
			}
		}
		prev = q
		t := q.Add(time.Duration(s.r.IntN(1800)) * time.Second)
		if n == 0 || !t.Before(s.stop) {
			continue
		}
		s.disclose(t, staff("staff-finance-01"), "", "", actTax, recipientTax(), useFinance,
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
			[]string{catFirstName, catLastName, catStreet, catCity, catPostalCode, catCountry, catPayment, catPurchases})
	}

	// Usage statistics every two weeks or so.
	telemetryStop := billingStop
	ip := ipAddress(s.r)
	for t := s.after(s.customerAt, day, 3*day); t.Before(telemetryStop); t = s.after(t, 11*day, 17*day) {
		if !s.allowed(t, useImprove) {
			continue
		}
		if s.chance(0.2) {
			ip = ipAddress(s.r)
		}
		s.collect(t, system("telemetry-collector"), "", "", actTelemetry, []string{useImprove},
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "observed", "client.usage_report",
			val(catUniqueID, "", s.p.accountID), val(catIP, "", ip))
		s.noteSystem("telemetry-store")
	}

	// Product announcements to customers, on legitimate interests.
	for _, c := range g.releases {
		t := c.Add(time.Duration(s.r.IntN(3600)) * time.Second)
		if !t.After(s.customerAt) || !t.Before(billingStop) || !t.Before(s.marketingStop()) || !s.allowed(t, useEmailMarketing) {
			continue
		}
		s.disclose(t, system("newsletter-scheduler"), "", "", actProductUpdates, recipientMailing(), useEmailMarketing,
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, []string{catFirstName, catEmail})
		s.noteKeyGroup(kgMarketing)
	}

	// Support tickets.
	for i, n := 0, s.r.IntN(4); i < n; i++ {
		t, ok := s.slot(s.customerAt.Add(day), time.Hour)
		if !ok {
			break
		}
		s.collect(t, system("support-desk"), "", "", actSupport, []string{useSupport},
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, "data_subject", "support.portal",
			val(catFirstName, "", s.p.first), val(catEmail, "", s.p.email), val(catPrivate, "", pick(s.r, ticketTexts)))
		s.noteSystem("support-desk")
		s.ticketCount++
	}

	// A change in the account settings.
	if s.chance(0.08) {
		if t, ok := s.slot(s.customerAt.Add(7*day), time.Hour); ok {
			phone := fmt.Sprintf("+44 7700 900%03d", s.r.IntN(1000))
			ev := s.event(t, s.dataSubject(), "", "")
			ev.Payload = &eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{
				Categories: []string{catPhone},
				Values:     []*eventsv1.DataValue{val(catPhone, kgDefault, phone)},
				Reason:     "changed by the customer in the account settings",
			}}
		}
	}

	// A court order.
	if s.chance(0.025) {
		if t, ok := s.slot(s.customerAt.Add(10*day), time.Hour); ok {
			dm := s.disclose(t, staff("staff-legal-01"), "", "", actAuthorities, recipientPolice(), useLegal,
				eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, []string{catFirstName, catLastName, catEmail, catIP, catPayment})
			d := dm.GetDisclosureMade()
			d.ParticularInquiry = true // Art. 4(9): the police are no recipient
			d.LegalInstrumentRef = fmt.Sprintf("District Court order %d/CO/%04d", t.Year(), 100+s.r.IntN(900))
			d.Values = []*eventsv1.DataValue{
				val(catFirstName, kgDefault, s.p.first), val(catLastName, kgDefault, s.p.last),
				val(catEmail, kgDefault, s.p.email), val(catIP, kgDefault, ip),
			}
			if s.chance(0.6) {
				d.ConfidentialUntil = timestamppb.New(t.Add(540 * day).Truncate(day))
			} else {
				d.ConfidentialUntil = timestamppb.New(t.Add(60 * day).Truncate(day))
			}
		}
	}
}

// simRequests plays the rights requests a subject makes before any erasure.
func (s *subject) simRequests(arrival time.Time) {
	from := arrival.Add(3 * day)
	if s.kind == kindVisitor {
		if s.chance(0.02) {
			s.accessRequest(from, eventsv1.Right_RIGHT_ACCESS)
		}
		return
	}
	if s.chance(0.07) {
		s.accessRequest(from, eventsv1.Right_RIGHT_ACCESS)
	}
	if s.chance(0.02) {
		s.accessRequest(from, eventsv1.Right_RIGHT_PORTABILITY)
	}
	if s.chance(0.025) {
		s.deniedRequest(from)
	}
	if s.customerAt.IsZero() {
		return
	}
	if s.chance(0.04) {
		s.rectificationRequest(s.customerAt.Add(3 * day))
	}
	if s.chance(0.03) {
		s.restrictionRequest(s.customerAt.Add(3 * day))
	}
	if s.chance(0.05) {
		s.objectionRequest(s.customerAt.Add(3 * day))
	}
}

// open starts a request: received, then identity verified.
func (s *subject) open(at time.Time, right eventsv1.Right, cats, purposes []string) (*request, *eventsv1.Event) {
	rq := &request{id: s.id("rr-"), right: right}
	channel := eventsv1.Channel_CHANNEL_EMAIL
	if s.chance(0.4) {
		channel = eventsv1.Channel_CHANNEL_WEB
	}
	actor := s.dataSubject()
	if s.guardianRef != "" {
		actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_GUARDIAN, Id: s.guardianRef}
	}
	rq.received = s.event(at, actor, "", "")
	rq.received.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
		RequestId: rq.id, Right: right, Channel: channel, Categories: cats, Purposes: purposes,
	}}
	s.requests = append(s.requests, rq)
	method := "account_login"
	if channel == eventsv1.Channel_CHANNEL_EMAIL {
		method = "email_challenge"
	}
	v := s.event(s.after(at, 2*time.Hour, 3*day), s.staffMember(), rq.received.GetEventId(), rq.received.GetEventId())
	v.Payload = &eventsv1.Event_RightsRequestIdentityVerified{RightsRequestIdentityVerified: &eventsv1.RightsRequestIdentityVerified{
		RequestId: rq.id, Method: method,
	}}
	return rq, v
}

func (s *subject) fulfil(rq *request, at time.Time, cause *eventsv1.Event, outcome string, doc string) *eventsv1.Event {
	ev := s.event(at, s.staffMember(), rq.received.GetEventId(), cause.GetEventId())
	f := &eventsv1.RightsRequestFulfilled{RequestId: rq.id, Outcome: outcome}
	if doc != "" {
		h := sha256.Sum256([]byte(doc))
		f.ResponseSha256 = h[:]
	}
	ev.Payload = &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: f}
	rq.closing = ev
	return ev
}

// accessRequest: access or portability, answered within the month or, when
// the deadline is extended, within three.
func (s *subject) accessRequest(from time.Time, right eventsv1.Right) {
	extend := s.chance(0.15)
	need := 32 * day
	if extend {
		need = 70 * day
	}
	at, ok := s.slot(from, need)
	if !ok {
		return
	}
	rq, v := s.open(at, right, nil, nil)
	last := v
	done := s.after(v.GetOccurredAt().AsTime(), 2*day, 20*day)
	if extend {
		rq.extended = true
		x := s.event(s.after(at, 18*day, 26*day), s.staffMember(), rq.received.GetEventId(), v.GetEventId())
		x.Payload = &eventsv1.Event_RightsRequestDeadlineExtended{RightsRequestDeadlineExtended: &eventsv1.RightsRequestDeadlineExtended{
			RequestId: rq.id, Months: uint32(1 + s.r.IntN(2)),
			Reason: "records must be gathered from archived backup catalogues as well as the live systems",
		}}
		last = x
		done = s.after(at, 35*day, 58*day)
	}
	outcome, doc := "copy of the personal data sent by secure download link", "access export for "+rq.id
	if right == eventsv1.Right_RIGHT_PORTABILITY {
		outcome, doc = "account and billing data exported as JSON", "portability export for "+rq.id
	}
	if !s.collectedBefore(done) {
		// Art. 15: nothing is held; that answers the request, it is no denial.
		ev := s.fulfil(rq, done, last, "no personal data of the requester is held", "")
		ev.GetRightsRequestFulfilled().NoDataHeld = true
		return
	}
	s.fulfil(rq, done, last, outcome, doc)
}

// collectedBefore reports whether any data of the subject was collected
// before t.
func (s *subject) collectedBefore(t time.Time) bool {
	for _, ev := range s.events {
		if ev.GetDataCollected() != nil && ev.GetOccurredAt().AsTime().Before(t) {
			return true
		}
	}
	return false
}

// deniedRequest: a request refused.
func (s *subject) deniedRequest(from time.Time) {
	at, ok := s.slot(from, 30*day)
	if !ok {
		return
	}
	right := eventsv1.Right_RIGHT_ACCESS
	if s.chance(0.4) {
		right = eventsv1.Right_RIGHT_ERASURE
	}
	rq := &request{id: s.id("rr-"), right: right}
	rq.received = s.event(at, s.dataSubject(), "", "")
	rq.received.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
		RequestId: rq.id, Right: right, Channel: eventsv1.Channel_CHANNEL_EMAIL,
	}}
	s.requests = append(s.requests, rq)
	ground, why := eventsv1.DenialGround_DENIAL_GROUND_IDENTITY_NOT_VERIFIED,
		"the requester did not answer the identity challenge sent to the address on file"
	if s.chance(0.35) {
		ground, why = eventsv1.DenialGround_DENIAL_GROUND_MANIFESTLY_UNFOUNDED,
			"the same request was answered in full two weeks earlier and nothing has changed since"
	}
	ev := s.event(s.after(at, 14*day, 27*day), s.staffMember(), rq.received.GetEventId(), rq.received.GetEventId())
	ev.Payload = &eventsv1.Event_RightsRequestDenied{RightsRequestDenied: &eventsv1.RightsRequestDenied{
		RequestId: rq.id, Ground: ground, Explanation: why,
		// Art. 12(4): the refusal letter names the complaint to the Data
		// Protection Commission and the courts.
		RemediesGiven: true,
	}}
	rq.closing = ev
}

// rectificationRequest: the customer moved house.
func (s *subject) rectificationRequest(from time.Time) {
	at, ok := s.slot(from, 32*day)
	if !ok {
		return
	}
	cats := []string{catStreet, catCity, catPostalCode}
	rq, v := s.open(at, eventsv1.Right_RIGHT_RECTIFICATION, cats, nil)
	np := newPerson(s.r, s.idx)
	t := s.after(v.GetOccurredAt().AsTime(), time.Hour, 5*day)
	ev := s.event(t, s.staffMember(), rq.received.GetEventId(), v.GetEventId())
	ev.Payload = &eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{
		Categories: cats,
		Values: []*eventsv1.DataValue{
			val(catStreet, kgDefault, np.street), val(catCity, kgDefault, np.city), val(catPostalCode, kgDefault, np.postal),
		},
		RequestId: rq.id, Reason: "the customer moved to a new address",
	}}
	last := ev
	if slices.Contains(s.disclosedTo, rcpTax) {
		n := s.event(t.Add(time.Hour), s.staffMember(), rq.received.GetEventId(), ev.GetEventId())
		n.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
			RequestId: rq.id, RecipientId: rcpTax, Right: eventsv1.Right_RIGHT_RECTIFICATION, Channel: eventsv1.Channel_CHANNEL_EMAIL,
		}}
		last = n
	}
	s.fulfil(rq, t.Add(2*time.Hour), last, "address corrected in the account and billing records", "")
}

// restrictionRequest: the customer contests the accuracy of the data;
// marketing and usage statistics pause until it is checked.
func (s *subject) restrictionRequest(from time.Time) {
	at, ok := s.slot(from, 60*day)
	if !ok {
		return
	}
	purposes := []string{useEmailMarketing, useImprove}
	rq, v := s.open(at, eventsv1.Right_RIGHT_RESTRICTION, nil, purposes)
	t := s.after(v.GetOccurredAt().AsTime(), time.Hour, 2*day)
	w := window{from: t, purposes: purposes}
	ra := s.event(t, s.staffMember(), rq.received.GetEventId(), v.GetEventId())
	rid := s.id("rs-")
	ra.Payload = &eventsv1.Event_RestrictionApplied{RestrictionApplied: &eventsv1.RestrictionApplied{
		RestrictionId: rid, Purposes: purposes, RequestId: rq.id,
		Reason: "the customer contests the accuracy of the account data (Art. 18(1)(a))",
	}}
	w.applied = ra
	last := ra
	if s.nlConsent != nil || !s.customerAt.IsZero() {
		n := s.event(t.Add(30*time.Minute), s.staffMember(), rq.received.GetEventId(), ra.GetEventId())
		n.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
			RequestId: rq.id, RecipientId: rcpMailing, Right: eventsv1.Right_RIGHT_RESTRICTION, Channel: eventsv1.Channel_CHANNEL_API,
		}}
		last = n
	}
	s.fulfil(rq, t.Add(time.Hour), last, "processing for marketing and usage statistics restricted", "")
	w.to = s.after(t, 10*day, 40*day)
	rl := s.event(w.to, s.staffMember(), rq.received.GetEventId(), ra.GetEventId())
	rl.Payload = &eventsv1.Event_RestrictionLifted{RestrictionLifted: &eventsv1.RestrictionLifted{
		RestrictionId: rid, Reason: "the data was checked and found accurate; the customer was told before the lifting",
	}}
	s.restrictions = append(s.restrictions, w)
}

// objectionRequest: an objection to processing on legitimate interests.
func (s *subject) objectionRequest(from time.Time) {
	at, ok := s.slot(from, 32*day)
	if !ok {
		return
	}
	purposes, grounds := []string{useImprove}, "does not want the backup client to report usage statistics"
	if s.chance(0.4) {
		purposes, grounds = []string{useEmailMarketing}, "objects to direct marketing by email (Art. 21(2))"
	}
	rq, v := s.open(at, eventsv1.Right_RIGHT_OBJECTION, nil, purposes)
	t := s.after(v.GetOccurredAt().AsTime(), time.Hour, 3*day)
	ev := s.event(t, s.staffMember(), rq.received.GetEventId(), v.GetEventId())
	ev.Payload = &eventsv1.Event_ObjectionRecorded{ObjectionRecorded: &eventsv1.ObjectionRecorded{
		Purposes: purposes, RequestId: rq.id, Grounds: grounds,
	}}
	s.objections = append(s.objections, objection{at: t, purposes: purposes, ev: ev})
	s.fulfil(rq, t.Add(time.Hour), ev, "processing for the objected purpose stopped", "")
}

// erasureSystems lists what each system erases.
var erasureSystems = []struct {
	system string
	cats   []string
}{
	{"crm", []string{catFirstName, catLastName, catEmail, catPhone, catStreet, catCity, catPostalCode, catCountry,
		catWorkplace, catUsername, catCredentials, catUniqueID, catAgeRange}},
	{"billing", []string{catCard, catPayment}},
	{"support-desk", []string{catPrivate, catEmail, catFirstName}},
	{"mailing-list", []string{catFirstName, catEmail}},
	{"analytics-store", []string{catCookieID, catIP, catBrowsing}},
	{"telemetry-store", []string{catUniqueID, catIP}},
	{"risk-engine", []string{catIP, catUniqueID}},
}

// finishErasure closes a child's staff erasure or the subject's erasure
// request, after everything else about the subject is known.
func (s *subject) finishErasure() {
	if !s.childDetect.IsZero() {
		caseID := s.id("case-child-")
		var last *eventsv1.Event
		for _, es := range erasureSystems {
			if !slices.Contains(s.systems, es.system) {
				continue
			}
			corr, cause := "", ""
			if last != nil {
				corr, cause = last.GetCorrelationId(), last.GetEventId()
			}
			ev := s.event(s.after(s.childDetect, 0, time.Minute), staff("staff-dpo-01"), corr, cause)
			ev.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{
				RequestId: caseID, System: es.system, Categories: es.cats, RecordsErased: 1,
			}}
			last = ev
		}
		sh := s.event(last.GetOccurredAt().AsTime().Add(time.Minute), staff("staff-dpo-01"), last.GetCorrelationId(), last.GetEventId())
		sh.Payload = &eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{
			KeyGroups: slices.Clone(s.keyGroups), RequestId: caseID,
		}}
		s.shred = sh
		return
	}
	if s.erasureAt.IsZero() {
		return
	}
	rq, v := s.open(s.erasureAt, eventsv1.Right_RIGHT_ERASURE, nil, nil)
	t := s.after(v.GetOccurredAt().AsTime(), 6*time.Hour, 10*day)
	last := v
	for _, es := range erasureSystems {
		if !slices.Contains(s.systems, es.system) {
			continue
		}
		t = t.Add(time.Duration(1+s.r.IntN(40)) * time.Minute)
		ev := s.event(t, system("erasure-"+es.system), rq.received.GetEventId(), last.GetEventId())
		ev.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{
			RequestId: rq.id, System: es.system, Categories: es.cats, RecordsErased: uint64(1 + s.r.IntN(60)),
		}}
		last = ev
	}
	// Art. 19: tell the processors and third parties who received data.
	for _, id := range []string{rcpMailing, rcpAnalytics, rcpPayments} {
		if !slices.Contains(s.disclosedTo, id) {
			continue
		}
		t = t.Add(time.Duration(5+s.r.IntN(60)) * time.Minute)
		ev := s.event(t, s.staffMember(), rq.received.GetEventId(), last.GetEventId())
		ev.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
			RequestId: rq.id, RecipientId: id, Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_API,
		}}
		last = ev
	}
	var groups []string
	for _, kg := range s.keyGroups {
		if kg != kgTax {
			groups = append(groups, kg)
		}
	}
	t = t.Add(10 * time.Minute)
	sh := s.event(t, system("key-service"), rq.received.GetEventId(), last.GetEventId())
	sh.Payload = &eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{KeyGroups: groups, RequestId: rq.id}}
	s.shred = sh
	outcome := "all personal data erased"
	if slices.Contains(s.keyGroups, kgTax) {
		outcome = "personal data erased; invoice records kept under the tax retention duty (key group tax)"
	}
	s.fulfil(rq, t.Add(time.Hour), sh, outcome, "")
}

// retentionPhase: a closed account ends the customer relationship;
// enquiries, cookie data, newsletter addresses after the consent was
// withdrawn, and card details after the account closed are erased when their
// retention ends within the data set. It comes last in a subject's life, so
// that its events draw nothing the rest of the simulation would.
func (s *subject) retentionPhase() {
	limit := s.g.end
	if s.shred != nil {
		limit = s.shred.GetOccurredAt().AsTime()
	}
	expire := func(at time.Time, activity string, cats []string, cause string) {
		if at.Before(limit) {
			ev := s.event(at, system("retention-job"), "", cause)
			ev.Payload = &eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{
				ActivityId: activity, Categories: cats, Action: "erased",
			}}
		}
	}
	if !s.customerAt.IsZero() && !s.cancelAt.IsZero() && s.cancelAt.Before(s.stop) {
		// Naming no activity: it starts the clocks of accounts, billing and
		// tax, each kept its own time from the account's closing.
		ev := s.event(s.cancelAt, system("account-service"), "", "")
		ev.Payload = &eventsv1.Event_RelationshipEnded{RelationshipEnded: &eventsv1.RelationshipEnded{
			RelationshipId: s.id("contract-"), Kind: eventsv1.RelationshipKind_RELATIONSHIP_KIND_CONTRACT,
		}}
		expire(s.cancelAt.Add(billingRetentionDays*day-2*time.Hour), actBilling, []string{catCard, catPayment}, ev.GetEventId())
	}
	if s.nlWithdrawn != nil {
		expire(ts(s.nlWithdrawn).Add(newsletterRetentionDays*day-2*time.Hour), actNewsletter, []string{catFirstName, catEmail},
			s.nlWithdrawn.GetEventId())
	}
	if s.enquiry != nil {
		t := s.enquiry.GetOccurredAt().AsTime().Add(enquiryRetentionDays*day - 2*time.Hour)
		if t.Before(limit) {
			ev := s.event(t, system("retention-job"), "", s.enquiry.GetEventId())
			ev.Payload = &eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{
				ActivityId: actEnquiries, Categories: s.enquiry.GetDataCollected().GetCategories(), Action: "erased",
			}}
			s.retention = append(s.retention, ev)
		}
	}
	if !s.cookieFrom.IsZero() {
		// Every visit falls within analyticsVisitDays of the first, so one
		// run of the retention job at the first visit's expiry covers all.
		var first time.Time
		for _, ev := range s.events {
			if dc := ev.GetDataCollected(); dc != nil && dc.GetActivityId() == actAnalytics {
				first = ev.GetOccurredAt().AsTime()
				break
			}
		}
		if !first.IsZero() {
			t := first.Add(analyticsRetentionDays*day - 2*time.Hour)
			if t.Before(limit) {
				ev := s.event(t, system("retention-job"), "", "")
				ev.Payload = &eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{
					ActivityId: actAnalytics, Categories: []string{catCookieID, catIP, catBrowsing}, Action: "erased",
				}}
			}
		}
	}
}

// simAnonymous: the download rate limiter records an address.
func (s *subject) simAnonymous(at time.Time) {
	for i, n := 0, 1+s.r.IntN(3); i < n; i++ {
		s.collect(at, system("download-gateway"), "", "", actFraud, []string{useSecurity},
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "observed", "download.rate_limiter",
			val(catIP, "", ipAddress(s.r)))
		at = s.after(at, time.Minute, 3*day)
	}
}

// simEmployee: the staff file, sickness absences and a change of bank.
func (s *subject) simEmployee(at time.Time) {
	hr := staff("staff-hr-01")
	rec := s.collect(at, hr, "", "", actStaffRecords, []string{useFinance}, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		"data_subject", "hr.onboarding",
		val(catFirstName, "", s.p.first), val(catLastName, "", s.p.last), val(catStreet, "", s.p.street),
		val(catCity, "", s.p.city), val(catPostalCode, "", s.p.postal), val(catBankAccount, "", s.p.iban),
		val(catBirthDate, "", s.p.birthDate))
	if s.chance(0.7) {
		// A criminal record check before access to customer systems; HR's
		// form records the law that authorises it (Art. 10).
		t := s.after(at, day, 5*day)
		s.vetting = s.collect(t, hr, rec.GetCorrelationId(), rec.GetEventId(), actStaffVetting, []string{useSecurity},
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "third_party:vetting-bureau", "hr.vetting_form",
			val(catFirstName, "", s.p.first), val(catLastName, "", s.p.last), val(catCriminal, "", pick(s.r, vettingResults)))
		s.vetting.GetDataCollected().CriminalDataBasis = eventsv1.CriminalDataBasis_CRIMINAL_DATA_BASIS_AUTHORISED_BY_LAW
	}
	for i, n := 0, s.r.IntN(4); i < n; i++ {
		t, ok := s.slot(at.Add(10*day), time.Hour)
		if !ok {
			break
		}
		s.collect(t, hr, rec.GetCorrelationId(), "", actStaffSickness, []string{useLegal},
			eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, "data_subject", "hr.absence_form",
			val(catFirstName, "", s.p.first), val(catLastName, "", s.p.last), val(catHealth, "", pick(s.r, absences)))
	}
	if s.chance(0.3) {
		if t, ok := s.slot(at.Add(30*day), time.Hour); ok {
			s.p.iban = newPerson(s.r, s.idx).iban
			ev := s.event(t, hr, rec.GetCorrelationId(), "")
			ev.Payload = &eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{
				Categories: []string{catBankAccount},
				Values:     []*eventsv1.DataValue{val(catBankAccount, kgHR, s.p.iban)},
				Reason:     "the employee changed bank",
			}}
		}
	}
}
