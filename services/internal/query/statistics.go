package query

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/confidential"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// GetStatistics returns a tenant's monthly counts: disclosures by recipient
// kind and findings by rule, both counted by the store (GROUP BY), plus the
// time-based findings computed now, as ListFindings computes them.
func (s *Service) GetStatistics(ctx context.Context, req *connect.Request[apiv1.GetStatisticsRequest]) (*connect.Response[apiv1.GetStatisticsResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	from := checkStoredTime(&ps, "from", m.GetFrom())
	to := checkStoredTime(&ps, "to", m.GetTo())
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		ps.Add("to", "is before from")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	tenant := m.GetTenant()
	if err := s.tenantExists(ctx, tenant); err != nil {
		return nil, err
	}
	resp := &apiv1.GetStatisticsResponse{}
	var err error
	resp.DisclosuresByKind, resp.WithheldConfidential, err = s.disclosureMonths(ctx, tenant, from, to)
	if err != nil {
		return nil, err
	}
	if resp.FindingsByRule, err = s.findingMonths(ctx, tenant, from, to); err != nil {
		return nil, err
	}
	return connect.NewResponse(resp), nil
}

// disclosureMonths counts a tenant's disclosures by month and recipient
// kind. Those still confidential count only for a caller who sees them;
// withheld is how many were left out for this one.
func (s *Service) disclosureMonths(ctx context.Context, tenant string, from, to time.Time) (counts []*apiv1.MonthlyCount, withheld uint64, err error) {
	conf := confidential.Of(ctx)
	rows, err := s.r.DisclosureMonths(ctx, tenant, from, to, conf.Now)
	if err != nil {
		return nil, 0, apierr.Store(err)
	}
	byKind := monthlyCounts{}
	for _, r := range rows {
		if conf.Hides(r.Confidential) {
			withheld += r.Count
			continue
		}
		byKind.add(r.Month, recipientKindKey(r.RecipientKind), r.Count)
	}
	return byKind.list(), withheld, nil
}

// findingMonths counts a tenant's findings by month and rule: the recorded
// ones, and the time-based ones at the service's clock.
func (s *Service) findingMonths(ctx context.Context, tenant string, from, to time.Time) ([]*apiv1.MonthlyCount, error) {
	rows, err := s.r.FindingMonths(ctx, tenant, from, to)
	if err != nil {
		return nil, apierr.Store(err)
	}
	byRule := monthlyCounts{}
	for _, r := range rows {
		byRule.add(r.Month, r.Rule, r.Count)
	}
	// Findings about a confidential disclosure count for legal only: those
	// the disclosure triggered are found at its sequence.
	w, err := s.withheldOf(ctx, confidential.Of(ctx), tenant, "")
	if err != nil {
		return nil, err
	}
	for _, d := range w.Events {
		found, err := s.r.Findings(ctx, model.FindingFilter{Tenant: tenant}, model.Page{After: d.Seq - 1, Limit: 1})
		if err != nil {
			return nil, apierr.Store(err)
		}
		for i := range found {
			if f := &found[i]; f.Seq == d.Seq && within(f.AroseAt, from, to) {
				byRule.sub(f.AroseAt.UTC().Format(model.MonthLayout), f.Rule, 1)
			}
		}
	}
	computed, err := s.timeFindings(ctx, model.FindingFilter{Tenant: tenant}, s.opts.Now().UTC(), w)
	if err != nil {
		return nil, err
	}
	for _, f := range computed {
		if within(f.AroseAt, from, to) {
			byRule.add(f.AroseAt.UTC().Format(model.MonthLayout), f.Rule, 1)
		}
	}
	return byRule.list(), nil
}

// within tells whether t is in [from, to]; a zero bound is open.
func within(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
}

// recipientKindKey is a stored recipient kind as a RecipientKind name; the
// stores keep the unspecified kind as "".
func recipientKindKey(kind string) string {
	if kind == "" {
		return eventsv1.RecipientKind_RECIPIENT_KIND_UNSPECIFIED.String()
	}
	return kind
}

// monthKey is one bar of a chart: a month and what is counted.
type monthKey struct{ month, key string }

// monthlyCounts adds up counts by month and key.
type monthlyCounts map[monthKey]uint64

func (c monthlyCounts) add(month, key string, n uint64) { c[monthKey{month, key}] += n }

// sub takes n off a count (never below zero); a count of zero is no bar.
func (c monthlyCounts) sub(month, key string, n uint64) {
	k := monthKey{month, key}
	if c[k] <= n {
		delete(c, k)
		return
	}
	c[k] -= n
}

// list is the counts ordered by month, then key.
func (c monthlyCounts) list() []*apiv1.MonthlyCount {
	out := make([]*apiv1.MonthlyCount, 0, len(c))
	for k, n := range c {
		out = append(out, &apiv1.MonthlyCount{Month: k.month, Key: k.key, Count: n})
	}
	slices.SortFunc(out, func(a, b *apiv1.MonthlyCount) int {
		return cmp.Or(cmp.Compare(a.GetMonth(), b.GetMonth()), cmp.Compare(a.GetKey(), b.GetKey()))
	})
	return out
}

// The times the read models hold: int64 Unix nanoseconds.
var (
	minStoredTime = time.Unix(0, math.MinInt64+1)
	maxStoredTime = time.Unix(0, math.MaxInt64)
)

// checkStoredTime is checkTime for a bound the stores compare: a time they
// cannot hold is refused rather than failing in the store.
func checkStoredTime(ps *apierr.Problems, field string, ts *timestamppb.Timestamp) time.Time {
	t := checkTime(ps, field, ts)
	if !t.IsZero() && (t.Before(minStoredTime) || t.After(maxStoredTime)) {
		ps.Add(field, "is outside the times the read models hold (years 1678 to 2262)")
		return time.Time{}
	}
	return t
}
