package readmodels

import (
	"context"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// reader delegates every query to the current generation's store, so a
// generation switch is invisible to callers.
type reader struct{ m *Manager }

func (r reader) s() model.Store { return r.m.current.Load().store }

func (r reader) Subject(ctx context.Context, tenant, subjectRef string) (*model.SubjectState, error) {
	return r.s().Subject(ctx, tenant, subjectRef)
}

func (r reader) History(ctx context.Context, tenant, subjectRef string, p model.Page) ([]model.AuditRow, error) {
	return r.s().History(ctx, tenant, subjectRef, p)
}

func (r reader) Event(ctx context.Context, tenant, eventID string) (model.AuditRow, error) {
	return r.s().Event(ctx, tenant, eventID)
}

func (r reader) Disclosures(ctx context.Context, f model.DisclosureFilter, p model.Page) ([]model.DisclosureRow, error) {
	return r.s().Disclosures(ctx, f, p)
}

func (r reader) ListRequests(ctx context.Context, f model.RequestFilter, p model.Page) ([]model.RequestRow, error) {
	return r.s().ListRequests(ctx, f, p)
}

func (r reader) ListBreaches(ctx context.Context, tenant string, p model.Page) ([]model.BreachRow, error) {
	return r.s().ListBreaches(ctx, tenant, p)
}

func (r reader) Activities(ctx context.Context, tenant string) ([]model.ActivityRow, error) {
	return r.s().Activities(ctx, tenant)
}

func (r reader) Profiles(ctx context.Context, tenant string) ([]model.ProfileRow, error) {
	return r.s().Profiles(ctx, tenant)
}

func (r reader) Observed(ctx context.Context, tenant string) ([]model.ObservedRow, error) {
	return r.s().Observed(ctx, tenant)
}

func (r reader) Findings(ctx context.Context, f model.FindingFilter, p model.Page) ([]model.Finding, error) {
	return r.s().Findings(ctx, f, p)
}

func (r reader) FindingStatusChanges(ctx context.Context, tenant string, p model.Page) ([]model.FindingStatusRow, error) {
	return r.s().FindingStatusChanges(ctx, tenant, p)
}

func (r reader) SubjectsOf(ctx context.Context, tenant string, p model.Page) ([]*model.SubjectState, error) {
	return r.s().SubjectsOf(ctx, tenant, p)
}

func (r reader) TenantExists(ctx context.Context, tenant string) (bool, error) {
	return r.s().TenantExists(ctx, tenant)
}

func (r reader) Tenants(ctx context.Context) ([]string, error) {
	return r.s().Tenants(ctx)
}

func (r reader) DisclosureMonths(ctx context.Context, tenant string, from, to, now time.Time) ([]model.DisclosureMonth, error) {
	return r.s().DisclosureMonths(ctx, tenant, from, to, now)
}

func (r reader) FindingMonths(ctx context.Context, tenant string, from, to time.Time) ([]model.FindingMonth, error) {
	return r.s().FindingMonths(ctx, tenant, from, to)
}

func (r reader) Quarantined(ctx context.Context, tenant string, p model.Page) ([]model.QuarantineRow, error) {
	return r.s().Quarantined(ctx, tenant, p)
}

func (r reader) QuarantineSummary(ctx context.Context, latest int) (model.QuarantineSummary, error) {
	return r.s().QuarantineSummary(ctx, latest)
}
