package demo

import (
	"slices"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// exceptions adds, after the planted problems and to subjects that have
// none, the events where the law makes an exception that the rules must
// honour, so that none of them is a finding:
//   - policeReport: a fraud reported to the police, kept confidential at
//     their request (Art. 23), then the subject's erasure, then the
//     confidentiality lifted: the Art. 19 notice to the police waits, then
//     becomes due, and is sent;
//   - overriddenObjection: an objection to fraud checks, the controller's
//     compelling legitimate grounds (Art. 21(1)), a fraud check after them,
//     and a chargeback dispute passed to a US law firm under the Art.
//     49(1)(e) derogation.
//
// Each takes the first subject, in index order, that fits, so that the
// simulation's random draws stay as they were; a small data set may have
// none that fits.
func (g *gen) exceptions(subjects []*subject, planted []Planted) {
	used := map[string]bool{}
	for _, p := range planted {
		for _, id := range p.EventIDs {
			used[id] = true
		}
	}
	free := func(s *subject) bool {
		return !slices.ContainsFunc(s.events, func(ev *eventsv1.Event) bool { return used[ev.GetEventId()] })
	}
	for _, add := range []func(*subject) bool{g.policeReport, g.overriddenObjection} {
		for _, s := range subjects {
			if free(s) && add(s) {
				break
			}
		}
	}
}

// policeReport: ten days before the erasure a customer asked for, the
// controller reports a fraud on the account to the police itself (Art.
// 6(1)(f): not a particular inquiry, so the police are a recipient), who ask
// that the customer not be told for 400 days. The erasure's Art. 19 notice
// to the police waits (docketd's saga records it owed from the end of the
// confidentiality); twenty days after the erasure a court lifts it, the
// notice becomes due, and five days later the police are told.
func (g *gen) policeReport(s *subject) bool {
	if s.kind != kindCustomer || s.customerAt.IsZero() || s.erasureAt.IsZero() || s.shred == nil ||
		slices.Contains(s.disclosedTo, rcpPolice) {
		return false
	}
	var request string
	for _, rq := range s.requests {
		if rq.right == eventsv1.Right_RIGHT_ERASURE {
			request = rq.id
		}
	}
	if request == "" {
		return false
	}
	report := s.erasureAt.Add(-10 * day).Truncate(time.Second)
	lifted := s.erasureAt.Add(20 * day).Truncate(time.Second)
	if !report.After(s.customerAt.Add(day)) || !lifted.Add(6*day).Before(g.end) || !s.allowed(report, useFraud) {
		return false
	}
	legal := staff("staff-legal-01")
	dm := s.disclose(report, legal, "", "", actFraud, recipientPolice(), useFraud,
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, []string{catIP, catUniqueID})
	d := dm.GetDisclosureMade()
	d.LegalInstrumentRef = "crime report filed by Harbourline, reference CR-" + s.id("")
	d.ConfidentialUntil = timestamppb.New(report.Add(400 * day))
	ch := s.event(lifted, legal, dm.GetEventId(), dm.GetEventId())
	// No legal_instrument_ref: it is free text, sealed under the subject's
	// key, which the erasure has shredded.
	ch.Payload = &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: &eventsv1.DisclosureConfidentialityChanged{
		DisclosureEventId: dm.GetEventId(),
	}}
	n := s.event(lifted.Add(5*day), legal, dm.GetEventId(), ch.GetEventId())
	n.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
		RequestId: request, RecipientId: rcpPolice, Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_EMAIL,
	}}
	return true
}

// overriddenObjection: three weeks after signing up, a customer with no
// other objection or restriction objects to the fraud checks on the
// account; three days later the controller records its compelling
// legitimate grounds under its fraud assessment (Art. 21(1)). The risk
// engine's check a week after that is no processing after the objection;
// two days later a chargeback dispute goes to Meridian Claims in the United
// States under Art. 49(1)(e).
func (g *gen) overriddenObjection(s *subject) bool {
	if s.kind != kindCustomer || s.customerAt.IsZero() || !s.erasureAt.IsZero() || s.shred != nil ||
		len(s.objections) > 0 || len(s.restrictions) > 0 {
		return false
	}
	objected := s.customerAt.Add(21 * day).Truncate(time.Second)
	if !objected.Add(13 * day).Before(s.stop) {
		return false
	}
	ob := s.event(objected, s.dataSubject(), "", "")
	ob.Payload = &eventsv1.Event_ObjectionRecorded{ObjectionRecorded: &eventsv1.ObjectionRecorded{
		Purposes: []string{useFraud}, Grounds: "does not want the sign-ins checked for fraud",
	}}
	dpo := staff("staff-dpo-01")
	ov := s.event(objected.Add(3*day), dpo, ob.GetEventId(), ob.GetEventId())
	ov.Payload = &eventsv1.Event_ObjectionOverridden{ObjectionOverridden: &eventsv1.ObjectionOverridden{
		Purposes: []string{useFraud}, Ground: eventsv1.ObjectionOverrideGround_OBJECTION_OVERRIDE_GROUND_COMPELLING_LEGITIMATE_GROUNDS,
		AssessmentRef: liaFraud, Grounds: "chargebacks on the account; the checks protect the payment processor and other customers",
	}}
	s.collect(objected.Add(10*day), system("risk-engine"), ob.GetEventId(), ov.GetEventId(), actFraud, []string{useFraud, useSecurity},
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, "observed", "web.signin",
		val(catIP, "", ipAddress(s.r)), val(catUniqueID, "", s.p.accountID))
	s.disclose(objected.Add(12*day), staff("staff-legal-01"), ob.GetEventId(), ov.GetEventId(), actFraud, recipientClaims(), useFraud,
		eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, []string{catPayment, catPurchases})
	return true
}
