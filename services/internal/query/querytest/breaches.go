package querytest

import (
	"fmt"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// BreachDetected is when tenant acme became aware of the breaches of
// BreachLedger: Monday 3 March 2025, 09:00 UTC; 72 hours later is Thursday
// 6 March, 09:00 UTC.
var BreachDetected = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// BreachNow is the clock to serve BreachLedger with: 1 April 2025.
var BreachNow = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)

// DelayCanary is the words of br-2's delay reason, which no answer shows.
const DelayCanary = "jane.doe@example.org was on leave"

// BreachLedger is a breach register of tenant acme, in stream order
// (hours after BreachDetected):
//
//	1 br-1 recorded at 1 h, risk high
//	2 br-1 authority notified, INITIAL, at 71 h: in time
//	3 br-1 subjects told by email at 50 h
//	4 br-1 authority notified, FINAL, at 200 h
//	5 br-2 recorded at 2 h, risk low
//	6 br-2 authority notified, INITIAL, at 73 h, no delay reason: late
//	7 br-3 recorded at 3 h, risk high: never notified, subjects never told
//	8 br-4 recorded at 3 h, risk high
//	9 br-4 authority notified at 80 h with a delay reason (DelayCanary)
//	10 br-4 Art. 34(3)(a) exception at 10 h
//	11 br-4 closed at 300 h
//	12 br-ghost closed at 5 h: never recorded
//	13 globex br-1 recorded, risk high (another tenant's)
func BreachLedger() []*eventsv1.Event {
	n := 0
	ev := func(tenant string, hours float64) *eventsv1.Event {
		n++
		return &eventsv1.Event{
			EventId: uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "querytest/breach/%d", n)).String(),
			Tenant:  tenant, OccurredAt: timestamppb.New(BreachDetected.Add(time.Duration(hours * float64(time.Hour)))),
			Source: "querytest", Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: "dpo-1"},
			TaxonomyVersion: "fideslang-3.1",
		}
	}
	recorded := func(tenant, id string, hours float64, risk string) *eventsv1.Event {
		e := ev(tenant, hours)
		e.Payload = &eventsv1.Event_BreachRecorded{BreachRecorded: &eventsv1.BreachRecorded{
			BreachId: id, Categories: []string{CategoryEmail}, SubjectsAffectedEstimate: 12,
			DetectedAt: timestamppb.New(BreachDetected), Risk: risk,
		}}
		return e
	}
	notified := func(id string, hours float64, phase eventsv1.BreachNotificationPhase, reason string) *eventsv1.Event {
		e := ev(Tenant, hours)
		e.Payload = &eventsv1.Event_BreachAuthorityNotified{BreachAuthorityNotified: &eventsv1.BreachAuthorityNotified{
			BreachId: id, Phase: phase, Authority: "BfDI", Reference: "case-" + id, DelayReason: reason,
		}}
		return e
	}
	initial := eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_INITIAL
	told := ev(Tenant, 50)
	told.Payload = &eventsv1.Event_BreachSubjectsNotified{BreachSubjectsNotified: &eventsv1.BreachSubjectsNotified{
		BreachId: "br-1", Channel: eventsv1.Channel_CHANNEL_EMAIL, SubjectsNotified: 12}}
	out := []*eventsv1.Event{recorded(Tenant, "br-1", 1, "high"), notified("br-1", 71, initial, ""), told,
		notified("br-1", 200, eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_FINAL, ""),
		recorded(Tenant, "br-2", 2, "low"), notified("br-2", 73, initial, ""),
		recorded(Tenant, "br-3", 3, "high"),
		recorded(Tenant, "br-4", 3, "high"), notified("br-4", 80, initial, DelayCanary)}
	ex := ev(Tenant, 10)
	ex.Payload = &eventsv1.Event_BreachSubjectNotificationExempted{BreachSubjectNotificationExempted: &eventsv1.BreachSubjectNotificationExempted{
		BreachId: "br-4", Ground: eventsv1.Art34Exception_ART34_EXCEPTION_UNINTELLIGIBLE}}
	closed := ev(Tenant, 300)
	closed.Payload = &eventsv1.Event_BreachClosed{BreachClosed: &eventsv1.BreachClosed{BreachId: "br-4"}}
	ghost := ev(Tenant, 5)
	ghost.Payload = &eventsv1.Event_BreachClosed{BreachClosed: &eventsv1.BreachClosed{BreachId: "br-ghost"}}
	return append(out, ex, closed, ghost, recorded(OtherTenant, "br-1", 1, "high"))
}
