package loader_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/loader"
)

// ledger is a Target holding one tenant's events in order, in memory.
type ledger struct{ ids []string }

func (l *ledger) Head(_ context.Context, _ string, ours func(string) bool) (string, bool, error) {
	for i := len(l.ids) - 1; i >= 0; i-- {
		if ours(l.ids[i]) {
			return l.ids[i], true, nil
		}
	}
	return "", false, nil
}

func (l *ledger) Append(_ context.Context, evs []*eventsv1.Event) ([]events.Result, error) {
	out := make([]events.Result, len(evs))
	for i, ev := range evs {
		l.ids = append(l.ids, ev.GetEventId())
		out[i] = events.Result{EventID: ev.GetEventId(), Sequence: uint64(len(l.ids))}
	}
	return out, nil
}

func list(n int) []*eventsv1.Event {
	evs := make([]*eventsv1.Event, n)
	for i := range evs {
		evs[i] = &eventsv1.Event{EventId: fmt.Sprintf("demo-%d", i), Tenant: "harbourline"}
	}
	return evs
}

// TestLoadResumesPastOtherEvents: a load interrupted after 3 of 5 events,
// then events of others in the tenant, resumes with the 2 missing.
func TestLoadResumesPastOtherEvents(t *testing.T) {
	ctx := context.Background()
	evs := list(5)
	l := &ledger{}
	if _, err := l.Append(ctx, evs[:3]); err != nil {
		t.Fatal(err)
	}
	l.ids = append(l.ids, "appended-through-the-api", "docketd-notice")
	st, err := loader.Load(ctx, l, evs, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 3 || st.Appended != 2 {
		t.Fatalf("stats %+v, want 3 skipped and 2 appended", st)
	}
	if st, err := loader.Load(ctx, l, evs, 2); err != nil || st.Appended != 0 || st.Skipped != 5 {
		t.Fatalf("a second load: %+v, %v; want nothing appended", st, err)
	}
	if got := len(l.ids); got != 7 {
		t.Fatalf("the tenant holds %d events, want 7", got)
	}
}
