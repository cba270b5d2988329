package export

import (
	"context"
	"time"

	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/controller"
)

// profileAsOf is the controller's profile in force at t (occurred_at),
// with its sealed contact details opened as the export opens every sealed
// value (controller.AsOf); nil when there is none.
func (x *Exporter) profileAsOf(ctx context.Context, tenant string, t time.Time) (*eventsv1.ControllerProfile, error) {
	p, _, err := controller.AsOf(ctx, x.c.Reader, x.c.Keys, tenant, t, model.Occurred)
	return p, err
}
