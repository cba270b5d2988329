package projector_test

import (
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestProfileSurvivesRestart: a Berlin profile projected by one session,
// then a request received at 23:30 UTC on 14 March 2025 (00:30 on 15 March
// in Berlin) projected by the next, which rebuilds its catalogue from the
// store: the request is due at the end of 15 April in Berlin (CEST, UTC+2),
// 21:59:59.999999999 UTC, not at the end of 14 April UTC.
func TestProfileSurvivesRestart(t *testing.T) {
	eachBackend(t, func(t *testing.T, db database) {
		l := newLedger(t)
		at := time.Date(2025, 3, 14, 23, 30, 0, 0, time.UTC)
		ev := func(ref string, occurred time.Time) *eventsv1.Event {
			return &eventsv1.Event{
				EventId: events.DerivedID(occurred, ref), Tenant: "acme", SubjectRef: ref, OccurredAt: timestamppb.New(occurred),
				Source: "test", Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "job"}, TaxonomyVersion: taxonomy.Version,
			}
		}
		profile := ev("", at.Add(-24*time.Hour))
		profile.Payload = &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{
			Profile: &eventsv1.ControllerProfile{Name: "Acme GmbH", TimeZone: "Europe/Berlin", MemberState: "DE"}}}
		l.append(t, []*eventsv1.Event{profile})
		store := db(t, 1)
		catchUp(t, l, store, projector.Config{Durable: "first"})

		req := ev("u-1", at)
		req.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
			RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS}}
		l.append(t, []*eventsv1.Event{req})
		catchUp(t, l, store, projector.Config{Durable: "second"})

		rows, err := store.ListRequests(t.Context(), model.RequestFilter{Tenant: "acme"}, model.Page{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("requests %v, %v", rows, err)
		}
		if want := time.Date(2025, 4, 15, 21, 59, 59, 999999999, time.UTC); !rows[0].DueAt.Equal(want) {
			t.Errorf("due %s, want %s", rows[0].DueAt.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
		if ps, err := store.Profiles(t.Context(), "acme"); err != nil || len(ps) != 1 || ps[0].EventID != profile.GetEventId() {
			t.Errorf("profiles %v, %v", ps, err)
		}
	})
}
