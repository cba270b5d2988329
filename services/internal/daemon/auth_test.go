package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/apitest"
	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// call posts a JSON request to a procedure with tok ("" for none) and
// returns the Connect error code ("" on success) and the body.
func call(t *testing.T, d *testd, procedure, tok, body string) (code, msg string) {
	t.Helper()
	resp := d.post(t, procedure, tok, body)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return "", string(b)
	}
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: status %d, body %q", procedure, resp.StatusCode, b)
	}
	return e.Code, e.Message
}

// requestBody is a request to procedure about tenant: the tenant field
// set, or for Append one event of that tenant.
func requestBody(t *testing.T, procedure, tenant string) string {
	if procedure == apiv1connect.IngestServiceAppendProcedure {
		return `{"events":[` + strings.Replace(jsonEvent(uuid.Must(uuid.NewV7()).String(), "s-matrix"), `"tenant":"acme"`, `"tenant":"`+tenant+`"`, 1) + `]}`
	}
	md := method(t, procedure)
	fields := md.Input().Fields()
	if fields.ByName("tenant") == nil {
		return `{}`
	}
	if fields.ByName("subject_ref") != nil {
		return `{"tenant":"` + tenant + `","subjectRef":"s-matrix"}`
	}
	return `{"tenant":"` + tenant + `"}`
}

func method(t *testing.T, procedure string) protoreflect.MethodDescriptor {
	t.Helper()
	svc, name, _ := strings.Cut(strings.TrimPrefix(procedure, "/"), "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		t.Fatalf("%s: %v", procedure, err)
	}
	return d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(name))
}

// TestRoleMatrix calls every RPC of the API with a token of every role,
// bound to tenant acme (admin: to every tenant), about acme and about another tenant, and checks
// that exactly what Policy grants gets past authorisation.
func TestRoleMatrix(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	// Every RPC the API serves has a rule.
	procedures := apitest.Procedures(t)
	for _, p := range procedures {
		if _, ok := auth.Policy[p]; !ok {
			t.Errorf("%s has no rule in auth.Policy", p)
		}
	}
	// What each role may call, as the issue defines the roles; Policy must
	// say the same. "+" marks an RPC about one tenant.
	granted := map[string]string{
		"IngestService/Append": "emitter+", "IngestService/Head": "emitter+",
		"QueryService/GetSubject": "auditor,legal,dpo+", "QueryService/ListHistory": "auditor,legal,dpo+",
		"QueryService/ListDisclosures": "auditor,legal,dpo+", "QueryService/GetRecordOfProcessing": "auditor,legal,dpo+",
		"QueryService/ListFindings": "auditor,legal,dpo+", "QueryService/ListRequests": "auditor,legal,dpo+",
		"QueryService/GetFinding": "auditor,legal,dpo+", "QueryService/ListFindingGroups": "auditor,legal,dpo+",
		"QueryService/ListTenants": "auditor,legal,dpo", "QueryService/GetStatistics": "auditor,legal,dpo+",
		"QueryService/ListBreaches":   "auditor,legal,dpo+",
		"RightsService/ExportSubject": "legal,dpo+", "RightsService/ShredKeys": "dpo+",
		"RightsService/GetConsentReceipt": "auditor,legal,dpo+", "RightsService/ProveErasure": "auditor,legal,dpo+",
		"AuditService/GetLatestCheckpoint": "auditor,legal,dpo", "AuditService/GetCheckpoint": "auditor,legal,dpo",
		"AuditService/GetInclusionProof": "auditor,legal,dpo", "AuditService/GetConsistencyProof": "auditor,legal,dpo",
		"AuditService/GetEvent": "auditor,legal,dpo", "AuditService/AddCosignature": "auditor",
		"StatusService/GetStatus":  "emitter,auditor,legal,dpo,admin",
		"TokenService/CreateToken": "admin", "TokenService/ListTokens": "admin", "TokenService/RevokeToken": "admin",
		"TokenService/WhoAmI": "emitter,auditor,legal,dpo,admin",
	}
	for _, p := range procedures {
		rule := auth.Policy[p]
		var rs []string
		for _, r := range rule.Roles {
			rs = append(rs, string(r))
		}
		got := strings.Join(rs, ",")
		if rule.Tenant == auth.TenantFromRequest || rule.Tenant == auth.TenantOfEachEvent {
			got += "+"
		}
		if want := granted[strings.TrimPrefix(p, "/docket.api.v1.")]; got != want {
			t.Errorf("Policy grants %s to %q, want %q", p, got, want)
		}
	}
	tokens := map[auth.Role]string{}
	tenantOf := map[auth.Role]string{}
	for _, r := range auth.Roles {
		spec := auth.Spec{Name: "matrix-" + string(r), Roles: []auth.Role{r}, Tenant: "acme"}
		switch r {
		case auth.Emitter:
			spec.Source = "crm"
		case auth.Admin:
			spec.Tenant = auth.AllTenants // an admin is on every tenant
		}
		tenantOf[r] = spec.Tenant
		tok := d.Token(t, spec)
		tokens[r] = tok
	}
	for _, p := range procedures {
		rule := auth.Policy[p]
		for _, r := range auth.Roles {
			for _, tenant := range []string{"acme", "beta"} {
				want := slices.Contains(rule.Roles, r) && (rule.Tenant != auth.EveryTenant || tenantOf[r] == auth.AllTenants) &&
					(tenant == "acme" || tenantOf[r] == auth.AllTenants || rule.Tenant != auth.TenantFromRequest && rule.Tenant != auth.TenantOfEachEvent)
				t.Run(fmt.Sprintf("%s/%s/%s", strings.TrimPrefix(p, "/docket.api.v1."), r, tenant), func(t *testing.T) {
					code, msg := call(t, d, p, tokens[r], requestBody(t, p, tenant))
					switch {
					case code == "unauthenticated":
						t.Fatalf("a valid token was refused: %s", msg)
					case want && code == "permission_denied":
						t.Fatalf("denied, want allowed: %s", msg)
					case !want && code != "permission_denied":
						t.Fatalf("code %q, want permission_denied", code)
					}
				})
			}
		}
	}
}

// TestUnauthenticated: no token, a malformed, unknown, expired or revoked
// one are refused alike, saying nothing of what exists.
func TestUnauthenticated(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	ctx := context.Background()
	admin := d.API(d.Admin(t)).Tokens
	created, err := admin.CreateToken(ctx, connect.NewRequest(&apiv1.CreateTokenRequest{Name: "soon-revoked", Roles: []string{"auditor"}, Tenant: "acme"}))
	if err != nil {
		t.Fatal(err)
	}
	revoked := created.Msg.GetToken()
	if code, msg := call(t, d, apiv1connect.StatusServiceGetStatusProcedure, revoked, `{}`); code != "" {
		t.Fatalf("before revocation: %s %s", code, msg)
	}
	if _, err := admin.RevokeToken(ctx, connect.NewRequest(&apiv1.RevokeTokenRequest{Id: created.Msg.GetInfo().GetId()})); err != nil {
		t.Fatal(err)
	}
	expired := d.Token(t, auth.Spec{Name: "short", Roles: []auth.Role{auth.Auditor}, Tenant: "acme", TTL: time.Nanosecond})
	real := d.readTok
	unknown := real[:len("dkt_")] + strings.Repeat("0", 20) + real[len("dkt_")+20:]
	wrongSecret := real[:len(real)-4] + "AAAA"
	var first string
	for name, tok := range map[string]string{"none": "", "malformed": "hello", "unknown id": unknown, "wrong secret": wrongSecret,
		"expired": expired, "revoked": revoked} {
		for _, p := range []string{apiv1connect.QueryServiceGetSubjectProcedure, apiv1connect.StatusServiceGetStatusProcedure} {
			code, msg := call(t, d, p, tok, `{"tenant":"acme","subjectRef":"s-1"}`)
			if code != "unauthenticated" {
				t.Errorf("%s token on %s: code %q (%s), want unauthenticated", name, p, code, msg)
			}
			if first == "" {
				first = msg
			} else if msg != first {
				t.Errorf("%s token: message %q differs from %q: it tells the cases apart", name, msg, first)
			}
		}
	}
	// The secrets are nowhere in what the token list returns.
	list, err := admin.ListTokens(ctx, connect.NewRequest(&apiv1.ListTokensRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(list.Msg)
	for _, tok := range []string{revoked, expired, real} {
		if strings.Contains(string(b), tok[len("dkt_")+21:]) {
			t.Errorf("ListTokens shows a token's secret")
		}
	}
	if n := len(list.Msg.GetTokens()); n < 5 {
		t.Errorf("ListTokens: %d tokens, want at least 5", n)
	}
}

// TestEmitterSource: an emitter appends as its token's source only.
func TestEmitterSource(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	other := strings.Replace(jsonEvent(uuid.Must(uuid.NewV7()).String(), "s-src"), `"source":"crm"`, `"source":"billing"`, 1)
	code, msg := call(t, d, apiv1connect.IngestServiceAppendProcedure, d.emitTok, `{"events":[`+other+`]}`)
	if code != "permission_denied" || !strings.Contains(msg, "events[0].source: this token appends as crm") {
		t.Fatalf("append as another source: %s %s", code, msg)
	}
	none := strings.Replace(jsonEvent(uuid.Must(uuid.NewV7()).String(), "s-src"), `"source":"crm",`, ``, 1)
	if code, msg := call(t, d, apiv1connect.IngestServiceAppendProcedure, d.emitTok, `{"events":[`+none+`]}`); code != "" {
		t.Fatalf("append with no source: %s %s", code, msg)
	}
	export := `{"eventId":"` + uuid.Must(uuid.NewV7()).String() + `","tenant":"acme","subjectRef":"s-src","occurredAt":"2026-02-03T10:00:00Z",` +
		`"taxonomyVersion":"fideslang-3.1","subjectDataExported":{"format":"EXPORT_FORMAT_JSON","throughSequence":"1"}}`
	if code, msg := call(t, d, apiv1connect.IngestServiceAppendProcedure, d.emitTok, `{"events":[`+export+`]}`); code != "permission_denied" ||
		!strings.Contains(msg, "SubjectDataExported is recorded by docketd itself") {
		t.Fatalf("append a docketd-only event: %s %s", code, msg)
	}
	docketd := strings.Replace(jsonEvent(uuid.Must(uuid.NewV7()).String(), "s-src"), `"source":"crm"`, `"source":"docketd"`, 1)
	if code, _ := call(t, d, apiv1connect.IngestServiceAppendProcedure, d.emitTok, `{"events":[`+docketd+`]}`); code != "permission_denied" {
		t.Fatalf("append as docketd: %q, want permission_denied", code)
	}
}

// TestFloodGetsResourceExhausted: a token over its rate gets
// resource_exhausted; another token and the server carry on.
func TestFloodGetsResourceExhausted(t *testing.T) {
	d := startDaemon(t, t.TempDir(), func(c *config.Config) { c.RateLimit, c.RateBurst = 2, 5 })
	codes := map[string]int{}
	for range 40 {
		code, _ := call(t, d, apiv1connect.StatusServiceGetStatusProcedure, d.readTok, `{}`)
		codes[code]++
	}
	if codes[""] < 5 || codes["resource_exhausted"] < 30 || codes[""]+codes["resource_exhausted"] != 40 {
		t.Fatalf("40 calls at once: %v, want 5 to 6 answered and the rest resource_exhausted", codes)
	}
	if code, msg := call(t, d, apiv1connect.StatusServiceGetStatusProcedure, d.emitTok, `{}`); code != "" {
		t.Fatalf("another token: %s %s", code, msg)
	}
}

// TestListTenantsCoveredByToken: through the guard, a token bound to one
// tenant lists only that tenant; a token bound to every tenant lists all.
func TestListTenantsCoveredByToken(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	if _, err := d.Emitter.Append(ctx, collected("acme", "s-tenants", at), collected("beta", "s-tenants", at)); err != nil {
		t.Fatal(err)
	}
	d.projected(t, 2)
	acme := d.Token(t, auth.Spec{Name: "tenants-acme", Roles: []auth.Role{auth.Auditor}, Tenant: "acme"})
	for _, tc := range []struct{ name, tok, want string }{
		{"bound to acme", acme, "acme"},
		{"bound to every tenant", d.readTok, "acme,beta"},
	} {
		q := d.API(tc.tok).Query
		resp, err := q.ListTenants(ctx, connect.NewRequest(&apiv1.ListTenantsRequest{}))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := strings.Join(resp.Msg.GetTenants(), ","); got != tc.want {
			t.Errorf("%s: tenants %q, want %q", tc.name, got, tc.want)
		}
	}
}
