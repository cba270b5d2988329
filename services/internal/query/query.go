// Package query serves docket.api.v1.QueryService: the read side's API over
// the read models (model.Reader), with the projection logic (Folder) for
// what the stored rows do not answer directly: a subject as of a time, the
// catalogue as of a time, and the time-based findings.
package query

import (
	"context"
	"errors"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// Folder is the projection logic the queries use; package state provides
// it (StateFolder).
type Folder interface {
	// Catalogue builds the processing catalogue from declarations.
	Catalogue(rows []model.ActivityRow) (Catalogue, error)
	// Fold replays a subject's audit rows (stream order) into its state as
	// of asOf on axis.
	Fold(tenant, subjectRef string, rows []model.AuditRow, cat Catalogue, asOf time.Time, axis model.TimeAxis) (*model.SubjectState, error)
	// OverdueRequests finds requests past their deadline at now.
	OverdueRequests(reqs []model.RequestRow, now time.Time) []model.Finding
	// RetentionExceeded finds data held past its activity's retention at now.
	RetentionExceeded(subjects []*model.SubjectState, cat Catalogue, now time.Time) []model.Finding
}

// Catalogue is a processing catalogue built by a Folder.
type Catalogue interface {
	// AsOf returns the tenant's activities declared as of t on axis.
	AsOf(tenant string, t time.Time, axis model.TimeAxis) []*eventsv1.ProcessingActivity
}

// Options tunes the service; the zero value works.
type Options struct {
	// Now is the clock of time-based findings and of "now" in the record
	// of processing; default time.Now.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Page sizes.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// readBatch is the page size of the service's own walks over all pages.
const readBatch = 1000

// Service implements apiv1connect.QueryServiceHandler.
type Service struct {
	r    model.Reader
	fold Folder
	opts Options
}

var _ apiv1connect.QueryServiceHandler = (*Service)(nil)

// New returns the service over r, with fold for the queries the stored rows
// do not answer directly.
func New(r model.Reader, fold Folder, opts Options) (*Service, error) {
	if r == nil || fold == nil {
		return nil, errors.New("query: New: nil dependency")
	}
	opts.setDefaults()
	return &Service{r: r, fold: fold, opts: opts}, nil
}

// catalogue builds a tenant's catalogue from its stored declarations.
func (s *Service) catalogue(ctx context.Context, tenant string) (Catalogue, error) {
	rows, err := s.r.Activities(ctx, tenant)
	if err != nil {
		return nil, storeError(err)
	}
	cat, err := s.fold.Catalogue(rows)
	if err != nil {
		return nil, foldError(err)
	}
	return cat, nil
}

// tenantExists is not_found for a tenant with no events.
func (s *Service) tenantExists(ctx context.Context, tenant string) error {
	ok, err := s.r.TenantExists(ctx, tenant)
	if err != nil {
		return storeError(err)
	}
	if !ok {
		return notFound(ErrTenantNotFound)
	}
	return nil
}
