// Package loader appends a known, ordered list of events to the ledger so
// that loading it again adds nothing: it resumes after the newest event of
// the tenant that the list already holds.
package loader

import (
	"context"
	"fmt"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// Target is where events go: docketd's Append API, or an Emitter in process.
type Target interface {
	// Head returns the event id of the tenant's newest stored event.
	Head(ctx context.Context, tenant string) (eventID string, found bool, err error)
	Append(ctx context.Context, evs []*eventsv1.Event) ([]events.Result, error)
}

// Stats counts what a Load did.
type Stats struct {
	Total      int // events in the list
	Skipped    int // already stored before this load, found through the tenant's head
	Appended   int // stored by this load
	Duplicates int // sent again and recognised as stored
}

// Load appends evs, all of one tenant and in stream order, in batches. The
// tenant's newest stored event must be one of evs (or there must be none):
// Load then sends only the events after it. A tenant holding other events is
// refused, since the list's order would not be the stream's.
func Load(ctx context.Context, t Target, evs []*eventsv1.Event, batch int) (Stats, error) {
	st := Stats{Total: len(evs)}
	if len(evs) == 0 {
		return st, nil
	}
	if batch < 1 {
		batch = 500
	}
	tenant := evs[0].GetTenant()
	for i, ev := range evs {
		if ev.GetTenant() != tenant {
			return st, fmt.Errorf("loader: events[%d] belongs to another tenant than events[0]", i)
		}
	}
	head, found, err := t.Head(ctx, tenant)
	if err != nil {
		return st, fmt.Errorf("loader: head of tenant %s: %w", tenant, err)
	}
	start := 0
	if found {
		start = -1
		for i, ev := range evs {
			if ev.GetEventId() == head {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return st, fmt.Errorf("loader: tenant %s already holds events that are not from this list (newest %s)", tenant, head)
		}
	}
	st.Skipped = start
	for i := start; i < len(evs); i += batch {
		end := min(i+batch, len(evs))
		res, err := t.Append(ctx, evs[i:end])
		for _, r := range res {
			if r.Duplicate {
				st.Duplicates++
			} else {
				st.Appended++
			}
		}
		if err != nil {
			return st, fmt.Errorf("loader: events %d to %d: %w", i, end-1, err)
		}
	}
	return st, nil
}
