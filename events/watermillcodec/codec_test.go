package watermillcodec_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/seal"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/events/watermillcodec"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const plantedEmail = "watermill-canary-5512@example.com"

type fixture struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	keyring *keys.Keyring
	emitter *events.Emitter // docketd's writer, for stored events
	client  *events.Client
	m       *watermillcodec.Marshaler
}

// setup starts a real JetStream with the DOCKET stream, a key ring in
// memory and docketd's Emitter, and returns a Marshaler over a Client of
// tenant acme, source signup-service. No docketd intake runs here: the
// door's round trip is tested in services/internal/intake.
func setup(t *testing.T) *fixture {
	t.Helper()
	s := natstest.Start(t)
	nc, js := natstest.Connect(t, s)
	ctx := context.Background()
	stream, err := events.EnsureStream(ctx, js, events.StreamConfig{})
	if err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	c, err := events.NewClient(nc, events.ClientConfig{Tenant: "acme", Source: "signup-service", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m, err := watermillcodec.NewMarshaler(c)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{js: js, stream: stream, keyring: kr, emitter: em, client: c, m: m}
}

func collectedEvent(ref, email string) *eventsv1.Event {
	return &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          "acme",
		SubjectRef:      ref,
		OccurredAt:      timestamppb.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			Purposes:         []string{"essential.service"},
			Categories:       []string{"user.contact.email"},
			LegalBasis:       eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Values:           []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: email}}},
			CollectionSource: "data_subject",
		}},
	}
}

// sealAAD is what the Emitter binds the event's one value to.
func sealAAD(ev *eventsv1.Event) seal.AAD {
	return seal.AAD{Tenant: ev.GetTenant(), Subject: ev.GetSubjectRef(), EventID: ev.GetEventId(), KeyGroup: events.DefaultKeyGroup, Category: "user.contact.email"}
}

func TestMarshalChecksAndSetsMetadata(t *testing.T) {
	f := setup(t)
	ev := collectedEvent("u-1", plantedEmail)
	msg, err := f.m.Marshal(ev)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	for k, v := range msg.Metadata {
		if strings.Contains(v, plantedEmail) {
			t.Fatalf("metadata %s holds the plaintext value", k)
		}
	}
	if msg.UUID != ev.GetEventId() {
		t.Errorf("UUID = %q, want the event id %q", msg.UUID, ev.GetEventId())
	}
	want := map[string]string{
		"Nats-Msg-Id":    ev.GetEventId(),
		"Docket-Type":    "docket.events.v1.DataCollected",
		"Docket-Subject": "docketd.intake.acme.signup-service",
	}
	for k, v := range want {
		if got := msg.Metadata.Get(k); got != v {
			t.Errorf("metadata %s = %q, want %q", k, got, v)
		}
	}
	if len(msg.Metadata) != len(want) {
		t.Errorf("metadata = %v, want exactly %v", msg.Metadata, want)
	}
	// Marshal filled the source, as the Client does; docketd seals.
	if ev.GetSource() != "signup-service" {
		t.Errorf("source = %q, want the client's", ev.GetSource())
	}
	got := &eventsv1.Event{}
	if err := f.m.Unmarshal(msg, got); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !proto.Equal(got, ev) {
		t.Fatalf("round trip differs:\n got %v\nwant %v", got, ev)
	}
	// An event of another tenant is not this client's to send.
	other := collectedEvent("u-1", plantedEmail)
	other.Tenant = "globex"
	if _, err := f.m.Marshal(other); !errors.Is(err, events.ErrInvalid) || !strings.Contains(err.Error(), "tenant") {
		t.Errorf("Marshal of another tenant's event: %v, want ErrInvalid naming the tenant", err)
	}
}

// A subscriber to the events stream decodes a stored event, sealed.
func TestUnmarshalStoredEvent(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ev := collectedEvent("u-1", plantedEmail)
	ev.Source = "signup-service"
	res, err := f.emitter.Append(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.stream.GetMsg(ctx, res[0].Sequence)
	if err != nil {
		t.Fatal(err)
	}
	msg := message.NewMessage(raw.Header.Get(jetstream.MsgIDHeader), raw.Data)
	msg.Metadata.Set(watermillcodec.MetadataType, raw.Header.Get(events.HeaderType))
	got := &eventsv1.Event{}
	if err := f.m.Unmarshal(msg, got); err != nil || !proto.Equal(got, ev) {
		t.Fatalf("Unmarshal of the stored event: %v", err)
	}
	v := got.GetDataCollected().GetValues()[0]
	key, err := f.keyring.OpenKey(ctx, "acme", "u-1", events.DefaultKeyGroup, v.GetSealed().GetKeyVersion())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := key.Open(sealAAD(got), v.GetSealed()); err != nil {
		t.Fatalf("the sealed value does not open: %v", err)
	}
}

func TestMarshalRefusesInvalidEvent(t *testing.T) {
	f := setup(t)
	ev := collectedEvent("u-1", plantedEmail)
	ev.GetDataCollected().LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED
	msg, err := f.m.Marshal(ev)
	if msg != nil || !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("Marshal = %v, %v; want an error matching events.ErrInvalid", msg, err)
	}
	var ve *events.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *events.ValidationError", err)
	}
	if !strings.Contains(err.Error(), "data_collected.legal_basis") {
		t.Errorf("the error does not name the field: %v", err)
	}
	if strings.Contains(err.Error(), plantedEmail) {
		t.Errorf("the error quotes a value: %v", err)
	}
	if ev.GetDataCollected().GetValues()[0].GetPlaintext() != plantedEmail {
		t.Error("a refused event was modified")
	}
}

func TestMarshalRefusesOtherTypes(t *testing.T) {
	f := setup(t)
	for _, v := range []any{
		&eventsv1.DataCollected{},
		eventsv1.Event{},
		(*eventsv1.Event)(nil),
		"an event",
		nil,
	} {
		msg, err := f.m.Marshal(v)
		if err == nil || msg != nil {
			t.Errorf("Marshal(%T) = %v, %v; want an error", v, msg, err)
			continue
		}
		if !strings.Contains(err.Error(), "watermillcodec") {
			t.Errorf("Marshal(%T): error %q does not say where it comes from", v, err)
		}
	}
	if err := f.m.Unmarshal(message.NewMessage("x", nil), &eventsv1.DataCollected{}); err == nil {
		t.Error("Unmarshal into a *eventsv1.DataCollected: no error")
	}
	if _, err := watermillcodec.NewMarshaler(nil); err == nil {
		t.Error("NewMarshaler(nil): no error")
	}
}

func TestUnmarshalRefusesGarbageAndTypeMismatch(t *testing.T) {
	f := setup(t)
	msg, err := f.m.Marshal(collectedEvent("u-1", plantedEmail))
	if err != nil {
		t.Fatal(err)
	}
	msg.Metadata.Set(watermillcodec.MetadataType, "docket.events.v1.ConsentGiven")
	future := &eventsv1.Event{EventId: "e-1", Tenant: "acme"}
	futureBytes, _ := proto.Marshal(future)
	futureBytes = protowire.AppendTag(futureBytes, 9999, protowire.BytesType)
	futureBytes = protowire.AppendBytes(futureBytes, []byte{0x0a, 0x01, 'x'})
	for name, m := range map[string]*message.Message{
		"garbage":                   message.NewMessage("x", []byte{0xff, 0xff, 0xff}),
		"a newer version's payload": message.NewMessage("y", futureBytes),
		"Docket-Type of another type than the payload's": msg,
	} {
		if err := f.m.Unmarshal(m, &eventsv1.Event{}); !errors.Is(err, watermillcodec.ErrUndecodable) {
			t.Errorf("Unmarshal of %s: %v, want ErrUndecodable", name, err)
		}
	}
}

// TestSkipUndecodable: the middleware acknowledges what cannot be
// unmarshaled, counting it, and passes every other error on (for the
// retries and the poison queue).
func TestSkipUndecodable(t *testing.T) {
	f := setup(t)
	n := 0
	other := errors.New("a failure worth retrying")
	h := watermillcodec.SkipUndecodable(slog.New(slog.DiscardHandler), func() { n++ })(func(msg *message.Message) ([]*message.Message, error) {
		if err := f.m.Unmarshal(msg, &eventsv1.Event{}); err != nil {
			return nil, err
		}
		return nil, other
	})
	if out, err := h(message.NewMessage("x", []byte{0xff, 0xff, 0xff})); err != nil || out != nil || n != 1 {
		t.Errorf("garbage: %v, %v, skipped %d; want acknowledged and counted", out, err, n)
	}
	good, err := f.m.Marshal(collectedEvent("u-1", plantedEmail))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h(good); !errors.Is(err, other) || n != 1 {
		t.Errorf("another error: %v, skipped %d; want it passed on", err, n)
	}
}

func TestNames(t *testing.T) {
	f := setup(t)
	ev := collectedEvent("u-1", plantedEmail)
	msg, err := f.m.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	const want = "docket.events.v1.DataCollected"
	if got := f.m.NameFromMessage(msg); got != want {
		t.Errorf("NameFromMessage = %q, want %q", got, want)
	}
	// Without the metadata, the name comes from the payload.
	bare := message.NewMessage(msg.UUID, msg.Payload)
	if got := f.m.NameFromMessage(bare); got != want {
		t.Errorf("NameFromMessage without metadata = %q, want %q", got, want)
	}
	if got := f.m.Name(ev); got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	// A handler's NewEvent names the type it handles by an empty payload.
	prototype := &eventsv1.Event{Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{}}}
	if got := f.m.Name(prototype); got != want {
		t.Errorf("Name of a handler prototype = %q, want %q", got, want)
	}
	if got := f.m.Name(&eventsv1.Event{}); got != "" {
		t.Errorf("Name of an event without payload = %q, want empty", got)
	}
	if got := f.m.Name("x"); got != "" {
		t.Errorf("Name of a string = %q, want empty", got)
	}
}

func TestTopic(t *testing.T) {
	ev := collectedEvent("u-1", plantedEmail)
	ev.Source = "signup-service"
	got, err := watermillcodec.GeneratePublishTopic(cqrs.GenerateEventPublishTopicParams{EventName: "docket.events.v1.DataCollected", Event: ev})
	if err != nil || got != "docketd.intake.acme.signup-service" {
		t.Errorf("GeneratePublishTopic = %q, %v; want the intake subject", got, err)
	}
	noSource := collectedEvent("u-1", plantedEmail)
	if _, err := watermillcodec.GeneratePublishTopic(cqrs.GenerateEventPublishTopicParams{Event: noSource}); err == nil {
		t.Error("GeneratePublishTopic of an event without a source: no error")
	}
	if _, err := watermillcodec.GeneratePublishTopic(cqrs.GenerateEventPublishTopicParams{Event: &eventsv1.ConsentGiven{}}); err == nil {
		t.Error("GeneratePublishTopic of a non-event: no error")
	}
}

// The Publisher sends to its client's intake subject only, and nothing
// that is not an event.
func TestPublisherRefusesOtherTopicsAndPayloads(t *testing.T) {
	f := setup(t)
	pub, err := watermillcodec.NewPublisher(f.client)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := f.m.Marshal(collectedEvent("u-1", plantedEmail))
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"docket.acme.u-1.DataCollected", "docketd.intake.acme.billing", "docketd.intake.globex.signup-service"} {
		if err := pub.Publish(topic, msg); err == nil || !strings.Contains(err.Error(), "intake subject") {
			t.Errorf("Publish to %s: %v, want a refusal", topic, err)
		}
	}
	if err := pub.Publish(f.client.Subject(), message.NewMessage("x", []byte{0xff, 0xff})); err == nil || !strings.Contains(err.Error(), "not an event") {
		t.Errorf("Publish of garbage: %v", err)
	}
	// With no docketd serving the intake, the event is not recorded, and
	// the bus says so.
	if err := pub.Publish(f.client.Subject(), msg); !errors.Is(err, events.ErrNoIntake) {
		t.Errorf("Publish with no intake: %v, want ErrNoIntake", err)
	}
	if info, err := f.stream.Info(context.Background()); err != nil || info.State.Msgs != 0 {
		t.Errorf("stream: %v messages, %v; want none", info.State.Msgs, err)
	}
	if _, err := watermillcodec.NewPublisher(nil); err == nil {
		t.Error("NewPublisher(nil): no error")
	}
}
