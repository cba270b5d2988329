// Package query serves docket.api.v1.QueryService: the read side's API over
// the read models (model.Reader), with the projection logic (package state) for
// what the stored rows do not answer directly: a subject as of a time, the
// catalogue as of a time, and the time-based findings.
package query

import (
	"context"
	"errors"
	"github.com/docketledger/docket/events"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/apierr"
)

// Options tunes the service; the zero value works.
type Options struct {
	// Now is the clock of time-based findings and of "now" in the record
	// of processing; default time.Now.
	Now func() time.Time
	// Keys opens the controller profile's sealed contacts (sealed under
	// the tenant key) for the record of processing; without it they are
	// left out.
	Keys events.KeyOpener
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
	opts Options
}

var _ apiv1connect.QueryServiceHandler = (*Service)(nil)

// New returns the service over r. Queries the stored rows do not answer
// directly (as-of states, time-based findings) use the projection logic of
// package state, the code the projector runs.
func New(r model.Reader, opts Options) (*Service, error) {
	if r == nil {
		return nil, errors.New("query: New: nil dependency")
	}
	opts.setDefaults()
	return &Service{r: r, opts: opts}, nil
}

// catalogue builds a tenant's catalogue from its stored declarations.
func (s *Service) catalogue(ctx context.Context, tenant string) (*state.Catalogue, error) {
	rows, err := s.r.Activities(ctx, tenant)
	if err != nil {
		return nil, apierr.Store(err)
	}
	cat := state.NewCatalogue()
	for _, row := range rows {
		if err := cat.Add(row); err != nil {
			return nil, foldError(err)
		}
	}
	profiles, err := s.r.Profiles(ctx, tenant)
	if err != nil {
		return nil, apierr.Store(err)
	}
	for _, row := range profiles {
		if err := cat.AddProfile(row); err != nil {
			return nil, foldError(err)
		}
	}
	return cat, nil
}

// tenantExists is not_found for a tenant with no events.
func (s *Service) tenantExists(ctx context.Context, tenant string) error {
	ok, err := s.r.TenantExists(ctx, tenant)
	if err != nil {
		return apierr.Store(err)
	}
	if !ok {
		return apierr.NotFound(apierr.ErrTenantNotFound)
	}
	return nil
}
