package query

import (
	"context"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/auth"
)

// ListDisclosures returns a page of a tenant's disclosure register.
func (s *Service) ListDisclosures(ctx context.Context, req *connect.Request[apiv1.ListDisclosuresRequest]) (*connect.Response[apiv1.ListDisclosuresResponse], error) {
	m := req.Msg
	var ps problems
	checkToken(&ps, "tenant", m.GetTenant(), true)
	checkToken(&ps, "subject_ref", m.GetSubjectRef(), false)
	checkToken(&ps, "recipient_id", m.GetRecipientId(), false)
	kind := checkEnum(&ps, "recipient_kind", int32(m.GetRecipientKind()), recipientKindNames)
	checkCategory(&ps, "category", m.GetCategory())
	checkPurpose(&ps, "purpose", m.GetPurpose())
	basis := checkEnum(&ps, "legal_basis", int32(m.GetLegalBasis()), legalBasisNames)
	axis := checkAxis(&ps, m.GetAxis())
	from := checkTime(&ps, "from", m.GetFrom())
	to := checkTime(&ps, "to", m.GetTo())
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		ps.add("to", "is before from")
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
	tok, terr := decodeToken(m.GetPageToken(), queryDisclosures, fingerprint(
		f.Tenant, f.SubjectRef, f.RecipientID, f.RecipientKind, f.Category, f.Purpose, f.LegalBasis,
		strconv.Itoa(int(axis)), timeKey(from), timeKey(to)))
	if terr != nil {
		ps.add("page_token", terr.Error())
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if m.GetPageToken() == "" {
		if err := s.tenantExists(ctx, f.Tenant); err != nil {
			return nil, err
		}
	}
	rows, err := s.r.Disclosures(ctx, f, model.Page{After: tok.after, Limit: size + 1})
	if err != nil {
		return nil, storeError(err)
	}
	resp := &apiv1.ListDisclosuresResponse{}
	if len(rows) > size {
		rows = rows[:size]
		tok.after = rows[size-1].Seq
		resp.NextPageToken = tok.encode()
	}
	// Confidential disclosures are legal's alone (a caller without a token
	// is docketd itself).
	t := auth.From(ctx)
	seesConfidential := t == nil || t.Has(auth.Legal)
	now := time.Now()
	resp.Disclosures = make([]*apiv1.Disclosure, 0, len(rows))
	for i := range rows {
		if c := rows[i].ConfidentialUntil; !seesConfidential && c != nil && c.After(now) {
			resp.WithheldConfidential++
			continue
		}
		resp.Disclosures = append(resp.Disclosures, disclosure(&rows[i]))
	}
	return connect.NewResponse(resp), nil
}
