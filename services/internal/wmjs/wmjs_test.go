package wmjs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/projections/source/corrupttest"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
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
//   - RestartServiceCommand: none, the server runs in process.
//
// The suite's functions run one by one (tests.TestPubSub would run all):
// two of them only skip for these features, and a skip under CI=true is a
// failure. TestReconnect needs a command that restarts the broker (an
// in-process server has none); TestNewSubscriberReceivesOldMessages is for
// brokers that replay consumed messages to a new subscriber, which a
// durable consumer by design does not.
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
	features := tests.Features{
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
	}
	pubSub := func(t *testing.T) (message.Publisher, message.Subscriber) {
		return NewPublisher(js), &topicSubscriber{stream: stream}
	}
	run := func(name string, fn func(t *testing.T, tc tests.TestContext)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, tests.TestContext{TestID: tests.NewTestID(), Features: features})
		})
	}
	for name, fn := range map[string]func(*testing.T, tests.TestContext, tests.PubSubConstructor){
		"PublishSubscribe":                  tests.TestPublishSubscribe,
		"ConcurrentSubscribe":               tests.TestConcurrentSubscribe,
		"ConcurrentSubscribeMultipleTopics": tests.TestConcurrentSubscribeMultipleTopics,
		"ResendOnError":                     tests.TestResendOnError,
		"NoAck":                             tests.TestNoAck,
		"ContinueAfterSubscribeClose":       tests.TestContinueAfterSubscribeClose,
		"ConcurrentClose":                   tests.TestConcurrentClose,
		"ContinueAfterErrors":               tests.TestContinueAfterErrors,
		"PublishSubscribeInOrder":           tests.TestPublishSubscribeInOrder,
		"PublisherClose":                    tests.TestPublisherClose,
		"Topic":                             tests.TestTopic,
		"MessageCtx":                        tests.TestMessageCtx,
		"SubscribeCtx":                      tests.TestSubscribeCtx,
	} {
		run(name, func(t *testing.T, tc tests.TestContext) { fn(t, tc, pubSub) })
	}
	run("ConsumerGroups", func(t *testing.T, tc tests.TestContext) {
		tests.TestConsumerGroups(t, tc, func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
			return NewPublisher(js), &topicSubscriber{stream: stream, group: group}
		})
	})
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

// eventsStream is a running JetStream with Docket's events stream.
func eventsStream(t *testing.T) (jetstream.JetStream, jetstream.Stream) {
	t.Helper()
	srv := natstest.Start(t)
	_, js := natstest.Connect(t, srv)
	stream, err := events.EnsureStream(context.Background(), js, events.StreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return js, stream
}

// store puts a valid sealed event about subjectRef onto the events
// stream as the append path does, and returns it and its sequence.
func store(t *testing.T, js jetstream.JetStream, subjectRef string) (*eventsv1.Event, uint64) {
	t.Helper()
	ev := corrupttest.Event("acme", subjectRef)
	ack, err := js.PublishMsg(context.Background(), corrupttest.Msg(ev))
	if err != nil {
		t.Fatal(err)
	}
	return ev, ack.Sequence
}

// receive is the next message of msgs, within d.
func receive(t *testing.T, msgs <-chan *message.Message, d time.Duration) *message.Message {
	t.Helper()
	select {
	case m, ok := <-msgs:
		if !ok {
			t.Fatal("the subscription ended")
		}
		return m
	case <-time.After(d):
		t.Fatalf("no message in %s", d)
	}
	return nil
}

// TestSubscriberSequenceMetadata: a stored event reaches the handler with
// its stream sequence as UUID and as metadata "seq", its subject and its
// type header as metadata (NATS's own headers not), and EventHandler
// hands the handler that sequence and the decoded event.
func TestSubscriberSequenceMetadata(t *testing.T) {
	js, stream := eventsStream(t)
	store(t, js, "s-0") // not the first sequence, so "seq" cannot be a count
	ev, seq := store(t, js, "s-1")
	sub := NewSubscriber(stream, "meta", "test", []string{"docket.acme.s-1.>"}, nil)
	t.Cleanup(func() { _ = sub.Close() })
	msgs, err := sub.Subscribe(context.Background(), "events")
	if err != nil {
		t.Fatal(err)
	}
	m := receive(t, msgs, 10*time.Second)
	want := map[string]string{
		"seq": strconv.FormatUint(seq, 10), "subject": events.Subject(ev), events.HeaderType: events.TypeName(ev),
	}
	if m.UUID != want["seq"] {
		t.Errorf("UUID %q, want the sequence %s", m.UUID, want["seq"])
	}
	if len(m.Metadata) != len(want) {
		t.Errorf("metadata %v, want %v", m.Metadata, want)
	}
	for k, v := range want {
		if m.Metadata.Get(k) != v {
			t.Errorf("metadata %s = %q, want %q", k, m.Metadata.Get(k), v)
		}
	}
	var gotSeq uint64
	var gotID string
	h := EventHandler(nil, func(_ context.Context, seq uint64, ev *eventsv1.Event) error {
		gotSeq, gotID = seq, ev.GetEventId()
		return nil
	})
	if err := h(m); err != nil {
		t.Fatal(err)
	}
	if gotSeq != seq || gotID != ev.GetEventId() {
		t.Errorf("EventHandler: sequence %d, event %q; want %d, %q", gotSeq, gotID, seq, ev.GetEventId())
	}
	m.Ack()
}

// TestSubscriberSkipsWhatIsNotASealedEvent: every kind of stored message
// source.Decode refuses is acknowledged and counted, never handed out,
// and logged with its sequence and reason but not its content; the valid
// event after them is handed out.
func TestSubscriberSkipsWhatIsNotASealedEvent(t *testing.T) {
	js, stream := eventsStream(t)
	const canary = "canary-3f9a@example.org"
	bad := corrupttest.Messages("acme", "s-1", canary)
	for _, b := range bad {
		if _, err := js.PublishMsg(context.Background(), b.Msg); err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
	}
	_, seq := store(t, js, "s-1")
	var logs bytes.Buffer
	sub := NewSubscriber(stream, "skip", "test", []string{"docket.>"}, slog.New(slog.NewJSONHandler(&logs, nil)))
	t.Cleanup(func() { _ = sub.Close() })
	msgs, err := sub.Subscribe(context.Background(), "events")
	if err != nil {
		t.Fatal(err)
	}
	m := receive(t, msgs, 10*time.Second)
	if got := m.Metadata.Get("seq"); got != strconv.FormatUint(seq, 10) {
		t.Fatalf("first message handed out: sequence %s, want %d (the valid event)", got, seq)
	}
	m.Ack()
	if n := sub.Skipped(); n != uint64(len(bad)) {
		t.Errorf("skipped %d, want %d", n, len(bad))
	}
	if strings.Contains(logs.String(), canary) {
		t.Errorf("the log holds a stored plaintext value: %s", logs.String())
	}
	for _, b := range bad {
		if !strings.Contains(logs.String(), `"reason":"`+b.Reason+`"`) {
			t.Errorf("no log line gives the reason %s (%s)", b.Reason, b.Name)
		}
	}
}

// TestSubscriptionEndRedeliversAtOnce: a message handed out and neither
// acked nor nacked when the subscription ends goes to the next
// subscription of the durable at once, not after the consumer's AckWait
// (a minute), which would stall a restarted saga.
func TestSubscriptionEndRedeliversAtOnce(t *testing.T) {
	js, stream := eventsStream(t)
	_, seq := store(t, js, "s-1")
	store(t, js, "s-2")
	for run, want := range []uint64{seq, seq} {
		sub := NewSubscriber(stream, "restart", "test", []string{"docket.>"}, nil)
		ctx, cancel := context.WithCancel(context.Background())
		msgs, err := sub.Subscribe(ctx, "events")
		if err != nil {
			t.Fatal(err)
		}
		m := receive(t, msgs, 10*time.Second)
		if got := m.Metadata.Get("seq"); got != strconv.FormatUint(want, 10) {
			t.Fatalf("run %d: sequence %s, want %d", run, got, want)
		}
		if run == 0 {
			cancel() // ends with the message handed out, unacked
		} else {
			m.Ack()
		}
		_ = sub.Close()
		cancel()
	}
}

// TestRouterParksWhatKeepsFailing: two sagas whose handlers keep failing
// on the same event each park it on the poison stream, under their own
// subject, with its sequence, subject, type and the reason; and each
// saga's consumer moves past it.
func TestRouterParksWhatKeepsFailing(t *testing.T) {
	js, stream := eventsStream(t)
	ev, seq := store(t, js, "s-1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var runs sync.WaitGroup
	for _, saga := range []string{"one", "two"} {
		router, err := NewRouter(ctx, js, RouterConfig{PoisonSubject: "docket-poison." + saga, Retries: 1, RetryInterval: time.Millisecond},
			slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		sub := NewSubscriber(stream, saga, saga, []string{"docket.>"}, nil)
		router.AddConsumerHandler(saga, "events", sub, EventHandler(nil, func(context.Context, uint64, *eventsv1.Event) error {
			return errors.New("injected failure")
		}))
		runs.Add(1)
		go func() {
			defer runs.Done()
			_ = Runner{Router: router, Sub: sub}.Run(ctx)
		}()
	}
	t.Cleanup(runs.Wait)
	t.Cleanup(cancel)
	ps, err := js.Stream(ctx, PoisonStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, saga := range []string{"one", "two"} {
		var m *jetstream.RawStreamMsg
		deadline := time.Now().Add(10 * time.Second)
		for m == nil {
			m, err = ps.GetLastMsgForSubject(ctx, "docket-poison."+saga)
			if err != nil && time.Now().After(deadline) {
				t.Fatalf("saga %s: nothing parked: %v", saga, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for k, v := range map[string]string{
			"seq": strconv.FormatUint(seq, 10), "subject": events.Subject(ev), events.HeaderType: events.TypeName(ev),
		} {
			if got := m.Header.Get(k); got != v {
				t.Errorf("saga %s: parked header %s = %q, want %q", saga, k, got, v)
			}
		}
		if !strings.Contains(m.Header.Get("reason_poisoned"), "injected failure") {
			t.Errorf("saga %s: parked without the reason: %v", saga, m.Header)
		}
		deadline = time.Now().Add(10 * time.Second)
		for {
			c, err := stream.Consumer(ctx, saga)
			if err != nil {
				t.Fatal(err)
			}
			if c.CachedInfo().AckFloor.Stream == seq {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("saga %s: its consumer's ack floor is %d, want %d", saga, c.CachedInfo().AckFloor.Stream, seq)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
