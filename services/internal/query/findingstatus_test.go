package query_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	qt "github.com/docketledger/docket/services/internal/query/querytest"
)

// handled starts the query test server and records, after its ledger
// (n events, n = len(s.Events)), how staff handled its findings:
//
//	n+1 Mar 1: processing_after_consent_withdrawn of event 7 acknowledged
//	   by staff-1, and a retention finding of s-9 that does not exist
//	n+2 Mar 2: the group retention_exceeded:newsletter accepted as a risk,
//	   with words (s-1's newsletter data, due Feb 9, arose before)
//	n+3 Mar 3: that processing_after_consent_withdrawn resolved
func handled(t *testing.T) (s *qt.Server, withdrawn string) {
	t.Helper()
	s = qt.Start(t)
	withdrawn = state.RuleConsentWithdrawn + ":" + s.Events[6].GetEventId()
	n := uint64(len(s.Events))
	row := func(seq uint64, day int, status string, ids []string, group string) model.FindingStatusRow {
		seq += n
		return model.FindingStatusRow{Seq: seq, EventID: "ev-" + string(rune('a'+seq-n-1)), Tenant: qt.Tenant, FindingIDs: ids, Group: group,
			Status: status, At: qt.Day(3, day), RecordedAt: qt.Day(3, day), ActorID: "staff-1"}
	}
	risk := row(2, 2, state.StatusRiskAccepted, nil, state.RuleRetentionExceeded+":"+qt.Newsletter)
	risk.Justified = true
	resolved := row(3, 3, state.StatusResolved, []string{withdrawn}, "")
	resolved.ResolvingEventID = s.Events[5].GetEventId()
	b := &model.Batch{From: n, To: n + 3, FindingStatus: []model.FindingStatusRow{
		row(1, 1, state.StatusAcknowledged, []string{withdrawn, state.RuleRetentionExceeded + ":s-9/newsletter"}, ""), risk, resolved,
	}}
	if err := s.Store.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	return s, withdrawn
}

func TestListFindingsByStatus(t *testing.T) {
	s, _ := handled(t)
	const (
		open   = "rights_request_past_deadline processing_without_consent disclosure_to_undeclared_recipient processing_outside_declared_activity"
		closed = "retention_exceeded processing_after_consent_withdrawn"
	)
	for _, tc := range []struct {
		name, body string
		size       int
		want       string
		wantPages  int
	}{
		{"open first, then closed", `{"tenant":"acme"}`, 100, open + " " + closed, 1},
		{"open first, by 1", `{"tenant":"acme"}`, 1, open + " " + closed, 6},
		{"open first, by 4: the open pass fills the first page", `{"tenant":"acme"}`, 4, open + " " + closed, 2},
		{"open only", `{"tenant":"acme","status_filter":"FINDING_STATUS_FILTER_OPEN"}`, 100, open, 1},
		{"closed only", `{"tenant":"acme","status_filter":"FINDING_STATUS_FILTER_CLOSED"}`, 100, closed, 1},
		{"closed by 1", `{"tenant":"acme","status_filter":"FINDING_STATUS_FILTER_CLOSED"}`, 1, closed, 2},
		{"resolved", `{"tenant":"acme","status":"FINDING_STATUS_RESOLVED"}`, 100, "processing_after_consent_withdrawn", 1},
		{"risk accepted", `{"tenant":"acme","status":"FINDING_STATUS_RISK_ACCEPTED"}`, 100, "retention_exceeded", 1},
		{"never handled", `{"tenant":"acme","status":"FINDING_STATUS_OPEN"}`, 100, open, 1},
		{"acknowledged: none now", `{"tenant":"acme","status":"FINDING_STATUS_ACKNOWLEDGED"}`, 100, "", 1},
		// As of Mar 2 noon, the withdrawal finding was only acknowledged
		// (open) and the request (due at the end of Mar 10) not yet late.
		{"as of Mar 2 noon", `{"tenant":"acme","as_of":"2026-03-02T12:00:00Z"}`, 100,
			"processing_without_consent processing_after_consent_withdrawn disclosure_to_undeclared_recipient processing_outside_declared_activity retention_exceeded", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, pages := pageThrough(t, s, "ListFindings", tc.body, tc.size, "findings", "rule")
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("rules\n got %s\nwant %s", g, tc.want)
			}
			if pages != tc.wantPages {
				t.Errorf("%d pages, want %d", pages, tc.wantPages)
			}
		})
	}
	// Each finding carries its status and group.
	_, resp := post(t, s, "ListFindings", `{"tenant":"acme","status_filter":"FINDING_STATUS_FILTER_CLOSED"}`)
	var page struct {
		Findings []struct{ Rule, Status, Group string }
	}
	if err := json.Unmarshal(resp, &page); err != nil {
		t.Fatal(err)
	}
	want := []struct{ Rule, Status, Group string }{
		{"retention_exceeded", "FINDING_STATUS_RISK_ACCEPTED", "retention_exceeded:newsletter"},
		{"processing_after_consent_withdrawn", "FINDING_STATUS_RESOLVED", "processing_after_consent_withdrawn:newsletter"},
	}
	if len(page.Findings) != len(want) {
		t.Fatalf("closed findings %+v, want %+v", page.Findings, want)
	}
	for i := range want {
		if page.Findings[i] != want[i] {
			t.Errorf("finding %d: %+v, want %+v", i, page.Findings[i], want[i])
		}
	}
	postWant(t, s, "ListFindings", `{"tenant":"acme","status":"FINDING_STATUS_RESOLVED","status_filter":"FINDING_STATUS_FILTER_OPEN"}`, "invalid_argument")
}

func TestGetFinding(t *testing.T) {
	s, withdrawn := handled(t)
	type step struct {
		Status, At, ActorID, EventID, Justification, ResolvingEventID, Group string
	}
	type resp struct {
		Finding struct {
			FindingID, Rule, Status, Group string
			History                        []step
		}
		Exists bool
	}
	get := func(t *testing.T, body string) resp {
		t.Helper()
		b := postWant(t, s, "GetFinding", body, "")
		var r resp
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// The done-when case, at the query level: acknowledged, then resolved.
	r := get(t, `{"tenant":"acme","finding_id":"`+withdrawn+`"}`)
	if !r.Exists || r.Finding.Status != "FINDING_STATUS_RESOLVED" || len(r.Finding.History) != 2 {
		t.Fatalf("GetFinding(%s) = %+v, want it resolved after two steps", withdrawn, r)
	}
	if h := r.Finding.History; h[0] != (step{Status: "FINDING_STATUS_ACKNOWLEDGED", At: "2026-03-01T00:00:00Z", ActorID: "staff-1", EventID: "ev-a"}) ||
		h[1] != (step{Status: "FINDING_STATUS_RESOLVED", At: "2026-03-03T00:00:00Z", ActorID: "staff-1", EventID: "ev-c", ResolvingEventID: s.Events[5].GetEventId()}) {
		t.Errorf("history %+v", h)
	}
	// A group decision shows in the history of the group's finding, with
	// its words sealed.
	r = get(t, `{"tenant":"acme","finding_id":"retention_exceeded:s-1/newsletter"}`)
	if want := (step{Status: "FINDING_STATUS_RISK_ACCEPTED", At: "2026-03-02T00:00:00Z", ActorID: "staff-1", EventID: "ev-b",
		Justification: "(sealed)", Group: "retention_exceeded:newsletter"}); !r.Exists || len(r.Finding.History) != 1 || r.Finding.History[0] != want {
		t.Errorf("GetFinding(retention) = %+v, want one step %+v", r, want)
	}
	// As of Mar 1 noon, only the acknowledgement had happened.
	r = get(t, `{"tenant":"acme","finding_id":"`+withdrawn+`","as_of":"2026-03-01T12:00:00Z"}`)
	if r.Finding.Status != "FINDING_STATUS_ACKNOWLEDGED" || len(r.Finding.History) != 1 {
		t.Errorf("GetFinding as of Mar 1 noon = %+v, want acknowledged, one step", r)
	}
	// A change naming a finding that does not exist is kept and shown.
	r = get(t, `{"tenant":"acme","finding_id":"retention_exceeded:s-9/newsletter"}`)
	if r.Exists || r.Finding.Status != "FINDING_STATUS_ACKNOWLEDGED" || len(r.Finding.History) != 1 {
		t.Errorf("GetFinding of a finding that does not exist = %+v, want its history only", r)
	}
	postWant(t, s, "GetFinding", `{"tenant":"acme","finding_id":"retention_exceeded:s-8/newsletter"}`, "not_found")
	postWant(t, s, "GetFinding", `{"tenant":"nobody","finding_id":"`+withdrawn+`"}`, "not_found")
	postWant(t, s, "GetFinding", `{"tenant":"acme","finding_id":"alice@example.org"}`, "invalid_argument")
}

func TestListFindingGroups(t *testing.T) {
	s, _ := handled(t)
	b := postWant(t, s, "ListFindingGroups", `{"tenant":"acme","as_of":"`+qt.Now.Format(time.RFC3339)+`"}`, "")
	var r struct {
		Groups []struct {
			Group, Rule, Total, Open string
			ByStatus                 []struct{ Status, Count string }
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range r.Groups {
		s := g.Group + " " + g.Total + "/" + g.Open
		for _, c := range g.ByStatus {
			s += " " + strings.TrimPrefix(c.Status, "FINDING_STATUS_") + "=" + c.Count
		}
		got = append(got, s)
	}
	// uint64 counts are JSON strings; an open count of 0 is left out.
	want := []string{
		"disclosure_to_undeclared_recipient:adtech 1/1 OPEN=1",
		"processing_outside_declared_activity:billing 1/1 OPEN=1",
		"processing_without_consent:newsletter 1/1 OPEN=1",
		"rights_request_past_deadline:RIGHT_ACCESS 1/1 OPEN=1",
		"processing_after_consent_withdrawn:newsletter 1/ RESOLVED=1",
		"retention_exceeded:newsletter 1/ RISK_ACCEPTED=1",
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("groups\n got:\n%s\nwant:\n%s", g, w)
	}
}
