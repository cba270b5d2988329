// Package watermillcodec lets a service that already publishes through
// Watermill (github.com/ThreeDotsLabs/watermill) record Docket events with
// its cqrs.EventBus.
//
// Its Marshaler is a cqrs.CommandEventMarshaler for *eventsv1.Event values.
// Marshal does what the Emitter's append path does before publishing —
// validate, seal every personal-data value under the subject's data key,
// encode deterministically — through an Encoder (an *events.Emitter), so no
// plaintext value ever leaves the process. The Watermill message it returns
// carries:
//
//   - UUID: the event id;
//   - Payload: the sealed event's proto bytes, exactly the bytes the ledger
//     stores (the notary's Merkle leaves hash them);
//   - metadata "Nats-Msg-Id" = the event id, so that JetStream drops a
//     retried publish within the stream's duplicate window;
//   - metadata "Docket-Type" = the event type, the proto full name of its
//     payload (e.g. "docket.events.v1.DataCollected");
//   - metadata "Docket-Subject" = the NATS subject the event belongs under,
//     docket.<tenant>.<subject_ref>.<Type>.
//
// # Wiring
//
// The publisher under the EventBus must publish to NATS JetStream with the
// topic as the subject, the payload as the message data unchanged, and the
// metadata copied to headers. With watermill-nats v2 (pkg/nats):
//
//	enc, _ := events.NewEmitter(js, events.EmitterConfig{Source: "signup-service", Keys: dataKeys})
//	m, _ := watermillcodec.NewMarshaler(enc)
//	pub, _ := wmnats.NewPublisherWithNatsConn(nc, wmnats.PublisherPublishConfig{
//		Marshaler:         &wmnats.NATSMarshaler{}, // payload as is, metadata -> headers
//		SubjectCalculator: wmnats.DefaultSubjectCalculator,
//		JetStream:         wmnats.JetStreamConfig{Enabled: true},
//	}, logger)
//	bus, _ := cqrs.NewEventBusWithConfig(pub, cqrs.EventBusConfig{
//		GeneratePublishTopic: watermillcodec.GeneratePublishTopic,
//		Marshaler:            m,
//	})
//	err := bus.Publish(ctx, ev) // ev is a *eventsv1.Event
//
// The Nats-Msg-Id metadata becomes the JetStream message id header
// (TrackMsgId, which sets it from the message UUID, gives the same id).
// Keep JetStream.AutoProvision off: docketd creates the DOCKET stream
// (events.EnsureStream), and auto-provisioning would create a stream named
// after the topic. Do not use the Gob, JSON or protobuf wrappers of
// watermill-nats: they store a Watermill envelope instead of the event's
// bytes, which the projector and the notary cannot read. NATSMarshaler also
// stores a "_watermill_message_uuid" header; it holds the event id only.
//
// Any other publisher works if it publishes the payload to the topic with
// the metadata as headers (at least Nats-Msg-Id), as
// js.PublishMsg(ctx, &nats.Msg{Subject: topic, Data: msg.Payload, ...},
// jetstream.WithMsgID(msg.Metadata.Get(watermillcodec.MetadataMsgID))) does.
//
// Watermill's publishers return no stream sequence and no duplicate flag:
// use the Emitter directly where the caller needs them (optimistic
// concurrency, atomic batches), and this package where an existing
// Watermill pipeline should record events.
//
// # Handlers
//
// Name returns an event's type, so a cqrs.EventHandler receives one type of
// Docket event when its NewEvent returns an event whose payload is an empty
// message of that type:
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
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// Metadata keys Marshal sets. None holds personal data.
const (
	// MetadataMsgID is the JetStream message id header: the event id.
	MetadataMsgID = jetstream.MsgIDHeader // "Nats-Msg-Id"
	// MetadataType is the event type, the proto full name of its payload.
	MetadataType = events.HeaderType // "Docket-Type"
	// MetadataSubject is the NATS subject of the event.
	MetadataSubject = "Docket-Subject"
)

// DefaultEncodeTimeout bounds one Marshal: Watermill passes it no context,
// and sealing may fetch a data key over the network.
const DefaultEncodeTimeout = 10 * time.Second

// Encoder validates and seals events and returns the messages to publish;
// *events.Emitter implements it.
type Encoder interface {
	Encode(ctx context.Context, evs ...*eventsv1.Event) ([]*nats.Msg, error)
}

var _ Encoder = (*events.Emitter)(nil)

// Marshaler is a cqrs.CommandEventMarshaler for *eventsv1.Event. It is safe
// for concurrent use if its Encoder is.
type Marshaler struct {
	enc     Encoder
	timeout time.Duration
}

var _ cqrs.CommandEventMarshaler = (*Marshaler)(nil)

// NewMarshaler returns a Marshaler that seals events with enc.
func NewMarshaler(enc Encoder) (*Marshaler, error) {
	if enc == nil {
		return nil, errors.New("watermillcodec: NewMarshaler: nil Encoder")
	}
	return &Marshaler{enc: enc, timeout: DefaultEncodeTimeout}, nil
}

// WithTimeout returns a copy of m whose Marshal gives up after d (> 0).
func (m *Marshaler) WithTimeout(d time.Duration) *Marshaler {
	c := *m
	if d > 0 {
		c.timeout = d
	}
	return &c
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

// Marshal validates ev (a *eventsv1.Event), seals its values and returns
// the Watermill message to publish. Like Emitter.Append it takes ownership
// of the event: it fills its source and seals its values in place. An
// invalid event gives an error matching events.ErrInvalid (a
// *events.ValidationError naming each field).
func (m *Marshaler) Marshal(v any) (*message.Message, error) {
	ev, err := asEvent(v)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	msgs, err := m.enc.Encode(ctx, ev)
	if err != nil {
		return nil, fmt.Errorf("watermillcodec: %w", err)
	}
	if len(msgs) != 1 || msgs[0] == nil {
		return nil, fmt.Errorf("watermillcodec: encoder returned %d messages for one event", len(msgs))
	}
	nm := msgs[0]
	wm := message.NewMessage(ev.GetEventId(), nm.Data)
	wm.Metadata.Set(MetadataMsgID, ev.GetEventId())
	wm.Metadata.Set(MetadataType, events.TypeName(ev))
	wm.Metadata.Set(MetadataSubject, nm.Subject)
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

// Topic is the NATS subject of ev, docket.<tenant>.<subject_ref>.<Type>
// (events.Subject). The event must be valid.
func Topic(ev *eventsv1.Event) string { return events.Subject(ev) }

// GeneratePublishTopic is a cqrs.EventBusConfig.GeneratePublishTopic that
// publishes each event to its subject. EventBus.Publish calls it after
// Marshal, so the event has been validated.
func GeneratePublishTopic(p cqrs.GenerateEventPublishTopicParams) (string, error) {
	ev, err := asEvent(p.Event)
	if err != nil {
		return "", err
	}
	if err := events.CheckToken(ev.GetTenant()); err != nil {
		return "", fmt.Errorf("watermillcodec: tenant %w", err)
	}
	if ref := ev.GetSubjectRef(); ref != "" {
		if err := events.CheckToken(ref); err != nil {
			return "", fmt.Errorf("watermillcodec: subject_ref %w", err)
		}
	}
	if events.TypeToken(ev) == "" {
		return "", errors.New("watermillcodec: event has no payload")
	}
	return Topic(ev), nil
}

var _ cqrs.GenerateEventPublishTopicFn = GeneratePublishTopic
