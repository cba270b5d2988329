package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

func testHistory(t *testing.T, db Database) {
	s := open(t, db, 1)
	const tenant = "acme"
	var b model.Batch
	for seq := uint64(1); seq <= 20; seq++ {
		subject := "sub-2"
		if seq%3 == 0 { // 3 6 9 12 15 18
			subject = "sub-1"
		}
		b.Audit = append(b.Audit, auditRow(tenant, subject, seq))
	}
	b.Audit = append(b.Audit, auditRow("other", "sub-1", 21), auditRow(tenant, "sub-1", 22))
	apply(t, s, 0, 22, b)

	for _, c := range []struct {
		name    string
		subject string
		page    model.Page
		want    []uint64
	}{
		{"all", "sub-1", model.Page{}, []uint64{3, 6, 9, 12, 15, 18, 22}},
		{"first page", "sub-1", model.Page{Limit: 3}, []uint64{3, 6, 9}},
		{"second page", "sub-1", model.Page{After: 9, Limit: 3}, []uint64{12, 15, 18}},
		{"last page", "sub-1", model.Page{After: 18, Limit: 3}, []uint64{22}},
		{"past the end", "sub-1", model.Page{After: 22, Limit: 3}, nil},
		{"after a sequence of another subject", "sub-1", model.Page{After: 10, Limit: 2}, []uint64{12, 15}},
		{"negative limit is no limit", "sub-1", model.Page{After: 12, Limit: -1}, []uint64{15, 18, 22}},
		{"unknown subject", "sub-404", model.Page{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := must[[]model.AuditRow](t, "History")(s.History(t.Context(), tenant, c.subject, c.page))
			sameSeqs(t, "History", c.want, seqs(got, auditSeq))
		})
	}
}

func testEvent(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	var b model.Batch
	for seq := uint64(1); seq <= 5; seq++ {
		b.Audit = append(b.Audit, auditRow("acme", "sub-1", seq))
	}
	b.Audit = append(b.Audit, auditRow("other", "sub-1", 6))
	apply(t, s, 0, 6, b)
	for _, want := range b.Audit {
		got, err := s.Event(ctx, want.Tenant, want.EventID)
		if err != nil {
			t.Fatalf("Event(%s, %s): %v", want.Tenant, want.EventID, err)
		}
		same(t, "Event", want, got)
	}
	for _, c := range []struct{ name, tenant, id string }{
		{"another tenant's event", "acme", b.Audit[5].EventID},
		{"unknown id", "acme", "0190d5a0-0000-7000-8000-000000000000"},
		{"unknown tenant", "nobody", b.Audit[0].EventID},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.Event(ctx, c.tenant, c.id); !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("Event = %v, want ErrNotFound", err)
			}
		})
	}
}

func testDisclosures(t *testing.T, db Database) {
	s := open(t, db, 1)
	const tenant = "acme"
	d := func(seq uint64, subject, recipient, kind, purpose, basis string, occurred, recorded int, categories ...string) model.DisclosureRow {
		r := disclosureRow(tenant, subject, seq)
		r.RecipientID, r.RecipientKind, r.Purpose, r.LegalBasis = recipient, kind, purpose, basis
		r.OccurredAt, r.RecordedAt, r.Categories = at(occurred), at(recorded), categories
		return r
	}
	const (
		proc, third, auth   = "RECIPIENT_KIND_PROCESSOR", "RECIPIENT_KIND_THIRD_PARTY", "RECIPIENT_KIND_PUBLIC_AUTHORITY"
		consent, contract   = "LEGAL_BASIS_CONSENT", "LEGAL_BASIS_CONTRACT"
		legalObl            = "LEGAL_BASIS_LEGAL_OBLIGATION"
		email, phone, name_ = "user.contact.email", "user.contact.phone_number", "user.name"
	)
	// Occurred and recorded orders differ: the axis matters.
	rows := []model.DisclosureRow{
		d(1, "sub-1", "rcp-mailer", proc, "marketing.communications.email", consent, 100, 500, email),
		d(2, "sub-2", "rcp-mailer", proc, "marketing.communications.email", consent, 200, 400, email, name_),
		d(3, "sub-1", "rcp-ads", third, "marketing.advertising", consent, 300, 300, email, phone),
		d(4, "sub-3", "rcp-tax", auth, "essential.legal", legalObl, 400, 200, name_),
		d(5, "sub-1", "rcp-pay", proc, "essential.service.payment_processing", contract, 500, 100, name_, email),
		d(6, "sub-2", "rcp-ads", third, "marketing.advertising", consent, 600, 600, phone),
		d(7, "sub-1", "rcp-mailer", proc, "marketing.communications.email", consent, 700, 700, "user.contact"),
	}
	other := disclosureRow("other", "sub-1", 8)
	apply(t, s, 0, 8, model.Batch{Disclosures: append(rows, other)})

	occ := func(from, to int) model.TimeRange {
		r := model.TimeRange{Axis: model.Occurred}
		if from >= 0 {
			r.From = at(from).In(time.UTC) // another location than the stored one: the instant counts
		}
		if to >= 0 {
			r.To = at(to)
		}
		return r
	}
	rec := func(from, to int) model.TimeRange {
		r := occ(from, to)
		r.Axis = model.Recorded
		return r
	}
	for _, c := range []struct {
		name string
		f    model.DisclosureFilter
		p    model.Page
		want []uint64
	}{
		{"all", model.DisclosureFilter{}, model.Page{}, []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"subject", model.DisclosureFilter{SubjectRef: "sub-1"}, model.Page{}, []uint64{1, 3, 5, 7}},
		{"recipient", model.DisclosureFilter{RecipientID: "rcp-ads"}, model.Page{}, []uint64{3, 6}},
		{"recipient kind", model.DisclosureFilter{RecipientKind: proc}, model.Page{}, []uint64{1, 2, 5, 7}},
		{"category among several", model.DisclosureFilter{Category: email}, model.Page{}, []uint64{1, 2, 3, 5}},
		{"category is a whole element, not a prefix", model.DisclosureFilter{Category: "user.contact"}, model.Page{}, []uint64{7}},
		{"category is not a suffix", model.DisclosureFilter{Category: "contact.email"}, model.Page{}, nil},
		{"category has no wildcards", model.DisclosureFilter{Category: "user_contact.email"}, model.Page{}, nil},
		{"category has no wildcards (%)", model.DisclosureFilter{Category: "user.contact.%"}, model.Page{}, nil},
		{"purpose", model.DisclosureFilter{Purpose: "marketing.advertising"}, model.Page{}, []uint64{3, 6}},
		{"legal basis", model.DisclosureFilter{LegalBasis: consent}, model.Page{}, []uint64{1, 2, 3, 6, 7}},
		{"every field", model.DisclosureFilter{SubjectRef: "sub-1", RecipientID: "rcp-mailer", RecipientKind: proc,
			Category: email, Purpose: "marketing.communications.email", LegalBasis: consent, Time: occ(100, 100)}, model.Page{}, []uint64{1}},
		{"fields that match nothing together", model.DisclosureFilter{SubjectRef: "sub-3", RecipientID: "rcp-mailer"}, model.Page{}, nil},
		{"occurred, both ends inclusive", model.DisclosureFilter{Time: occ(200, 500)}, model.Page{}, []uint64{2, 3, 4, 5}},
		{"occurred, open start", model.DisclosureFilter{Time: occ(-1, 300)}, model.Page{}, []uint64{1, 2, 3}},
		{"occurred, open end", model.DisclosureFilter{Time: occ(600, -1)}, model.Page{}, []uint64{6, 7}},
		{"occurred, a nanosecond after", model.DisclosureFilter{Time: model.TimeRange{Axis: model.Occurred, From: at(600).Add(1)}}, model.Page{}, []uint64{7}},
		{"occurred, a nanosecond before", model.DisclosureFilter{Time: model.TimeRange{Axis: model.Occurred, To: at(200).Add(-1)}}, model.Page{}, []uint64{1}},
		{"recorded, both ends inclusive", model.DisclosureFilter{Time: rec(200, 500)}, model.Page{}, []uint64{1, 2, 3, 4}},
		{"recorded, open start", model.DisclosureFilter{Time: rec(-1, 300)}, model.Page{}, []uint64{3, 4, 5}},
		{"recorded, open end", model.DisclosureFilter{Time: rec(600, -1)}, model.Page{}, []uint64{6, 7}},
		{"recorded, both open", model.DisclosureFilter{Time: rec(-1, -1)}, model.Page{}, []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"first page", model.DisclosureFilter{}, model.Page{Limit: 3}, []uint64{1, 2, 3}},
		{"next page", model.DisclosureFilter{}, model.Page{After: 3, Limit: 3}, []uint64{4, 5, 6}},
		{"filtered pages", model.DisclosureFilter{SubjectRef: "sub-1"}, model.Page{After: 1, Limit: 2}, []uint64{3, 5}},
		{"filtered last page", model.DisclosureFilter{SubjectRef: "sub-1"}, model.Page{After: 5, Limit: 2}, []uint64{7}},
		{"filtered past the end", model.DisclosureFilter{SubjectRef: "sub-1"}, model.Page{After: 7, Limit: 2}, nil},
		{"recorded range with paging", model.DisclosureFilter{Time: rec(100, 500)}, model.Page{After: 2, Limit: 2}, []uint64{3, 4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.f.Tenant = tenant
			got := must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(t.Context(), c.f, c.p))
			sameSeqs(t, "Disclosures", c.want, seqs(got, disclosureSeq))
		})
	}
}

func testListRequests(t *testing.T, db Database) {
	s := open(t, db, 1)
	const tenant = "acme"
	r := func(id, subject, status string, seq uint64) *model.RequestRow {
		x := requestRow(tenant, id, subject, seq)
		x.Status = status
		return x
	}
	// Inserted out of ReceivedSeq order, and ids out of that order too.
	apply(t, s, 0, 50, model.Batch{Requests: []*model.RequestRow{
		r("req-e", "sub-1", model.RequestOpen, 50),
		r("req-a", "sub-1", model.RequestFulfilled, 10),
		r("req-d", "sub-2", model.RequestOpen, 40),
		r("req-b", "sub-2", model.RequestDenied, 20),
		r("req-c", "sub-1", model.RequestOpen, 30),
		requestRow("other", "req-x", "sub-1", 35),
	}})
	for _, c := range []struct {
		name string
		f    model.RequestFilter
		p    model.Page
		want []uint64
	}{
		{"all", model.RequestFilter{}, model.Page{}, []uint64{10, 20, 30, 40, 50}},
		{"subject", model.RequestFilter{SubjectRef: "sub-1"}, model.Page{}, []uint64{10, 30, 50}},
		{"status", model.RequestFilter{Status: model.RequestOpen}, model.Page{}, []uint64{30, 40, 50}},
		{"subject and status", model.RequestFilter{SubjectRef: "sub-2", Status: model.RequestOpen}, model.Page{}, []uint64{40}},
		{"no match", model.RequestFilter{SubjectRef: "sub-2", Status: model.RequestFulfilled}, model.Page{}, nil},
		{"first page", model.RequestFilter{}, model.Page{Limit: 2}, []uint64{10, 20}},
		{"next page", model.RequestFilter{}, model.Page{After: 20, Limit: 2}, []uint64{30, 40}},
		{"after a sequence between rows", model.RequestFilter{}, model.Page{After: 25, Limit: 2}, []uint64{30, 40}},
		{"filtered page", model.RequestFilter{Status: model.RequestOpen}, model.Page{After: 30, Limit: 1}, []uint64{40}},
		{"past the end", model.RequestFilter{}, model.Page{After: 50}, nil},
		// Due 30 days after receipt: at(seq + 30 days).
		{"due before", model.RequestFilter{DueBefore: at(40 + 30*24*3600)}, model.Page{}, []uint64{10, 20, 30}},
		{"open and due before", model.RequestFilter{Status: model.RequestOpen, DueBefore: at(45 + 30*24*3600)}, model.Page{}, []uint64{30, 40}},
		{"due before the first", model.RequestFilter{DueBefore: at(10 + 30*24*3600)}, model.Page{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.f.Tenant = tenant
			got := must[[]model.RequestRow](t, "ListRequests")(s.ListRequests(t.Context(), c.f, c.p))
			sameSeqs(t, "ListRequests", c.want, seqs(got, requestSeq))
		})
	}
}

func testFindings(t *testing.T, db Database) {
	s := open(t, db, 1)
	const tenant = "acme"
	f := finding
	// Rules in byte order: "Zeta" < "alpha" < "beta" (a locale order
	// would put "Zeta" last).
	all := []model.Finding{
		f(tenant, "alpha", "", 0, "ev-t2"), // time-based
		f(tenant, "Zeta", "sub-1", 0, "ev-t1"),
		f(tenant, "beta", "sub-1", 10, "ev-10"),
		f(tenant, "alpha", "sub-2", 10, "ev-10"),
		f(tenant, "alpha", "sub-1", 11, "ev-11"),
		f(tenant, "beta", "sub-2", 12, "ev-12b"),
		f(tenant, "beta", "sub-1", 12, "ev-12a"),
		f(tenant, "Zeta", "sub-1", 12, "ev-12"),
		f(tenant, "alpha", "sub-1", 13, "ev-13"),
		f("other", "alpha", "sub-1", 11, "ev-o11"),
	}
	apply(t, s, 0, 13, model.Batch{Findings: all})
	id := func(seq uint64, rule, event string) string { return fmt.Sprintf("%d/%s", seq, rule+":"+event) }
	ids := func(rows []model.Finding) []string {
		out := []string{}
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%d/%s", r.Seq, r.ID))
		}
		return out
	}
	var (
		t0z  = id(0, "Zeta", "ev-t1")
		t0a  = id(0, "alpha", "ev-t2")
		s10a = id(10, "alpha", "ev-10")
		s10b = id(10, "beta", "ev-10")
		s11a = id(11, "alpha", "ev-11")
		s12z = id(12, "Zeta", "ev-12")
		s12a = id(12, "beta", "ev-12a") // ties on (Seq, Rule) break by ID
		s12b = id(12, "beta", "ev-12b")
		s13a = id(13, "alpha", "ev-13")
	)
	for _, c := range []struct {
		name string
		f    model.FindingFilter
		p    model.Page
		want []string
	}{
		{"all, in (Seq, Rule) order", model.FindingFilter{}, model.Page{}, []string{t0z, t0a, s10a, s10b, s11a, s12z, s12a, s12b, s13a}},
		{"subject", model.FindingFilter{SubjectRef: "sub-1"}, model.Page{}, []string{t0z, s10b, s11a, s12z, s12a, s13a}},
		{"rule", model.FindingFilter{Rule: "alpha"}, model.Page{}, []string{t0a, s10a, s11a, s13a}},
		{"subject and rule", model.FindingFilter{SubjectRef: "sub-1", Rule: "beta"}, model.Page{}, []string{s10b, s12a}},
		{"no match", model.FindingFilter{Rule: "gamma"}, model.Page{}, nil},
		{"first page holds every time-based finding", model.FindingFilter{}, model.Page{Limit: 1}, []string{t0z, t0a}},
		{"page runs on to finish its last Seq", model.FindingFilter{}, model.Page{Limit: 3}, []string{t0z, t0a, s10a, s10b}},
		{"page after a Seq", model.FindingFilter{}, model.Page{After: 10, Limit: 2}, []string{s11a, s12z, s12a, s12b}},
		{"page ending exactly at a Seq's end", model.FindingFilter{}, model.Page{After: 10, Limit: 4}, []string{s11a, s12z, s12a, s12b}},
		{"page of one finishes its Seq", model.FindingFilter{}, model.Page{After: 11, Limit: 1}, []string{s12z, s12a, s12b}},
		{"last page", model.FindingFilter{}, model.Page{After: 12, Limit: 1}, []string{s13a}},
		{"past the end", model.FindingFilter{}, model.Page{After: 13, Limit: 1}, nil},
		{"filtered page runs on within the filter", model.FindingFilter{SubjectRef: "sub-1"}, model.Page{After: 11, Limit: 1}, []string{s12z, s12a}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.f.Tenant = tenant
			got := must[[]model.Finding](t, "Findings")(s.Findings(t.Context(), c.f, c.p))
			if g, w := fmt.Sprint(ids(got)), fmt.Sprint(c.want); g != w && (len(got) > 0 || len(c.want) > 0) {
				t.Errorf("Findings:\n got %v\nwant %v", g, w)
			}
		})
	}
}

func testSubjectsOf(t *testing.T, db Database) {
	s := open(t, db, 1)
	const tenant = "acme"
	var b model.Batch
	for _, seq := range []uint64{8, 3, 20, 1, 15} {
		b.Subjects = append(b.Subjects, subjectState(tenant, "sub-"+itoa(seq), seq))
	}
	b.Subjects = append(b.Subjects, subjectState("other", "sub-2", 2))
	apply(t, s, 0, 20, b)
	for _, c := range []struct {
		name string
		p    model.Page
		want []uint64
	}{
		{"all", model.Page{}, []uint64{1, 3, 8, 15, 20}},
		{"first page", model.Page{Limit: 2}, []uint64{1, 3}},
		{"next page", model.Page{After: 3, Limit: 2}, []uint64{8, 15}},
		{"last page", model.Page{After: 15, Limit: 2}, []uint64{20}},
		{"between", model.Page{After: 2, Limit: 1}, []uint64{3}},
		{"past the end", model.Page{After: 20, Limit: 2}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := must[[]*model.SubjectState](t, "SubjectsOf")(s.SubjectsOf(t.Context(), tenant, c.p))
			sameSeqs(t, "SubjectsOf", c.want, seqs(got, stateSeq))
			for _, st := range got {
				same(t, "SubjectsOf", subjectState(tenant, "sub-"+itoa(st.FirstSeq), st.FirstSeq), st)
			}
		})
	}
}

func testActivities(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	a5, b3, a2, a9 := activityRow("acme", "act-1", 5), activityRow("beta", "act-1", 3), activityRow("acme", "act-2", 2), activityRow("acme", "act-1", 9)
	apply(t, s, 0, 5, model.Batch{Activities: []model.ActivityRow{a5, b3, a2}})
	apply(t, s, 5, 9, model.Batch{Activities: []model.ActivityRow{a9}})
	same(t, "Activities(acme)", []model.ActivityRow{a2, a5, a9}, must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, "acme")))
	same(t, "Activities(beta)", []model.ActivityRow{b3}, must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, "beta")))
	if got := must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, "nobody")); len(got) != 0 {
		t.Errorf("Activities(nobody) = %v", got)
	}
	same(t, "AllActivities", []model.ActivityRow{a2, b3, a5, a9}, must[[]model.ActivityRow](t, "AllActivities")(s.AllActivities(ctx)))
}

// testProfiles: controller profiles come back per tenant and all
// together, in stream order, bytes intact.
func testProfiles(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	a4, b3, a9 := profileRow("acme", 4), profileRow("beta", 3), profileRow("acme", 9)
	apply(t, s, 0, 5, model.Batch{Profiles: []model.ProfileRow{a4, b3}, Activities: []model.ActivityRow{activityRow("acme", "act-1", 5)}})
	apply(t, s, 5, 9, model.Batch{Profiles: []model.ProfileRow{a9}})
	same(t, "Profiles(acme)", []model.ProfileRow{a4, a9}, must[[]model.ProfileRow](t, "Profiles")(s.Profiles(ctx, "acme")))
	same(t, "Profiles(beta)", []model.ProfileRow{b3}, must[[]model.ProfileRow](t, "Profiles")(s.Profiles(ctx, "beta")))
	if got := must[[]model.ProfileRow](t, "Profiles")(s.Profiles(ctx, "nobody")); len(got) != 0 {
		t.Errorf("Profiles(nobody) = %v", got)
	}
	same(t, "AllProfiles", []model.ProfileRow{b3, a4, a9}, must[[]model.ProfileRow](t, "AllProfiles")(s.AllProfiles(ctx)))
	if got := must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, "acme")); len(got) != 1 {
		t.Errorf("Activities(acme) = %v, want the one activity: profiles are not activities", got)
	}
}

func testTenantExists(t *testing.T, db Database) {
	s := open(t, db, 1)
	apply(t, s, 0, 2, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-1", 1), auditRow("beta", "", 2)}})
	for _, c := range []struct {
		tenant string
		want   bool
	}{{"acme", true}, {"beta", true}, {"gamma", false}, {"", false}, {"ACME", false}} {
		t.Run(fmt.Sprintf("%q", c.tenant), func(t *testing.T) {
			if got := must[bool](t, "TenantExists")(s.TenantExists(t.Context(), c.tenant)); got != c.want {
				t.Errorf("TenantExists(%q) = %v, want %v", c.tenant, got, c.want)
			}
		})
	}
}

func testTenants(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	if got := must[[]string](t, "Tenants")(s.Tenants(ctx)); len(got) != 0 {
		t.Errorf("Tenants of an empty store = %v", got)
	}
	apply(t, s, 0, 1, model.Batch{Subjects: []*model.SubjectState{subjectState("beta", "sub-1", 1), subjectState("beta", "sub-2", 1)}})
	apply(t, s, 1, 2, model.Batch{Activities: []model.ActivityRow{activityRow("gamma", "act-1", 2)}})
	apply(t, s, 2, 3, everyRow("acme", 3))
	// A tenant with only controller-level events has no subject and no
	// activity: nothing for a per-subject job to do.
	apply(t, s, 3, 4, model.Batch{Audit: []model.AuditRow{auditRow("delta", "", 4)}})
	same(t, "Tenants", []string{"acme", "beta", "gamma"}, must[[]string](t, "Tenants")(s.Tenants(ctx)))
}

func testTenantIsolation(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	a := everyRow("tenant-a", 1)
	a.Findings[0].ID = "rule:ev-a"
	apply(t, s, 0, 1, a)
	// B shares A's subject, request, activity and observed keys.
	b := everyRow("tenant-b", 2)
	b.Audit[0].SubjectRef, b.Disclosures[0].SubjectRef, b.Subjects[0].SubjectRef = "sub-b", "sub-b", "sub-b"
	b.Findings[0].ID, b.Findings[0].SubjectRef = "rule:ev-b", "sub-b"
	apply(t, s, 1, 2, b)

	wantEmpty(t, s, "tenant-c") // sub-1, req-1: A's keys
	_, err := s.Subject(ctx, "tenant-b", "sub-1")
	wantNotFound(t, "Subject of A's subject through B", err)
	if m := must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, "tenant-b", []string{"req-1"})); len(m) != 1 || m["req-1"].Tenant != "tenant-b" {
		t.Errorf("Requests(tenant-b, req-1) = %v, want B's only", m)
	}
	for _, tenant := range []string{"tenant-a", "tenant-b"} {
		check := func(what, got string) {
			if got != tenant {
				t.Errorf("%s of %s: a row of %s", what, tenant, got)
			}
		}
		for _, r := range must[[]model.AuditRow](t, "History")(s.History(ctx, tenant, "sub-1", model.Page{})) {
			check("History", r.Tenant)
		}
		for _, r := range must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant}, model.Page{})) {
			check("Disclosures", r.Tenant)
		}
		for _, r := range must[[]*model.SubjectState](t, "SubjectsOf")(s.SubjectsOf(ctx, tenant, model.Page{})) {
			check("SubjectsOf", r.Tenant)
		}
		for _, r := range must[[]model.RequestRow](t, "ListRequests")(s.ListRequests(ctx, model.RequestFilter{Tenant: tenant}, model.Page{})) {
			check("ListRequests", r.Tenant)
		}
		for _, r := range must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, tenant)) {
			check("Activities", r.Tenant)
		}
		obs := must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, tenant))
		for _, r := range obs {
			check("Observed", r.Tenant)
		}
		if len(obs) != 1 || obs[0].Count != 1 {
			t.Errorf("Observed(%s) = %+v, want one row counted once", tenant, obs)
		}
		for _, r := range must[[]model.Finding](t, "Findings")(s.Findings(ctx, model.FindingFilter{Tenant: tenant}, model.Page{})) {
			check("Findings", r.Tenant)
		}
		// A and B's rows fall in the same months: counted once, not twice.
		dm := must[[]model.DisclosureMonth](t, "DisclosureMonths")(s.DisclosureMonths(ctx, tenant, time.Time{}, time.Time{}, time.Time{}))
		if len(dm) != 1 || dm[0].Count != 1 {
			t.Errorf("DisclosureMonths(%s) = %+v, want one row counted once", tenant, dm)
		}
		fm := must[[]model.FindingMonth](t, "FindingMonths")(s.FindingMonths(ctx, tenant, time.Time{}, time.Time{}))
		if len(fm) != 1 || fm[0].Count != 1 {
			t.Errorf("FindingMonths(%s) = %+v, want one row counted once", tenant, fm)
		}
		m := must[map[model.SubjectKey]*model.SubjectState](t, "Subjects")(s.Subjects(ctx, []model.SubjectKey{{Tenant: tenant, SubjectRef: "sub-1"}, {Tenant: tenant, SubjectRef: "sub-b"}}))
		if len(m) != 1 {
			t.Errorf("Subjects of %s: %d, want 1", tenant, len(m))
		}
		for k, st := range m {
			check("Subjects key", k.Tenant)
			check("Subjects", st.Tenant)
		}
	}
	if got := must[[]model.AuditRow](t, "History")(s.History(ctx, "tenant-b", "sub-1", model.Page{})); len(got) != 0 {
		t.Errorf("History(tenant-b, sub-1): %d rows of A", len(got))
	}
	if got := must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(ctx, model.DisclosureFilter{Tenant: "tenant-b", SubjectRef: "sub-1"}, model.Page{})); len(got) != 0 {
		t.Errorf("Disclosures(tenant-b, sub-1): %d rows of A", len(got))
	}
	if got := must[[]model.Finding](t, "Findings")(s.Findings(ctx, model.FindingFilter{Tenant: "tenant-b", SubjectRef: "sub-1"}, model.Page{})); len(got) != 0 {
		t.Errorf("Findings(tenant-b, sub-1): %d rows of A", len(got))
	}
}

func testGenerations(t *testing.T, db Database) {
	ctx := t.Context()
	g := db.Generations(t)
	cur := func() int {
		t.Helper()
		return must[int](t, "Current")(g.Current(ctx))
	}
	if c := cur(); c != 1 {
		t.Fatalf("Current = %d on a new database, want 1", c)
	}
	s1 := db.Open(t, 1)
	if s1.Generation() != 1 {
		t.Errorf("Generation() = %d, want 1", s1.Generation())
	}
	apply(t, s1, 0, 3, everyRow("acme", 3))

	s2 := open(t, db, 2)
	if s2.Generation() != 2 {
		t.Errorf("Generation() = %d, want 2", s2.Generation())
	}
	if cp := checkpoint(t, s2); cp != 0 {
		t.Errorf("generation 2: Checkpoint = %d, want 0", cp)
	}
	wantEmpty(t, s2, "acme")
	apply(t, s2, 0, 1, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-2", 1)}})
	if cp := checkpoint(t, s1); cp != 3 {
		t.Errorf("generation 1: Checkpoint = %d after generation 2 moved, want 3", cp)
	}
	if rows := must[[]model.AuditRow](t, "History")(s1.History(ctx, "acme", "sub-1", model.Page{})); len(rows) != 1 {
		t.Errorf("generation 1: %d audit rows, want 1", len(rows))
	}
	if rows := must[[]model.AuditRow](t, "History")(s1.History(ctx, "acme", "sub-2", model.Page{})); len(rows) != 0 {
		t.Errorf("generation 1 sees generation 2's rows")
	}

	if err := g.Switch(ctx, 1, 2); err != nil {
		t.Fatalf("Switch(1, 2): %v", err)
	}
	if c := cur(); c != 2 {
		t.Fatalf("Current = %d after Switch(1, 2), want 2", c)
	}
	if err := g.Switch(ctx, 1, 3); !errors.Is(err, model.ErrCheckpointMoved) {
		t.Errorf("Switch(1, 3) when 2 is current: got %v, want ErrCheckpointMoved", err)
	}
	if c := cur(); c != 2 {
		t.Fatalf("Current = %d after a refused Switch, want 2", c)
	}
	if err := g.Drop(ctx, 2); err == nil {
		t.Fatal("Drop(2) of the current generation: no error")
	}
	if cp := checkpoint(t, s2); cp != 1 {
		t.Errorf("generation 2 after a refused Drop: Checkpoint = %d, want 1", cp)
	}

	if err := s1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := g.Drop(ctx, 1); err != nil {
		t.Fatalf("Drop(1): %v", err)
	}
	if err := g.Drop(ctx, 7); err != nil {
		t.Errorf("Drop(7) of a generation that never existed: %v", err)
	}
	again := open(t, db, 1)
	if cp := checkpoint(t, again); cp != 0 {
		t.Errorf("generation 1 reopened after Drop: Checkpoint = %d, want 0", cp)
	}
	wantEmpty(t, again, "acme")
	if rows := must[[]model.AuditRow](t, "History")(s2.History(ctx, "acme", "sub-2", model.Page{})); len(rows) != 1 {
		t.Errorf("generation 2 after Drop(1): %d audit rows, want 1", len(rows))
	}
	if err := g.Switch(ctx, 2, 1); err != nil {
		t.Errorf("Switch(2, 1) back: %v", err)
	}
	if c := cur(); c != 1 {
		t.Errorf("Current = %d after Switch(2, 1), want 1", c)
	}
}
