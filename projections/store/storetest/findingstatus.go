package storetest

import (
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// testFindingStatus: FindingStatusChanged rows come back as written (times
// in UTC, whether a justification was recorded), one tenant's only, in
// stream order, paged; a second row at the same sequence fails its batch.
// A finding's group round-trips, and FindingFilter.ID selects one finding.
func testFindingStatus(t *testing.T, db Database) {
	ctx := t.Context()
	s := open(t, db, 1)
	east := time.FixedZone("x", 3600)
	row := func(seq uint64, tenant, status string, ids []string, group string) model.FindingStatusRow {
		return model.FindingStatusRow{Seq: seq, EventID: "ev-s" + string(rune('0'+seq)), Tenant: tenant, FindingIDs: ids, Group: group,
			Status: status, At: time.Date(2026, 3, 4, 5, 6, 7, int(seq), east), RecordedAt: time.Date(2026, 3, 5, 0, 0, 0, int(seq), east)}
	}
	ack := row(3, "acme", "FINDING_STATUS_ACKNOWLEDGED", []string{"r:ev-1", "r:ev-2"}, "")
	ack.ActorID = "staff-1"
	risk := row(5, "acme", "FINDING_STATUS_RISK_ACCEPTED", nil, "retention_exceeded:crm")
	risk.Justified = true
	other := row(6, "globex", "FINDING_STATUS_OPEN", []string{"r:ev-9"}, "")
	res := row(8, "acme", "FINDING_STATUS_RESOLVED", []string{"r:ev-1"}, "")
	res.ResolvingEventID, res.Assignee = "0190a1b2-0000-7000-8000-000000000001", ""
	apply(t, s, 0, 5, model.Batch{FindingStatus: []model.FindingStatusRow{ack, risk}})
	apply(t, s, 5, 8, model.Batch{FindingStatus: []model.FindingStatusRow{other, res}, Findings: []model.Finding{
		{ID: "r:ev-1", Tenant: "acme", Rule: "r", SubjectRef: "s-1", EventIDs: []string{"ev-1"}, AroseAt: time.Unix(7, 0).UTC(), Seq: 7, Detail: "d", Group: "r:crm"},
		{ID: "r:ev-2", Tenant: "acme", Rule: "r", SubjectRef: "s-2", EventIDs: []string{"ev-2"}, AroseAt: time.Unix(7, 0).UTC(), Seq: 7, Detail: "d", Group: "r:mail"},
	}})
	utc := func(r model.FindingStatusRow) model.FindingStatusRow {
		r.At, r.RecordedAt = r.At.UTC(), r.RecordedAt.UTC()
		return r
	}
	got := must[[]model.FindingStatusRow](t, "FindingStatusChanges")(s.FindingStatusChanges(ctx, "acme", model.Page{}))
	same(t, "FindingStatusChanges", []model.FindingStatusRow{utc(ack), utc(risk), utc(res)}, got)
	got = must[[]model.FindingStatusRow](t, "FindingStatusChanges")(s.FindingStatusChanges(ctx, "acme", model.Page{After: 3, Limit: 1}))
	same(t, "FindingStatusChanges page", []model.FindingStatusRow{utc(risk)}, got)
	got = must[[]model.FindingStatusRow](t, "FindingStatusChanges")(s.FindingStatusChanges(ctx, "nobody", model.Page{}))
	if len(got) != 0 {
		t.Errorf("FindingStatusChanges of a tenant without any = %v", got)
	}
	b := model.Batch{From: 8, To: 9, FindingStatus: []model.FindingStatusRow{row(8, "acme", "FINDING_STATUS_OPEN", []string{"r:x"}, "")}}
	if err := s.Apply(ctx, &b); err == nil {
		t.Errorf("a second finding status row at sequence 8 was stored")
	}
	fs := must[[]model.Finding](t, "Findings")(s.Findings(ctx, model.FindingFilter{Tenant: "acme", ID: "r:ev-2"}, model.Page{}))
	if len(fs) != 1 || fs[0].ID != "r:ev-2" || fs[0].Group != "r:mail" {
		t.Errorf("Findings of id r:ev-2 = %+v, want that finding with group r:mail", fs)
	}
}
