package wmjs

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"github.com/docketledger/docket/events/natstest"
	"github.com/nats-io/nats.go/jetstream"
)

// TestPubSubConformance runs Watermill's own pub/sub suite on the
// Subscriber and the Publisher, against a real in-process nats-server.
//
// The Subscriber reads what its caller's durable consumer and filter
// subjects select, not a topic; topicSubscriber is the mapping a test
// needs: every topic is a subject of one stream (as the sagas' events are
// subjects of the events stream), and a subscription to it reads through
// the durable consumer of that topic (without a group, one durable per
// topic that every subscriber shares, as a saga shares its durable with
// its previous run; with a group, one durable per group and topic). The
// payloads are not Docket events, so the check that skips what is not a
// valid sealed event is off here (TestSubscriberSkipsWhatIsNotASealedEvent
// covers it).
//
// Features, declared from what wmjs does:
//   - GuaranteedOrder: the consumer has MaxAckPending 1 and a Nack
//     delivers the same message again, so even subscribers sharing a
//     durable see the stream's order (GuaranteedOrderWithSingleSubscriber
//     false: the suite checks order with ten of them).
//   - ExactlyOnceDelivery false: at least once (a lost ack redelivers).
//   - NewSubscriberReceivesOldMessages false: a new subscriber continues
//     where the durable stands, which is what a saga needs.
//   - ConsumerGroups, Persistent: durable consumers of a stream.
//   - RestartServiceCommand: none, the server runs in process, so
//     TestReconnect skips; NewSubscriberReceivesOldMessages skips too.
//   - ForceShort: the suite's short message counts (tens to hundreds),
//     which keep the run under a minute on a shared machine.
func TestPubSubConformance(t *testing.T) {
	srv := natstest.Start(t)
	_, js := natstest.Connect(t, srv)
	ctx := context.Background()
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "CONFORMANCE", Subjects: []string{"conformance.>"}, Storage: jetstream.MemoryStorage,
	})
	if err != nil {
		t.Fatal(err)
	}
	tests.TestPubSub(t,
		tests.Features{
			ConsumerGroups:                      true,
			ExactlyOnceDelivery:                 false,
			GuaranteedOrder:                     true,
			GuaranteedOrderWithSingleSubscriber: false,
			Persistent:                          true,
			RequireSingleInstance:               false,
			NewSubscriberReceivesOldMessages:    false,
			ForceShort:                          true,
			GenerateTopicFunc: func(tc tests.TestContext) string {
				return "conformance." + string(tc.TestID)
			},
		},
		func(t *testing.T) (message.Publisher, message.Subscriber) {
			return NewPublisher(js), &topicSubscriber{stream: stream}
		},
		func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
			return NewPublisher(js), &topicSubscriber{stream: stream, group: group}
		},
	)
}

// topicSubscriber subscribes to a topic through a Subscriber whose
// durable consumer reads that topic's subject.
type topicSubscriber struct {
	stream jetstream.Stream
	group  string

	mu   sync.Mutex
	subs []*Subscriber
}

func (ts *topicSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	durable := "d-" + strings.ReplaceAll(topic, ".", "_")
	if ts.group != "" {
		durable = ts.group + "-" + durable
	}
	s := NewSubscriber(ts.stream, durable, "conformance", []string{topic}, slog.New(slog.DiscardHandler))
	s.sealedOnly = false
	ts.mu.Lock()
	ts.subs = append(ts.subs, s)
	ts.mu.Unlock()
	return s.Subscribe(ctx, topic)
}

func (ts *topicSubscriber) Close() error {
	ts.mu.Lock()
	subs := ts.subs
	ts.mu.Unlock()
	for _, s := range subs {
		_ = s.Close()
	}
	return nil
}
