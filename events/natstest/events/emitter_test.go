// The tests of package events that need a NATS server: the Emitter, the
// stream, heads and OpenValues. They are in the natstest module so that the
// events module (the SDK) does not require nats-server (events/light_test.go).

package events_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/seal"
	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ledger is a real in-process JetStream with the DOCKET stream and a key ring.
type ledger struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	keyring *keys.Keyring
}

func newLedger(t *testing.T) *ledger {
	t.Helper()
	s := natstest.Start(t)
	_, js := natstest.Connect(t, s)
	ctx := context.Background()
	stream, err := events.EnsureStream(ctx, js, events.StreamConfig{})
	if err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{js: js, stream: stream, keyring: kr}
}

func (l *ledger) emitter(t *testing.T, cfg events.EmitterConfig) *events.Emitter {
	t.Helper()
	if cfg.Keys == nil {
		cfg.Keys = l.keyring
	}
	e, err := events.NewEmitter(l.js, cfg)
	if err != nil {
		t.Fatalf("NewEmitter: %v", err)
	}
	return e
}

func (l *ledger) count(t *testing.T) uint64 {
	t.Helper()
	info, err := l.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

const plantedEmail = "emitter-canary-7731@example.com"

// collected is a valid DataCollected event for subject ref with one email.
func collected(ref, email string) *eventsv1.Event {
	return &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          "acme",
		SubjectRef:      ref,
		OccurredAt:      timestamppb.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
		Source:          "signup-service",
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

func TestEmitterSealsBeforeStoring(t *testing.T) {
	l := newLedger(t)
	e := l.emitter(t, events.EmitterConfig{})
	ctx := context.Background()
	ev := collected("u-1", plantedEmail)
	res, err := e.Append(ctx, ev)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(res) != 1 || res[0].Sequence != 1 || res[0].Duplicate || res[0].EventID != ev.GetEventId() {
		t.Fatalf("results = %+v, want one stored at sequence 1", res)
	}
	raw, err := l.stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Data, []byte(plantedEmail)) || strings.Contains(raw.Subject, "example.com") {
		t.Fatal("the stored message holds the plaintext value")
	}
	for k, v := range raw.Header {
		for _, s := range v {
			if strings.Contains(s, plantedEmail) {
				t.Fatalf("header %s holds the plaintext value", k)
			}
		}
	}
	if got, want := raw.Subject, "docket.acme.u-1.DataCollected"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	if got := raw.Header.Get(jetstream.MsgIDHeader); got != ev.GetEventId() {
		t.Errorf("Nats-Msg-Id = %q, want the event id", got)
	}
	if got := raw.Header.Get(events.HeaderType); got != "docket.events.v1.DataCollected" {
		t.Errorf("%s = %q", events.HeaderType, got)
	}
	stored := &eventsv1.Event{}
	if err := proto.Unmarshal(raw.Data, stored); err != nil {
		t.Fatal(err)
	}
	v := stored.GetDataCollected().GetValues()[0]
	key, err := l.keyring.OpenKey(ctx, "acme", "u-1", events.DefaultKeyGroup, v.GetSealed().GetKeyVersion())
	if err != nil {
		t.Fatal(err)
	}
	aad := seal.AAD{Tenant: "acme", Subject: "u-1", EventID: ev.GetEventId(), KeyGroup: events.DefaultKeyGroup, Category: "user.contact.email"}
	pt, err := key.Open(aad, v.GetSealed())
	if err != nil || string(pt) != plantedEmail {
		t.Fatalf("Open = %q, %v; want the planted value", pt, err)
	}
	// The same ciphertext moved to another subject does not open.
	other, err := l.keyring.DataKey(ctx, "acme", "u-2", events.DefaultKeyGroup)
	if err != nil {
		t.Fatal(err)
	}
	moved := aad
	moved.Subject = "u-2"
	if _, err := other.Open(moved, v.GetSealed()); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("moved ciphertext: err = %v, want ErrOpen", err)
	}
}

func TestEmitterRefusesBadBatchWhole(t *testing.T) {
	l := newLedger(t)
	e := l.emitter(t, events.EmitterConfig{})
	good := collected("u-1", plantedEmail)
	bad := collected("u-2", plantedEmail)
	bad.GetDataCollected().LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED
	bad.SubjectRef = "alice@example.com"
	_, err := e.Append(context.Background(), good, bad)
	var ve *events.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	fields := map[string]bool{}
	for _, p := range ve.Problems {
		fields[p.Field] = true
	}
	for _, want := range []string{"events[1].subject_ref", "events[1].data_collected.legal_basis"} {
		if !fields[want] {
			t.Errorf("no problem names %s; got %v", want, ve)
		}
	}
	if strings.Contains(err.Error(), "alice@example.com") || strings.Contains(err.Error(), plantedEmail) {
		t.Errorf("the error quotes a value: %v", err)
	}
	if n := l.count(t); n != 0 {
		t.Fatalf("stream holds %d events after a refused batch, want 0", n)
	}
	if good.GetDataCollected().GetValues()[0].GetPlaintext() != plantedEmail {
		t.Error("a refused batch was modified")
	}
}

// The Emitter bounds occurred_at by its own clock at Append: at most
// MaxClockSkew ahead (default 24h), the whole batch refused otherwise, the
// problem named events[i].occurred_at.
func TestEmitterClockSkew(t *testing.T) {
	l := newLedger(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	at := func(ref string, d time.Duration) *eventsv1.Event {
		ev := collected(ref, plantedEmail)
		ev.OccurredAt = timestamppb.New(now.Add(d))
		return ev
	}
	for _, tc := range []struct {
		name      string
		skew      time.Duration
		lead      time.Duration
		wantError bool
	}{
		{"default, 23h ahead", 0, 23 * time.Hour, false},
		{"default, 24h ahead", 0, 24 * time.Hour, false},
		{"default, 25h ahead", 0, 25 * time.Hour, true},
		{"1h, 30m ahead", time.Hour, 30 * time.Minute, false},
		{"1h, 2h ahead", time.Hour, 2 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := l.emitter(t, events.EmitterConfig{MaxClockSkew: tc.skew, Now: clock})
			before := l.count(t)
			_, err := e.Append(context.Background(), at("u-1", 0), at("u-2", tc.lead))
			if !tc.wantError {
				if err != nil {
					t.Fatalf("Append: %v", err)
				}
				return
			}
			var ve *events.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != "events[1].occurred_at" {
				t.Fatalf("Append: %v, want one problem with events[1].occurred_at", err)
			}
			if n := l.count(t); n != before {
				t.Fatalf("stream holds %d events after a refused batch, want %d", n, before)
			}
		})
	}
	if _, err := events.NewEmitter(l.js, events.EmitterConfig{MaxClockSkew: -time.Second}); err == nil || !strings.Contains(err.Error(), "max clock skew") {
		t.Errorf("NewEmitter with a negative skew: %v, want an error naming the max clock skew", err)
	}
}

func TestEmitterSourceFromConfig(t *testing.T) {
	l := newLedger(t)
	e := l.emitter(t, events.EmitterConfig{Source: "billing"})
	ev := collected("u-1", plantedEmail)
	ev.Source = ""
	if _, err := e.Append(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if ev.GetSource() != "billing" {
		t.Errorf("source = %q, want billing", ev.GetSource())
	}
	claim := collected("u-1", plantedEmail)
	claim.Source = "someone-else"
	if _, err := e.Append(context.Background(), claim); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("an event claiming another source: err = %v, want ErrInvalid", err)
	}
}

func TestEmitterWithoutKeysRefusesPlaintext(t *testing.T) {
	l := newLedger(t)
	e, err := events.NewEmitter(l.js, events.EmitterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Append(context.Background(), collected("u-1", plantedEmail))
	var ve *events.ValidationError
	if !errors.Is(err, events.ErrNoKeys) || !errors.Is(err, events.ErrInvalid) || !errors.As(err, &ve) {
		t.Fatalf("err = %v, want ErrNoKeys, ErrInvalid and a *ValidationError", err)
	}
	if len(ve.Problems) != 1 || ve.Problems[0].Field != "events[0].data_collected.values[0]" {
		t.Errorf("problems %v, want the plaintext value's field", ve.Problems)
	}
	if strings.Contains(err.Error(), plantedEmail) {
		t.Errorf("the error holds the value: %v", err)
	}
	if n := l.count(t); n != 0 {
		t.Fatalf("stored %d events", n)
	}
	// Without plaintext values the same Emitter stores, and an invalid
	// event is refused for what it is, not for the keys.
	noValues := func(ref string) *eventsv1.Event {
		ev := collected(ref, plantedEmail)
		ev.GetDataCollected().Values = nil
		return ev
	}
	if _, err := e.Append(context.Background(), noValues("u-1")); err != nil {
		t.Fatalf("an event without values: %v", err)
	}
	bad := noValues("u-2")
	bad.Tenant = ""
	if _, err := e.Append(context.Background(), bad); !errors.Is(err, events.ErrInvalid) || errors.Is(err, events.ErrNoKeys) {
		t.Fatalf("an invalid event without values: err = %v, want ErrInvalid and not ErrNoKeys", err)
	}
}

func TestEmitterDedupe(t *testing.T) {
	for _, atomic := range []bool{false, true} {
		t.Run(map[bool]string{false: "async", true: "atomic"}[atomic], func(t *testing.T) {
			l := newLedger(t)
			e := l.emitter(t, events.EmitterConfig{Atomic: atomic})
			ctx := context.Background()
			batch := []*eventsv1.Event{collected("u-1", plantedEmail), collected("u-2", plantedEmail), collected("u-1", plantedEmail)}
			first, err := e.Append(ctx, batch...)
			if err != nil {
				t.Fatal(err)
			}
			again, err := e.Append(ctx, batch...)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			for i := range batch {
				if !again[i].Duplicate || again[i].Sequence != first[i].Sequence {
					t.Errorf("retry result %d = %+v, want duplicate of sequence %d", i, again[i], first[i].Sequence)
				}
			}
			if n := l.count(t); n != 3 {
				t.Fatalf("stream holds %d events, want 3", n)
			}
		})
	}
}

func TestEmitterConcurrencyConflict(t *testing.T) {
	for _, atomic := range []bool{false, true} {
		t.Run(map[bool]string{false: "async", true: "atomic"}[atomic], func(t *testing.T) {
			l := newLedger(t)
			e := l.emitter(t, events.EmitterConfig{Atomic: atomic})
			ctx := context.Background()
			res, err := e.AppendWith(ctx, events.AppendOptions{ExpectedLastSequence: map[string]uint64{"u-1": 0}}, collected("u-1", plantedEmail))
			if err != nil {
				t.Fatalf("first append expecting an empty subject: %v", err)
			}
			if _, err := e.Append(ctx, collected("u-2", plantedEmail)); err != nil {
				t.Fatal(err)
			}
			// A writer that still believes u-1 is empty loses.
			_, err = e.AppendWith(ctx, events.AppendOptions{ExpectedLastSequence: map[string]uint64{"u-1": 0}}, collected("u-1", plantedEmail), collected("u-1", plantedEmail))
			if !errors.Is(err, events.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
			var ce *events.ConflictError
			if !atomic && (!errors.As(err, &ce) || ce.Actual != res[0].Sequence || ce.Expected != 0) {
				t.Errorf("conflict = %+v, want expected 0, actual %d", ce, res[0].Sequence)
			}
			if n := l.count(t); n != 2 {
				t.Fatalf("stream holds %d events, want 2", n)
			}
			// Expecting the right sequence chains through the batch.
			res, err = e.AppendWith(ctx, events.AppendOptions{ExpectedLastSequence: map[string]uint64{"u-1": 1}}, collected("u-1", plantedEmail), collected("u-1", plantedEmail))
			if err != nil {
				t.Fatalf("append expecting 1: %v", err)
			}
			if res[0].Sequence != 3 || res[1].Sequence != 4 {
				t.Fatalf("results = %+v, want sequences 3, 4", res)
			}
		})
	}
}

// A retried append whose first try landed but whose ack was lost fails the
// concurrency check on the server (it runs before dedupe); the Emitter must
// report the original, not a conflict.
func TestEmitterRetryAfterLostAck(t *testing.T) {
	l := newLedger(t)
	e := l.emitter(t, events.EmitterConfig{})
	ctx := context.Background()
	ev := collected("u-1", plantedEmail)
	expect := events.AppendOptions{ExpectedLastSequence: map[string]uint64{"u-1": 0}}
	first, err := e.AppendWith(ctx, expect, ev)
	if err != nil {
		t.Fatal(err)
	}
	// Meanwhile another writer appends to the same subject.
	if _, err := e.Append(ctx, collected("u-1", plantedEmail)); err != nil {
		t.Fatal(err)
	}
	retry, err := e.AppendWith(ctx, expect, ev)
	if err != nil {
		t.Fatalf("retry: %v, want a duplicate", err)
	}
	if !retry[0].Duplicate || retry[0].Sequence != first[0].Sequence {
		t.Fatalf("retry = %+v, want duplicate of sequence %d", retry[0], first[0].Sequence)
	}
	if n := l.count(t); n != 2 {
		t.Fatalf("stream holds %d events, want 2", n)
	}
}

func TestStreamRefusesDeleteAndPurge(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	if _, err := l.emitter(t, events.EmitterConfig{}).Append(ctx, collected("u-1", plantedEmail), collected("u-2", plantedEmail)); err != nil {
		t.Fatal(err)
	}
	if err := l.stream.DeleteMsg(ctx, 1); err == nil {
		t.Error("DeleteMsg succeeded on the events stream")
	}
	if err := l.stream.SecureDeleteMsg(ctx, 1); err == nil {
		t.Error("SecureDeleteMsg succeeded on the events stream")
	}
	if err := l.stream.Purge(ctx); err == nil {
		t.Error("Purge succeeded on the events stream")
	}
	if err := l.stream.Purge(ctx, jetstream.WithPurgeSubject("docket.acme.u-1.>")); err == nil {
		t.Error("subject purge succeeded on the events stream")
	}
	if n := l.count(t); n != 2 {
		t.Fatalf("stream holds %d events, want 2", n)
	}
}

func TestEnsureStreamRefusesWeakerStream(t *testing.T) {
	s := natstest.Start(t)
	_, js := natstest.Connect(t, s)
	ctx := context.Background()
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: events.DefaultStream, Subjects: []string{"docket.>"}, Storage: jetstream.MemoryStorage,
		MaxAge: time.Hour, Duplicates: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = events.EnsureStream(ctx, js, events.StreamConfig{})
	if !errors.Is(err, events.ErrWeakStream) {
		t.Fatalf("err = %v, want ErrWeakStream", err)
	}
	for _, setting := range []string{"storage", "deny_delete", "deny_purge", "max_age", "duplicate_window", "allow_atomic"} {
		if !strings.Contains(err.Error(), setting) {
			t.Errorf("error does not name %s: %v", setting, err)
		}
	}
	// A second start with the right stream in place succeeds and changes nothing.
	s2 := natstest.Start(t)
	_, js2 := natstest.Connect(t, s2)
	if _, err := events.EnsureStream(ctx, js2, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := events.EnsureStream(ctx, js2, events.StreamConfig{}); err != nil {
		t.Fatalf("second EnsureStream: %v", err)
	}
}

func TestHead(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	if _, _, found, err := events.Head(ctx, l.stream, "acme", ""); err != nil || found {
		t.Fatalf("empty stream: found=%v err=%v", found, err)
	}
	a, b := collected("u-1", plantedEmail), collected("u-2", plantedEmail)
	if _, err := l.emitter(t, events.EmitterConfig{}).Append(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ref     string
		wantSeq uint64
		wantID  string
	}{{"", 2, b.GetEventId()}, {"u-1", 1, a.GetEventId()}, {"u-2", 2, b.GetEventId()}} {
		seq, id, found, err := events.Head(ctx, l.stream, "acme", tc.ref)
		if err != nil || !found || seq != tc.wantSeq || id != tc.wantID {
			t.Errorf("Head(%q) = %d, %s, %v, %v; want %d, %s", tc.ref, seq, id, found, err, tc.wantSeq, tc.wantID)
		}
	}
}

// After a subject's key group is shredded, a batch with values for it is
// refused before any of its events is stored.
func TestEmitterRefusesShreddedSubjectBeforeStoring(t *testing.T) {
	l := newLedger(t)
	e := l.emitter(t, events.EmitterConfig{})
	ctx := context.Background()
	if err := l.keyring.Shred(ctx, "acme", "u-gone", events.DefaultKeyGroup); err != nil {
		t.Fatal(err)
	}
	_, err := e.Append(ctx, collected("u-1", plantedEmail), collected("u-gone", plantedEmail))
	if !errors.Is(err, keys.ErrShredded) {
		t.Fatalf("err = %v, want keys.ErrShredded", err)
	}
	if !strings.Contains(err.Error(), "events[1]") || strings.Contains(err.Error(), plantedEmail) {
		t.Errorf("error = %v; want it to name events[1] and no value", err)
	}
	if n := l.count(t); n != 0 {
		t.Fatalf("stream holds %d events, want 0", n)
	}
}
