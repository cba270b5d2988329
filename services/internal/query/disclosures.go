package query

import (
	"context"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
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
	conf := confidentialityOf(ctx) // confidential disclosures are legal's alone
	resp.Disclosures = make([]*apiv1.Disclosure, 0, len(rows))
	for i := range rows {
		if conf.withholds(rows[i].ConfidentialUntil) {
			resp.WithheldConfidential++
			continue
		}
		resp.Disclosures = append(resp.Disclosures, disclosure(&rows[i]))
	}
	return connect.NewResponse(resp), nil
}

// confidentiality is what a caller may see of the disclosures that are
// still confidential (a court order forbids telling the subject, Art. 23):
// they are legal's alone. A caller without a token is docketd itself.
type confidentiality struct {
	sees bool      // the caller sees confidential disclosures
	now  time.Time // a disclosure is confidential while confidential_until is after now
}

// confidentialityOf is the confidentiality of the call ctx carries, now.
func confidentialityOf(ctx context.Context) confidentiality {
	t := auth.From(ctx)
	return confidentiality{sees: t == nil || t.Has(auth.Legal), now: time.Now()}
}

// hides tells whether disclosures that are (or are not) confidential are
// left out for the caller.
func (c confidentiality) hides(confidential bool) bool { return confidential && !c.sees }

// withholds tells whether a disclosure confidential until until (nil:
// never confidential) is left out for the caller.
func (c confidentiality) withholds(until *time.Time) bool {
	return c.hides(until != nil && until.After(c.now))
}

// confidentialEvent tells whether ev is a disclosure still confidential.
func (c confidentiality) confidentialEvent(ev *eventsv1.Event) bool {
	d := ev.GetDisclosureMade()
	return d != nil && d.GetConfidentialUntil() != nil && d.GetConfidentialUntil().AsTime().After(c.now)
}
