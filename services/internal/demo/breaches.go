package demo

import (
	"fmt"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// authority is the supervisory authority Harbourline notifies.
const authority = "ICO"

// breachLog appends the steps of one breach as controller-level events,
// hours after its detection.
type breachLog struct {
	ctl      *subject
	id       string
	detected time.Time
}

func (b *breachLog) at(hours float64) time.Time {
	return b.detected.Add(time.Duration(hours * float64(time.Hour)))
}

func (b *breachLog) record(hours float64, risk, description string, cats []string, estimate uint64) *eventsv1.Event {
	ev := b.ctl.event(b.at(hours), dpo, "", "")
	ev.Payload = &eventsv1.Event_BreachRecorded{BreachRecorded: &eventsv1.BreachRecorded{
		BreachId: b.id, Description: description, Categories: cats, SubjectsAffectedEstimate: estimate,
		DetectedAt: timestamppb.New(b.detected), Risk: risk,
	}}
	return ev
}

func (b *breachLog) assess(hours float64, risk, detail string) *eventsv1.Event {
	ev := b.ctl.event(b.at(hours), dpo, "", "")
	ev.Payload = &eventsv1.Event_BreachRiskAssessed{BreachRiskAssessed: &eventsv1.BreachRiskAssessed{BreachId: b.id, Risk: risk, Detail: detail}}
	return ev
}

func (b *breachLog) notify(hours float64, phase eventsv1.BreachNotificationPhase, delayReason string) *eventsv1.Event {
	ev := b.ctl.event(b.at(hours), dpo, "", "")
	ev.Payload = &eventsv1.Event_BreachAuthorityNotified{BreachAuthorityNotified: &eventsv1.BreachAuthorityNotified{
		BreachId: b.id, Phase: phase, Authority: authority, Reference: "ICO-" + b.id, DelayReason: delayReason,
	}}
	return ev
}

func (b *breachLog) tell(hours float64, n uint64) *eventsv1.Event {
	ev := b.ctl.event(b.at(hours), dpo, "", "")
	ev.Payload = &eventsv1.Event_BreachSubjectsNotified{BreachSubjectsNotified: &eventsv1.BreachSubjectsNotified{
		BreachId: b.id, Channel: eventsv1.Channel_CHANNEL_EMAIL, SubjectsNotified: n,
	}}
	return ev
}

func (b *breachLog) exempt(hours float64, ground eventsv1.Art34Exception, detail string) *eventsv1.Event {
	ev := b.ctl.event(b.at(hours), dpo, "", "")
	ev.Payload = &eventsv1.Event_BreachSubjectNotificationExempted{BreachSubjectNotificationExempted: &eventsv1.BreachSubjectNotificationExempted{
		BreachId: b.id, Ground: ground, Detail: detail,
	}}
	return ev
}

func (b *breachLog) close(hours float64, summary string) *eventsv1.Event {
	ev := b.ctl.event(b.at(hours), dpo, "", "")
	ev.Payload = &eventsv1.Event_BreachClosed{BreachClosed: &eventsv1.BreachClosed{BreachId: b.id, Summary: summary}}
	return ev
}

var (
	phaseInitial = eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_INITIAL
	phaseUpdate  = eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_UPDATE
	phaseFinal   = eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_FINAL
)

// breaches appends Harbourline's breach register: two breaches handled as
// the law asks (one notified in phases within 72 hours, one notified late
// with the reason recorded and its subjects told), two that need no
// notice (risk none; an Art. 34(3) exception in time), and four planted
// problems of each breach rule (Art. 33(1): notified after 72 hours without
// a reason, or never; Art. 34(1): high risk and the subjects not told
// within the 72 hours the ledger allows). Every breach is detected and
// handled well before the data set ends.
func (g *gen) breaches(ctl *subject, nSubjects int) []Planted {
	b := func(id string, days int, hours int) *breachLog {
		return &breachLog{ctl: ctl, id: id, detected: g.start.Add(time.Duration(days)*day + time.Duration(hours)*time.Hour)}
	}
	var out []Planted
	planted := func(rule, note string, evs ...*eventsv1.Event) {
		p := Planted{Rule: rule, Note: note}
		for _, ev := range evs {
			p.EventIDs = append(p.EventIDs, ev.GetEventId())
		}
		out = append(out, p)
	}

	// Handled as the law asks.
	br := b("br-2025-001", 231, 14)
	br.record(26, "low", "A support engineer attached a ticket export to a reply sent to the wrong customer. "+
		"The export listed ticket subjects, first names and email addresses; the recipient confirmed deletion.",
		[]string{catFirstName, catEmail, catPrivate}, uint64(3+nSubjects/40))
	br.notify(50, phaseInitial, "")
	br.notify(120, phaseUpdate, "")
	br.notify(400, phaseFinal, "")
	br.close(30*24, "Recipient confirmed deletion in writing; support exports now go through the ticket portal only.")

	br = b("br-2025-002", 301, 3)
	br.record(20, "high", "Credential stuffing against the customer portal: reused passwords let an attacker sign in "+
		"to a few accounts and read account details and backup job names before the accounts were locked.",
		[]string{catEmail, catUsername, catUniqueID, catStreet, catCity}, uint64(2+nSubjects/300))
	br.tell(40, uint64(2+nSubjects/300))
	br.notify(90, phaseInitial, "The accounts concerned were only known once the forensic review of the sign-in logs ended.")
	br.notify(20*24, phaseFinal, "")
	br.close(40*24, "Passwords reset, two-factor sign-in made mandatory for the portal.")

	// No notice owed: unlikely to result in a risk (Art. 33(1)), kept in
	// the register (Art. 33(5)).
	br = b("br-2025-003", 95, 11)
	br.record(4, "none", "An encrypted laptop of the finance team was stolen; the disk encryption key was not with it.",
		[]string{catBankAccount}, 40)
	br.close(5*24, "Device wiped remotely; no access to the disk recorded.")
	// High risk, then an Art. 34(3)(b) exception in time.
	br = b("br-2025-004", 140, 16)
	br.record(3, "high", "A misconfigured backup bucket was reachable without authentication for six hours.",
		[]string{catEmail, catPrivate}, 25)
	br.notify(30, phaseInitial, "")
	br.exempt(40, eventsv1.Art34Exception_ART34_EXCEPTION_RISK_NO_LONGER_LIKELY,
		"Access logs show no download; the bucket's objects were rotated to new keys.")
	br.close(12*24, "Bucket policy fixed and monitored.")

	// Planted: breach_notified_late.
	br = b("br-2025-005", 150, 10)
	rec := br.record(2, "low", "A mailing list export was sent to a printing partner not under contract.", []string{catFirstName, catStreet}, 60)
	n := br.notify(73, phaseInitial, "")
	planted(RuleBreachNotifiedLate, "breach br-2025-005 was notified to the ICO 73 hours after awareness, with no reason for the delay", rec, n)

	br = b("br-2025-006", 200, 8)
	rec = br.record(5, "high", "A staff laptop without disk encryption was lost on a train.", []string{catEmail, catPhone}, 15)
	br.tell(30, 15)
	planted(RuleBreachNotifiedLate, "high-risk breach br-2025-006 was never notified to the ICO (the subjects were told)", rec)

	br = b("br-2025-007", 260, 15)
	rec = br.ctl.event(br.at(90), dpo, "", "")
	rec.Payload = &eventsv1.Event_BreachRecorded{BreachRecorded: &eventsv1.BreachRecorded{
		BreachId: br.id, Description: "A partner's reseller portal showed other resellers' customer contacts.",
		Categories: []string{catWorkplace, catEmail}, SubjectsAffectedEstimate: 30, DetectedAt: timestamppb.New(br.detected),
		AuthorityNotifiedAt: timestamppb.New(br.at(80)), Risk: "low",
	}}
	planted(RuleBreachNotifiedLate, "breach br-2025-007 was recorded in the old form, notified 80 hours after awareness with no reason", rec)

	br = b("br-2025-008", 280, 9)
	rec = br.record(6, "low", "An invoice run attached the wrong customer's invoice to twelve emails.", []string{catPayment, catStreet}, 12)
	n = br.notify(100, phaseInitial, "")
	br.notify(130, phaseUpdate, "The invoice run's logs had to be restored before the customers concerned were known.")
	planted(RuleBreachNotifiedLate, "breach br-2025-008 was first notified 100 hours after awareness; the delay reason came only with the update", rec, n)

	// Planted: breach_subjects_not_informed.
	br = b("br-2025-009", 120, 13)
	rec = br.record(2, "high", "Support call recordings were shared through a public link.", []string{catPrivate, catPhone}, 9)
	br.notify(48, phaseInitial, "")
	planted(RuleBreachNotInformed, "high-risk breach br-2025-009: the subjects were never told, and no Art. 34(3) exception was recorded", rec)

	br = b("br-2025-010", 170, 10)
	br.record(3, "low", "A test environment loaded with a copy of customer accounts was left open to the internet.", []string{catUsername, catCredentials}, 80)
	br.notify(40, phaseInitial, "")
	high := br.assess(5*24, "high", "The copy held password hashes of an outdated scheme.")
	planted(RuleBreachNotInformed, "breach br-2025-010 was reassessed high risk on day 5, and the subjects were never told", high)

	br = b("br-2025-011", 240, 12)
	rec = br.record(1, "high", "Backup job names exposing customers' project names were indexed by a search engine.", []string{catPrivate}, 20)
	br.notify(20, phaseInitial, "")
	told := br.tell(10*24, 20)
	planted(RuleBreachNotInformed, fmt.Sprintf("high-risk breach br-2025-011: the subjects were told only %d days after awareness", 10), rec, told)

	br = b("br-2025-012", 310, 8)
	rec = br.record(2, "high", "A former contractor kept access to the CRM for a month.", []string{catFirstName, catEmail, catPhone}, 150)
	br.notify(60, phaseInitial, "")
	br.close(20*24, "Access revoked; no export found in the audit log.")
	planted(RuleBreachNotInformed, "high-risk breach br-2025-012 was closed without the subjects told or an Art. 34(3) exception", rec)
	return out
}
