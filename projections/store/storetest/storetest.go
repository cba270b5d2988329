// Package storetest is the conformance suite every read-model store
// passes (SQLite, PostgreSQL/CockroachDB), so that they cannot drift
// apart: same rows back, same order, same errors.
//
// A store's own test calls Run with a function that makes a fresh, empty
// database:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Database {
//			path := filepath.Join(t.TempDir(), "docket.db")
//			return storetest.Database{
//				Open: func(t *testing.T, gen int) model.Store {
//					s, err := sqlite.Open(t.Context(), path, gen)
//					if err != nil {
//						t.Fatal(err)
//					}
//					return s
//				},
//				Generations: func(t *testing.T) model.Generations { ... },
//			}
//		})
//	}
//
// What the suite holds every store to, beyond model's documentation:
//   - Times come back Equal to what was written, to the nanosecond, and in
//     UTC (time.Unix(0, n).UTC()), whatever location they were written in;
//     the zero time comes back zero, a nil *time.Time nil.
//   - A nil and an empty list (or []byte) are the same value.
//   - Page.Limit <= 0 means no limit; Page.After 0 means from the start.
//   - Observed lists in (Kind, Key) order; ties in any order are broken
//     by byte order of strings (PostgreSQL: COLLATE "C"), never by locale.
//   - Findings with Seq 0 (time-based) come first, on the page with
//     After 0 only.
//   - Within one batch, the last of several Subjects or Requests with the
//     same key wins, and Observed rows with the same key merge as they do
//     across batches.
//   - An Apply whose To is below its From is refused, and writes nothing.
package storetest

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// Database is one fresh, empty database as the store under test sees it.
// Several stores (of the same or other generations) may be opened on it at
// once, and reopened after Close.
type Database struct {
	// Open opens (migrating if needed) a store on generation gen of this
	// database; it fails t on error. The suite closes each store it opens
	// exactly once.
	Open func(t *testing.T, gen int) model.Store
	// Generations returns this database's generation record; the adapter
	// releases it (t.Cleanup) if it needs to.
	Generations func(t *testing.T) model.Generations
}

// Run runs the conformance suite. fresh is called once per subtest and
// must return a new, empty database each time.
func Run(t *testing.T, fresh func(t *testing.T) Database) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, db Database)
	}{
		{"Checkpoint", testCheckpoint},
		{"RoundTrip", testRoundTrip},
		{"ZeroAndEdgeValues", testEdgeValues},
		{"ReplaceByKey", testReplaceByKey},
		{"ObservedMerge", testObservedMerge},
		{"History", testHistory},
		{"Event", testEvent},
		{"Disclosures", testDisclosures},
		{"ConfidentialityChanges", testConfidentialityChanges},
		{"ListRequests", testListRequests},
		{"Breaches", testBreaches},
		{"Findings", testFindings},
		{"DisclosureMonths", testDisclosureMonths},
		{"FindingMonths", testFindingMonths},
		{"Quarantine", testQuarantine},
		{"FindingCopies", testFindingCopies},
		{"FindingStatus", testFindingStatus},
		{"SubjectsOf", testSubjectsOf},
		{"Activities", testActivities},
		{"Profiles", testProfiles},
		{"TenantExists", testTenantExists},
		{"Tenants", testTenants},
		{"TenantIsolation", testTenantIsolation},
		{"Generations", testGenerations},
		{"LargeBatch", testLargeBatch},
		{"ReadsDuringApply", testReadsDuringApply},
		{"PartitionsFixParts", testPartitionsFixParts},
		{"PartitionCheckpoints", testPartitionCheckpoints},
		{"PartitionCompareAndSwap", testPartitionCompareAndSwap},
		{"PartitionObservedMerge", testPartitionObservedMerge},
		{"PartitionsConcurrent", testPartitionsConcurrent},
		{"PartitionGenerations", testPartitionGenerations},
		{"PartitionRace", testPartitionRace},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, fresh(t)) })
	}
}

// open opens a store and closes it at the end of the test.
func open(t *testing.T, db Database, gen int) model.Store {
	t.Helper()
	s := db.Open(t, gen)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// apply applies b, moving the checkpoint from from to to; it fails t on error.
func apply(t *testing.T, s model.Store, from, to uint64, b model.Batch) {
	t.Helper()
	b.From, b.To = from, to
	if err := s.Apply(t.Context(), &b); err != nil {
		t.Fatalf("Apply %d..%d: %v", from, to, err)
	}
}

func checkpoint(t *testing.T, s model.Store) uint64 {
	t.Helper()
	cp, err := s.Checkpoint(t.Context())
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	return cp
}

// must fails t if err is not nil, and returns v.
func must[T any](t *testing.T, what string) func(v T, err error) T {
	t.Helper()
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// same reports every difference between want and got, and every time in
// got that is not UTC.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
	for _, d := range notUTC(got) {
		t.Errorf("%s%s", what, d)
	}
}

// seqs of rows, in the order given.
func seqs[R any](rows []R, seq func(R) uint64) []uint64 {
	out := []uint64{}
	for _, r := range rows {
		out = append(out, seq(r))
	}
	return out
}

func auditSeq(r model.AuditRow) uint64           { return r.Seq }
func disclosureSeq(r model.DisclosureRow) uint64 { return r.Seq }
func requestSeq(r model.RequestRow) uint64       { return r.ReceivedSeq }
func stateSeq(r *model.SubjectState) uint64      { return r.FirstSeq }

func sameSeqs(t *testing.T, what string, want, got []uint64) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if len(want) != len(got) {
		t.Errorf("%s: got sequences %v, want %v", what, got, want)
		return
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("%s: got sequences %v, want %v", what, got, want)
			return
		}
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrNotFound) {
		t.Errorf("%s: got error %v, want model.ErrNotFound", what, err)
	}
}

// Fixtures. Times carry nanoseconds and non-UTC locations on purpose.
var (
	plus0530 = time.FixedZone("IST", 5*3600+30*60)
	minus7   = time.FixedZone("PDT", -7*3600)
	t0       = time.Date(2025, 3, 14, 15, 9, 26, 535897932, plus0530)
)

// at is t0 plus n seconds and n nanoseconds, in a location that depends
// on n.
func at(n int) time.Time {
	t := t0.Add(time.Duration(n)*time.Second + time.Duration(n))
	if n%2 == 1 {
		return t.In(minus7)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func auditRow(tenant, subject string, seq uint64) model.AuditRow {
	n := int(seq)
	return model.AuditRow{
		Seq:        seq,
		EventID:    "ev-" + tenant + "-" + itoa(seq),
		Tenant:     tenant,
		SubjectRef: subject,
		Type:       "docket.events.v1.DataCollected",
		Categories: []string{"user.contact.email", "user.name"},
		Purposes:   []string{"essential.service", "marketing.communications.email"},
		LegalBasis: "LEGAL_BASIS_CONSENT",
		Recipient:  "rcp-mailer",
		OccurredAt: at(n),
		RecordedAt: at(n + 1),
		Source:     "svc-signup",
		ActorKind:  "ACTOR_KIND_SYSTEM",
		ActorID:    "signup-worker-3",
		Data:       []byte{0x0a, 0x00, 0xff, byte(seq), 0x7f},
	}
}

func disclosureRow(tenant, subject string, seq uint64) model.DisclosureRow {
	n := int(seq)
	return model.DisclosureRow{
		Seq:                seq,
		EventID:            "ev-" + tenant + "-" + itoa(seq),
		Tenant:             tenant,
		SubjectRef:         subject,
		RecipientID:        "rcp-mailer",
		RecipientName:      "Mailer GmbH",
		RecipientKind:      "RECIPIENT_KIND_PROCESSOR",
		Country:            "DE",
		TransferMechanism:  "TRANSFER_MECHANISM_ADEQUACY",
		Categories:         []string{"user.contact.email"},
		Purpose:            "marketing.communications.email",
		LegalBasis:         "LEGAL_BASIS_CONSENT",
		SpecialCondition:   "SPECIAL_CONDITION_EXPLICIT_CONSENT",
		LegalInstrumentRef: "dpa-2024-17",
		ConfidentialUntil:  ptr(at(n + 1000)),
		ActivityID:         "act-newsletter",
		OccurredAt:         at(n),
		RecordedAt:         at(n + 1),
		ParticularInquiry:  n%2 == 1,
		Art49Derogation:    []string{"", "ART49_DEROGATION_LEGAL_CLAIMS"}[n%2],
		DPFCertified:       n%3 == 0,
	}
}

func subjectState(tenant, subject string, firstSeq uint64) *model.SubjectState {
	n := int(firstSeq)
	return &model.SubjectState{
		Tenant:     tenant,
		SubjectRef: subject,
		FirstSeen:  at(n),
		LastSeen:   at(n + 50),
		FirstSeq:   firstSeq,
		LastSeq:    firstSeq + 50,
		Events:     7,
		Child:      true,
		Consents: map[string]*model.Consent{
			"marketing.communications.email": {
				Purpose: "marketing.communications.email", Given: true,
				NoticeID: "notice-1", NoticeVersion: "3", NoticeSHA256: "9f86d081884c7d65",
				Method: "CONSENT_METHOD_CHECKBOX", Channel: "web", Parental: true,
				GivenAt: ptr(at(n + 1)), ExpiresAt: ptr(at(n + 400)), EventID: "ev-c1",
			},
			"analytics.reporting": {
				Purpose: "analytics.reporting", Given: false,
				GivenAt: ptr(at(n + 2)), WithdrawnAt: ptr(at(n + 3)), EventID: "ev-c2",
			},
		},
		Restrictions: map[string]*model.Restriction{
			"r1": {ID: "r1", Purposes: []string{"marketing.advertising"}, Categories: []string{"user.contact"},
				RequestID: "req-1", AppliedAt: at(n + 4), LiftedAt: ptr(at(n + 5)), EventID: "ev-r1"},
			"r2": {ID: "r2", AppliedAt: at(n + 6), EventID: "ev-r2"},
		},
		Objections: []*model.Objection{
			{Purposes: []string{"marketing.advertising", "analytics"}, RequestID: "req-2", At: at(n + 7), EventID: "ev-o1"},
		},
		Overrides: []*model.Override{
			{Purposes: []string{"analytics.reporting"}, Ground: "OBJECTION_OVERRIDE_GROUND_LEGAL_CLAIMS", RequestID: "req-2",
				At: at(n + 8), EventID: "ev-ov1"},
		},
		Notifications: map[string]*model.Notification{
			"req-3/police/RIGHT_ERASURE": {RequestID: "req-3", RecipientID: "police", Right: "RIGHT_ERASURE", CauseEventID: "ev-e1",
				DueAt: ptr(at(n + 20)), OwedFrom: ptr(at(n + 19)), ScheduledAt: ptr(at(n + 18)), Status: model.NotificationOpen, EventID: "ev-d1"},
		},
		OpenRequests: []string{"req-3", "req-4"},
		Erasures:     map[string]time.Time{"crm": at(n + 8), "mailer": at(n + 9)},
		Shredded:     map[string]time.Time{"marketing": at(n + 10)},
		Collected: map[string]*model.Collection{
			"act-newsletter": {ActivityID: "act-newsletter", First: at(n), Last: at(n + 11), EndedAt: ptr(at(n + 12))},
			"act-billing":    {ActivityID: "act-billing", First: at(n + 1), Last: at(n + 13)},
		},
	}
}

func requestRow(tenant, id, subject string, receivedSeq uint64) *model.RequestRow {
	n := int(receivedSeq)
	return &model.RequestRow{
		Tenant:         tenant,
		RequestID:      id,
		SubjectRef:     subject,
		Right:          "RIGHT_ACCESS",
		ReceivedAt:     at(n),
		VerifiedAt:     ptr(at(n + 1)),
		ExtendedMonths: 2,
		DueAt:          at(n + 30*24*3600),
		Status:         model.RequestOpen,
		ReceivedSeq:    receivedSeq,
		EventIDs:       []string{"ev-" + id + "-received", "ev-" + id + "-verified"},
		NoDataHeld:     receivedSeq%2 == 1,
	}
}

func profileRow(tenant string, seq uint64) model.ProfileRow {
	n := int(seq)
	return model.ProfileRow{
		Seq:        seq,
		EventID:    "ev-" + tenant + "-profile-" + itoa(seq),
		Tenant:     tenant,
		OccurredAt: at(n),
		RecordedAt: at(n + 1),
		Profile:    []byte{0x0a, 0x03, 'A', 'G', byte('0' + seq%10)},
	}
}

func activityRow(tenant, activity string, seq uint64) model.ActivityRow {
	n := int(seq)
	return model.ActivityRow{
		Seq:        seq,
		EventID:    "ev-" + tenant + "-" + itoa(seq),
		Tenant:     tenant,
		ActivityID: activity,
		Amended:    seq%2 == 0,
		OccurredAt: at(n),
		RecordedAt: at(n + 1),
		Activity:   []byte{0x0a, 0x0e, 0x00, byte(seq)},
	}
}

func observedRow(tenant, kind, key string, firstSeq, count uint64) model.ObservedRow {
	n := int(firstSeq)
	return model.ObservedRow{
		Tenant: tenant, Kind: kind, Key: key, Count: count,
		FirstSeq: firstSeq, FirstEventID: "ev-" + itoa(firstSeq),
		FirstOccurred: at(n), LastOccurred: at(n + 100),
	}
}

func finding(tenant, rule, subject string, seq uint64, event string) model.Finding {
	return model.Finding{
		ID:         rule + ":" + event,
		Tenant:     tenant,
		Rule:       rule,
		SubjectRef: subject,
		EventIDs:   []string{event, event + "-cause"},
		AroseAt:    at(int(seq) + 3),
		Seq:        seq,
		Detail:     "processing under withdrawn consent for marketing.communications.email",
	}
}

func itoa(u uint64) string { return strconv.FormatUint(u, 10) }
