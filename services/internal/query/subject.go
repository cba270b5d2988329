package query

import (
	"context"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/confidential"
)

// GetSubject returns a subject's state: the stored state, or with as_of the
// state folded again from the subject's audit trail.
func (s *Service) GetSubject(ctx context.Context, req *connect.Request[apiv1.GetSubjectRequest]) (*connect.Response[apiv1.GetSubjectResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), true)
	axis := checkAxis(&ps, m.GetAxis())
	asOf := checkTime(&ps, "as_of", m.GetAsOf())
	if err := ps.Err(); err != nil {
		return nil, err
	}
	var (
		st  *model.SubjectState
		err error
	)
	w, err := s.withheldOf(ctx, confidential.Of(ctx), m.GetTenant(), m.GetSubjectRef())
	if err != nil {
		return nil, err
	}
	if !w.Empty() {
		// The stored state counts the confidential disclosures and the
		// notices to their recipients (events, first and last sequence):
		// fold it again without them.
		st, err = s.subjectAsOf(ctx, m.GetTenant(), m.GetSubjectRef(), asOf, axis, w)
		if err != nil {
			return nil, err
		}
	} else if m.GetAsOf() == nil {
		st, err = s.r.Subject(ctx, m.GetTenant(), m.GetSubjectRef())
		if err != nil {
			return nil, apierr.Store(err)
		}
	} else {
		st, err = s.subjectAsOf(ctx, m.GetTenant(), m.GetSubjectRef(), asOf, axis, confidential.Withheld{})
		if err != nil {
			return nil, err
		}
	}
	if st == nil || st.Events == 0 {
		return nil, apierr.NotFound(apierr.ErrSubjectNotFound)
	}
	return connect.NewResponse(&apiv1.GetSubjectResponse{Subject: subjectState(st)}), nil
}

// subjectAsOf folds the subject's whole audit trail as of asOf (zero:
// every row), leaving out the withheld events.
func (s *Service) subjectAsOf(ctx context.Context, tenant, ref string, asOf time.Time, axis model.TimeAxis, w confidential.Withheld) (*model.SubjectState, error) {
	rows, err := model.AllHistory(ctx, s.r, tenant, ref)
	if err != nil {
		return nil, apierr.Store(err)
	}
	rows = slices.DeleteFunc(rows, func(r model.AuditRow) bool { return w.HidesRow(&r) })
	if len(rows) == 0 {
		return nil, apierr.NotFound(apierr.ErrSubjectNotFound)
	}
	cat, err := s.catalogue(ctx, tenant)
	if err != nil {
		return nil, err
	}
	st, err := state.Fold(tenant, ref, rows, cat, asOf, axis)
	if err != nil {
		return nil, foldError(err)
	}
	return st, nil
}

// ListHistory returns a page of a subject's audit trail.
func (s *Service) ListHistory(ctx context.Context, req *connect.Request[apiv1.ListHistoryRequest]) (*connect.Response[apiv1.ListHistoryResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), true)
	size := pageSize(m.GetPageSize(), &ps)
	tok, err := decodePage(&ps, m.GetPageToken(), queryHistory, fingerprint(m.GetTenant(), m.GetSubjectRef()))
	if err != nil {
		return nil, err
	}
	rows, next, err := readPage(tok, size,
		func(p model.Page) ([]model.AuditRow, error) {
			return s.r.History(ctx, m.GetTenant(), m.GetSubjectRef(), p)
		},
		func(r model.AuditRow) uint64 { return r.Seq })
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && m.GetPageToken() == "" {
		return nil, apierr.NotFound(apierr.ErrSubjectNotFound)
	}
	resp := &apiv1.ListHistoryResponse{NextPageToken: next}
	w, err := s.withheldOf(ctx, confidential.Of(ctx), m.GetTenant(), m.GetSubjectRef())
	if err != nil {
		return nil, err
	}
	resp.Rows = make([]*apiv1.AuditRow, 0, len(rows))
	for i := range rows {
		if w.HidesRow(&rows[i]) {
			resp.WithheldConfidential++ // confidential disclosures are legal's alone
			continue
		}
		resp.Rows = append(resp.Rows, auditRow(&rows[i]))
	}
	return connect.NewResponse(resp), nil
}
