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
	"github.com/nats-io/nats.go"
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
	m       *watermillcodec.Marshaler
}

// setup starts a real JetStream with the DOCKET stream, a key ring in
// memory and an Emitter, and returns a Marshaler over that Emitter.
func setup(t *testing.T) *fixture {
	t.Helper()
	s := natstest.Start(t)
	_, js := natstest.Connect(t, s)
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
	em, err := events.NewEmitter(js, events.EmitterConfig{Source: "signup-service", Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	m, err := watermillcodec.NewMarshaler(em)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{js: js, stream: stream, keyring: kr, m: m}
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

func TestMarshalSealsAndSetsMetadata(t *testing.T) {
	f := setup(t)
	ev := collectedEvent("u-1", plantedEmail)
	msg, err := f.m.Marshal(ev)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if bytes.Contains(msg.Payload, []byte(plantedEmail)) {
		t.Fatal("the payload holds the plaintext value")
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
		"Docket-Subject": "docket.acme.u-1.DataCollected",
	}
	for k, v := range want {
		if got := msg.Metadata.Get(k); got != v {
			t.Errorf("metadata %s = %q, want %q", k, got, v)
		}
	}
	if len(msg.Metadata) != len(want) {
		t.Errorf("metadata = %v, want exactly %v", msg.Metadata, want)
	}

	// Marshal sealed the event in place, as Append does.
	if ev.GetDataCollected().GetValues()[0].GetSealed() == nil {
		t.Fatal("the event was not sealed in place")
	}
	if ev.GetSource() != "signup-service" {
		t.Errorf("source = %q, want the emitter's", ev.GetSource())
	}
	got := &eventsv1.Event{}
	if err := f.m.Unmarshal(msg, got); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !proto.Equal(got, ev) {
		t.Fatalf("round trip differs:\n got %v\nwant %v", got, ev)
	}

	// The sealed value opens with the subject's key.
	v := got.GetDataCollected().GetValues()[0]
	key, err := f.keyring.OpenKey(context.Background(), "acme", "u-1", events.DefaultKeyGroup, v.GetSealed().GetKeyVersion())
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
	if got, want := watermillcodec.Topic(ev), "docket.acme.u-1.DataCollected"; got != want {
		t.Errorf("Topic = %q, want %q", got, want)
	}
	got, err := watermillcodec.GeneratePublishTopic(cqrs.GenerateEventPublishTopicParams{EventName: "docket.events.v1.DataCollected", Event: ev})
	if err != nil || got != "docket.acme.u-1.DataCollected" {
		t.Errorf("GeneratePublishTopic = %q, %v", got, err)
	}
	bad := collectedEvent("a.b", plantedEmail)
	if _, err := watermillcodec.GeneratePublishTopic(cqrs.GenerateEventPublishTopicParams{Event: bad}); err == nil {
		t.Error("GeneratePublishTopic with a subject_ref holding a dot: no error")
	}
	if _, err := watermillcodec.GeneratePublishTopic(cqrs.GenerateEventPublishTopicParams{Event: &eventsv1.ConsentGiven{}}); err == nil {
		t.Error("GeneratePublishTopic of a non-event: no error")
	}
}

// jsPublisher is the smallest Watermill publisher for JetStream: the topic
// is the subject, the payload the data, the metadata the headers, and the
// Nats-Msg-Id metadata the message id. It records each acknowledgement.
type jsPublisher struct {
	js   jetstream.JetStream
	acks []*jetstream.PubAck
}

func (p *jsPublisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		nm := &nats.Msg{Subject: topic, Data: m.Payload, Header: nats.Header{}}
		for k, v := range m.Metadata {
			nm.Header.Set(k, v)
		}
		ctx := m.Context()
		ack, err := p.js.PublishMsg(ctx, nm, jetstream.WithMsgID(m.Metadata.Get(watermillcodec.MetadataMsgID)))
		if err != nil {
			return err
		}
		p.acks = append(p.acks, ack)
	}
	return nil
}

func (p *jsPublisher) Close() error { return nil }

func TestPublishToJetStreamDedupes(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ev := collectedEvent("u-1", plantedEmail)
	msg, err := f.m.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	publish := func() *jetstream.PubAck {
		t.Helper()
		nm := &nats.Msg{
			Subject: msg.Metadata.Get(watermillcodec.MetadataSubject),
			Data:    msg.Payload,
			Header:  nats.Header{events.HeaderType: []string{msg.Metadata.Get(watermillcodec.MetadataType)}},
		}
		ack, err := f.js.PublishMsg(ctx, nm, jetstream.WithMsgID(msg.Metadata.Get(watermillcodec.MetadataMsgID)))
		if err != nil {
			t.Fatalf("PublishMsg: %v", err)
		}
		return ack
	}
	first := publish()
	if first.Duplicate || first.Sequence != 1 || first.Stream != events.DefaultStream {
		t.Fatalf("first publish: %+v, want stored at sequence 1 of DOCKET", first)
	}
	again := publish()
	if !again.Duplicate || again.Sequence != first.Sequence {
		t.Fatalf("second publish: %+v, want a duplicate of sequence %d", again, first.Sequence)
	}
	info, err := f.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("stream holds %d messages, want 1", info.State.Msgs)
	}
	raw, err := f.stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Data, []byte(plantedEmail)) {
		t.Fatal("the stored message holds the plaintext value")
	}
	if !bytes.Equal(raw.Data, msg.Payload) {
		t.Error("the stored bytes are not the marshaled payload")
	}
	if raw.Subject != "docket.acme.u-1.DataCollected" || raw.Header.Get(jetstream.MsgIDHeader) != ev.GetEventId() {
		t.Errorf("stored subject %q, Nats-Msg-Id %q", raw.Subject, raw.Header.Get(jetstream.MsgIDHeader))
	}
	stored := &eventsv1.Event{}
	if err := f.m.Unmarshal(message.NewMessage(raw.Header.Get(jetstream.MsgIDHeader), raw.Data), stored); err != nil || !proto.Equal(stored, ev) {
		t.Fatalf("the stored event does not decode to the sealed event: %v", err)
	}
}

func TestEventBusPublishesToSubject(t *testing.T) {
	f := setup(t)
	pub := &jsPublisher{js: f.js}
	bus, err := cqrs.NewEventBusWithConfig(pub, cqrs.EventBusConfig{
		GeneratePublishTopic: watermillcodec.GeneratePublishTopic,
		Marshaler:            f.m,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ev := collectedEvent("u-7", plantedEmail)
	if err := bus.Publish(ctx, ev); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	// A retry of the same event (Marshal of an already sealed event gives
	// the same id and bytes) is dropped by JetStream.
	if err := bus.Publish(ctx, ev); err != nil {
		t.Fatalf("Publish again: %v", err)
	}
	if len(pub.acks) != 2 || pub.acks[0].Duplicate || !pub.acks[1].Duplicate || pub.acks[1].Sequence != pub.acks[0].Sequence {
		t.Fatalf("acks = %+v, want one stored and one duplicate", pub.acks)
	}
	raw, err := f.stream.GetLastMsgForSubject(ctx, "docket.acme.u-7.DataCollected")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Data, []byte(plantedEmail)) {
		t.Fatal("the stored message holds the plaintext value")
	}
	if got := raw.Header.Get(events.HeaderType); got != "docket.events.v1.DataCollected" {
		t.Errorf("%s = %q", events.HeaderType, got)
	}
	bad := collectedEvent("u-7", plantedEmail)
	bad.Tenant = ""
	if err := bus.Publish(ctx, bad); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("Publish of an invalid event: err = %v, want ErrInvalid", err)
	}
	if len(pub.acks) != 2 {
		t.Fatal("an invalid event reached the publisher")
	}
}
