package auth_test

import (
	"strings"
	"testing"

	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/testkit/apitest"
)

// TestEveryRPCDeclaresItsTenantRule: every procedure of every API service
// has a rule with roles and an explicit tenant rule; and a rule whose
// tenant rule is unset is denied to every token.
func TestEveryRPCDeclaresItsTenantRule(t *testing.T) {
	for _, p := range apitest.Procedures(t) {
		rule, ok := auth.Policy[p]
		switch {
		case !ok:
			t.Errorf("%s has no rule in auth.Policy", p)
		case len(rule.Roles) == 0:
			t.Errorf("%s: its rule grants no role", p)
		case !rule.Tenant.Valid():
			t.Errorf("%s: its rule does not say how it is bound to a tenant (%v)", p, rule.Tenant)
		}
	}
	for p, rule := range auth.Policy {
		if !rule.Tenant.Valid() {
			t.Errorf("%s: its rule does not say how it is bound to a tenant (%v)", p, rule.Tenant)
		}
	}
	// A rule that forgets its tenant rule lets nobody in, not even a token
	// bound to every tenant with every role.
	const p = "/docket.api.v1.QueryService/ListTenants"
	saved := auth.Policy[p]
	t.Cleanup(func() { auth.Policy[p] = saved })
	auth.Policy[p] = auth.Rule{Roles: saved.Roles}
	all := &auth.Token{ID: "t", Name: "root", Roles: auth.Roles, Tenant: auth.AllTenants}
	if err := auth.Allow(all, p, &apiv1.ListTenantsRequest{}); err == nil || !strings.Contains(err.Error(), "declares no tenant rule") {
		t.Errorf("a rule without a tenant rule: Allow = %v, want denied", err)
	}
}

// TestTenantRulesAsChecked: what the guard itself checks of each tenant
// rule, for a token bound to acme.
func TestTenantRulesAsChecked(t *testing.T) {
	acme := &auth.Token{ID: "a", Name: "acme-reader", Roles: auth.Roles, Tenant: "acme"}
	all := &auth.Token{ID: "b", Name: "root", Roles: auth.Roles, Tenant: auth.AllTenants}
	for _, tc := range []struct {
		name      string
		tok       *auth.Token
		procedure string
		msg       any
		wantOK    bool
	}{
		{"request's tenant, own", acme, "/docket.api.v1.QueryService/ListHistory", &apiv1.ListHistoryRequest{Tenant: "acme"}, true},
		{"request's tenant, other", acme, "/docket.api.v1.QueryService/ListHistory", &apiv1.ListHistoryRequest{Tenant: "beta"}, false},
		{"every tenant, bound token", acme, "/docket.api.v1.TokenService/CreateToken", &apiv1.CreateTokenRequest{Tenant: "beta"}, false},
		{"every tenant, unbound token", all, "/docket.api.v1.TokenService/CreateToken", &apiv1.CreateTokenRequest{Tenant: "beta"}, true},
		{"stored event: the service decides", acme, "/docket.api.v1.AuditService/GetEvent", &apiv1.GetEventRequest{Sequence: 1}, true},
		{"no tenant", acme, "/docket.api.v1.AuditService/GetLatestCheckpoint", &apiv1.GetLatestCheckpointRequest{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := auth.Allow(tc.tok, tc.procedure, tc.msg)
			if (err == nil) != tc.wantOK {
				t.Errorf("Allow = %v, want allowed %v", err, tc.wantOK)
			}
		})
	}
}
