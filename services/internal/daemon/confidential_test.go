package daemon_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/testkit/apitest"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// confFixture is a docketd whose tenant acme holds, for subject s-conf, a
// collection, a disclosure to insurer-open, a disclosure to insurer-gagged
// that a court order keeps confidential (Art. 23) for a day more, with a
// purpose and a category no other event shows, a later collection, and an
// erasure, for which docketd records an Art. 19 notice due to each
// recipient (insurer-open's overdue now, insurer-gagged's owed from the end
// of its confidentiality); tenant beta holds one collection. Every event
// is projected and in a published checkpoint.
type confFixture struct {
	d                  *testd
	gaggedID, openID   string
	gaggedSeq, openSeq uint64
	noticeSeq          uint64 // the Art. 19 notice due to insurer-gagged
	betaID             string
	betaSeq            uint64
}

func newConfFixture(t *testing.T) *confFixture {
	t.Helper()
	d := startDaemon(t, t.TempDir(), checkpointEvery(1))
	ctx := context.Background()
	at := time.Now().Add(-60 * 24 * time.Hour)
	// Third parties, not public authorities: one that receives data
	// under a legal obligation (an inquiry) is no Art. 4(9) recipient and
	// is owed no Art. 19 notice.
	disclose := func(id, purpose, category string, until time.Time) *eventsv1.Event {
		ev := disclosed("s-conf", id, purpose, category, at, until)
		dm := ev.GetDisclosureMade()
		dm.Recipient.Kind, dm.LegalBasis = eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS
		return ev
	}
	erased := &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: "s-conf",
		OccurredAt: timestamppb.New(time.Now().Add(-50 * 24 * time.Hour)), Source: "crm", TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{RequestId: "req-e", System: "crm", RecordsErased: 1}}}
	evs := []*eventsv1.Event{
		collected("acme", "s-conf", at),
		disclose("insurer-open", "essential.service", "user.contact.email", time.Time{}),
		disclose("insurer-gagged", "essential.legal_obligation", "user.account.username", time.Now().Add(24*time.Hour)),
		collected("acme", "s-conf", at),
		collected("beta", "s-conf", at),
		// docketd's Art. 19 saga records a notice due to each recipient of
		// s-conf, insurer-gagged included: insurer-open's overdue by now,
		// insurer-gagged's waiting for the end of its confidentiality.
		erased,
	}
	res, err := d.Emitter.Append(ctx, evs...)
	if err != nil {
		t.Fatal(err)
	}
	f := &confFixture{d: d, openID: res[1].EventID, openSeq: res[1].Sequence, gaggedID: res[2].EventID, gaggedSeq: res[2].Sequence,
		betaID: res[4].EventID, betaSeq: res[4].Sequence}
	last := res[len(res)-1].Sequence + 2 // and the saga's two notices due
	eventually(t, "every event projected and checkpointed", func() bool {
		r, err := d.read.Audit.GetLatestCheckpoint(ctx, connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
		return err == nil && r.Msg.GetCheckpoint().GetTreeSize() >= last && d.ReadModels().Status().Checkpoint >= last
	})
	for seq := last - 1; seq <= last; seq++ {
		if d.StoredEvent(t, seq).GetRecipientNotificationDue().GetRecipientId() == "insurer-gagged" {
			f.noticeSeq = seq
		}
	}
	if f.noticeSeq == 0 {
		t.Fatal("docketd recorded no Art. 19 notice due to insurer-gagged")
	}
	return f
}

// readCase is how the test calls one RPC over the fixture. bodies are
// JSON requests ("{id}": the confidential disclosure's event id, "{seq}"
// its sequence, "{nseq}" the sequence of the notice due to its recipient). legalSees: legal's answer must show the confidential
// disclosure. none: why the RPC holds no disclosure (it is not called).
type readCase struct {
	bodies    []string
	legalSees bool
	none      string
}

// readCases has an entry for every RPC of the API.
var readCases = map[string]readCase{
	"IngestService/Append": {none: "a write (emitters only)"},
	"IngestService/Head":   {none: "emitters only: a subject's last sequence for optimistic concurrency"},

	"QueryService/GetSubject": {bodies: []string{`{"tenant":"acme","subjectRef":"s-conf"}`,
		`{"tenant":"acme","subjectRef":"s-conf","asOf":"2100-01-01T00:00:00Z"}`}},
	"QueryService/ListHistory":           {bodies: []string{`{"tenant":"acme","subjectRef":"s-conf"}`}, legalSees: true},
	"QueryService/ListDisclosures":       {bodies: []string{`{"tenant":"acme"}`, `{"tenant":"acme","subjectRef":"s-conf"}`}, legalSees: true},
	"QueryService/GetRecordOfProcessing": {bodies: []string{`{"tenant":"acme"}`}, legalSees: true},
	"QueryService/ListFindings":          {bodies: []string{`{"tenant":"acme"}`, `{"tenant":"acme","subjectRef":"s-conf"}`}, legalSees: true},
	"QueryService/GetFinding":            {bodies: []string{`{"tenant":"acme","findingId":"disclosure_to_undeclared_recipient:{id}"}`}, legalSees: true},
	"QueryService/ListFindingGroups":     {bodies: []string{`{"tenant":"acme"}`, `{"tenant":"acme","subjectRef":"s-conf"}`}, legalSees: true},
	"QueryService/ListRequests":          {bodies: []string{`{"tenant":"acme"}`}},
	"QueryService/ListBreaches":          {bodies: []string{`{"tenant":"acme"}`}}, // controller-level: names no disclosure
	"QueryService/ListTenants":           {bodies: []string{`{}`}},
	"QueryService/GetStatistics":         {bodies: []string{`{"tenant":"acme"}`}}, // counts: see TestConfidentialCounts

	"RightsService/ExportSubject":     {bodies: []string{`{"tenant":"acme","subjectRef":"s-conf","format":"EXPORT_FORMAT_JSON","justification":"confidentiality test"}`}},
	"RightsService/ShredKeys":         {none: "a write: answers with the keys groups shredded"},
	"RightsService/GetConsentReceipt": {bodies: []string{`{"tenant":"acme","eventId":"{id}"}`}},
	"RightsService/ProveErasure":      {bodies: []string{`{"tenant":"acme","subjectRef":"s-conf"}`}},

	"AuditService/GetLatestCheckpoint": {bodies: []string{`{}`}},
	"AuditService/GetCheckpoint":       {bodies: []string{`{"treeSize":"3"}`}},
	"AuditService/GetConsistencyProof": {bodies: []string{`{"oldSize":"1","newSize":"3"}`}},
	"AuditService/GetInclusionProof": {bodies: []string{`{"sequence":"{seq}"}`, `{"eventId":"{id}","tenant":"acme"}`, `{"sequence":"{nseq}"}`},
		legalSees: true},
	"AuditService/GetEvent":       {bodies: []string{`{"sequence":"{seq}"}`, `{"sequence":"{nseq}"}`}, legalSees: true},
	"AuditService/AddCosignature": {none: "a write: a witness's cosignature of a checkpoint"},

	"StatusService/GetStatus": {bodies: []string{`{}`}},

	"TokenService/CreateToken": {none: "admin only: tokens"},
	"TokenService/ListTokens":  {none: "admin only: tokens"},
	"TokenService/RevokeToken": {none: "admin only: tokens"},
	"TokenService/WhoAmI":      {bodies: []string{`{}`}},
}

// TestConfidentialDisclosureReachesLegalOnly walks every RPC of the API
// (from the generated descriptors: a new RPC without a case fails) as an
// auditor, a DPO and a legal token of acme, and searches every answer for
// the confidential disclosure: its event id, its recipient id, its
// sequence. Only legal's answers may show it, and where legal sees it,
// they must. A request that names it gets, for the others, the answer a
// request naming an event that does not exist gets.
func TestConfidentialDisclosureReachesLegalOnly(t *testing.T) {
	f := newConfFixture(t)
	procedures := apitest.Procedures(t)
	seqField := regexp.MustCompile(`"[A-Za-z]*(?:[sS]eq|[sS]equence)":"` + strconv.FormatUint(f.gaggedSeq, 10) + `"`)
	// Stored events and documents come base64-encoded, and documents hold
	// stored events in turn: search their bytes too, three levels down.
	encoded := regexp.MustCompile(`"[A-Za-z_]+" ?: ?"([A-Za-z0-9+/]{16,}={0,2})"`)
	var decoded func(s string, depth int) string
	decoded = func(s string, depth int) string {
		if depth == 0 {
			return s
		}
		for _, m := range encoded.FindAllStringSubmatch(s, -1) {
			if b, err := base64.StdEncoding.DecodeString(m[1]); err == nil {
				s += "\n" + decoded(string(b), depth-1)
			}
		}
		return s
	}
	shows := func(body string) []string {
		body = decoded(body, 3)
		var what []string
		if strings.Contains(body, f.gaggedID) {
			what = append(what, "its event id")
		}
		if strings.Contains(body, "insurer-gagged") {
			what = append(what, "its recipient")
		}
		if seqField.MatchString(body) {
			what = append(what, "its sequence")
		}
		return what
	}
	missing := uuid.Must(uuid.NewV7()).String()
	const missingSeq = 1 << 40
	for _, role := range []auth.Role{auth.Auditor, auth.DPO, auth.Legal} {
		tok := f.d.Token(t, auth.Spec{Name: "conf-" + string(role), Roles: []auth.Role{role}, Tenant: "acme"})
		for _, p := range procedures {
			name := strings.TrimPrefix(p, "/docket.api.v1.")
			rc, ok := readCases[name]
			if !ok {
				t.Errorf("%s has no case: say what it shows of disclosures", name)
				continue
			}
			if rc.none != "" || !slices.Contains(auth.Policy[p].Roles, role) {
				continue
			}
			sawIt := false
			for _, tmpl := range rc.bodies {
				body := fill(tmpl, f.gaggedID, f.gaggedSeq, f.noticeSeq)
				code, msg := call(t, f.d, p, tok, body)
				what := shows(msg)
				if len(what) > 0 {
					sawIt = true
				}
				if role == auth.Legal {
					if code != "" && rc.legalSees {
						t.Errorf("%s %s as legal: %s %s", name, body, code, msg)
					}
					continue
				}
				// A request that names the confidential disclosure is
				// answered as one naming an event that does not exist.
				if control := fill(tmpl, missing, missingSeq, missingSeq); control != body {
					ccode, cmsg := call(t, f.d, p, tok, control)
					cmsg = strings.ReplaceAll(cmsg, missing, f.gaggedID)
					if ccode != code || cmsg != msg {
						t.Errorf("%s %s as %s: %s %q; an event that does not exist: %s %q", name, body, role, code, msg, ccode, cmsg)
					}
					continue
				}
				if code != "" {
					t.Errorf("%s %s as %s: %s %s", name, body, role, code, msg)
				}
				if len(what) > 0 {
					t.Errorf("%s %s as %s shows the confidential disclosure (%s): %s", name, body, role, strings.Join(what, ", "), msg)
				}
			}
			if role == auth.Legal && rc.legalSees && !sawIt {
				t.Errorf("%s as legal: the confidential disclosure is not shown", name)
			}
		}
	}
}

// fill puts an event id and sequences into a request template.
func fill(tmpl, id string, seq, nseq uint64) string {
	return strings.NewReplacer("{id}", id, "{seq}", strconv.FormatUint(seq, 10), "{nseq}", strconv.FormatUint(nseq, 10)).Replace(tmpl)
}

// TestConfidentialCounts: the register of disclosures lists the
// confidential disclosure for the legal role only; what the others see
// lists and counts without it, and says how many rows were left out, never
// which.
func TestConfidentialCounts(t *testing.T) {
	f := newConfFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		role                 auth.Role
		events, history      uint64
		undeclared, withheld uint64
		disclosures          string // the register's recipients
		withheldDisclosures  uint32
	}{
		{auth.Auditor, 5, 5, 1, 2, "insurer-open", 1},
		{auth.DPO, 5, 5, 1, 2, "insurer-open", 1},
		{auth.Legal, 7, 7, 2, 0, "insurer-open,insurer-gagged", 0},
	} {
		tok := f.d.Token(t, auth.Spec{Name: "count-" + string(tc.role), Roles: []auth.Role{tc.role}, Tenant: "acme"})
		q := f.d.API(tok).Query
		sub, err := q.GetSubject(ctx, connect.NewRequest(&apiv1.GetSubjectRequest{Tenant: "acme", SubjectRef: "s-conf"}))
		if err != nil {
			t.Fatal(err)
		}
		if got := sub.Msg.GetSubject().GetEvents(); got != tc.events {
			t.Errorf("%s: subject counts %d events, want %d", tc.role, got, tc.events)
		}
		h, err := q.ListHistory(ctx, connect.NewRequest(&apiv1.ListHistoryRequest{Tenant: "acme", SubjectRef: "s-conf"}))
		if err != nil {
			t.Fatal(err)
		}
		withheld := uint64(h.Msg.GetWithheldConfidential())
		if uint64(len(h.Msg.GetRows())) != tc.history || withheld != tc.withheld {
			t.Errorf("%s: history of %d rows, %d withheld; want %d, %d", tc.role, len(h.Msg.GetRows()), withheld, tc.history, tc.withheld)
		}
		st, err := q.GetStatistics(ctx, connect.NewRequest(&apiv1.GetStatisticsRequest{Tenant: "acme"}))
		if err != nil {
			t.Fatal(err)
		}
		var undeclared uint64
		for _, c := range st.Msg.GetFindingsByRule() {
			if c.GetKey() == "disclosure_to_undeclared_recipient" {
				undeclared += c.GetCount()
			}
		}
		if undeclared != tc.undeclared {
			t.Errorf("%s: statistics count %d undeclared-recipient findings, want %d", tc.role, undeclared, tc.undeclared)
		}
		resp, err := q.ListDisclosures(ctx, connect.NewRequest(&apiv1.ListDisclosuresRequest{Tenant: "acme"}))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range resp.Msg.GetDisclosures() {
			ids = append(ids, x.GetRecipient().GetId())
		}
		if got := strings.Join(ids, ","); got != tc.disclosures || resp.Msg.GetWithheldConfidential() != tc.withheldDisclosures {
			t.Errorf("%s sees %q, %d withheld; want %q, %d", tc.role, got, resp.Msg.GetWithheldConfidential(), tc.disclosures, tc.withheldDisclosures)
		}
		// The charts count what the register lists, and withhold the same.
		var counted uint64
		for _, c := range st.Msg.GetDisclosuresByKind() {
			counted += c.GetCount()
		}
		if counted != uint64(len(ids)) || st.Msg.GetWithheldConfidential() != uint64(tc.withheldDisclosures) {
			t.Errorf("%s: statistics count %d disclosures, %d withheld; want %d, %d", tc.role, counted, st.Msg.GetWithheldConfidential(), len(ids), tc.withheldDisclosures)
		}
	}
}

// TestProofOfAnotherTenantsEventIsNotFound: a token bound to acme asking
// for beta's event, by sequence or by id, gets the answer a sequence that
// does not exist gets; a token of every tenant gets the event.
func TestProofOfAnotherTenantsEventIsNotFound(t *testing.T) {
	f := newConfFixture(t)
	tok := f.d.Token(t, auth.Spec{Name: "acme-auditor", Roles: []auth.Role{auth.Auditor}, Tenant: "acme"})
	const missing = 1 << 40
	for _, tc := range []struct{ procedure, body, control string }{
		{apiv1connect.AuditServiceGetEventProcedure, fmt.Sprintf(`{"sequence":"%d"}`, f.betaSeq), fmt.Sprintf(`{"sequence":"%d"}`, missing)},
		{apiv1connect.AuditServiceGetInclusionProofProcedure, fmt.Sprintf(`{"sequence":"%d"}`, f.betaSeq), fmt.Sprintf(`{"sequence":"%d"}`, missing)},
		{apiv1connect.AuditServiceGetInclusionProofProcedure, fmt.Sprintf(`{"eventId":%q,"tenant":"beta"}`, f.betaID),
			fmt.Sprintf(`{"eventId":%q,"tenant":"beta"}`, uuid.Must(uuid.NewV7()).String())},
	} {
		code, msg := call(t, f.d, tc.procedure, tok, tc.body)
		ccode, cmsg := call(t, f.d, tc.procedure, tok, tc.control)
		if code != "not_found" || code != ccode || msg != cmsg {
			t.Errorf("%s %s: %s %q; for an event that does not exist: %s %q", tc.procedure, tc.body, code, msg, ccode, cmsg)
		}
		if strings.Contains(msg, f.betaID) || strings.Contains(msg, "beta") {
			t.Errorf("%s %s: the error tells of beta's event: %s", tc.procedure, tc.body, msg)
		}
		if code, msg := call(t, f.d, tc.procedure, f.d.readTok, tc.body); code != "" || !strings.Contains(msg, "docket.beta.") {
			t.Errorf("%s %s with a token of every tenant: %s %s", tc.procedure, tc.body, code, msg)
		}
	}
	// acme's own events are open to it, by sequence too.
	if code, msg := call(t, f.d, apiv1connect.AuditServiceGetEventProcedure, tok, fmt.Sprintf(`{"sequence":"%d"}`, f.openSeq)); code != "" {
		t.Errorf("GetEvent of acme's own event: %s %s", code, msg)
	}
}

// TestConfidentialityChangeReachesTheReadSide: a DisclosureConfidentialityChanged
// moves what the roles other than legal see. The fixture's insurer-gagged
// disclosure (confidential until tomorrow) is lifted an hour ago: an
// auditor now gets it from GetEvent and the register, a DPO's export names
// the recipient. insurer-open's (never confidential) is made confidential
// until in ten days: the auditor no longer gets it, nor the change itself.
func TestConfidentialityChangeReachesTheReadSide(t *testing.T) {
	f := newConfFixture(t)
	ctx := context.Background()
	change := func(id string, until time.Time) *eventsv1.Event {
		c := &eventsv1.DisclosureConfidentialityChanged{DisclosureEventId: id, LegalInstrumentRef: "order-change"}
		if !until.IsZero() {
			c.ConfidentialUntil = timestamppb.New(until)
		}
		return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: "s-conf",
			OccurredAt: timestamppb.New(time.Now().Add(-time.Hour)), Source: "legal-desk", TaxonomyVersion: "fideslang-3.1",
			Payload: &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: c}}
	}
	res, err := f.d.Emitter.Append(ctx, change(f.gaggedID, time.Time{}), change(f.openID, time.Now().Add(10*24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	extendSeq := res[1].Sequence
	eventually(t, "the changes projected", func() bool { return f.d.ReadModels().Status().Checkpoint >= extendSeq })
	auditor := f.d.Token(t, auth.Spec{Name: "change-auditor", Roles: []auth.Role{auth.Auditor}, Tenant: "acme"})
	dpo := f.d.Token(t, auth.Spec{Name: "change-dpo", Roles: []auth.Role{auth.DPO}, Tenant: "acme"})
	get := func(seq uint64) (string, string) {
		return call(t, f.d, "/docket.api.v1.AuditService/GetEvent", auditor, `{"sequence":"`+strconv.FormatUint(seq, 10)+`"}`)
	}
	if code, msg := get(f.gaggedSeq); code != "" {
		t.Errorf("GetEvent of the lifted disclosure as auditor: %s %s", code, msg)
	}
	if code, _ := get(f.openSeq); code == "" {
		t.Error("GetEvent of the disclosure made confidential as auditor: shown")
	}
	if code, _ := get(extendSeq); code == "" {
		t.Error("GetEvent of the change that made a disclosure confidential, as auditor: shown")
	}
	// A receipt asked of the disclosure made confidential is answered as
	// for an event that does not exist; of the lifted one, as for any
	// event that is no consent.
	receipt := func(id string) (string, string) {
		code, msg := call(t, f.d, "/docket.api.v1.RightsService/GetConsentReceipt", auditor, `{"tenant":"acme","eventId":"`+id+`"}`)
		return code, strings.ReplaceAll(msg, id, "ID")
	}
	missing := uuid.Must(uuid.NewV7()).String()
	if code, msg := receipt(f.openID); code == "" || fmt.Sprint(receipt(missing)) != fmt.Sprint(code, msg) {
		t.Errorf("GetConsentReceipt of the disclosure made confidential, as auditor: %s %s; want the answer for an event that does not exist", code, msg)
	}
	if code, msg := receipt(f.gaggedID); fmt.Sprint(receipt(missing)) == fmt.Sprint(code, msg) {
		t.Errorf("GetConsentReceipt of the lifted disclosure, as auditor: %s %s, the answer for an event that does not exist", code, msg)
	}
	code, msg := call(t, f.d, "/docket.api.v1.QueryService/ListDisclosures", auditor, `{"tenant":"acme","subjectRef":"s-conf"}`)
	if code != "" || !strings.Contains(msg, "insurer-gagged") || strings.Contains(msg, "insurer-open") {
		t.Errorf("ListDisclosures as auditor: %s %s; want insurer-gagged (lifted) and not insurer-open (made confidential)", code, msg)
	}
	code, msg = call(t, f.d, "/docket.api.v1.RightsService/ExportSubject", dpo,
		`{"tenant":"acme","subjectRef":"s-conf","format":"EXPORT_FORMAT_JSON","justification":"confidentiality change test"}`)
	body := msg
	if code == "" {
		var r struct {
			Content string `json:"content"`
		}
		if err := json.Unmarshal([]byte(msg), &r); err == nil {
			if b, err := base64.StdEncoding.DecodeString(r.Content); err == nil {
				body = string(b)
			}
		}
	}
	if code != "" || !strings.Contains(body, "insurer-gagged") || strings.Contains(body, "insurer-open") {
		t.Errorf("ExportSubject as DPO: %s; want insurer-gagged (lifted) named and insurer-open (made confidential) not: %s", code, body)
	}
}
