// Package loader appends a known, ordered list of events to the ledger so
// that loading it again adds nothing: it resumes after the newest event of
// the list that the tenant already holds, whatever else the tenant holds
// (events others appended meanwhile, docketd's own records).
package loader

import (
	"context"
	"fmt"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// Target is where events go: docketd's Append API, or an Emitter in process.
type Target interface {
	// Head returns the event id of the tenant's newest stored event that
	// ours accepts; found is false only when the tenant holds none of
	// them. A target that cannot tell (it sees only the tenant's newest
	// events) returns an error rather than found false: Load would send
	// the whole list again.
	Head(ctx context.Context, tenant string, ours func(eventID string) bool) (eventID string, found bool, err error)
	Append(ctx context.Context, evs []*eventsv1.Event) ([]events.Result, error)
}

// Stats counts what a Load did.
type Stats struct {
	Total      int // events in the list
	Skipped    int // already stored before this load, found through the tenant's head
	Appended   int // stored by this load
	Duplicates int // sent again and recognised as stored
}

// Load appends evs, all of one tenant and in stream order, in batches,
// after the newest of evs the tenant holds (all of them when it holds
// none). Events of the tenant that are not in evs are left alone: a load
// that resumes sends only what is missing of the list.
func Load(ctx context.Context, t Target, evs []*eventsv1.Event, batch int) (Stats, error) {
	st := Stats{Total: len(evs)}
	if len(evs) == 0 {
		return st, nil
	}
	if batch < 1 {
		batch = 500
	}
	tenant := evs[0].GetTenant()
	index := make(map[string]int, len(evs))
	for i, ev := range evs {
		if ev.GetTenant() != tenant {
			return st, fmt.Errorf("loader: events[%d] belongs to another tenant than events[0]", i)
		}
		index[ev.GetEventId()] = i
	}
	head, found, err := t.Head(ctx, tenant, func(id string) bool { _, ok := index[id]; return ok })
	if err != nil {
		return st, fmt.Errorf("loader: head of tenant %s: %w", tenant, err)
	}
	start := 0
	if found {
		i, ok := index[head]
		if !ok {
			return st, fmt.Errorf("loader: the head of tenant %s, %s, is not from this list", tenant, head)
		}
		start = i + 1
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
