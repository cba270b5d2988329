package intake_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/watermillcodec"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/intake"
	"google.golang.org/protobuf/proto"
)

// A Watermill EventBus with the codec's Marshaler and Publisher records an
// event through the door: stored once, sealed, with the client's source;
// an invalid event fails bus.Publish and reaches nothing.
func TestWatermillEventBusThroughTheDoor(t *testing.T) {
	d := start(t, intake.Config{})
	c := d.client(t)
	m, err := watermillcodec.NewMarshaler(c)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := watermillcodec.NewPublisher(c)
	if err != nil {
		t.Fatal(err)
	}
	bus, err := cqrs.NewEventBusWithConfig(pub, cqrs.EventBusConfig{GeneratePublishTopic: watermillcodec.GeneratePublishTopic, Marshaler: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ev := collected("acme", "u-7")
	if err := bus.Publish(ctx, ev); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := bus.Publish(ctx, ev); err != nil { // a retry
		t.Fatalf("Publish again: %v", err)
	}
	if n := d.stored(t); n != 1 {
		t.Fatalf("%d messages stored, want 1", n)
	}
	raw, err := d.stream.GetLastMsgForSubject(ctx, "docket.acme.u-7.DataCollected")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Data, []byte(planted)) {
		t.Fatal("the stored message holds the plaintext value")
	}
	stored := &eventsv1.Event{}
	if err := proto.Unmarshal(raw.Data, stored); err != nil {
		t.Fatal(err)
	}
	if stored.GetEventId() != ev.GetEventId() || stored.GetSource() != "crm" || stored.GetDataCollected().GetValues()[0].GetSealed() == nil {
		t.Errorf("stored %s from %q; want %s from crm, sealed", stored.GetEventId(), stored.GetSource(), ev.GetEventId())
	}

	bad := collected("acme", "u-8")
	bad.GetDataCollected().LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED
	if err := bus.Publish(ctx, bad); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("Publish of an invalid event: %v, want ErrInvalid", err)
	}
	if n := d.stored(t); n != 1 {
		t.Fatalf("%d messages stored after an invalid event, want 1", n)
	}
}
