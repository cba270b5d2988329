// Package wmjs runs Docket's sagas on Watermill's router over NATS
// JetStream: a Subscriber over a durable pull consumer of the events
// stream (one message at a time, acknowledged in JetStream only when the
// handler acknowledges it), a Publisher onto JetStream, and a router with
// retries and a poison queue (the DOCKET_POISON stream) for what keeps
// failing.
package wmjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// Subscriber is a Watermill message.Subscriber over a durable JetStream
// pull consumer of the events stream: each stored event becomes a message
// (payload: its stored bytes; metadata "seq": its stream sequence, see
// toMessage), and the consumer moves past it only when the handler
// acknowledges it; a Nack delivers it again at once, and so does the next
// subscription of the durable when this one ends before the Ack. The
// topic is ignored: the consumer's filter subjects say what it reads.
//
// A stored message that is not a valid sealed event (source.Decode) is
// never handed to the handler, which would retry it and then copy it to
// the poison queue (plaintext values included): it is acknowledged,
// logged with its sequence and reason only, and counted (Skipped).
type Subscriber struct {
	stream      jetstream.Stream
	durable     string
	description string
	filters     []string
	log         *slog.Logger
	skipped     atomic.Uint64
	// sealedOnly skips what source.Decode refuses (NewSubscriber sets
	// it; the conformance tests, whose payloads are not events, do not).
	sealedOnly bool

	mu     sync.Mutex
	cancel []context.CancelFunc
	done   sync.WaitGroup
}

// Subscribe starts delivering messages on the returned channel until ctx
// ends or Close.
func (s *Subscriber) Subscribe(ctx context.Context, _ string) (<-chan *message.Message, error) {
	cons, err := s.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:        s.durable,
		Description:    s.description,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        time.Minute,
		MaxAckPending:  1,
		FilterSubjects: s.filters,
	})
	if err != nil {
		return nil, fmt.Errorf("art19: consumer: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.cancel = append(s.cancel, cancel)
	s.mu.Unlock()
	out := make(chan *message.Message)
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		defer close(out)
		for ctx.Err() == nil {
			batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
			if err != nil {
				sleep(ctx, time.Second)
				continue
			}
			for m := range batch.Messages() {
				if !s.deliver(ctx, out, m) {
					return
				}
			}
		}
	}()
	return out, nil
}

// deliver hands one JetStream message to the handler and waits for its
// Ack (acknowledged in JetStream) or Nack (redelivered now); false when
// ctx ended.
func (s *Subscriber) deliver(ctx context.Context, out chan<- *message.Message, m jetstream.Msg) bool {
	md, err := m.Metadata()
	if err != nil {
		_ = m.Nak()
		return true
	}
	if s.sealedOnly && s.skip(m, md) {
		return true
	}
	for {
		wm := toMessage(m, md)
		msgCtx, cancel := context.WithCancel(ctx)
		wm.SetContext(msgCtx)
		select {
		case out <- wm:
		case <-ctx.Done():
			cancel()
			_ = m.Nak() // for the next run of this durable now, not after AckWait
			return false
		}
		select {
		case <-wm.Acked():
			cancel()
			if err := m.Ack(); err != nil {
				return ctx.Err() == nil // redelivered later: handled idempotently
			}
			return true
		case <-wm.Nacked():
			cancel()
			continue // the router's retries are over: deliver again
		case <-ctx.Done():
			cancel()
			_ = m.Nak()
			return false
		}
	}
}

// headerUUID carries a message's Watermill UUID (the header
// watermill-nats uses): the Publisher sets it, the Subscriber reads it.
const headerUUID = "_watermill_message_uuid"

// toMessage is m as a Watermill message: its UUID is the one the
// Publisher sent, or else the stream sequence; its metadata are its
// headers (the first value of each; not NATS's own nor the UUID's),
// "seq" (the stream sequence) and "subject".
func toMessage(m jetstream.Msg, md *jetstream.MsgMetadata) *message.Message {
	seq := strconv.FormatUint(md.Sequence.Stream, 10)
	h := m.Headers()
	id := h.Get(headerUUID)
	if id == "" {
		id = seq
	}
	wm := message.NewMessage(id, m.Data())
	for k := range h {
		if k != headerUUID && !strings.HasPrefix(k, "Nats-") {
			wm.Metadata.Set(k, h.Get(k))
		}
	}
	wm.Metadata.Set("seq", seq)
	wm.Metadata.Set("subject", m.Subject())
	return wm
}

// skip reports whether m is not a valid sealed event, and then
// acknowledges it, logs its sequence and reason and counts it.
func (s *Subscriber) skip(m jetstream.Msg, md *jetstream.MsgMetadata) bool {
	var bad *source.CorruptError
	if _, err := source.Decode(md.Sequence.Stream, md.Timestamp, m.Subject(), m.Headers(), m.Data()); !errors.As(err, &bad) {
		return false
	}
	s.skipped.Add(1)
	s.log.Warn("saga: skipping a stored message that is not a valid sealed event (the read models quarantine it)",
		"saga", s.description, "seq", bad.Sequence, "reason", bad.Reason)
	_ = m.Ack() // if lost: redelivered later, and skipped again
	return true
}

// Close stops every subscription and waits for them.
func (s *Subscriber) Close() error {
	s.mu.Lock()
	for _, c := range s.cancel {
		c()
	}
	s.mu.Unlock()
	s.done.Wait()
	return nil
}

// Publisher is a Watermill message.Publisher onto JetStream: the topic is
// the subject, metadata become headers, the UUID the headerUUID header.
// The poison queue publishes with it.
type Publisher struct{ js jetstream.JetStream }

// Publish stores each message, waiting for the stream's acknowledgement.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		nm := nats.NewMsg(topic)
		nm.Data = m.Payload
		for k, v := range m.Metadata {
			nm.Header.Set(k, v)
		}
		nm.Header.Set(headerUUID, m.UUID)
		// The message id makes a retried Publish store it once; it names
		// the topic too, or the same message published to two subjects
		// of one stream (one event two sagas park) is stored only once.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := p.js.PublishMsg(ctx, nm, jetstream.WithMsgID(topic+"/"+m.UUID))
		cancel()
		if err != nil {
			return fmt.Errorf("wmjs: publish to %s: %w", topic, err)
		}
	}
	return nil
}

// Close does nothing: the connection is the caller's.
func (p *Publisher) Close() error { return nil }

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// NewSubscriber reads the events stream through the durable consumer
// durable, filtered to filters; log (nil: slog.Default) says which stored
// messages it skips.
func NewSubscriber(stream jetstream.Stream, durable, description string, filters []string, log *slog.Logger) *Subscriber {
	if log == nil {
		log = slog.Default()
	}
	return &Subscriber{stream: stream, durable: durable, description: description, filters: filters, log: log, sealedOnly: true}
}

// Skipped counts the stored messages the subscriber skipped since it was
// made, as not valid sealed events.
func (s *Subscriber) Skipped() uint64 { return s.skipped.Load() }

// NewPublisher publishes onto JetStream through js.
func NewPublisher(js jetstream.JetStream) *Publisher { return &Publisher{js: js} }

// PoisonStream holds the events sagas gave up on (subjects docket-poison.>).
const PoisonStream = "DOCKET_POISON"

// RouterConfig configures NewRouter.
type RouterConfig struct {
	// PoisonSubject is where events the handler keeps failing on go,
	// e.g. "docket-poison.art19".
	PoisonSubject string
	Retries       int           // default 5
	RetryInterval time.Duration // first pause; default 200ms
}

// NewRouter returns a Watermill router whose handlers retry failures with
// an exponential backoff and then park the event on the poison queue.
func NewRouter(ctx context.Context, js jetstream.JetStream, cfg RouterConfig, log *slog.Logger) (*message.Router, error) {
	if cfg.Retries == 0 {
		cfg.Retries = 5
	}
	if cfg.RetryInterval == 0 {
		cfg.RetryInterval = 200 * time.Millisecond
	}
	if cfg.Retries < 1 || cfg.PoisonSubject == "" {
		return nil, fmt.Errorf("wmjs: retries %d (at least 1), poison subject %q (required)", cfg.Retries, cfg.PoisonSubject)
	}
	// Look up, create when missing: never an update, which a NATS account
	// that denies stream updates (deploy/nats) refuses.
	if _, err := js.Stream(ctx, PoisonStream); errors.Is(err, jetstream.ErrStreamNotFound) {
		// As many replicas as the events stream: on a cluster, losing a
		// node must not lose the parked events either.
		replicas := 1
		if es, err := js.Stream(ctx, events.DefaultStream); err == nil {
			replicas = max(es.CachedInfo().Config.Replicas, 1)
		}
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name: PoisonStream, Description: "Docket events a saga gave up on, for a person to look at",
			Subjects: []string{"docket-poison.>"}, Storage: jetstream.FileStorage, DenyDelete: true, Replicas: replicas,
		})
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return nil, fmt.Errorf("wmjs: poison stream: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("wmjs: poison stream: %w", err)
	}
	wl := watermill.NewSlogLogger(log)
	router, err := message.NewRouter(message.RouterConfig{}, wl)
	if err != nil {
		return nil, err
	}
	poison, err := middleware.PoisonQueue(NewPublisher(js), cfg.PoisonSubject)
	if err != nil {
		return nil, err
	}
	router.AddMiddleware(
		poison, // outermost: what the retries could not handle
		middleware.Retry{MaxRetries: cfg.Retries, InitialInterval: cfg.RetryInterval, MaxInterval: 5 * time.Second, Multiplier: 2, Logger: wl}.Middleware,
	)
	return router, nil
}

// EventHandler adapts fn to a Watermill handler of the messages a
// Subscriber delivers: it reads the event's stream sequence, decodes the
// stored event and, with readPosition set, waits until the read models
// have applied it, so that what fn reads of them is complete up to it.
func EventHandler(readPosition func() uint64, fn func(ctx context.Context, seq uint64, ev *eventsv1.Event) error) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		ctx := msg.Context()
		seq, err := strconv.ParseUint(msg.Metadata.Get("seq"), 10, 64)
		if err != nil {
			return fmt.Errorf("wmjs: message without a stream sequence: %w", err)
		}
		ev := &eventsv1.Event{}
		if err := proto.Unmarshal(msg.Payload, ev); err != nil {
			return fmt.Errorf("wmjs: sequence %d: %w", seq, err)
		}
		for readPosition != nil && readPosition() < seq {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		return fn(ctx, seq, ev)
	}
}

// Saga is one saga's consumer loop: which events it reads, under which
// durable consumer, what it does with each, and where an event goes that
// it keeps failing on.
type Saga struct {
	Name        string // of the router's handler, and the prefix of NewRunner's errors
	Description string // of the durable consumer
	Durable     string
	// Events are the payload types the saga reads ("ErasureExecuted"), of
	// every tenant and subject.
	Events        []string
	PoisonSubject string
	Retries       int           // see RouterConfig
	RetryInterval time.Duration // see RouterConfig
	ReadPosition  func() uint64 // see EventHandler
	Handle        func(ctx context.Context, seq uint64, ev *eventsv1.Event) error
}

// NewRunner builds s's router (NewRouter), its subscriber (NewSubscriber)
// and the handler that joins them (EventHandler).
func NewRunner(ctx context.Context, js jetstream.JetStream, stream jetstream.Stream, s Saga, log *slog.Logger) (Runner, error) {
	router, err := NewRouter(ctx, js, RouterConfig{PoisonSubject: s.PoisonSubject, Retries: s.Retries, RetryInterval: s.RetryInterval}, log)
	if err != nil {
		return Runner{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	filters := make([]string, len(s.Events))
	for i, typ := range s.Events {
		filters[i] = events.SubjectPrefix + ".*.*." + typ
	}
	sub := NewSubscriber(stream, s.Durable, s.Description, filters, log)
	router.AddConsumerHandler(s.Name, "events", sub, EventHandler(s.ReadPosition, s.Handle))
	return Runner{Router: router, Sub: sub}, nil
}

// Runner runs a saga's router and closes its subscriber when it stops.
type Runner struct {
	Router *message.Router
	Sub    *Subscriber
}

// Run runs the saga until ctx ends.
func (r Runner) Run(ctx context.Context) error {
	err := r.Router.Run(ctx)
	_ = r.Sub.Close()
	return err
}

// Running is closed once the saga consumes.
func (r Runner) Running() chan struct{} { return r.Router.Running() }
