package events_test

import (
	"errors"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestCheckStorable: every time and string an event carries, wherever the
// payload holds it, is checked against what the read models hold, and the
// problem names the field.
func TestCheckStorable(t *testing.T) {
	ok := collected("u-1", plantedEmail)
	if err := events.CheckStorable(ok); err != nil {
		t.Fatalf("a valid event: %v", err)
	}
	for _, tc := range []struct {
		name      string
		edit      func(ev *eventsv1.Event)
		wantField string
	}{
		{"occurred_at in 9999", func(ev *eventsv1.Event) {
			ev.OccurredAt = timestamppb.New(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
		}, "occurred_at"},
		{"occurred_at before 1970", func(ev *eventsv1.Event) {
			ev.OccurredAt = timestamppb.New(time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC))
		}, "occurred_at"},
		{"occurred_at at 2200", func(ev *eventsv1.Event) { ev.OccurredAt = timestamppb.New(events.StorableUntil) }, "occurred_at"},
		{"nanos out of range", func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{Seconds: 1, Nanos: -5} }, "occurred_at"},
		{"a payload's time", func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				ConfidentialUntil: timestamppb.New(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))}}
		}, "disclosure_made.confidential_until"},
		{"NUL in a list of strings", func(ev *eventsv1.Event) { ev.GetDataCollected().Purposes = []string{"a", "b\x00"} }, "data_collected.purposes[1]"},
		{"NUL in a nested string", func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{Recipient: &eventsv1.Recipient{Name: "x\x00"}}}
		}, "disclosure_made.recipient.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := collected("u-1", plantedEmail)
			tc.edit(ev)
			err := events.CheckStorable(ev)
			var ve *events.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != tc.wantField {
				t.Fatalf("CheckStorable = %v, want one problem at %s", err, tc.wantField)
			}
		})
	}
	// recorded_at is the stream's: not checked here.
	ev := collected("u-1", plantedEmail)
	ev.RecordedAt = &timestamppb.Timestamp{Seconds: -1 << 40}
	if err := events.CheckStorable(ev); err != nil {
		t.Errorf("recorded_at: %v", err)
	}
}
