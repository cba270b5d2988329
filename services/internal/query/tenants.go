package query

import (
	"context"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/auth"
)

// ListTenants returns, sorted, the tenants with data that the caller's
// token covers: all of them for a token bound to every tenant, and for a
// caller without a token (docketd itself).
func (s *Service) ListTenants(ctx context.Context, _ *connect.Request[apiv1.ListTenantsRequest]) (*connect.Response[apiv1.ListTenantsResponse], error) {
	all, err := s.r.Tenants(ctx)
	if err != nil {
		return nil, apierr.Store(err)
	}
	t := auth.From(ctx)
	resp := &apiv1.ListTenantsResponse{Tenants: make([]string, 0, len(all))}
	for _, tenant := range all {
		if t == nil || t.Covers(tenant) {
			resp.Tenants = append(resp.Tenants, tenant)
		}
	}
	return connect.NewResponse(resp), nil
}
