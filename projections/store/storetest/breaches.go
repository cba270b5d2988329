package storetest

import (
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// breachRow is a breach with every field set, times in a location other
// than UTC (stores return them in UTC).
func breachRow(tenant, id string, firstSeq uint64) *model.BreachRow {
	cet := time.FixedZone("CET", 3600)
	d := time.Date(2025, 3, 3, 10, 0, 0, 123, cet)
	closed := d.Add(300 * time.Hour)
	return &model.BreachRow{
		Tenant: tenant, BreachID: id, FirstSeq: firstSeq, Recorded: true, RecordedEventID: "ev-rec-" + id,
		DetectedAt: &d,
		Risks: []model.BreachRisk{{Risk: model.BreachRiskLow, At: d, EventID: "ev-rec-" + id},
			{Risk: model.BreachRiskHigh, At: d.Add(40 * time.Hour), EventID: "ev-risk-" + id}},
		Categories: []string{"user.contact.email", "user.name.first"}, SubjectsAffectedEstimate: 120,
		AuthorityNotices: []model.BreachAuthorityNotice{
			{Phase: "BREACH_NOTIFICATION_PHASE_INITIAL", At: d.Add(30 * time.Hour), Authority: "BfDI", Reference: "case-7", EventID: "ev-n1"},
			{Phase: "BREACH_NOTIFICATION_PHASE_FINAL", At: d.Add(200 * time.Hour), DelayReason: true, EventID: "ev-n2"}},
		SubjectsNotices: []model.BreachSubjectsNotice{{At: d.Add(90 * time.Hour), Channel: "CHANNEL_EMAIL", SubjectsNotified: 118,
			PublicCommunication: true, EventID: "ev-told"}},
		Exemptions: []model.BreachExemption{{Ground: "ART34_EXCEPTION_UNINTELLIGIBLE", At: d.Add(95 * time.Hour), EventID: "ev-ex"}},
		ClosedAt:   &closed, ClosedEventID: "ev-closed",
		EventIDs: []string{"ev-rec-" + id, "ev-n1", "ev-risk-" + id, "ev-told", "ev-ex", "ev-n2", "ev-closed"},
	}
}

// testBreaches: the breach register round-trips (times in UTC), a later
// row replaces the stored one of its tenant and id (the last of a batch
// wins), ListBreaches orders and pages by FirstSeq, and tenants are apart.
func testBreaches(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	const tenant = "acme"
	b1, b2, b3 := breachRow(tenant, "br-b", 10), breachRow(tenant, "br-a", 20), breachRow(tenant, "br-c", 30)
	ghost := &model.BreachRow{Tenant: tenant, BreachID: "br-ghost", FirstSeq: 25, EventIDs: []string{"ev-g"}}
	older := b1.Clone()
	older.Risks, older.ClosedAt, older.EventIDs = older.Risks[:1], nil, older.EventIDs[:1]
	apply(t, s, 0, 30, model.Batch{Breaches: []*model.BreachRow{b3, older, b2, ghost, b1, breachRow("other", "br-b", 5)}})

	got := must[map[string]*model.BreachRow](t, "Breaches")(s.Breaches(ctx, tenant, []string{"br-b", "br-ghost", "br-404"}))
	same(t, "Breaches", map[string]*model.BreachRow{"br-b": b1, "br-ghost": ghost}, got)
	if bad := notUTC(got); len(bad) > 0 {
		t.Errorf("Breaches: %v", bad)
	}
	if m := must[map[string]*model.BreachRow](t, "Breaches")(s.Breaches(ctx, tenant, nil)); len(m) != 0 {
		t.Errorf("Breaches(nil) = %v, want empty", m)
	}
	list := must[[]model.BreachRow](t, "ListBreaches")(s.ListBreaches(ctx, tenant, model.Page{}))
	same(t, "ListBreaches", []model.BreachRow{*b1, *b2, *ghost, *b3}, list)
	page := must[[]model.BreachRow](t, "ListBreaches")(s.ListBreaches(ctx, tenant, model.Page{After: 10, Limit: 2}))
	same(t, "ListBreaches page", []model.BreachRow{*b2, *ghost}, page)

	// A later batch replaces the row.
	closedAgain := b2.Clone()
	closedAgain.EventIDs = append(closedAgain.EventIDs, "ev-closed-2")
	apply(t, s, 30, 31, model.Batch{Breaches: []*model.BreachRow{closedAgain}})
	same(t, "Breaches after replace", map[string]*model.BreachRow{"br-a": closedAgain},
		must[map[string]*model.BreachRow](t, "Breaches")(s.Breaches(ctx, tenant, []string{"br-a"})))
	other := must[[]model.BreachRow](t, "ListBreaches")(s.ListBreaches(ctx, "other", model.Page{}))
	same(t, "ListBreaches other tenant", []model.BreachRow{*breachRow("other", "br-b", 5)}, other)
	if none := must[[]model.BreachRow](t, "ListBreaches")(s.ListBreaches(ctx, "nobody", model.Page{})); len(none) != 0 {
		t.Errorf("ListBreaches of a tenant without breaches = %v", none)
	}
}
