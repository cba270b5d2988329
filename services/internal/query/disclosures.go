package query

import (
	"context"
	"strconv"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/confidential"
)

// ListDisclosures returns a page of a tenant's disclosure register.
func (s *Service) ListDisclosures(ctx context.Context, req *connect.Request[apiv1.ListDisclosuresRequest]) (*connect.Response[apiv1.ListDisclosuresResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), false)
	ps.CheckToken("recipient_id", m.GetRecipientId(), false)
	kind := checkEnum(&ps, "recipient_kind", int32(m.GetRecipientKind()), recipientKindNames)
	checkCategory(&ps, "category", m.GetCategory())
	checkPurpose(&ps, "purpose", m.GetPurpose())
	basis := checkEnum(&ps, "legal_basis", int32(m.GetLegalBasis()), legalBasisNames)
	axis := checkAxis(&ps, m.GetAxis())
	from := checkTime(&ps, "from", m.GetFrom())
	to := checkTime(&ps, "to", m.GetTo())
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		ps.Add("to", "is before from")
	}
	size := pageSize(m.GetPageSize(), &ps)
	f := model.DisclosureFilter{
		Tenant:        m.GetTenant(),
		SubjectRef:    m.GetSubjectRef(),
		RecipientID:   m.GetRecipientId(),
		RecipientKind: kind,
		Category:      m.GetCategory(),
		Purpose:       m.GetPurpose(),
		LegalBasis:    basis,
		Time:          model.TimeRange{Axis: axis, From: from, To: to},
	}
	tok, err := s.openPage(ctx, &ps, m.GetPageToken(), f.Tenant, queryDisclosures, fingerprint(
		f.Tenant, f.SubjectRef, f.RecipientID, f.RecipientKind, f.Category, f.Purpose, f.LegalBasis,
		strconv.Itoa(int(axis)), timeKey(from), timeKey(to)))
	if err != nil {
		return nil, err
	}
	rows, next, err := readPage(tok, size,
		func(p model.Page) ([]model.DisclosureRow, error) { return s.r.Disclosures(ctx, f, p) },
		func(r model.DisclosureRow) uint64 { return r.Seq })
	if err != nil {
		return nil, err
	}
	resp := &apiv1.ListDisclosuresResponse{NextPageToken: next}
	conf := confidential.Of(ctx) // confidential disclosures are legal's alone
	resp.Disclosures = make([]*apiv1.Disclosure, 0, len(rows))
	for i := range rows {
		if conf.Withholds(rows[i].ConfidentialUntil) {
			resp.WithheldConfidential++
			continue
		}
		resp.Disclosures = append(resp.Disclosures, disclosure(&rows[i]))
	}
	return connect.NewResponse(resp), nil
}
