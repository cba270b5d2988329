package query_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/query"
	qt "github.com/docketledger/docket/services/internal/query/querytest"
)

// The ledger's statistics at qt.Now: disclosures 5 and 11 in January, 7
// and 8 in February; recorded findings of events 3, 7, 8 and 11; the
// time-based retention_exceeded (Feb 9) and rights_request_past_deadline
// (the end of Mar 10: received Feb 10). Globex has one recorded finding, in January.
const (
	janDisclosures = `{"month":"2026-01","key":"RECIPIENT_KIND_PROCESSOR","count":"1"},` +
		`{"month":"2026-01","key":"RECIPIENT_KIND_PUBLIC_AUTHORITY","count":"1"}`
	febDisclosures = `{"month":"2026-02","key":"RECIPIENT_KIND_PROCESSOR","count":"1"},` +
		`{"month":"2026-02","key":"RECIPIENT_KIND_THIRD_PARTY","count":"1"}`
	janFindings = `{"month":"2026-01","key":"processing_outside_declared_activity","count":"1"},` +
		`{"month":"2026-01","key":"processing_without_consent","count":"1"}`
	febFindings = `{"month":"2026-02","key":"disclosure_to_undeclared_recipient","count":"1"},` +
		`{"month":"2026-02","key":"processing_after_consent_withdrawn","count":"1"},` +
		`{"month":"2026-02","key":"retention_exceeded","count":"1"}`
	marFindings = `{"month":"2026-03","key":"rights_request_past_deadline","count":"1"}`
)

func TestStatisticsOverJSON(t *testing.T) {
	s := qt.Start(t)
	const canary = "jane.doe@example.org"
	// stats is the JSON of a response; protojson leaves out empty lists.
	stats := func(disclosures, findings []string) string {
		var fields []string
		if len(disclosures) > 0 {
			fields = append(fields, `"disclosuresByKind":[`+strings.Join(disclosures, ",")+`]`)
		}
		if len(findings) > 0 {
			fields = append(fields, `"findingsByRule":[`+strings.Join(findings, ",")+`]`)
		}
		return "{" + strings.Join(fields, ",") + "}"
	}
	for _, tc := range []struct {
		name, method, body string
		wantCode           string // connect error code; "" for success
		want               string // the whole body, on success
		wantIn             []string
	}{
		{name: "all", method: "GetStatistics", body: `{"tenant":"acme"}`,
			want: stats([]string{janDisclosures, febDisclosures}, []string{janFindings, febFindings, marFindings})},
		{name: "from a month's first instant", method: "GetStatistics", body: `{"tenant":"acme","from":"2026-02-01T00:00:00Z"}`,
			want: stats([]string{febDisclosures}, []string{febFindings, marFindings})},
		{name: "to a month's last instant", method: "GetStatistics", body: `{"tenant":"acme","to":"2026-01-31T23:59:59.999999999Z"}`,
			want: stats([]string{janDisclosures}, []string{janFindings})},
		{name: "time-based findings within the range", method: "GetStatistics",
			body: `{"tenant":"acme","from":"2026-02-09T00:00:00Z","to":"2026-03-10T23:59:59.999999999Z"}`,
			want: stats(nil, []string{`{"month":"2026-02","key":"retention_exceeded","count":"1"}`, marFindings})},
		{name: "a range with nothing", method: "GetStatistics", body: `{"tenant":"acme","from":"2026-04-01T00:00:00Z"}`,
			want: `{}`},
		{name: "another tenant", method: "GetStatistics", body: `{"tenant":"globex"}`,
			want: stats(nil, []string{`{"month":"2026-01","key":"processing_without_consent","count":"1"}`})},
		{name: "unknown tenant", method: "GetStatistics", body: `{"tenant":"initech"}`,
			wantCode: "not_found", wantIn: []string{"tenant not found"}},
		{name: "no tenant, to before from", method: "GetStatistics", body: `{"from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}`,
			wantCode: "invalid_argument", wantIn: []string{"tenant: is empty", "to: is before from"}},
		{name: "a tenant that is an email", method: "GetStatistics", body: `{"tenant":"` + canary + `"}`,
			wantCode: "invalid_argument", wantIn: []string{"tenant: has a character"}},
		{name: "times the read models cannot hold", method: "GetStatistics", body: `{"tenant":"acme","from":"1600-01-01T00:00:00Z","to":"9999-01-01T00:00:00Z"}`,
			wantCode: "invalid_argument", wantIn: []string{"from: is outside the times", "to: is outside the times"}},
		{name: "tenants", method: "ListTenants", body: `{}`, want: `{"tenants":["acme","globex"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := postWant(t, s, tc.method, tc.body, tc.wantCode)
			if tc.wantCode == "" && string(body) != tc.want {
				t.Errorf("response\n%s\nwant\n%s", body, tc.want)
			}
			for _, w := range tc.wantIn {
				if !strings.Contains(string(body), w) {
					t.Errorf("response lacks %s:\n%s", w, body)
				}
			}
			if strings.Contains(string(body), canary) {
				t.Errorf("response quotes the request: %s", body)
			}
		})
	}
}

// token is a token of role bound to tenant.
func token(role auth.Role, tenant string) *auth.Token {
	return &auth.Token{ID: "t-" + string(role), Name: string(role), Roles: []auth.Role{role}, Tenant: tenant}
}

// service is a query service over s's store, at qt.Now.
func service(t *testing.T, s *qt.Server) *query.Service {
	t.Helper()
	svc, err := query.New(s.Store, query.Options{Now: func() time.Time { return qt.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// counts renders monthly counts as "month key count" lines.
func counts(cs []*apiv1.MonthlyCount) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = fmt.Sprintf("%s %s %d", c.GetMonth(), c.GetKey(), c.GetCount())
	}
	return strings.Join(lines, "\n")
}

// A disclosure still confidential counts in the chart for the legal role
// only; the others learn how many were left out, as from ListDisclosures.
func TestStatisticsWithholdConfidential(t *testing.T) {
	s := qt.Start(t)
	ctx := context.Background()
	disclosure := func(seq uint64, until time.Time) model.DisclosureRow {
		return model.DisclosureRow{
			Seq: seq, EventID: fmt.Sprintf("ev-%d", seq), Tenant: qt.Tenant, SubjectRef: "s-2",
			RecipientID: "police", RecipientName: "Police", RecipientKind: "RECIPIENT_KIND_PUBLIC_AUTHORITY",
			Categories: []string{qt.CategoryBank}, Purpose: qt.PurposeLegal, LegalBasis: "LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION",
			ConfidentialUntil: &until, OccurredAt: qt.Day(3, int(seq)), RecordedAt: qt.Now,
		}
	}
	from := uint64(len(s.Events))
	if err := s.Store.Apply(ctx, &model.Batch{From: from, To: from + 2, Disclosures: []model.DisclosureRow{
		disclosure(from+1, time.Now().Add(365*24*time.Hour)), // gagged
		disclosure(from+2, qt.Day(1, 1)),                     // no longer
	}}); err != nil {
		t.Fatal(err)
	}
	svc := service(t, s)
	march := &apiv1.GetStatisticsRequest{Tenant: qt.Tenant, From: protoTime(qt.Day(3, 1))}
	for _, tc := range []struct {
		name     string
		tok      *auth.Token
		count    uint64
		withheld uint64
	}{
		{"legal", token(auth.Legal, qt.Tenant), 2, 0},
		{"legal of every tenant", token(auth.Legal, auth.AllTenants), 2, 0},
		{"auditor", token(auth.Auditor, qt.Tenant), 1, 1},
		{"dpo", token(auth.DPO, auth.AllTenants), 1, 1},
		{"docketd itself", nil, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctx
			if tc.tok != nil {
				ctx = auth.WithToken(ctx, tc.tok)
			}
			resp, err := svc.GetStatistics(ctx, connect.NewRequest(march))
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("2026-03 RECIPIENT_KIND_PUBLIC_AUTHORITY %d", tc.count)
			if got := counts(resp.Msg.GetDisclosuresByKind()); got != want || resp.Msg.GetWithheldConfidential() != tc.withheld {
				t.Errorf("disclosures %q, %d withheld; want %q, %d", got, resp.Msg.GetWithheldConfidential(), want, tc.withheld)
			}
			list, err := svc.ListDisclosures(ctx, connect.NewRequest(&apiv1.ListDisclosuresRequest{Tenant: qt.Tenant, From: march.GetFrom()}))
			if err != nil {
				t.Fatal(err)
			}
			if n, w := uint64(len(list.Msg.GetDisclosures())), uint64(list.Msg.GetWithheldConfidential()); n != tc.count || w != tc.withheld {
				t.Errorf("ListDisclosures: %d listed, %d withheld; GetStatistics counts %d, %d", n, w, tc.count, tc.withheld)
			}
		})
	}
}

// ListTenants lists the tenants the token covers, and only those.
func TestListTenantsCoveredByToken(t *testing.T) {
	s := qt.Start(t)
	svc := service(t, s)
	for _, tc := range []struct {
		name string
		tok  *auth.Token
		want []string
	}{
		{"bound to acme", token(auth.Auditor, qt.Tenant), []string{qt.Tenant}},
		{"bound to globex", token(auth.DPO, qt.OtherTenant), []string{qt.OtherTenant}},
		{"bound to a tenant without data", token(auth.Legal, "initech"), []string{}},
		{"bound to every tenant", token(auth.Auditor, auth.AllTenants), []string{qt.Tenant, qt.OtherTenant}},
		{"docketd itself", nil, []string{qt.Tenant, qt.OtherTenant}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.tok != nil {
				ctx = auth.WithToken(ctx, tc.tok)
			}
			resp, err := svc.ListTenants(ctx, connect.NewRequest(&apiv1.ListTenantsRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Msg.GetTenants(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("tenants %q, want %q", got, tc.want)
			}
		})
	}
}
