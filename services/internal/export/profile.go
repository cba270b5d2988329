package export

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

// profileAsOf is the controller's profile as of t: the last declaration,
// in stream order, whose occurred_at is not after t; nil when there is
// none. Its mailboxes and telephone number, free text sealed under the
// tenant key, are opened as the export opens every sealed value: one whose
// key was shredded or that does not open stays empty.
func (x *Exporter) profileAsOf(ctx context.Context, tenant string, t time.Time) (*eventsv1.ControllerProfile, error) {
	rows, err := x.c.Reader.Profiles(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("controller profile: %w", err)
	}
	last := -1
	for i, row := range rows {
		if !row.OccurredAt.After(t) {
			last = i
		}
	}
	if last < 0 {
		return nil, nil
	}
	row, err := x.c.Reader.Event(ctx, tenant, rows[last].EventID)
	if err != nil {
		return nil, fmt.Errorf("controller profile: %w", err)
	}
	ev := &eventsv1.Event{}
	if err := proto.Unmarshal(row.Data, ev); err != nil {
		return nil, fmt.Errorf("controller profile: sequence %d: %w", row.Seq, err)
	}
	p := proto.Clone(ev.GetControllerProfileDeclared().GetProfile()).(*eventsv1.ControllerProfile)
	if p == nil {
		return nil, fmt.Errorf("controller profile: sequence %d is no profile declaration", row.Seq)
	}
	vals, err := events.OpenValues(ctx, ev, x.c.Keys)
	if err != nil {
		return nil, fmt.Errorf("controller profile: sequence %d: %w", row.Seq, err)
	}
	for _, o := range vals {
		if o.Erased || o.Unreadable {
			continue
		}
		switch {
		case strings.HasSuffix(o.Path, "contact_email_text"):
			p.ContactEmail = o.Plaintext
		case strings.HasSuffix(o.Path, "contact_phone_text"):
			p.ContactPhone = o.Plaintext
		case strings.HasSuffix(o.Path, "dpo_email_text"):
			p.DpoEmail = o.Plaintext
		}
	}
	return p, nil
}
