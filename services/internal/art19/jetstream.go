package art19

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// subscriber is a Watermill message.Subscriber over a durable JetStream
// pull consumer of the events stream: each stored event becomes a message
// (payload: its stored bytes; metadata "seq": its stream sequence), and
// the consumer moves past it only when the handler acknowledges it. The
// topic is ignored: the consumer's filter subjects say what it reads.
type subscriber struct {
	stream  jetstream.Stream
	durable string
	filters []string

	mu     sync.Mutex
	cancel []context.CancelFunc
	done   sync.WaitGroup
}

// Subscribe starts delivering messages on the returned channel until ctx
// ends or Close.
func (s *subscriber) Subscribe(ctx context.Context, _ string) (<-chan *message.Message, error) {
	cons, err := s.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:        s.durable,
		Description:    "Docket Art. 19 saga",
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
				if !deliver(ctx, out, m) {
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
func deliver(ctx context.Context, out chan<- *message.Message, m jetstream.Msg) bool {
	md, err := m.Metadata()
	if err != nil {
		_ = m.Nak()
		return true
	}
	for {
		wm := message.NewMessage(strconv.FormatUint(md.Sequence.Stream, 10), m.Data())
		wm.Metadata.Set("seq", strconv.FormatUint(md.Sequence.Stream, 10))
		wm.Metadata.Set("subject", m.Subject())
		msgCtx, cancel := context.WithCancel(ctx)
		wm.SetContext(msgCtx)
		select {
		case out <- wm:
		case <-ctx.Done():
			cancel()
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
			return false
		}
	}
}

// Close stops every subscription and waits for them.
func (s *subscriber) Close() error {
	s.mu.Lock()
	for _, c := range s.cancel {
		c()
	}
	s.mu.Unlock()
	s.done.Wait()
	return nil
}

// publisher is a Watermill message.Publisher onto JetStream: the topic is
// the subject, metadata become headers. The poison queue publishes with it.
type publisher struct{ js jetstream.JetStream }

// Publish stores each message, waiting for the stream's acknowledgement.
func (p *publisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		nm := nats.NewMsg(topic)
		nm.Data = m.Payload
		for k, v := range m.Metadata {
			nm.Header.Set(k, v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := p.js.PublishMsg(ctx, nm, jetstream.WithMsgID("poison-"+m.UUID))
		cancel()
		if err != nil {
			return fmt.Errorf("art19: publish to %s: %w", topic, err)
		}
	}
	return nil
}

// Close does nothing: the connection is the caller's.
func (p *publisher) Close() error { return nil }

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
