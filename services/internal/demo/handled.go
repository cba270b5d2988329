package demo

import (
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// How the controller handled the planted problems, near the end of the
// year (accountability, Art. 5(2)): each a FindingStatusChanged. None adds
// or removes a finding; they set the status the findings list shows.
const (
	// riskJustification is why the enquiries kept past their retention
	// are accepted as a risk (sealed on append, like any free text).
	riskJustification = "Enquiry records are kept until the sales CRM migration ends in Q1: " +
		"the old system cannot delete single records. Reviewed by the DPO; erase after the migration."
	resolvedJustification = "The newsletter list is now rebuilt from the consent records before every issue."
)

// handledFindings appends the controller's handling of planted problems:
// the undeclared-recipient findings acknowledged, the unanswered access
// requests assigned, every retention finding of web-enquiries that arose by
// then accepted as a risk by group, and one newsletter sent after a
// withdrawal resolved. A finding is named only once it arose.
func (g *gen) handledFindings(ctl *subject, planted []Planted, byID map[string]*eventsv1.Event) {
	ackAt := g.end.Add(-20 * day)
	arose := func(id string, by time.Time) bool {
		ev := byID[id]
		return ev != nil && ts(ev).Before(by)
	}
	var acked, assigned []string
	var resolved string
	for _, p := range planted {
		last := p.EventIDs[len(p.EventIDs)-1]
		switch p.Rule {
		case RuleUndeclaredRecipient:
			if arose(last, ackAt) {
				acked = append(acked, p.Rule+":"+last)
			}
		case RuleRequestPastDeadline:
			// A time-based finding, named by the request's receipt; one
			// received 62 days before is past its deadline by then.
			if first := p.EventIDs[0]; len(p.EventIDs) == 1 && arose(first, ackAt.Add(-62*day)) {
				assigned = append(assigned, p.Rule+":"+first)
			}
		case RuleAfterConsentWithdrawn:
			if resolved == "" && arose(last, ackAt) {
				resolved = p.Rule + ":" + last
			}
		}
	}
	change := func(at time.Time, m *eventsv1.FindingStatusChanged) {
		ev := ctl.event(at, dpo, "", "")
		ev.Payload = &eventsv1.Event_FindingStatusChanged{FindingStatusChanged: m}
	}
	if len(acked) > 0 {
		change(ackAt, &eventsv1.FindingStatusChanged{FindingIds: acked, Status: eventsv1.FindingStatus_FINDING_STATUS_ACKNOWLEDGED})
	}
	if len(assigned) > 0 {
		change(ackAt.Add(time.Hour), &eventsv1.FindingStatusChanged{FindingIds: assigned, Status: eventsv1.FindingStatus_FINDING_STATUS_ASSIGNED,
			Assignee: "staff-privacy-02"})
	}
	change(g.end.Add(-10*day), &eventsv1.FindingStatusChanged{Group: RuleRetentionExceeded + ":" + actEnquiries,
		Status: eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED, Justification: riskJustification})
	if resolved != "" {
		change(g.end.Add(-5*day), &eventsv1.FindingStatusChanged{FindingIds: []string{resolved}, Status: eventsv1.FindingStatus_FINDING_STATUS_RESOLVED,
			Justification: resolvedJustification})
	}
}
