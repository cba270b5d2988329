package query

import (
	"context"
	"errors"
	"slices"
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

// ListFindings returns a page of findings: open ones first, then closed
// ones (each pass filtered by the request's status); within a pass, first
// the time-based ones computed at the request's clock (as_of, or now), then
// the recorded ones in stream order. The first page's clock holds for the
// later pages.
func (s *Service) ListFindings(ctx context.Context, req *connect.Request[apiv1.ListFindingsRequest]) (*connect.Response[apiv1.ListFindingsResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), false)
	checkRule(&ps, "rule", m.GetRule())
	asOf := checkTime(&ps, "as_of", m.GetAsOf())
	size := pageSize(m.GetPageSize(), &ps)
	firstPass, lastPass, status := checkStatusFilter(&ps, m.GetStatusFilter(), m.GetStatus())
	f := model.FindingFilter{Tenant: m.GetTenant(), SubjectRef: m.GetSubjectRef(), Rule: m.GetRule()}
	tok, err := s.openPage(ctx, &ps, m.GetPageToken(), f.Tenant, queryFindings, fingerprint(f.Tenant, f.SubjectRef, f.Rule, timeKey(asOf),
		m.GetStatusFilter().String(), m.GetStatus().String()))
	if err != nil {
		return nil, err
	}
	var now time.Time
	switch {
	case m.GetPageToken() != "":
		now = time.Unix(0, tok.now).UTC()
	case !asOf.IsZero():
		now = asOf
	default:
		now = s.opts.Now().UTC()
	}
	tok.now = now.UnixNano()
	// Findings about a confidential disclosure are legal's alone.
	w, err := s.withheldOf(ctx, confidential.Of(ctx), f.Tenant, "")
	if err != nil {
		return nil, err
	}
	statuses, err := s.findingStatuses(ctx, f.Tenant, asOf)
	if err != nil {
		return nil, err
	}
	p := findingPager{s: s, f: f, now: now, asOf: asOf, w: w, size: size}
	if tok.pass < firstPass {
		tok.pass, tok.phase, tok.after = firstPass, 0, 0
	}
	resp := &apiv1.ListFindingsResponse{}
	for ; tok.pass <= lastPass; tok.pass, tok.phase, tok.after = tok.pass+1, 0, 0 {
		open := tok.pass == 0
		keep := func(x *model.Finding) bool {
			st := statuses.Status(x)
			return state.StatusIsOpen(st) == open && (status == "" || st == status)
		}
		if len(p.out) < size {
			full, err := p.fill(ctx, &tok, keep)
			if err != nil {
				return nil, err
			}
			if !full {
				continue // the pass is done: the next one
			}
		}
		// The page is full: the next one starts at tok, if any finding
		// follows it (no empty last page).
		more, err := p.any(ctx, tok, keep)
		if err != nil {
			return nil, err
		}
		if more {
			resp.NextPageToken = tok.encode()
			break
		}
	}
	return connect.NewResponse(findingsPage(resp, p.out, statuses)), nil
}

// checkStatusFilter reads a request's status_filter and status: the passes
// (0 open, 1 closed) to read, and the one status to keep ("" for any).
func checkStatusFilter(ps *apierr.Problems, filter apiv1.FindingStatusFilter, status eventsv1.FindingStatus) (first, last byte, name string) {
	if status != eventsv1.FindingStatus_FINDING_STATUS_UNSPECIFIED {
		if filter != apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_UNSPECIFIED {
			ps.Add("status", "is set with status_filter: give one or the other")
		}
		if _, ok := eventsv1.FindingStatus_name[int32(status)]; !ok {
			ps.Add("status", "is not a FindingStatus")
			return 0, 1, ""
		}
		name = events.EnumName(status)
		if state.StatusIsOpen(name) {
			return 0, 0, name
		}
		return 1, 1, name
	}
	switch filter {
	case apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_UNSPECIFIED:
		return 0, 1, ""
	case apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_OPEN:
		return 0, 0, ""
	case apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_CLOSED:
		return 1, 1, ""
	}
	ps.Add("status_filter", "is not a FindingStatusFilter")
	return 0, 1, ""
}

// findingPager fills one page of findings, pass by pass.
type findingPager struct {
	s         *Service
	f         model.FindingFilter
	now, asOf time.Time
	w         confidential.Withheld
	size      int
	out       []model.Finding
	computed  []model.Finding // the time-based findings at now, once read
	read      bool
}

// any tells whether tok's pass holds a finding keep keeps at or after tok.
func (p *findingPager) any(ctx context.Context, tok pageToken, keep func(*model.Finding) bool) (bool, error) {
	probe := *p
	probe.out, probe.size = nil, 1
	if _, err := probe.fill(ctx, &tok, keep); err != nil {
		return false, err
	}
	return len(probe.out) > 0, nil
}

// fill adds to the page the findings of tok's pass that keep keeps, from
// tok's position; full says the page is full and the pass may hold more
// (tok is then the next page's position).
func (p *findingPager) fill(ctx context.Context, tok *pageToken, keep func(*model.Finding) bool) (full bool, err error) {
	if tok.phase == 0 {
		if !p.read {
			if p.computed, err = p.s.timeFindings(ctx, p.f, p.now, p.w); err != nil {
				return false, err
			}
			p.read = true
		}
		var computed []model.Finding
		for i := range p.computed {
			if keep(&p.computed[i]) {
				computed = append(computed, p.computed[i])
			}
		}
		off := int(min(tok.after, uint64(len(computed))))
		end := min(off+p.size-len(p.out), len(computed))
		p.out = append(p.out, computed[off:end]...)
		if end < len(computed) {
			tok.after = uint64(end)
			return true, nil
		}
		// Recorded findings follow the computed ones; when those filled the
		// page, the next page starts with them.
		tok.phase, tok.after = 1, 0
		if len(p.out) == p.size {
			return true, nil
		}
	}
	// Recorded findings fill the rest of the page.
	more := false
	for want := p.size - len(p.out); want > 0; want = p.size - len(p.out) {
		rows, err := p.s.recordedFindings(ctx, p.f, tok, want)
		if err != nil {
			return false, err
		}
		var page []model.Finding
		page, more = cutFindings(rows, want)
		for _, r := range page {
			if (p.asOf.IsZero() || !r.AroseAt.After(p.asOf)) && !p.w.HidesFinding(&r) && keep(&r) {
				p.out = append(p.out, r)
			}
		}
		if len(page) > 0 {
			tok.after = page[len(page)-1].Seq
			if tok.after == 0 {
				// The page ended at sequence 0 and so holds all of its
				// findings (a page never ends inside one sequence).
				tok.phase = 2
			}
		}
		if !more {
			break
		}
	}
	return more, nil
}

// recordedFindings reads stored findings after the token's position, at
// least want+1 of them if there are. Sequence 0 (time-based findings a
// store holds) comes with After 0 only; in phase 2 those were on an earlier
// page, and are read past and dropped.
func (s *Service) recordedFindings(ctx context.Context, f model.FindingFilter, tok *pageToken, want int) ([]model.Finding, error) {
	limit := want + 1
	for {
		rows, err := s.r.Findings(ctx, f, model.Page{After: tok.after, Limit: limit})
		if err != nil {
			return nil, apierr.Store(err)
		}
		if tok.phase != 2 || tok.after != 0 {
			return rows, nil
		}
		z := 0
		for z < len(rows) && rows[z].Seq == 0 {
			z++
		}
		if z == len(rows) && len(rows) >= limit {
			limit = z + want + 1 // only sequence 0 came: read past it
			continue
		}
		return rows[z:], nil
	}
}

func findingsPage(resp *apiv1.ListFindingsResponse, rows []model.Finding, statuses *state.FindingStatuses) *apiv1.ListFindingsResponse {
	resp.Findings = make([]*apiv1.Finding, len(rows))
	for i := range rows {
		resp.Findings[i] = findingWithStatus(&rows[i], statuses.Status(&rows[i]))
	}
	return resp
}

// cutFindings takes about n of rows (read with Limit n+1, ordered by Seq)
// without ending inside one sequence's findings; more says the store may
// hold findings after the page.
func cutFindings(rows []model.Finding, n int) (page []model.Finding, more bool) {
	if len(rows) <= n {
		return rows, false
	}
	last := rows[n-1].Seq
	i := n
	for i < len(rows) && rows[i].Seq == last {
		i++
	}
	return rows[:i], true
}

// timeFindings computes the time-based findings at now: requests past
// their deadline, data held past its retention, Art. 19 notices past
// due and breaches notified late or not told to their subjects, ordered by rule, time and id; without those w withholds: about a
// confidential disclosure, or a notice due to a recipient only confidential
// disclosures of the subject went to.
func (s *Service) timeFindings(ctx context.Context, f model.FindingFilter, now time.Time, w confidential.Withheld) ([]model.Finding, error) {
	reqs, err := s.allRequests(ctx, model.RequestFilter{Tenant: f.Tenant, SubjectRef: f.SubjectRef})
	if err != nil {
		return nil, err
	}
	// state judges each request as it stood at now (received by
	// then; open if closed only later).
	found := state.OverdueRequests(reqs, now)

	subjects, err := s.subjectsFor(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(subjects) > 0 {
		cat, err := s.catalogue(ctx, f.Tenant)
		if err != nil {
			return nil, err
		}
		found = append(found, state.RetentionExceeded(subjects, cat, now)...)
		found = append(found, state.OverdueNotifications(subjects, now)...)
	}
	if f.SubjectRef == "" { // breach findings are tenant-level: no subject
		breaches, err := s.allBreaches(ctx, f.Tenant)
		if err != nil {
			return nil, err
		}
		found = append(found, state.BreachFindings(breaches, now)...)
	}
	hidden := map[string]bool{} // notices to recipients w withholds, by the event that last changed them
	if !w.Empty() {
		for _, st := range subjects {
			for _, n := range st.Notifications {
				if n != nil && w.HidesRecipient(st.SubjectRef, n.RecipientID) {
					hidden[n.EventID] = true
				}
			}
		}
	}
	out := found[:0]
	for _, x := range found {
		if x.Tenant != "" && x.Tenant != f.Tenant || f.SubjectRef != "" && x.SubjectRef != f.SubjectRef || f.Rule != "" && x.Rule != f.Rule {
			continue
		}
		if x.AroseAt.After(now) || w.HidesFinding(&x) || slices.ContainsFunc(x.EventIDs, func(id string) bool { return hidden[id] }) {
			continue
		}
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if !a.AroseAt.Equal(b.AroseAt) {
			return a.AroseAt.Before(b.AroseAt)
		}
		return a.ID < b.ID
	})
	return out, nil
}

// subjectsFor reads the subjects the retention check covers: one, or all of
// the tenant's.
func (s *Service) subjectsFor(ctx context.Context, f model.FindingFilter) ([]*model.SubjectState, error) {
	if f.SubjectRef != "" {
		st, err := s.r.Subject(ctx, f.Tenant, f.SubjectRef)
		switch {
		case err == nil && st != nil:
			return []*model.SubjectState{st}, nil
		case err == nil, errors.Is(err, model.ErrNotFound):
			return nil, nil
		default:
			return nil, apierr.Store(err)
		}
	}
	return readAll(func(p model.Page) ([]*model.SubjectState, error) { return s.r.SubjectsOf(ctx, f.Tenant, p) },
		func(st *model.SubjectState) uint64 { return st.FirstSeq })
}
