package query

import (
	"context"
	"math"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
)

// ListBreaches returns a page of a tenant's breach register, each breach
// with its clock judged at the first page's time.
func (s *Service) ListBreaches(ctx context.Context, req *connect.Request[apiv1.ListBreachesRequest]) (*connect.Response[apiv1.ListBreachesResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	size := pageSize(m.GetPageSize(), &ps)
	tok, err := s.openPage(ctx, &ps, m.GetPageToken(), m.GetTenant(), queryBreaches, fingerprint(m.GetTenant()))
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	if m.GetPageToken() != "" {
		now = time.Unix(0, tok.now).UTC()
	}
	tok.now = now.UnixNano()
	rows, next, err := readPage(tok, size,
		func(p model.Page) ([]model.BreachRow, error) { return s.r.ListBreaches(ctx, m.GetTenant(), p) }, breachSeq)
	if err != nil {
		return nil, err
	}
	resp := &apiv1.ListBreachesResponse{NextPageToken: next, JudgedAt: ts(now), Breaches: make([]*apiv1.Breach, len(rows))}
	for i := range rows {
		resp.Breaches[i] = breach(&rows[i], now)
	}
	return connect.NewResponse(resp), nil
}

// allBreaches reads a tenant's whole breach register.
func (s *Service) allBreaches(ctx context.Context, tenant string) ([]model.BreachRow, error) {
	return readAll(func(p model.Page) ([]model.BreachRow, error) { return s.r.ListBreaches(ctx, tenant, p) }, breachSeq)
}

// breachSeq is a breach's keyset position: its first event's sequence.
func breachSeq(r model.BreachRow) uint64 { return r.FirstSeq }

var subjectsStatus = map[string]apiv1.BreachSubjectsStatus{
	state.BreachSubjectsTold:        apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_TOLD,
	state.BreachSubjectsExempted:    apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_EXEMPTED,
	state.BreachSubjectsNotTold:     apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_NOT_TOLD,
	state.BreachSubjectsNotRequired: apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_NOT_REQUIRED,
}

// breach is the API form of a register row, with its clock at now.
func breach(r *model.BreachRow, now time.Time) *apiv1.Breach {
	c := state.ClockOf(r, now)
	out := &apiv1.Breach{
		BreachId: r.BreachID, Recorded: r.Recorded, DetectedAt: tsp(r.DetectedAt), Risk: c.Risk,
		Categories: r.Categories, SubjectsAffectedEstimate: r.SubjectsAffectedEstimate,
		ClosedAt: tsp(r.ClosedAt), EventIds: r.EventIDs, FirstSeq: r.FirstSeq,
		NotificationRequired: c.NotificationRequired, HoursToFirstNotice: math.Round(c.HoursToNotice*10) / 10,
		NotifiedLate: c.Late, Subjects: subjectsStatus[c.Subjects], SubjectsLate: c.SubjectsLate,
	}
	if !c.NotifyBy.IsZero() {
		out.NotifyBy = ts(c.NotifyBy)
	}
	if c.FirstNotice != nil {
		out.FirstNotifiedAt = ts(c.FirstNotice.At)
	}
	for _, x := range r.Risks {
		out.Risks = append(out.Risks, &apiv1.BreachRiskAssessment{Risk: x.Risk, At: ts(x.At), EventId: x.EventID})
	}
	for _, n := range r.AuthorityNotices {
		out.AuthorityNotices = append(out.AuthorityNotices, &apiv1.BreachAuthorityNotice{
			Phase:  eventsv1.BreachNotificationPhase(enumOf(eventsv1.BreachNotificationPhase_value, n.Phase)),
			Legacy: n.Phase == model.BreachLegacyPhase, At: ts(n.At), Authority: n.Authority, Reference: n.Reference,
			DelayReasonRecorded: n.DelayReason, EventId: n.EventID,
		})
	}
	for _, n := range r.SubjectsNotices {
		out.SubjectsNotices = append(out.SubjectsNotices, &apiv1.BreachSubjectsNotice{
			At: ts(n.At), Channel: eventsv1.Channel(enumOf(eventsv1.Channel_value, n.Channel)),
			SubjectsNotified: n.SubjectsNotified, PublicCommunication: n.PublicCommunication, EventId: n.EventID,
		})
	}
	for _, x := range r.Exemptions {
		out.Exemptions = append(out.Exemptions, &apiv1.BreachExemption{
			Ground: eventsv1.Art34Exception(enumOf(eventsv1.Art34Exception_value, x.Ground)), At: ts(x.At), EventId: x.EventID,
		})
	}
	return out
}
