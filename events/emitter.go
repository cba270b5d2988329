package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/docketledger/docket/events/seal"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
)

// Header names Docket sets on stored messages. They carry only ids and type
// names, never personal data.
const (
	HeaderType = "Docket-Type" // proto full name of the payload
)

// MaxAtomicBatch is the largest batch an atomic append takes (the server's
// default limit).
const MaxAtomicBatch = 1000

// Errors an Append returns; match them with errors.Is.
var (
	// ErrConflict: a subject's newest stored sequence was not the expected one.
	ErrConflict = errors.New("optimistic concurrency conflict")
	// ErrNoKeys: an event holds plaintext values and the Emitter has no
	// DataKeys. The error is also a *ValidationError (ErrInvalid) that
	// names the field of each such value.
	ErrNoKeys = errors.New("emitter has no data keys to seal values")
)

// noKeysError is the *ValidationError of a batch with plaintext values
// that an Emitter without DataKeys cannot seal: its message is the
// ValidationError's, and it matches ErrNoKeys as well as ErrInvalid.
type noKeysError struct{ *ValidationError }

func (e noKeysError) Is(target error) bool { return target == ErrNoKeys }
func (e noKeysError) Unwrap() error        { return e.ValidationError }

// DataKeys hands out the data key that seals a subject's values of one key
// group. In docketd it is the Keyring; in an emitting service, a client of
// docketd's key service. It returns an error matching keys.ErrShredded once
// the group was erased.
type DataKeys interface {
	DataKey(ctx context.Context, tenant, subjectRef, keyGroup string) (*seal.Key, error)
}

// ConflictError says which subject's expected sequence did not hold.
type ConflictError struct {
	SubjectRef string
	Expected   uint64
	Actual     uint64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("subject %s: expected last sequence %d, stream has %d", e.SubjectRef, e.Expected, e.Actual)
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Result says where one event was stored.
type Result struct {
	EventID  string
	Sequence uint64
	// Duplicate: the event was already stored (a retried append); Sequence
	// is the original one.
	Duplicate bool
}

// EmitterConfig configures an Emitter. Only Keys is needed for events with
// plaintext values; the zero value of the rest works.
type EmitterConfig struct {
	// Stream is the events stream; default DefaultStream.
	Stream string
	// Source is the emitting service. It fills events whose source is empty
	// and refuses events that claim another. Empty: events carry their own.
	Source string
	// Keys seals plaintext values. Without it, events must arrive sealed:
	// a batch with a plaintext value is refused whole (ErrNoKeys).
	Keys DataKeys
	// Atomic stores each Append as one atomic batch: all of it or nothing
	// (batches of at most MaxAtomicBatch). Otherwise events are published
	// asynchronously and acknowledged one by one: faster, but a failure in
	// the middle of a batch leaves its first part stored.
	Atomic bool
	// AckTimeout bounds the wait for the server's acknowledgements; default 10s.
	AckTimeout time.Duration
	// MaxClockSkew is how far after the Emitter's clock at the time of
	// Append an event's occurred_at may lie (ValidateAt); default
	// DefaultMaxClockSkew (24h).
	MaxClockSkew time.Duration
	// Now is the Emitter's clock; default time.Now.
	Now func() time.Time
}

func (c *EmitterConfig) setDefaults() {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.AckTimeout == 0 {
		c.AckTimeout = 10 * time.Second
	}
	if c.MaxClockSkew == 0 {
		c.MaxClockSkew = DefaultMaxClockSkew
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports every problem with the configuration.
func (c EmitterConfig) Validate() error {
	var errs []error
	if err := CheckToken(c.Stream); err != nil {
		errs = append(errs, fmt.Errorf("stream: %w", err))
	}
	if c.Source != "" {
		if err := CheckToken(c.Source); err != nil {
			errs = append(errs, fmt.Errorf("source: %w", err))
		}
	}
	if c.AckTimeout < 0 {
		errs = append(errs, fmt.Errorf("ack timeout: %s is negative", c.AckTimeout))
	}
	if c.MaxClockSkew < 0 {
		errs = append(errs, fmt.Errorf("max clock skew: %s is negative", c.MaxClockSkew))
	}
	return errors.Join(errs...)
}

// Emitter appends events to the DOCKET stream: it validates them, seals
// their values, and publishes each with its event id as the JetStream
// message id, so a retried append is stored once. It is safe for concurrent
// use.
//
// The Emitter is docketd's own writer: only docketd's NATS user may publish
// into the events stream (deploy/nats, and the embedded server, refuse
// every other user), so that every stored event was validated, sealed and
// bound to its source by docketd. A service that records events uses a
// Client (the NATS door docketd serves) or the Append API instead.
type Emitter struct {
	js  jetstream.JetStream
	cfg EmitterConfig
}

// NewEmitter returns an Emitter publishing through js. The stream must exist
// (docketd creates it; see EnsureStream).
func NewEmitter(js jetstream.JetStream, cfg EmitterConfig) (*Emitter, error) {
	if js == nil {
		return nil, errors.New("events: NewEmitter: nil JetStream")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("events: emitter config: %w", err)
	}
	return &Emitter{js: js, cfg: cfg}, nil
}

// AppendOptions are per-call choices of AppendWith.
type AppendOptions struct {
	// ExpectedLastSequence: for each subject_ref in it, the subject's first
	// event in the batch is stored only if the subject's newest stored event
	// has this sequence (0: none). Later events of that subject in the batch
	// expect their predecessor's sequence. A mismatch stops the append with
	// a *ConflictError; the events before it stay stored.
	ExpectedLastSequence map[string]uint64
}

// Append validates, seals and stores events in order. It takes ownership of
// the events: it fills their source and seals their values in place.
//
// A batch with any invalid event is refused whole with a *ValidationError
// whose field paths start with "events[i]", and nothing of it is stored.
// The results are in the order of evs; on an error after publishing began,
// they hold the events stored before it.
func (e *Emitter) Append(ctx context.Context, evs ...*eventsv1.Event) ([]Result, error) {
	return e.AppendWith(ctx, AppendOptions{}, evs...)
}

// AppendWith is Append with per-call options.
func (e *Emitter) AppendWith(ctx context.Context, opts AppendOptions, evs ...*eventsv1.Event) ([]Result, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	if err := e.validate(opts, evs); err != nil {
		return nil, err
	}
	// Every key the batch needs is fetched before anything is published, so
	// a shredded subject refuses the batch before any of it is stored.
	keys, vals, err := e.dataKeys(ctx, evs)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.AckTimeout)
	defer cancel()
	if len(opts.ExpectedLastSequence) == 0 && !e.cfg.Atomic {
		return e.publishAsync(ctx, evs, keys, vals)
	}
	msgs, err := e.encodeAll(evs, keys, vals)
	if err != nil {
		return nil, err
	}
	if e.cfg.Atomic {
		return e.publishAtomic(ctx, opts, evs, msgs)
	}
	return e.publishChecked(ctx, opts, evs, msgs)
}

// Encode validates the batch as Append does, seals the values, and returns
// the messages Append would publish, with their subjects and headers but
// without the message id (set it to the event id when publishing). It is
// for services that publish through their own client, such as Watermill.
func (e *Emitter) Encode(ctx context.Context, evs ...*eventsv1.Event) ([]*nats.Msg, error) {
	if err := e.validate(AppendOptions{}, evs); err != nil {
		return nil, err
	}
	keys, vals, err := e.dataKeys(ctx, evs)
	if err != nil {
		return nil, err
	}
	return e.encodeAll(evs, keys, vals)
}

// validate checks the whole batch and fills sources; it reports every
// problem of every event at once.
func (e *Emitter) validate(opts AppendOptions, evs []*eventsv1.Event) error {
	var each func(prefix string, ev *eventsv1.Event) []*FieldError
	plaintext := false
	if e.cfg.Keys == nil {
		each = func(prefix string, ev *eventsv1.Event) (out []*FieldError) {
			for _, v := range Values(ev) {
				if v.Value.GetSealed() == nil {
					plaintext = true
					out = append(out, &FieldError{Field: prefix + "." + v.Path(), Reason: "is plaintext and this emitter has no data keys to seal it"})
				}
			}
			return out
		}
	}
	all, err := checkBatch(e.cfg.Source, e.cfg.Now(), e.cfg.MaxClockSkew, opts, evs, each)
	if err != nil {
		return err
	}
	if e.cfg.Atomic && len(evs) > MaxAtomicBatch {
		all = append(all, &FieldError{Field: "events", Reason: fmt.Sprintf("holds %d events; an atomic append takes at most %d", len(evs), MaxAtomicBatch)})
	}
	if plaintext {
		return noKeysError{&ValidationError{Problems: all}}
	}
	if len(all) > 0 {
		return &ValidationError{Problems: all}
	}
	return nil
}

// checkBatch validates every event of a batch, fills empty sources with
// source (when set) and refuses another one, refuses repeated event ids
// and expected sequences of subjects the batch does not hold; each, when
// set, adds the problems of one valid event. A non-zero now bounds
// occurred_at by skew (ValidateAt). It returns every problem of every
// event; the error is one Validate did not explain.
func checkBatch(source string, now time.Time, skew time.Duration, opts AppendOptions, evs []*eventsv1.Event, each func(prefix string, ev *eventsv1.Event) []*FieldError) ([]*FieldError, error) {
	var all []*FieldError
	seen := make(map[string]int, len(evs))
	subjects := make(map[string]bool, len(opts.ExpectedLastSequence))
	for i, ev := range evs {
		prefix := "events[" + strconv.Itoa(i) + "]"
		if ev == nil {
			all = append(all, &FieldError{Field: prefix, Reason: "is null"})
			continue
		}
		if source != "" {
			switch ev.GetSource() {
			case "":
				ev.Source = source
			case source:
			default:
				all = append(all, &FieldError{Field: prefix + ".source", Reason: "names another service than the emitter's credentials"})
			}
		}
		// Free text is personal data: moved into its sealed sibling before
		// validation, so clients keep sending "reason" and nothing stores
		// it in plaintext. docketd's own events are composed of fixed
		// words and ids (and must be writable after a shred).
		if ev.GetSource() != RecordedBy {
			if err := MoveFreeText(ev); err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					return nil, err
				}
				all = append(all, ve.Prefixed(prefix).Problems...)
				continue
			}
		}
		if err := ValidateAt(ev, now, skew); err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				return nil, err
			}
			all = append(all, ve.Prefixed(prefix).Problems...)
			continue
		}
		if j, dup := seen[ev.GetEventId()]; dup {
			all = append(all, &FieldError{Field: prefix + ".event_id", Reason: "repeats events[" + strconv.Itoa(j) + "].event_id"})
		}
		seen[ev.GetEventId()] = i
		subjects[ev.GetSubjectRef()] = true
		if each != nil {
			all = append(all, each(prefix, ev)...)
		}
	}
	for ref := range opts.ExpectedLastSequence {
		if !subjects[ref] {
			all = append(all, &FieldError{Field: "expected_last_sequence", Reason: "names a subject_ref no event of the batch has"})
		}
	}
	return all, nil
}

// keyRef names one data key within a batch.
type keyRef struct{ tenant, subject, group string }

// dataKeys fetches the key of every (subject, key group) whose plaintext
// values the batch holds. It returns the values of each event too, so
// that encoding does not look for them again.
func (e *Emitter) dataKeys(ctx context.Context, evs []*eventsv1.Event) (map[keyRef]*seal.Key, [][]Value, error) {
	var keys map[keyRef]*seal.Key
	vals := make([][]Value, len(evs))
	for i, ev := range evs {
		vals[i] = Values(ev)
		for _, v := range vals[i] {
			if _, ok := v.Value.GetValue().(*eventsv1.DataValue_Plaintext); !ok {
				continue
			}
			ref := keyRef{ev.GetTenant(), KeySubject(ev), v.KeyGroup()}
			if _, ok := keys[ref]; ok {
				continue
			}
			key, err := e.cfg.Keys.DataKey(ctx, ref.tenant, ref.subject, ref.group)
			if err != nil {
				return nil, nil, fmt.Errorf("events[%d].%s: data key of group %s: %w", i, v.Path(), ref.group, err)
			}
			if keys == nil {
				keys = make(map[keyRef]*seal.Key)
			}
			keys[ref] = key
		}
	}
	return keys, vals, nil
}

func (e *Emitter) encodeAll(evs []*eventsv1.Event, keys map[keyRef]*seal.Key, vals [][]Value) ([]*nats.Msg, error) {
	msgs := make([]*nats.Msg, len(evs))
	for i, ev := range evs {
		m, err := encode(ev, vals[i], keys)
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		msgs[i] = m
	}
	return msgs, nil
}

// sealedValue holds a sealed value and its oneof wrapper in one allocation.
type sealedValue struct {
	wrapper eventsv1.DataValue_Sealed
	sealed  eventsv1.Sealed
}

// encode seals the event's plaintext values (vals, from Values) in place
// with keys and returns the message to publish; a value that ends up
// anything but sealed is refused, so no plaintext is ever stored.
func encode(ev *eventsv1.Event, vals []Value, keys map[keyRef]*seal.Key) (*nats.Msg, error) {
	for _, v := range vals {
		pt, ok := v.Value.GetValue().(*eventsv1.DataValue_Plaintext)
		if !ok {
			if v.Value.GetSealed() == nil {
				return nil, &ValidationError{Problems: []*FieldError{{Field: v.Path(), Reason: "is not sealed: plaintext values are never stored"}}}
			}
			continue
		}
		group := v.KeyGroup()
		key := keys[keyRef{ev.GetTenant(), KeySubject(ev), group}]
		if key == nil {
			return nil, fmt.Errorf("%s: no data key for group %s", v.Path(), group)
		}
		sv := &sealedValue{}
		if err := key.SealStringTo(&sv.sealed, seal.AAD{
			Tenant:   ev.GetTenant(),
			Subject:  KeySubject(ev),
			EventID:  ev.GetEventId(),
			KeyGroup: group,
			Category: v.Value.GetCategory(),
		}, pt.Plaintext); err != nil {
			return nil, fmt.Errorf("%s: seal: %w", v.Path(), err)
		}
		sv.wrapper.Sealed = &sv.sealed
		v.Value.Value = &sv.wrapper
	}
	// The generated (vtprotobuf) encoder writes the same bytes as
	// proto.Marshal (TestMarshalVTMatchesProto), without reflection.
	data, err := ev.MarshalVT()
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return &nats.Msg{
		Subject: Subject(ev),
		Data:    data,
		Header:  nats.Header{HeaderType: payloadOf(ev).typeHeader},
	}, nil
}

// publishAsync seals, encodes and publishes each event without waiting, so
// that the server stores one while the next is sealed, then collects the
// acknowledgements in order.
func (e *Emitter) publishAsync(ctx context.Context, evs []*eventsv1.Event, keys map[keyRef]*seal.Key, vals [][]Value) ([]Result, error) {
	futures := make([]jetstream.PubAckFuture, len(evs))
	for i, ev := range evs {
		m, err := encode(ev, vals[i], keys)
		if err != nil {
			res, _ := collect(ctx, evs, futures[:i])
			return res, fmt.Errorf("events[%d]: %w", i, err)
		}
		f, err := e.js.PublishMsgAsync(m, jetstream.WithMsgID(ev.GetEventId()))
		if err != nil {
			res, _ := collect(ctx, evs, futures[:i])
			return res, fmt.Errorf("events[%d]: publish: %w", i, err)
		}
		futures[i] = f
	}
	return collect(ctx, evs, futures)
}

// publishEach publishes encoded messages one by one with their event ids
// and without batch headers: duplicates then report their originals.
func (e *Emitter) publishEach(ctx context.Context, evs []*eventsv1.Event, msgs []*nats.Msg) ([]Result, error) {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		plain := &nats.Msg{Subject: m.Subject, Data: m.Data, Header: nats.Header{HeaderType: m.Header[HeaderType]}}
		f, err := e.js.PublishMsgAsync(plain, jetstream.WithMsgID(evs[i].GetEventId()))
		if err != nil {
			res, _ := collect(ctx, evs, futures[:i])
			return res, fmt.Errorf("events[%d]: publish: %w", i, err)
		}
		futures[i] = f
	}
	return collect(ctx, evs, futures)
}

// collect waits for the futures in order; it returns the results of the
// acknowledged prefix and the first error.
func collect(ctx context.Context, evs []*eventsv1.Event, futures []jetstream.PubAckFuture) ([]Result, error) {
	results := make([]Result, 0, len(futures))
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			results = append(results, Result{EventID: evs[i].GetEventId(), Sequence: ack.Sequence, Duplicate: ack.Duplicate})
		case err := <-f.Err():
			return results, fmt.Errorf("events[%d]: not acknowledged: %w", i, err)
		case <-ctx.Done():
			return results, fmt.Errorf("events[%d]: waiting for acknowledgement: %w", i, ctx.Err())
		}
	}
	return results, nil
}

// publishChecked publishes one message at a time, each of an expected
// subject under an expected-last-sequence check chained to its predecessor.
func (e *Emitter) publishChecked(ctx context.Context, opts AppendOptions, evs []*eventsv1.Event, msgs []*nats.Msg) ([]Result, error) {
	expect := make(map[string]uint64, len(opts.ExpectedLastSequence))
	for k, v := range opts.ExpectedLastSequence {
		expect[k] = v
	}
	results := make([]Result, 0, len(msgs))
	for i, m := range msgs {
		ev := evs[i]
		ref := ev.GetSubjectRef()
		popts := []jetstream.PublishOpt{jetstream.WithMsgID(ev.GetEventId())}
		want, checked := expect[ref]
		filter := SubjectFilter(ev.GetTenant(), ref)
		if checked {
			popts = append(popts, jetstream.WithExpectLastSequenceForSubject(want, filter))
		}
		ack, err := e.js.PublishMsg(ctx, m, popts...)
		if err != nil {
			if !checked || !isWrongLastSequence(err) {
				return results, fmt.Errorf("events[%d]: publish: %w", i, err)
			}
			// The server checks concurrency before duplicates: a retry of an
			// append that landed fails the check. Find the original.
			seq, found, last, ferr := e.findStored(ctx, filter, want, ev.GetEventId())
			if ferr != nil {
				return results, fmt.Errorf("events[%d]: after a concurrency conflict: %w", i, ferr)
			}
			if !found {
				return results, fmt.Errorf("events[%d]: %w", i, &ConflictError{SubjectRef: ref, Expected: want, Actual: last})
			}
			ack = &jetstream.PubAck{Sequence: seq, Duplicate: true}
		}
		results = append(results, Result{EventID: ev.GetEventId(), Sequence: ack.Sequence, Duplicate: ack.Duplicate})
		if checked {
			expect[ref] = ack.Sequence
		}
	}
	return results, nil
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// findStored looks for the event id among the messages of filter stored
// after sequence after. It returns the event's sequence if found, and the
// newest sequence of the filter either way.
func (e *Emitter) findStored(ctx context.Context, filter string, after uint64, eventID string) (seq uint64, found bool, last uint64, err error) {
	s, err := e.js.Stream(ctx, e.cfg.Stream)
	if err != nil {
		return 0, false, 0, err
	}
	for next := after + 1; ; {
		m, err := s.GetMsg(ctx, next, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return 0, false, last, nil
		}
		if err != nil {
			return 0, false, last, err
		}
		last = m.Sequence
		if m.Header.Get(jetstream.MsgIDHeader) == eventID {
			return m.Sequence, true, last, nil
		}
		next = m.Sequence + 1
	}
}

// errCodeAtomicDuplicate is the server's answer to a batch whose first
// message id it has already stored.
const errCodeAtomicDuplicate = 10201

// publishAtomic stores the batch as one atomic write (ADR-50): all events or
// none. jetstreamext sets the batch headers, has the first message
// acknowledged and checks the commit's acknowledgement against the batch.
func (e *Emitter) publishAtomic(ctx context.Context, opts AppendOptions, evs []*eventsv1.Event, msgs []*nats.Msg) ([]Result, error) {
	expected := make(map[string]bool, len(opts.ExpectedLastSequence))
	for i, m := range msgs {
		ev := evs[i]
		m.Header.Set(jetstream.MsgIDHeader, ev.GetEventId())
		if want, ok := opts.ExpectedLastSequence[ev.GetSubjectRef()]; ok && !expected[ev.GetSubjectRef()] {
			expected[ev.GetSubjectRef()] = true
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(want, 10))
			m.Header.Set(jetstream.ExpectedLastSubjSeqSubjHeader, SubjectFilter(ev.GetTenant(), ev.GetSubjectRef()))
		}
	}
	ack, err := jetstreamext.PublishMsgBatch(ctx, e.js, msgs)
	var apiErr *jetstream.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeAtomicDuplicate:
		// A retry of a batch that was stored: all of it was, since it was
		// atomic. Publishing one by one reports each original.
		return e.publishEach(ctx, evs, msgs)
	case errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant):
		return nil, fmt.Errorf("atomic batch: %w: %s", ErrConflict, apiErr.Description)
	case err != nil:
		return nil, fmt.Errorf("atomic batch: %w", err)
	}
	results := make([]Result, len(msgs))
	for j := range msgs {
		results[j] = Result{EventID: evs[j].GetEventId(), Sequence: ack.Sequence - uint64(len(msgs)-1-j)}
	}
	return results, nil
}

// Head returns the newest stored event of a tenant (subjectRef "") or of one
// of its subjects: its sequence and event id; found is false when there is
// none.
func Head(ctx context.Context, s jetstream.Stream, tenant, subjectRef string) (seq uint64, eventID string, found bool, err error) {
	m, err := s.GetLastMsgForSubject(ctx, SubjectFilter(tenant, subjectRef))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	return m.Sequence, m.Header.Get(jetstream.MsgIDHeader), true, nil
}

// RecordedBy is the Source of the events docketd records itself: exports,
// key shreds it performs, Art. 19 notices due. It is a reserved word of the
// vocabulary rather than a server setting, hence here: a Client refuses it
// as its source, and the Emitter leaves the free text of those events (fixed
// words and ids, written after a shred too) unsealed.
const RecordedBy = "docketd"
