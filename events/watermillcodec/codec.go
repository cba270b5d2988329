// Package watermillcodec lets a service that already publishes through
// Watermill (github.com/ThreeDotsLabs/watermill) record Docket events with
// its cqrs.EventBus, through the NATS door docketd serves (events.Client):
// only docketd publishes into the events stream, so a Watermill publisher
// never puts an event on docket.>.
//
// Three pieces make an EventBus that records events:
//
//   - Marshaler, a cqrs.CommandEventMarshaler for *eventsv1.Event values.
//     Marshal does what the Client does before sending — validate, fill the
//     source, check the tenant — and returns a message whose payload is the
//     event's proto bytes. Its values are still plaintext: docketd seals
//     them on receipt. Hand the message to this package's Publisher only.
//   - Publisher, a message.Publisher that sends the events of the messages
//     it is given, as one batch, through the Client, and returns the
//     Client's errors (*events.ValidationError, *events.ConflictError, ...):
//     bus.Publish fails when docketd refused the event, and succeeds once
//     it is stored. It publishes nothing but to the Client's intake subject.
//   - GeneratePublishTopic, the intake subject of the event's tenant and
//     source, docketd.intake.<tenant>.<source>.
//
// Wiring:
//
//	client, _ := events.NewClient(nc, events.ClientConfig{Tenant: "acme", Source: "signup-service"})
//	m, _ := watermillcodec.NewMarshaler(client)
//	pub, _ := watermillcodec.NewPublisher(client)
//	bus, _ := cqrs.NewEventBusWithConfig(pub, cqrs.EventBusConfig{
//		GeneratePublishTopic: watermillcodec.GeneratePublishTopic,
//		Marshaler:            m,
//	})
//	err := bus.Publish(ctx, ev) // ev is a *eventsv1.Event
//
// The message carries:
//
//   - UUID: the event id;
//   - Payload: the event's proto bytes, values in plaintext;
//   - metadata "Nats-Msg-Id" = the event id (docketd stores a retried event
//     once);
//   - metadata "Docket-Type" = the event type, the proto full name of its
//     payload (e.g. "docket.events.v1.DataCollected");
//   - metadata "Docket-Subject" = the intake subject the event is sent to.
//
// Do not pass these messages to another publisher (a NATS or JetStream
// one, a forwarder, an outbox table): they hold plaintext values, and
// the NATS server refuses a service's publishes into the events stream
// anyway. Watermill's publishers return no stream sequence and no
// duplicate flag: use the Client directly where the caller needs them
// (optimistic concurrency), and this package where an existing Watermill
// pipeline should record events.
//
// # Handlers
//
// Unmarshal decodes a stored event (values sealed), as a subscriber to the
// events stream receives it. Name returns an event's type, so a
// cqrs.EventHandler receives one type of Docket event when its NewEvent
// returns an event whose payload is an empty message of that type:
//
//	NewEvent: func() any {
//		return &eventsv1.Event{Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{}}}
//	}
//
// An event without a payload has no name ("") and matches no message.
package watermillcodec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// Metadata keys Marshal sets. None holds personal data.
const (
	// MetadataMsgID is the JetStream message id header: the event id.
	MetadataMsgID = jetstream.MsgIDHeader // "Nats-Msg-Id"
	// MetadataType is the event type, the proto full name of its payload.
	MetadataType = events.HeaderType // "Docket-Type"
	// MetadataSubject is the intake subject the event is sent to.
	MetadataSubject = "Docket-Subject"
)

// DefaultTimeout bounds one Publish whose messages carry no deadline.
const DefaultTimeout = 10 * time.Second

// Door is what this package needs of the NATS door; *events.Client is one.
type Door interface {
	// Check validates a batch as Append does, filling empty sources.
	Check(opts events.AppendOptions, evs ...*eventsv1.Event) error
	// Append records a batch through docketd's intake.
	Append(ctx context.Context, evs ...*eventsv1.Event) ([]events.Result, error)
	// Subject is the intake subject Append sends to.
	Subject() string
}

var _ Door = (*events.Client)(nil)

// Marshaler is a cqrs.CommandEventMarshaler for *eventsv1.Event. It is safe
// for concurrent use if its Door is.
type Marshaler struct {
	door Door
}

var _ cqrs.CommandEventMarshaler = (*Marshaler)(nil)

// NewMarshaler returns a Marshaler that checks events as door does.
func NewMarshaler(door Door) (*Marshaler, error) {
	if door == nil {
		return nil, errors.New("watermillcodec: NewMarshaler: nil Door")
	}
	return &Marshaler{door: door}, nil
}

func asEvent(v any) (*eventsv1.Event, error) {
	ev, ok := v.(*eventsv1.Event)
	if !ok {
		return nil, fmt.Errorf("watermillcodec: %T is not a *eventsv1.Event: only Docket events can be marshaled", v)
	}
	if ev == nil {
		return nil, errors.New("watermillcodec: nil *eventsv1.Event")
	}
	return ev, nil
}

// Marshal validates ev (a *eventsv1.Event) as the Client does, filling its
// source, and returns the Watermill message for the Publisher. An invalid
// event gives an error matching events.ErrInvalid (a
// *events.ValidationError naming each field).
func (m *Marshaler) Marshal(v any) (*message.Message, error) {
	ev, err := asEvent(v)
	if err != nil {
		return nil, err
	}
	if err := m.door.Check(events.AppendOptions{}, ev); err != nil {
		return nil, fmt.Errorf("watermillcodec: %w", err)
	}
	data, err := ev.MarshalVT()
	if err != nil {
		return nil, fmt.Errorf("watermillcodec: encode: %w", err)
	}
	wm := message.NewMessage(ev.GetEventId(), data)
	wm.Metadata.Set(MetadataMsgID, ev.GetEventId())
	wm.Metadata.Set(MetadataType, events.TypeName(ev))
	wm.Metadata.Set(MetadataSubject, m.door.Subject())
	return wm, nil
}

// ErrUndecodable is matched (errors.Is) by Unmarshal's error for a
// message that is not a Docket event this build can read: bytes that are
// not an Event, a payload type it does not know (a newer version's), or a
// Docket-Type that names another type than the payload. Retrying cannot
// help, and parking it on a poison queue would store its bytes again
// (plaintext included): wrap handlers in SkipUndecodable.
var ErrUndecodable = errors.New("not a Docket event this build can read")

// Unmarshal decodes the message's payload into v, a *eventsv1.Event. The
// values stay sealed. A message that is not an event, one whose payload
// type this build does not know, and one whose Docket-Type metadata names
// another type than its payload are refused with ErrUndecodable.
func (m *Marshaler) Unmarshal(msg *message.Message, v any) error {
	ev, err := asEvent(v)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(msg.Payload, ev); err != nil {
		return fmt.Errorf("watermillcodec: message %s: %w: decode event: %v", msg.UUID, ErrUndecodable, err)
	}
	if ev.GetPayload() == nil {
		return fmt.Errorf("watermillcodec: message %s: %w: no payload of a type this build knows", msg.UUID, ErrUndecodable)
	}
	if want := msg.Metadata.Get(MetadataType); want != "" && want != events.TypeName(ev) {
		return fmt.Errorf("watermillcodec: message %s: %w: metadata %s names another type than the payload's, %q", msg.UUID, ErrUndecodable, MetadataType, events.TypeName(ev))
	}
	return nil
}

// SkipUndecodable is a Watermill handler middleware that acknowledges a
// message its handler could not unmarshal (ErrUndecodable) rather than
// failing it: log is told the message's UUID and why (never its bytes),
// and skipped (if not nil) is called. Add it after the Retry and
// PoisonQueue middlewares (router.AddMiddleware(poison, retry,
// SkipUndecodable(...))), so that it runs innermost.
func SkipUndecodable(log *slog.Logger, skipped func()) message.HandlerMiddleware {
	if log == nil {
		log = slog.Default()
	}
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if errors.Is(err, ErrUndecodable) {
				log.Warn("watermillcodec: skipping a message that is not a Docket event this build can read",
					"uuid", msg.UUID, "err", err)
				if skipped != nil {
					skipped()
				}
				return nil, nil
			}
			return out, err
		}
	}
}

func (m *Marshaler) Name(v any) string {
	ev, ok := v.(*eventsv1.Event)
	if !ok || ev == nil {
		return ""
	}
	return events.TypeName(ev)
}

// NameFromMessage is the type of the event in msg, from its Docket-Type
// metadata, or, when that is missing, from decoding the payload.
func (m *Marshaler) NameFromMessage(msg *message.Message) string {
	if name := msg.Metadata.Get(MetadataType); name != "" {
		return name
	}
	ev := &eventsv1.Event{}
	if err := proto.Unmarshal(msg.Payload, ev); err != nil {
		return ""
	}
	return events.TypeName(ev)
}

// GeneratePublishTopic is a cqrs.EventBusConfig.GeneratePublishTopic: the
// intake subject of the event's tenant and source. EventBus.Publish calls
// it after Marshal, which filled the source.
func GeneratePublishTopic(p cqrs.GenerateEventPublishTopicParams) (string, error) {
	ev, err := asEvent(p.Event)
	if err != nil {
		return "", err
	}
	if err := events.CheckToken(ev.GetTenant()); err != nil {
		return "", fmt.Errorf("watermillcodec: tenant %w", err)
	}
	if err := events.CheckToken(ev.GetSource()); err != nil {
		return "", fmt.Errorf("watermillcodec: source %w", err)
	}
	if events.TypeToken(ev) == "" {
		return "", errors.New("watermillcodec: event has no payload")
	}
	return events.IntakeSubject(ev.GetTenant(), ev.GetSource()), nil
}

var _ cqrs.GenerateEventPublishTopicFn = GeneratePublishTopic

// Publisher is a message.Publisher that records the events of Marshaler's
// messages through the door. It is safe for concurrent use if its Door is.
type Publisher struct {
	door    Door
	timeout time.Duration
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher returns a Publisher sending through door.
func NewPublisher(door Door) (*Publisher, error) {
	if door == nil {
		return nil, errors.New("watermillcodec: NewPublisher: nil Door")
	}
	return &Publisher{door: door, timeout: DefaultTimeout}, nil
}

// WithTimeout returns a copy of p whose Publish gives up after d (> 0) when
// the messages' context has no earlier deadline.
func (p *Publisher) WithTimeout(d time.Duration) *Publisher {
	c := *p
	if d > 0 {
		c.timeout = d
	}
	return &c
}

// Publish records the events of msgs as one batch, under the context of
// the first message. topic must be the door's intake subject. It returns
// once docketd stored the batch, or with the error it answered.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if topic != p.door.Subject() {
		return fmt.Errorf("watermillcodec: topic %s is not this client's intake subject %s", topic, p.door.Subject())
	}
	if len(msgs) == 0 {
		return nil
	}
	evs := make([]*eventsv1.Event, len(msgs))
	for i, msg := range msgs {
		ev := &eventsv1.Event{}
		if err := ev.UnmarshalVT(msg.Payload); err != nil {
			return fmt.Errorf("watermillcodec: message %s: not an event: %w", msg.UUID, err)
		}
		evs[i] = ev
	}
	ctx, cancel := context.WithTimeout(msgs[0].Context(), p.timeout)
	defer cancel()
	if _, err := p.door.Append(ctx, evs...); err != nil {
		return fmt.Errorf("watermillcodec: %w", err)
	}
	return nil
}

// Close does nothing: the Client's NATS connection is the caller's.
func (p *Publisher) Close() error { return nil }
