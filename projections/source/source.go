// Package source reads the events stream in stream order, as projections
// consume it: each stored message becomes a Record whose RecordedAt is the
// stream's own timestamp, never a value a client sent.
package source

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ErrCorrupt is matched by the error for a stored message that is not a
// valid Docket event.
var ErrCorrupt = errors.New("stored message is not a valid docket event")

// Record is one stored event with its place in the stream.
type Record struct {
	Sequence   uint64
	RecordedAt time.Time
	Subject    string
	// Data is the stored bytes (ciphertext for values): what the notary hashes.
	Data  []byte
	Event *eventsv1.Event
}

// Decode builds a Record from a stored message. It sets the event's
// recorded_at from the stream timestamp and checks that the subject matches
// the event, that the event is valid and that all its values are sealed.
func Decode(seq uint64, recordedAt time.Time, subject string, data []byte) (Record, error) {
	ev := &eventsv1.Event{}
	if err := proto.Unmarshal(data, ev); err != nil {
		return Record{}, fmt.Errorf("sequence %d: %w: %v", seq, ErrCorrupt, err)
	}
	if err := events.Validate(ev); err != nil {
		return Record{}, fmt.Errorf("sequence %d: %w: %v", seq, ErrCorrupt, err)
	}
	if err := events.CheckSealed(ev); err != nil {
		return Record{}, fmt.Errorf("sequence %d: %w: %v", seq, ErrCorrupt, err)
	}
	if want := events.Subject(ev); want != subject {
		return Record{}, fmt.Errorf("sequence %d: %w: stored under another subject than its envelope names", seq, ErrCorrupt)
	}
	ev.RecordedAt = timestamppb.New(recordedAt)
	return Record{Sequence: seq, RecordedAt: recordedAt.UTC(), Subject: subject, Data: data, Event: ev}, nil
}

// Reader reads a stream in order from a given sequence.
type Reader struct {
	js     jetstream.JetStream
	stream string
	filter string
}

// NewReader reads stream (events.DefaultStream if empty): every event, or
// only the subjects matching filter (e.g. events.SubjectFilter(tenant, "")).
func NewReader(js jetstream.JetStream, stream, filter string) (*Reader, error) {
	if js == nil {
		return nil, errors.New("source: nil JetStream")
	}
	if stream == "" {
		stream = events.DefaultStream
	}
	return &Reader{js: js, stream: stream, filter: filter}, nil
}

// Each calls fn for every stored record from sequence from (1: the start)
// up to the end of the stream as it is when Each starts, in batches of
// batch messages. It stops at fn's first error and returns it.
func (r *Reader) Each(ctx context.Context, from uint64, batch int, fn func(Record) error) error {
	if from == 0 {
		from = 1
	}
	if batch < 1 {
		batch = 500
	}
	s, err := r.js.Stream(ctx, r.stream)
	if err != nil {
		return fmt.Errorf("source: stream %s: %w", r.stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("source: stream %s: %w", r.stream, err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 || from > last {
		return nil
	}
	cc := jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	}
	if r.filter != "" {
		// Only when asked: a filter sends the server down its per-subject
		// path, slow with millions of subjects.
		cc.FilterSubjects = []string{r.filter}
	}
	cons, err := r.js.OrderedConsumer(ctx, r.stream, cc)
	if err != nil {
		return fmt.Errorf("source: consumer: %w", err)
	}
	for {
		msgs, err := cons.Fetch(batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("source: fetch: %w", err)
		}
		n := 0
		for m := range msgs.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("source: metadata: %w", err)
			}
			rec, err := Decode(md.Sequence.Stream, md.Timestamp, m.Subject(), m.Data())
			if err != nil {
				return err
			}
			if err := fn(rec); err != nil {
				return err
			}
			if md.Sequence.Stream >= last || md.NumPending == 0 {
				return nil
			}
		}
		if err := msgs.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return fmt.Errorf("source: fetch: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}
