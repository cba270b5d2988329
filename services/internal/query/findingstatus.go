package query

import (
	"context"
	"sort"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/confidential"
)

// findingStatuses reads a tenant's status changes, as they stood at asOf
// (zero: all of them).
func (s *Service) findingStatuses(ctx context.Context, tenant string, asOf time.Time) (*state.FindingStatuses, error) {
	rows, err := readAll(func(p model.Page) ([]model.FindingStatusRow, error) { return s.r.FindingStatusChanges(ctx, tenant, p) },
		func(r model.FindingStatusRow) uint64 { return r.Seq })
	if err != nil {
		return nil, err
	}
	return state.NewFindingStatuses(rows, asOf), nil
}

// findingWithStatus is f in the API, with its status and group (a finding
// stored before groups were kept gets "<rule>:-").
func findingWithStatus(f *model.Finding, status string) *apiv1.Finding {
	out := finding(f)
	out.Status = findingStatus(status)
	out.Group = f.Group
	if out.Group == "" {
		out.Group = state.GroupKey(f.Rule, "")
	}
	return out
}

func findingStatus(name string) eventsv1.FindingStatus {
	return eventsv1.FindingStatus(eventsv1.FindingStatus_value[name])
}

// findingSteps is a history in the API; a justification's words are never
// shown, only that there were some.
func findingSteps(h []model.FindingStatusRow, id string) []*apiv1.FindingStatusStep {
	out := make([]*apiv1.FindingStatusStep, len(h))
	for i, r := range h {
		st := &apiv1.FindingStatusStep{
			Status: findingStatus(r.Status), At: ts(r.At), RecordedAt: ts(r.RecordedAt), ActorId: r.ActorID,
			EventId: r.EventID, Assignee: r.Assignee, ResolvingEventId: r.ResolvingEventID,
		}
		if r.Justified {
			st.Justification = events.SealedText
		}
		if r.Group != "" && !containsString(r.FindingIDs, id) {
			st.Group = r.Group
		}
		out[i] = st
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkFindingID checks a finding id a request names, as a
// FindingStatusChanged names one (events.CheckFindingKey).
func checkFindingID(ps *apierr.Problems, field, id string) {
	if id == "" {
		ps.Add(field, "is required")
		return
	}
	if r := events.CheckFindingKey(id); r != "" {
		ps.Add(field, r)
	}
}

// GetFinding returns one finding with its status and history: a recorded
// one by id, else a time-based one computed at the clock. A finding the
// caller may not see (about a confidential disclosure) and an unknown
// tenant are not_found, like a finding that does not exist and that no
// change names.
func (s *Service) GetFinding(ctx context.Context, req *connect.Request[apiv1.GetFindingRequest]) (*connect.Response[apiv1.GetFindingResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	checkFindingID(&ps, "finding_id", m.GetFindingId())
	asOf := checkTime(&ps, "as_of", m.GetAsOf())
	if err := ps.Err(); err != nil {
		return nil, err
	}
	tenant, id := m.GetTenant(), m.GetFindingId()
	notFound := apierr.NotFound(apierr.ErrFindingNotFound)
	if ok, err := s.r.TenantExists(ctx, tenant); err != nil {
		return nil, apierr.Store(err)
	} else if !ok {
		return nil, notFound
	}
	now := asOf
	if now.IsZero() {
		now = s.opts.Now().UTC()
	}
	w, err := s.withheldOf(ctx, confidential.Of(ctx), tenant, "")
	if err != nil {
		return nil, err
	}
	statuses, err := s.findingStatuses(ctx, tenant, asOf)
	if err != nil {
		return nil, err
	}
	var found *model.Finding
	rows, err := s.r.Findings(ctx, model.FindingFilter{Tenant: tenant, ID: id}, model.Page{})
	if err != nil {
		return nil, apierr.Store(err)
	}
	for i := range rows {
		r := &rows[i]
		if w.HidesFinding(r) {
			return nil, notFound
		}
		if asOf.IsZero() || !r.AroseAt.After(asOf) {
			found = r
		}
	}
	if found == nil && len(rows) == 0 {
		computed, err := s.timeFindings(ctx, model.FindingFilter{Tenant: tenant, Rule: state.FindingRule(id)}, now, w)
		if err != nil {
			return nil, err
		}
		for i := range computed {
			if computed[i].ID == id {
				found = &computed[i]
			}
		}
	}
	resp := &apiv1.GetFindingResponse{Exists: found != nil}
	if found != nil {
		h := statuses.History(found)
		resp.Finding = findingWithStatus(found, state.CurrentStatus(h))
		resp.Finding.History = findingSteps(h, id)
		return connect.NewResponse(resp), nil
	}
	h := statuses.HistoryOf(id)
	if len(h) == 0 {
		return nil, notFound
	}
	resp.Finding = &apiv1.Finding{FindingId: id, Rule: state.FindingRule(id), Status: findingStatus(state.CurrentStatus(h)),
		History: findingSteps(h, id)}
	return connect.NewResponse(resp), nil
}

// ListFindingGroups counts a tenant's findings (those ListFindings gives
// with the same filters) by group key and status.
func (s *Service) ListFindingGroups(ctx context.Context, req *connect.Request[apiv1.ListFindingGroupsRequest]) (*connect.Response[apiv1.ListFindingGroupsResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), false)
	checkRule(&ps, "rule", m.GetRule())
	asOf := checkTime(&ps, "as_of", m.GetAsOf())
	if err := ps.Err(); err != nil {
		return nil, err
	}
	f := model.FindingFilter{Tenant: m.GetTenant(), SubjectRef: m.GetSubjectRef(), Rule: m.GetRule()}
	if err := s.tenantExists(ctx, f.Tenant); err != nil {
		return nil, err
	}
	now := asOf
	if now.IsZero() {
		now = s.opts.Now().UTC()
	}
	w, err := s.withheldOf(ctx, confidential.Of(ctx), f.Tenant, "")
	if err != nil {
		return nil, err
	}
	statuses, err := s.findingStatuses(ctx, f.Tenant, asOf)
	if err != nil {
		return nil, err
	}
	all, err := s.timeFindings(ctx, f, now, w)
	if err != nil {
		return nil, err
	}
	// Every recorded finding at once: a page of Findings that ends at
	// sequence 0 cannot be followed by keyset.
	recorded, err := s.r.Findings(ctx, f, model.Page{})
	if err != nil {
		return nil, apierr.Store(err)
	}
	for i := range recorded {
		r := &recorded[i]
		if (asOf.IsZero() || !r.AroseAt.After(asOf)) && !w.HidesFinding(r) {
			all = append(all, *r)
		}
	}
	type acc struct {
		g     *apiv1.FindingGroup
		by    map[eventsv1.FindingStatus]uint64
		first time.Time
		last  time.Time
	}
	groups := map[string]*acc{}
	for i := range all {
		x := &all[i]
		key := x.Group
		if key == "" {
			key = state.GroupKey(x.Rule, "")
		}
		a := groups[key]
		if a == nil {
			a = &acc{g: &apiv1.FindingGroup{Group: key, Rule: x.Rule}, by: map[eventsv1.FindingStatus]uint64{}, first: x.AroseAt, last: x.AroseAt}
			groups[key] = a
		}
		st := statuses.Status(x)
		a.g.Total++
		if state.StatusIsOpen(st) {
			a.g.Open++
		}
		a.by[findingStatus(st)]++
		if x.AroseAt.Before(a.first) {
			a.first = x.AroseAt
		}
		if x.AroseAt.After(a.last) {
			a.last = x.AroseAt
		}
	}
	resp := &apiv1.ListFindingGroupsResponse{}
	for _, a := range groups {
		for st := eventsv1.FindingStatus_FINDING_STATUS_OPEN; st <= eventsv1.FindingStatus_FINDING_STATUS_RESOLVED; st++ {
			if n := a.by[st]; n > 0 {
				a.g.ByStatus = append(a.g.ByStatus, &apiv1.FindingStatusCount{Status: st, Count: n})
			}
		}
		a.g.FirstAroseAt, a.g.LastAroseAt = ts(a.first), ts(a.last)
		resp.Groups = append(resp.Groups, a.g)
	}
	sort.Slice(resp.Groups, func(i, j int) bool {
		a, b := resp.Groups[i], resp.Groups[j]
		if (a.Open > 0) != (b.Open > 0) {
			return a.Open > 0
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Group < b.Group
	})
	return connect.NewResponse(resp), nil
}
