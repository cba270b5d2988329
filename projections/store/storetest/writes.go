package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// everyRow is a batch with one row of every type for tenant, at seq.
func everyRow(tenant string, seq uint64) model.Batch {
	return model.Batch{
		Audit:       []model.AuditRow{auditRow(tenant, "sub-1", seq)},
		Disclosures: []model.DisclosureRow{disclosureRow(tenant, "sub-1", seq)},
		Subjects:    []*model.SubjectState{subjectState(tenant, "sub-1", seq)},
		Requests:    []*model.RequestRow{requestRow(tenant, "req-1", "sub-1", seq)},
		Activities:  []model.ActivityRow{activityRow(tenant, "act-1", seq)},
		Observed:    []model.ObservedRow{observedRow(tenant, model.ObservedPurpose, "essential.service", seq, 1)},
		Findings:    []model.Finding{finding(tenant, "consent-withdrawn", "sub-1", seq, "ev-f")},
	}
}

// wantEmpty checks that nothing of tenant is visible through any query.
func wantEmpty(t *testing.T, s model.Store, tenant string) {
	t.Helper()
	ctx := t.Context()
	if ok := must[bool](t, "TenantExists")(s.TenantExists(ctx, tenant)); ok {
		t.Errorf("TenantExists(%q) = true, want false", tenant)
	}
	if rows := must[[]model.AuditRow](t, "History")(s.History(ctx, tenant, "sub-1", model.Page{})); len(rows) > 0 {
		t.Errorf("History: %d rows, want none", len(rows))
	}
	if rows := must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant}, model.Page{})); len(rows) > 0 {
		t.Errorf("Disclosures: %d rows, want none", len(rows))
	}
	_, err := s.Subject(ctx, tenant, "sub-1")
	wantNotFound(t, "Subject", err)
	if m := must[map[model.SubjectKey]*model.SubjectState](t, "Subjects")(s.Subjects(ctx, []model.SubjectKey{{Tenant: tenant, SubjectRef: "sub-1"}})); len(m) > 0 {
		t.Errorf("Subjects: %d, want none", len(m))
	}
	if rows := must[[]*model.SubjectState](t, "SubjectsOf")(s.SubjectsOf(ctx, tenant, model.Page{})); len(rows) > 0 {
		t.Errorf("SubjectsOf: %d, want none", len(rows))
	}
	if m := must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, tenant, []string{"req-1"})); len(m) > 0 {
		t.Errorf("Requests: %d, want none", len(m))
	}
	if rows := must[[]model.RequestRow](t, "ListRequests")(s.ListRequests(ctx, model.RequestFilter{Tenant: tenant}, model.Page{})); len(rows) > 0 {
		t.Errorf("ListRequests: %d, want none", len(rows))
	}
	if rows := must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, tenant)); len(rows) > 0 {
		t.Errorf("Activities: %d, want none", len(rows))
	}
	for _, a := range must[[]model.ActivityRow](t, "AllActivities")(s.AllActivities(ctx)) {
		if a.Tenant == tenant {
			t.Errorf("AllActivities: has %+v", a)
		}
	}
	if rows := must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, tenant)); len(rows) > 0 {
		t.Errorf("Observed: %d, want none", len(rows))
	}
	if rows := must[[]model.Finding](t, "Findings")(s.Findings(ctx, model.FindingFilter{Tenant: tenant}, model.Page{})); len(rows) > 0 {
		t.Errorf("Findings: %d, want none", len(rows))
	}
	if rows := must[[]model.DisclosureMonth](t, "DisclosureMonths")(s.DisclosureMonths(ctx, tenant, time.Time{}, time.Time{}, time.Now())); len(rows) > 0 {
		t.Errorf("DisclosureMonths: %v, want none", rows)
	}
	if rows := must[[]model.FindingMonth](t, "FindingMonths")(s.FindingMonths(ctx, tenant, time.Time{}, time.Time{})); len(rows) > 0 {
		t.Errorf("FindingMonths: %v, want none", rows)
	}
}

func testCheckpoint(t *testing.T, db Database) {
	s := open(t, db, 1)
	if cp := checkpoint(t, s); cp != 0 {
		t.Fatalf("new store: Checkpoint = %d, want 0", cp)
	}
	apply(t, s, 0, 3, everyRow("acme", 3))
	if cp := checkpoint(t, s); cp != 3 {
		t.Fatalf("after 0..3: Checkpoint = %d, want 3", cp)
	}
	apply(t, s, 3, 7, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-1", 7)}})
	apply(t, s, 7, 7, model.Batch{}) // an empty batch is fine
	if cp := checkpoint(t, s); cp != 7 {
		t.Fatalf("after 3..7: Checkpoint = %d, want 7", cp)
	}

	t.Run("WrongFromWritesNothing", func(t *testing.T) {
		for _, from := range []uint64{0, 3, 6, 8, 100} {
			t.Run(fmt.Sprintf("from=%d", from), func(t *testing.T) {
				b := everyRow("moved", 9)
				b.From, b.To = from, max(from, 9)+1
				err := s.Apply(t.Context(), &b)
				if !errors.Is(err, model.ErrCheckpointMoved) {
					t.Fatalf("Apply from %d at checkpoint 7: got %v, want ErrCheckpointMoved", from, err)
				}
				if cp := checkpoint(t, s); cp != 7 {
					t.Errorf("Checkpoint = %d, want 7 still", cp)
				}
				wantEmpty(t, s, "moved")
			})
		}
	})
	t.Run("BackwardsRefused", func(t *testing.T) {
		b := everyRow("moved", 9)
		b.From, b.To = 7, 6
		if err := s.Apply(t.Context(), &b); err == nil {
			t.Fatal("Apply 7..6: no error")
		}
		if cp := checkpoint(t, s); cp != 7 {
			t.Errorf("Checkpoint = %d, want 7 still", cp)
		}
		wantEmpty(t, s, "moved")
	})
}

func testRoundTrip(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	const tenant = "acme"
	audit := []model.AuditRow{auditRow(tenant, "sub-1", 11), auditRow(tenant, "sub-1", 12)}
	audit[1].Categories, audit[1].Purposes, audit[1].Data = []string{"user.financial"}, []string{"essential.service.payment_processing"}, []byte("x")
	disclosures := []model.DisclosureRow{disclosureRow(tenant, "sub-1", 13), disclosureRow(tenant, "sub-1", 14)}
	disclosures[1].ConfidentialUntil = nil
	disclosures[1].Categories = []string{"user.contact.email", "user.contact.phone_number", "user.name"}
	state := subjectState(tenant, "sub-1", 11)
	req := requestRow(tenant, "req-1", "sub-1", 15)
	req2 := requestRow(tenant, "req-2", "sub-1", 16)
	req2.VerifiedAt, req2.ClosedAt = nil, ptr(at(99))
	req2.Status, req2.Outcome, req2.DenialGround = model.RequestDenied, "OUTCOME_DENIED", "DENIAL_GROUND_MANIFESTLY_UNFOUNDED"
	activities := []model.ActivityRow{activityRow(tenant, "act-1", 17), activityRow(tenant, "act-2", 18)}
	observed := []model.ObservedRow{
		observedRow(tenant, model.ObservedCategory, "user.contact.email", 11, 4),
		observedRow(tenant, model.ObservedPurpose, "essential.service", 12, 2),
		observedRow(tenant, model.ObservedRecipient, "rcp-mailer", 13, 1),
	}
	findings := []model.Finding{finding(tenant, "consent-withdrawn", "sub-1", 19, "ev-19"), finding(tenant, "undeclared-recipient", "", 20, "ev-20")}
	apply(t, s, 0, 20, model.Batch{
		Audit: audit, Disclosures: disclosures, Subjects: []*model.SubjectState{state},
		Requests: []*model.RequestRow{req, req2}, Activities: activities, Observed: observed, Findings: findings,
	})

	t.Run("Audit", func(t *testing.T) {
		same(t, "History", audit, must[[]model.AuditRow](t, "History")(s.History(ctx, tenant, "sub-1", model.Page{})))
	})
	t.Run("Disclosure", func(t *testing.T) {
		same(t, "Disclosures", disclosures, must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant}, model.Page{})))
	})
	t.Run("Subject", func(t *testing.T) {
		same(t, "Subject", state, must[*model.SubjectState](t, "Subject")(s.Subject(ctx, tenant, "sub-1")))
		key := model.SubjectKey{Tenant: tenant, SubjectRef: "sub-1"}
		same(t, "Subjects", map[model.SubjectKey]*model.SubjectState{key: state},
			must[map[model.SubjectKey]*model.SubjectState](t, "Subjects")(s.Subjects(ctx, []model.SubjectKey{key})))
		same(t, "SubjectsOf", []*model.SubjectState{state}, must[[]*model.SubjectState](t, "SubjectsOf")(s.SubjectsOf(ctx, tenant, model.Page{})))
	})
	t.Run("Request", func(t *testing.T) {
		same(t, "Requests", map[string]*model.RequestRow{"req-1": req, "req-2": req2},
			must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, tenant, []string{"req-1", "req-2"})))
		same(t, "ListRequests", []model.RequestRow{*req, *req2},
			must[[]model.RequestRow](t, "ListRequests")(s.ListRequests(ctx, model.RequestFilter{Tenant: tenant}, model.Page{})))
	})
	t.Run("Activity", func(t *testing.T) {
		same(t, "Activities", activities, must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, tenant)))
		same(t, "AllActivities", activities, must[[]model.ActivityRow](t, "AllActivities")(s.AllActivities(ctx)))
	})
	t.Run("Observed", func(t *testing.T) {
		same(t, "Observed", observed, must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, tenant)))
	})
	t.Run("Finding", func(t *testing.T) {
		same(t, "Findings", findings, must[[]model.Finding](t, "Findings")(s.Findings(ctx, model.FindingFilter{Tenant: tenant}, model.Page{})))
	})
}

// testEdgeValues: zero times, empty lists and bytes, times before 1970,
// and rows with only their keys set.
func testEdgeValues(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	const tenant = "acme"
	moon := time.Date(1969, 7, 20, 20, 17, 40, 123456789, minus7)
	audit := []model.AuditRow{
		{Seq: 1, EventID: "e1", Tenant: tenant, SubjectRef: "sub-1", Type: "docket.events.v1.X"},
		{Seq: 2, EventID: "e2", Tenant: tenant, SubjectRef: "sub-1", Type: "docket.events.v1.Y",
			Categories: []string{}, Purposes: []string{}, Data: []byte{}, OccurredAt: moon, RecordedAt: moon.Add(1)},
		{Seq: 3, EventID: "e3", Tenant: tenant, SubjectRef: "sub-1", Type: "docket.events.v1.Z",
			Categories: []string{`quote"and\backslash`, "comma,semi;percent%under_score", "ünï©ødé"}, Data: []byte{0}},
	}
	disclosures := []model.DisclosureRow{{Seq: 4, EventID: "e4", Tenant: tenant, SubjectRef: "sub-1", ConfidentialUntil: ptr(time.Time{})}}
	state := &model.SubjectState{Tenant: tenant, SubjectRef: "sub-1", FirstSeq: 1}
	req := &model.RequestRow{Tenant: tenant, RequestID: "req-1", ReceivedSeq: 5}
	activities := []model.ActivityRow{{Seq: 6, EventID: "e6", Tenant: tenant, ActivityID: "act-1", OccurredAt: moon}}
	observed := []model.ObservedRow{{Tenant: tenant, Kind: model.ObservedPurpose, Key: "k", Count: 1, FirstSeq: 1}}
	findings := []model.Finding{{ID: "r:e1", Tenant: tenant, Rule: "r", Seq: 1}}
	apply(t, s, 0, 6, model.Batch{Audit: audit, Disclosures: disclosures, Subjects: []*model.SubjectState{state},
		Requests: []*model.RequestRow{req}, Activities: activities, Observed: observed, Findings: findings})

	same(t, "History", audit, must[[]model.AuditRow](t, "History")(s.History(ctx, tenant, "sub-1", model.Page{})))
	got := must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant}, model.Page{}))
	same(t, "Disclosures", disclosures, got)
	if len(got) == 1 && (got[0].ConfidentialUntil == nil || !got[0].ConfidentialUntil.IsZero()) {
		t.Errorf("Disclosures: ConfidentialUntil = %v, want a pointer to the zero time", got[0].ConfidentialUntil)
	}
	same(t, "Subject", state, must[*model.SubjectState](t, "Subject")(s.Subject(ctx, tenant, "sub-1")))
	same(t, "Requests", map[string]*model.RequestRow{"req-1": req}, must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, tenant, []string{"req-1"})))
	same(t, "Activities", activities, must[[]model.ActivityRow](t, "Activities")(s.Activities(ctx, tenant)))
	same(t, "Observed", observed, must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, tenant)))
	same(t, "Findings", findings, must[[]model.Finding](t, "Findings")(s.Findings(ctx, model.FindingFilter{Tenant: tenant}, model.Page{})))

	// Empty key lists ask for nothing.
	if m := must[map[model.SubjectKey]*model.SubjectState](t, "Subjects")(s.Subjects(ctx, nil)); len(m) != 0 {
		t.Errorf("Subjects(nil) = %v, want empty", m)
	}
	if m := must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, tenant, nil)); len(m) != 0 {
		t.Errorf("Requests(nil) = %v, want empty", m)
	}
}

func testReplaceByKey(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	const tenant = "acme"
	v1 := subjectState(tenant, "sub-1", 1)
	other := subjectState(tenant, "sub-2", 2)
	r1 := requestRow(tenant, "req-1", "sub-1", 3)
	apply(t, s, 0, 3, model.Batch{Subjects: []*model.SubjectState{v1, other}, Requests: []*model.RequestRow{r1}})

	v2 := subjectState(tenant, "sub-1", 1)
	v2.Events, v2.LastSeq, v2.LastSeen = 9, 40, at(40)
	v2.Consents["marketing.communications.email"].Given = false
	v2.Consents["marketing.communications.email"].WithdrawnAt = ptr(at(40))
	delete(v2.Consents, "analytics.reporting")
	v2.Restrictions, v2.Objections, v2.OpenRequests = nil, nil, nil
	r2 := requestRow(tenant, "req-1", "sub-1", 3)
	r2.Status, r2.Outcome, r2.ClosedAt = model.RequestFulfilled, "OUTCOME_FULFILLED", ptr(at(41))
	r2.EventIDs = append(r2.EventIDs, "ev-req-1-fulfilled")
	apply(t, s, 3, 41, model.Batch{Subjects: []*model.SubjectState{v2}, Requests: []*model.RequestRow{r2}})

	same(t, "Subject after replace", v2, must[*model.SubjectState](t, "Subject")(s.Subject(ctx, tenant, "sub-1")))
	same(t, "untouched Subject", other, must[*model.SubjectState](t, "Subject")(s.Subject(ctx, tenant, "sub-2")))
	same(t, "Requests after replace", map[string]*model.RequestRow{"req-1": r2},
		must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, tenant, []string{"req-1", "req-404"})))
	same(t, "ListRequests after replace", []model.RequestRow{*r2},
		must[[]model.RequestRow](t, "ListRequests")(s.ListRequests(ctx, model.RequestFilter{Tenant: tenant}, model.Page{})))

	t.Run("OnlyExistingKeys", func(t *testing.T) {
		keys := []model.SubjectKey{
			{Tenant: tenant, SubjectRef: "sub-1"}, {Tenant: tenant, SubjectRef: "sub-404"},
			{Tenant: "other", SubjectRef: "sub-1"}, {Tenant: tenant, SubjectRef: "sub-2"},
		}
		got := must[map[model.SubjectKey]*model.SubjectState](t, "Subjects")(s.Subjects(ctx, keys))
		same(t, "Subjects", map[model.SubjectKey]*model.SubjectState{keys[0]: v2, keys[3]: other}, got)
		if m := must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, "other", []string{"req-1"})); len(m) != 0 {
			t.Errorf("Requests of another tenant: %v, want none", m)
		}
	})
	t.Run("LastInBatchWins", func(t *testing.T) {
		a, b := subjectState(tenant, "sub-3", 50), subjectState(tenant, "sub-3", 50)
		b.Events = 99
		ra, rb := requestRow(tenant, "req-3", "sub-3", 51), requestRow(tenant, "req-3", "sub-3", 51)
		rb.Status = model.RequestFulfilled
		apply(t, s, 41, 51, model.Batch{Subjects: []*model.SubjectState{a, b}, Requests: []*model.RequestRow{ra, rb}})
		same(t, "Subject", b, must[*model.SubjectState](t, "Subject")(s.Subject(ctx, tenant, "sub-3")))
		same(t, "Requests", map[string]*model.RequestRow{"req-3": rb}, must[map[string]*model.RequestRow](t, "Requests")(s.Requests(ctx, tenant, []string{"req-3"})))
	})
	t.Run("ManyKeys", func(t *testing.T) {
		var states []*model.SubjectState
		var keys []model.SubjectKey
		for i := range 1200 {
			st := subjectState(tenant, fmt.Sprintf("bulk-%04d", i), uint64(1000+i))
			states = append(states, st)
			keys = append(keys, model.SubjectKey{Tenant: tenant, SubjectRef: st.SubjectRef})
		}
		apply(t, s, 51, 3000, model.Batch{Subjects: states})
		if got := must[map[model.SubjectKey]*model.SubjectState](t, "Subjects")(s.Subjects(ctx, keys)); len(got) != len(keys) {
			t.Errorf("Subjects of %d keys: got %d", len(keys), len(got))
		}
	})
}

func testObservedMerge(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	const tenant = "acme"
	row := func(kind, key string, count, firstSeq uint64, first, last int) model.ObservedRow {
		return model.ObservedRow{Tenant: tenant, Kind: kind, Key: key, Count: count, FirstSeq: firstSeq,
			FirstEventID: "ev-" + itoa(firstSeq), FirstOccurred: at(first), LastOccurred: at(last)}
	}
	P, R, C := model.ObservedPurpose, model.ObservedRecipient, model.ObservedCategory
	steps := []struct {
		name  string
		batch []model.ObservedRow
		want  []model.ObservedRow // in (Kind, Key) order
	}{
		{
			name:  "first",
			batch: []model.ObservedRow{row(P, "marketing", 2, 10, 10, 12), row(C, "marketing", 1, 11, 11, 11)},
			want:  []model.ObservedRow{row(C, "marketing", 1, 11, 11, 11), row(P, "marketing", 2, 10, 10, 12)},
		},
		{
			name:  "smaller FirstSeq takes first fields, greater LastOccurred kept",
			batch: []model.ObservedRow{row(P, "marketing", 3, 5, 5, 11)},
			want:  []model.ObservedRow{row(C, "marketing", 1, 11, 11, 11), row(P, "marketing", 5, 5, 5, 12)},
		},
		{
			name:  "greater FirstSeq keeps first fields, LastOccurred moves",
			batch: []model.ObservedRow{row(P, "marketing", 1, 20, 20, 30)},
			want:  []model.ObservedRow{row(C, "marketing", 1, 11, 11, 11), row(P, "marketing", 6, 5, 5, 30)},
		},
		{
			// A late report: recorded later (greater FirstSeq) but occurred
			// earlier. The first fields still follow the smallest FirstSeq.
			name:  "greater FirstSeq with an earlier occurred_at changes no first field",
			batch: []model.ObservedRow{row(P, "marketing", 0, 25, 1, 2)},
			want:  []model.ObservedRow{row(C, "marketing", 1, 11, 11, 11), row(P, "marketing", 6, 5, 5, 30)},
		},
		{
			name: "same key twice in one batch, and byte order of keys",
			batch: []model.ObservedRow{
				row(R, "rcp-b", 1, 40, 40, 41), row(R, "Rcp-Z", 2, 42, 42, 43), row(R, "rcp-b", 4, 39, 39, 39),
			},
			want: []model.ObservedRow{
				row(C, "marketing", 1, 11, 11, 11), row(P, "marketing", 6, 5, 5, 30),
				row(R, "Rcp-Z", 2, 42, 42, 43), row(R, "rcp-b", 5, 39, 39, 41),
			},
		},
	}
	cp := uint64(0)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			apply(t, s, cp, cp+100, model.Batch{Observed: st.batch})
			cp += 100
			same(t, "Observed", st.want, must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, tenant)))
		})
	}
	if rows := must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, "other")); len(rows) != 0 {
		t.Errorf("Observed of another tenant: %v", rows)
	}
}

func testLargeBatch(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	const tenant = "acme"
	var b model.Batch
	for i := range 5000 {
		seq := uint64(i + 1)
		b.Audit = append(b.Audit, auditRow(tenant, fmt.Sprintf("sub-%03d", i%500), seq))
		if i%10 == 0 {
			b.Disclosures = append(b.Disclosures, disclosureRow(tenant, fmt.Sprintf("sub-%03d", i%500), seq))
		}
		if i < 500 {
			b.Subjects = append(b.Subjects, subjectState(tenant, fmt.Sprintf("sub-%03d", i), seq))
		}
	}
	start := time.Now()
	apply(t, s, 0, 5000, b)
	t.Logf("Apply of %d audit rows, %d disclosures, %d subjects: %v", len(b.Audit), len(b.Disclosures), len(b.Subjects), time.Since(start))
	if cp := checkpoint(t, s); cp != 5000 {
		t.Errorf("Checkpoint = %d, want 5000", cp)
	}
	if got := must[[]*model.SubjectState](t, "SubjectsOf")(s.SubjectsOf(ctx, tenant, model.Page{})); len(got) != 500 {
		t.Errorf("SubjectsOf: %d subjects, want 500", len(got))
	}
	got := must[[]model.AuditRow](t, "History")(s.History(ctx, tenant, "sub-007", model.Page{}))
	sameSeqs(t, "History of sub-007", []uint64{8, 508, 1008, 1508, 2008, 2508, 3008, 3508, 4008, 4508}, seqs(got, auditSeq))
	if len(got) > 0 {
		same(t, "History row", b.Audit[7], got[0])
	}
	if d := must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant}, model.Page{})); len(d) != 500 {
		t.Errorf("Disclosures: %d, want 500", len(d))
	}
}

// testReadsDuringApply: queries keep answering while a long Apply runs, and
// see the state before it or after it, never part of it.
func testReadsDuringApply(t *testing.T, db Database) {
	w := open(t, db, 1)
	r := open(t, db, 1) // as another process would, as well as through the writer's own store
	ctx := t.Context()
	const tenant = "acme"
	var b model.Batch
	const n = 30000
	for i := range n {
		subject := fmt.Sprintf("sub-%d", i%1000)
		if i == 0 || i == n/2 || i == n-1 {
			subject = "probe"
		}
		b.Audit = append(b.Audit, auditRow(tenant, subject, uint64(i+1)))
	}
	var (
		done    atomic.Bool
		during  atomic.Int64
		wg      sync.WaitGroup
		errMu   sync.Mutex
		readErr []string
	)
	report := func(format string, args ...any) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(readErr) < 10 {
			readErr = append(readErr, fmt.Sprintf(format, args...))
		}
	}
	for _, s := range []model.Store{w, r} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
				rows, err := s.History(ctx, tenant, "probe", model.Page{})
				if err != nil {
					report("History during Apply: %v", err)
					return
				}
				if len(rows) != 0 && len(rows) != 3 {
					report("History during Apply: %d of the batch's 3 probe rows visible", len(rows))
				}
				cp, err := s.Checkpoint(ctx)
				if err != nil {
					report("Checkpoint during Apply: %v", err)
					return
				}
				if cp != 0 && cp != n {
					report("Checkpoint during Apply: %d", cp)
				}
				if !done.Load() {
					during.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	err := w.Apply(ctx, &model.Batch{From: 0, To: n, Audit: b.Audit})
	took := time.Since(start)
	done.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for _, e := range readErr {
		t.Error(e)
	}
	t.Logf("%d reads completed during an Apply of %d rows (%v)", during.Load(), n, took)
	if took > 500*time.Millisecond && during.Load() < 5 {
		t.Errorf("only %d reads completed during an Apply of %v: reads wait for writes", during.Load(), took)
	}
	if rows := must[[]model.AuditRow](t, "History")(r.History(ctx, tenant, "probe", model.Page{})); len(rows) != 3 {
		t.Errorf("History after Apply: %d rows, want 3", len(rows))
	}
}

// testConfidentialityChanges: a DisclosureConfidentialityChanged updates
// the register's confidential_until of the disclosure it names (of that
// tenant and subject only), in a later batch or in the disclosure's own
// batch, the last change winning; and the count by confidentiality
// follows it.
func testConfidentialityChanges(t *testing.T, db Database) {
	s := open(t, db, 1)
	ctx := t.Context()
	const tenant = "acme"
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	d1, d2 := disclosureRow(tenant, "sub-1", 1), disclosureRow(tenant, "sub-1", 2)
	d1.ConfidentialUntil, d2.ConfidentialUntil = ptr(at.AddDate(1, 0, 0)), ptr(at.AddDate(1, 0, 0))
	other := disclosureRow(tenant, "sub-2", 3)
	other.EventID = d1.EventID // another subject's row with the same event id: untouched
	other.ConfidentialUntil = ptr(at.AddDate(1, 0, 0))
	lifted, extended := at, at.AddDate(2, 0, 0)
	apply(t, s, 0, 3, model.Batch{Disclosures: []model.DisclosureRow{d1, d2, other}})
	// d1 lifted in a later batch; d2 extended, then extended again, within
	// its batch with a new disclosure d4, itself lifted in the same batch.
	d4 := disclosureRow(tenant, "sub-1", 4)
	d4.ConfidentialUntil = ptr(at.AddDate(1, 0, 0))
	apply(t, s, 3, 8, model.Batch{
		Disclosures: []model.DisclosureRow{d4},
		Confidentiality: []model.ConfidentialityChange{
			{Seq: 5, Tenant: tenant, SubjectRef: "sub-1", EventID: d1.EventID, Until: &lifted},
			{Seq: 6, Tenant: tenant, SubjectRef: "sub-1", EventID: d2.EventID, Until: ptr(at.AddDate(1, 6, 0))},
			{Seq: 7, Tenant: tenant, SubjectRef: "sub-1", EventID: d2.EventID, Until: &extended},
			{Seq: 8, Tenant: tenant, SubjectRef: "sub-1", EventID: d4.EventID, Until: &lifted},
			{Seq: 8, Tenant: tenant, SubjectRef: "sub-1", EventID: "no-such-event", Until: &lifted},
		},
	})
	d1.ConfidentialUntil, d2.ConfidentialUntil, d4.ConfidentialUntil = &lifted, &extended, &lifted
	same(t, "Disclosures", []model.DisclosureRow{d1, d2, other, d4},
		must[[]model.DisclosureRow](t, "Disclosures")(s.Disclosures(ctx, model.DisclosureFilter{Tenant: tenant}, model.Page{})))
	months := must[[]model.DisclosureMonth](t, "DisclosureMonths")(s.DisclosureMonths(ctx, tenant, time.Time{}, time.Time{}, at.Add(time.Hour)))
	var open, confidential uint64
	for _, m := range months {
		if m.Confidential {
			confidential += m.Count
		} else {
			open += m.Count
		}
	}
	if open != 2 || confidential != 2 {
		t.Errorf("DisclosureMonths: %d open, %d confidential, want 2 and 2 (d1 and d4 lifted; d2 and the other subject's still confidential): %+v", open, confidential, months)
	}
}
