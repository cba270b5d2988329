package state_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// TestFindingLifeCycle works a findings' life cycle out by hand: a consent
// withdrawn on day 1, a newsletter sent on day 2 (finding F5, group
// "processing_after_consent_withdrawn:newsletter"), acknowledged by id on
// day 3, accepted as a risk for its whole group on day 4 (with sealed
// words), resolved by id on day 6. A second subject's newsletter on day 5
// is in the same group but arose after the group's decision: it stays
// open. Status as of a time reads only the changes up to it.
func TestFindingLifeCycle(t *testing.T) {
	const (
		group   = state.RuleConsentWithdrawn + ":newsletter"
		f5      = state.RuleConsentWithdrawn + ":ev-5"
		f11     = state.RuleConsentWithdrawn + ":ev-11"
		f6      = state.RuleUndeclaredRecipient + ":ev-6"
		missing = state.RuleRetentionExceeded + ":u_9/crm"
		words   = "kept for the tax audit, ask Alice"
	)
	var s stream
	s.declare(newsletter(), telemetry())                                                                                                           // ev-1, ev-2
	s.add(subj, day(0), consent(useMail))                                                                                                          // ev-3
	s.add(subj, day(1), withdraw(useMail))                                                                                                         // ev-4
	s.add(subj, day(2), mailing("newsletter", consentBasis))                                                                                       // ev-5: F5
	s.add(subj, day(2), disclosed(recipient("broker-x")))                                                                                          // ev-6: F6
	ack := s.add("", day(3), &eventsv1.FindingStatusChanged{FindingIds: []string{f5}, Status: eventsv1.FindingStatus_FINDING_STATUS_ACKNOWLEDGED}) // ev-7
	ack.Event.Actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: "staff-7"}
	s.add("", day(4), &eventsv1.FindingStatusChanged{Group: group, Status: eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED,
		JustificationText: &eventsv1.DataValue{Category: "user.content.private", KeyGroup: "default",
			Value: &eventsv1.DataValue_Sealed{Sealed: &eventsv1.Sealed{}}}}) // ev-8
	s.add("u_2", day(0), consent(useMail))                    // ev-9
	s.add("u_2", day(1), withdraw(useMail))                   // ev-10
	s.add("u_2", day(5), mailing("newsletter", consentBasis)) // ev-11: F11
	s.add("", day(6), &eventsv1.FindingStatusChanged{FindingIds: []string{f5}, Status: eventsv1.FindingStatus_FINDING_STATUS_RESOLVED,
		ResolvingEventId: "ev-10"}) // ev-12
	s.add("", day(6), &eventsv1.FindingStatusChanged{FindingIds: []string{missing}, Status: eventsv1.FindingStatus_FINDING_STATUS_ACKNOWLEDGED,
		Justification: words}) // ev-13
	s.add("u_3", day(0), seen()) // ev-14: telemetry kept 100 days from day 0

	res, err := state.Replay(s.recs, day(200))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*model.Finding{}
	for i := range res.Findings {
		byID[res.Findings[i].ID] = &res.Findings[i]
	}
	for id, wantGroup := range map[string]string{
		f5: group, f11: group, f6: state.RuleUndeclaredRecipient + ":broker-x",
		state.RuleRetentionExceeded + ":ev-14": state.RuleRetentionExceeded + ":telemetry", // Replay names the first collection
	} {
		f := byID[id]
		if f == nil {
			t.Fatalf("no finding %s among %v", id, byID)
		}
		if f.Group != wantGroup {
			t.Errorf("finding %s: group %q, want %q", id, f.Group, wantGroup)
		}
	}
	if len(res.FindingStatus) != 4 {
		t.Fatalf("FindingStatus rows = %d, want 4 (ev-7, ev-8, ev-12, ev-13)", len(res.FindingStatus))
	}

	steps := func(h []model.FindingStatusRow) string {
		var out []string
		for _, r := range h {
			out = append(out, r.EventID+" "+r.Status+" "+r.At.Format(time.DateOnly))
		}
		return strings.Join(out, "; ")
	}
	all := state.NewFindingStatuses(res.FindingStatus, time.Time{})
	h := all.History(byID[f5])
	wantH := "ev-7 FINDING_STATUS_ACKNOWLEDGED 2025-01-09; ev-8 FINDING_STATUS_RISK_ACCEPTED 2025-01-10; ev-12 FINDING_STATUS_RESOLVED 2025-01-12"
	if got := steps(h); got != wantH {
		t.Errorf("history of %s:\n got %s\nwant %s", f5, got, wantH)
	}
	if len(h) == 3 {
		if h[0].ActorID != "staff-7" || h[0].Justified {
			t.Errorf("acknowledgement: actor %q, justified %v; want staff-7, false", h[0].ActorID, h[0].Justified)
		}
		if h[1].Group != group || !h[1].Justified {
			t.Errorf("risk acceptance: group %q, justified %v; want %q, true", h[1].Group, h[1].Justified, group)
		}
		if h[2].ResolvingEventID != "ev-10" {
			t.Errorf("resolution: resolving event %q, want ev-10", h[2].ResolvingEventID)
		}
	}
	for _, c := range []struct {
		name string
		asOf time.Time
		f    string
		want string
	}{
		{"now, resolved", time.Time{}, f5, state.StatusResolved},
		{"day 3 noon, acknowledged", day(3).Add(3 * time.Hour), f5, state.StatusAcknowledged},
		{"day 4 exactly, risk accepted", day(4), f5, state.StatusRiskAccepted},
		{"day 2, never handled", day(2), f5, state.StatusOpen},
		{"arose after the group decision", time.Time{}, f11, state.StatusOpen},
		{"another group", time.Time{}, f6, state.StatusOpen},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := state.NewFindingStatuses(res.FindingStatus, c.asOf).Status(byID[c.f]); got != c.want {
				t.Errorf("status of %s as of %v = %s, want %s", c.f, c.asOf, got, c.want)
			}
		})
	}
	if state.StatusIsOpen(state.StatusResolved) || state.StatusIsOpen(state.StatusRiskAccepted) || !state.StatusIsOpen(state.StatusAssigned) {
		t.Errorf("StatusIsOpen: resolved and risk accepted are closed, assigned is open")
	}
	// A change naming a finding not (yet) computed is kept by id.
	if got := steps(all.HistoryOf(missing)); got != "ev-13 FINDING_STATUS_ACKNOWLEDGED 2025-01-12" {
		t.Errorf("history of %s = %q", missing, got)
	}
	// The row records that words were given, never the words.
	b, _ := json.Marshal(res.FindingStatus)
	if strings.Contains(string(b), "Alice") {
		t.Errorf("finding status rows hold a justification's words: %s", b)
	}
}
