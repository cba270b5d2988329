package query

import (
	"context"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/apierr"
)

var statusFilter = map[apiv1.RequestStatus]string{
	apiv1.RequestStatus_REQUEST_STATUS_UNSPECIFIED: "",
	apiv1.RequestStatus_REQUEST_STATUS_OPEN:        model.RequestOpen,
	apiv1.RequestStatus_REQUEST_STATUS_FULFILLED:   model.RequestFulfilled,
	apiv1.RequestStatus_REQUEST_STATUS_DENIED:      model.RequestDenied,
}

// ListRequests returns a page of a tenant's data-subject requests in the
// order received.
func (s *Service) ListRequests(ctx context.Context, req *connect.Request[apiv1.ListRequestsRequest]) (*connect.Response[apiv1.ListRequestsResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), false)
	status, ok := statusFilter[m.GetStatus()]
	if !ok {
		ps.Add("status", "is not a defined value")
	}
	size := pageSize(m.GetPageSize(), &ps)
	f := model.RequestFilter{Tenant: m.GetTenant(), SubjectRef: m.GetSubjectRef(), Status: status}
	overdue := ""
	if m.GetOverdue() {
		if status != "" && status != model.RequestOpen {
			ps.Add("overdue", "only open requests can be overdue: drop status or ask for open ones")
		}
		f.Status, f.DueBefore, overdue = model.RequestOpen, s.opts.Now(), "overdue"
	}
	tok, err := s.openPage(ctx, &ps, m.GetPageToken(), f.Tenant, queryRequests, fingerprint(f.Tenant, f.SubjectRef, f.Status, overdue))
	if err != nil {
		return nil, err
	}
	rows, next, err := readPage(tok, size,
		func(p model.Page) ([]model.RequestRow, error) { return s.r.ListRequests(ctx, f, p) }, requestSeq)
	if err != nil {
		return nil, err
	}
	cat, err := s.catalogue(ctx, f.Tenant)
	if err != nil {
		return nil, err
	}
	resp := &apiv1.ListRequestsResponse{NextPageToken: next}
	resp.Requests = make([]*apiv1.Request, len(rows))
	for i := range rows {
		resp.Requests[i] = request(&rows[i], cat)
	}
	return connect.NewResponse(resp), nil
}

// allRequests reads every request matching f.
func (s *Service) allRequests(ctx context.Context, f model.RequestFilter) ([]model.RequestRow, error) {
	return readAll(func(p model.Page) ([]model.RequestRow, error) { return s.r.ListRequests(ctx, f, p) }, requestSeq)
}

// requestSeq is a request's keyset position: the sequence it was received at.
func requestSeq(r model.RequestRow) uint64 { return r.ReceivedSeq }
