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
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ErrCorrupt is matched by the error for a stored message that is not a
// valid Docket event: a *CorruptError.
var ErrCorrupt = errors.New("stored message is not a valid docket event")

// Why a stored message is not a valid sealed event: CorruptError.Reason.
// Each names a kind of problem, never the message's content.
const (
	// ReasonUndecodable: the bytes are not an Event.
	ReasonUndecodable = "undecodable"
	// ReasonUnknownPayload: an Event whose payload this build does not know
	// (a newer version's event type).
	ReasonUnknownPayload = "unknown_payload"
	// ReasonInvalid: the event fails events.ValidateStored.
	ReasonInvalid = "invalid"
	// ReasonPlaintextValues: a value is not sealed (events.CheckSealed).
	ReasonPlaintextValues = "plaintext_values"
	// ReasonSubjectMismatch: stored under another subject than its
	// envelope names.
	ReasonSubjectMismatch = "subject_mismatch"
	// ReasonTimeOutOfRange: a time (or a number) the read models cannot
	// hold (events.CheckStorable).
	ReasonTimeOutOfRange = "time_out_of_range"
	// ReasonUnstorableText: a string the read models cannot hold (a NUL
	// character; events.CheckStorableText).
	ReasonUnstorableText = "unstorable_text"
	// ReasonMissingTypeHeader: no events.HeaderType header.
	ReasonMissingTypeHeader = "missing_type_header"
	// ReasonTypeHeaderMismatch: the events.HeaderType header names another
	// type than the payload's.
	ReasonTypeHeaderMismatch = "type_header_mismatch"
)

// Reasons lists every Reason, in the order Decode checks them.
var Reasons = []string{
	ReasonUndecodable, ReasonUnknownPayload, ReasonTimeOutOfRange, ReasonUnstorableText, ReasonInvalid, ReasonPlaintextValues,
	ReasonSubjectMismatch, ReasonMissingTypeHeader, ReasonTypeHeaderMismatch,
}

// CorruptError is why a stored message cannot be projected. It matches
// ErrCorrupt. Its text names the sequence, the reason and field paths,
// never a value the message holds.
type CorruptError struct {
	Sequence uint64
	// Reason is one of the Reason constants.
	Reason string
	// Field is the path of the first field at fault, if any.
	Field string
	// Detail says more (a validation error, a decoding error); it holds
	// no value of the message.
	Detail string
}

func (e *CorruptError) Error() string {
	s := fmt.Sprintf("sequence %d: %s: %s", e.Sequence, ErrCorrupt.Error(), e.Reason)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corrupt(seq uint64, reason string, err error) *CorruptError {
	e := &CorruptError{Sequence: seq, Reason: reason}
	if err != nil {
		e.Detail = err.Error()
		var ve *events.ValidationError
		if errors.As(err, &ve) && len(ve.Problems) > 0 {
			e.Field = ve.Problems[0].Field
		}
	}
	return e
}

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
// recorded_at from the stream timestamp and checks, in the order of
// Reasons, that the message is an event of a known type, that every time
// it carries fits the read models, that it is valid, that all its values
// are sealed, that it is stored under the subject its envelope names, and
// that its events.HeaderType header names its type. A message that fails
// is reported by a *CorruptError: the same message always fails the same
// way, so that every projection of the stream quarantines it alike.
func Decode(seq uint64, recordedAt time.Time, subject string, header nats.Header, data []byte) (Record, error) {
	ev := &eventsv1.Event{}
	if err := proto.Unmarshal(data, ev); err != nil {
		return Record{}, corrupt(seq, ReasonUndecodable, errors.New("not a protobuf Event"))
	}
	if ev.GetPayload() == nil && ev.GetEventId() == "" && ev.GetTenant() == "" {
		// Random bytes may parse as a message of unknown fields.
		return Record{}, corrupt(seq, ReasonUndecodable, errors.New("not a Docket Event: no envelope"))
	}
	if ev.GetPayload() == nil && len(ev.ProtoReflect().GetUnknown()) > 0 {
		return Record{}, &CorruptError{Sequence: seq, Reason: ReasonUnknownPayload, Field: "payload",
			Detail: "payload: a type this build does not know"}
	}
	if ps := events.CheckStorable(ev); len(ps) > 0 {
		return Record{}, corrupt(seq, ReasonTimeOutOfRange, &events.ValidationError{Problems: ps})
	}
	if ps := events.CheckStorableText(ev); len(ps) > 0 {
		return Record{}, corrupt(seq, ReasonUnstorableText, &events.ValidationError{Problems: ps})
	}
	if err := events.ValidateStored(ev); err != nil {
		return Record{}, corrupt(seq, ReasonInvalid, err)
	}
	if err := events.CheckSealed(ev); err != nil {
		return Record{}, corrupt(seq, ReasonPlaintextValues, err)
	}
	if want := events.Subject(ev); want != subject {
		return Record{}, &CorruptError{Sequence: seq, Reason: ReasonSubjectMismatch,
			Detail: "stored under another subject than its envelope names"}
	}
	switch typ := header.Values(events.HeaderType); {
	case len(typ) == 0:
		return Record{}, &CorruptError{Sequence: seq, Reason: ReasonMissingTypeHeader,
			Detail: "no " + events.HeaderType + " header"}
	case len(typ) > 1 || typ[0] != events.TypeName(ev):
		return Record{}, &CorruptError{Sequence: seq, Reason: ReasonTypeHeaderMismatch,
			Detail: "the " + events.HeaderType + " header names another type than the payload's"}
	}
	ev.RecordedAt = timestamppb.New(recordedAt)
	return Record{Sequence: seq, RecordedAt: recordedAt.UTC(), Subject: subject, Data: data, Event: ev}, nil
}

// TenantOf is the tenant and subject reference a stream subject names,
// when it is an event subject whose tokens are valid ("" and "" when
// not). A quarantined message is reported to the tenant its subject names.
func TenantOf(subject string) (tenant, subjectRef string) {
	t, ref, _, err := events.SplitSubject(subject)
	if err != nil || events.CheckToken(t) != nil || events.CheckToken(ref) != nil {
		return "", ""
	}
	if ref == events.ControllerRef {
		ref = ""
	}
	return t, ref
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
// batch messages. It stops at fn's first error and returns it, and at the
// first stored message that is not a valid sealed event (a *CorruptError):
// use EachStored to go on past one.
func (r *Reader) Each(ctx context.Context, from uint64, batch int, fn func(Record) error) error {
	return r.EachStored(ctx, from, batch, func(rec Record, bad *CorruptError) error {
		if bad != nil {
			return bad
		}
		return fn(rec)
	})
}

// EachStored is Each, but calls fn for every stored message: a valid one
// with bad nil, one that is not a valid sealed event with bad saying why
// and a record without Event (its Sequence, RecordedAt, Subject and Data
// set). It stops at fn's first error only.
func (r *Reader) EachStored(ctx context.Context, from uint64, batch int, fn func(rec Record, bad *CorruptError) error) error {
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
			rec, err := Decode(md.Sequence.Stream, md.Timestamp, m.Subject(), m.Headers(), m.Data())
			var bad *CorruptError
			if err != nil {
				if !errors.As(err, &bad) {
					return err
				}
				rec = Record{Sequence: md.Sequence.Stream, RecordedAt: md.Timestamp.UTC(), Subject: m.Subject(), Data: m.Data()}
			}
			if err := fn(rec, bad); err != nil {
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
