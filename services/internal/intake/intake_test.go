package intake_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/seal"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/docketledger/docket/services/internal/intake"
	"github.com/docketledger/docket/services/internal/testkit/eventtest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// planted is a value that must never be stored or echoed in plaintext.
const planted = "door-canary-7731@example.org"

// door is a docketd's write side on a real embedded NATS server: the
// events stream, a key ring, the Emitter, the Append API's service and the
// intake serving it; nc is a separate client connection.
type door struct {
	nc      *nats.Conn
	stream  jetstream.Stream
	keyring *keys.Keyring
	svc     *intake.Service
}

func start(t *testing.T, cfg intake.Config) *door {
	t.Helper()
	ctx := context.Background()
	s := natstest.Start(t)
	dnc, js := natstest.Connect(t, s) // docketd's connection
	stream, err := events.EnsureStream(ctx, js, events.StreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ing, err := ingest.New(em, stream, ingest.Config{MaxBatch: 10}, reg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := intake.Start(dnc, ing, cfg, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	nc, _ := natstest.Connect(t, s)
	return &door{nc: nc, stream: stream, keyring: kr, svc: svc}
}

// collected is an event of tenant about ref holding the planted value,
// told as collected from the subject.
func collected(tenant, ref string) *eventsv1.Event {
	ev := eventtest.Collected(tenant, ref, planted)
	ev.GetDataCollected().CollectionSource = "data_subject"
	return ev
}

func (d *door) client(t *testing.T) *events.Client {
	t.Helper()
	c, err := events.NewClient(d.nc, events.ClientConfig{Tenant: "acme", Source: "crm", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// request sends a raw request to subject, as a client that skips the
// SDK's checks would.
func (d *door) request(t *testing.T, subject string, data []byte, hdr nats.Header) *nats.Msg {
	t.Helper()
	reply, err := d.nc.RequestMsg(&nats.Msg{Subject: subject, Data: data, Header: hdr}, 5*time.Second)
	if err != nil {
		t.Fatalf("request to %s: %v", subject, err)
	}
	return reply
}

func marshal(t *testing.T, evs ...*eventsv1.Event) []byte {
	t.Helper()
	data, err := proto.Marshal(&apiv1.AppendRequest{Events: evs})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func (d *door) stored(t *testing.T) uint64 {
	t.Helper()
	info, err := d.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// refused checks an error reply: its code, what its message names, and
// that neither the message nor the body echoes the planted value.
func refused(t *testing.T, reply *nats.Msg, wantCode string, wantIn ...string) {
	t.Helper()
	code, desc := reply.Header.Get(micro.ErrorCodeHeader), reply.Header.Get(micro.ErrorHeader)
	if code != wantCode {
		t.Fatalf("code %q (%s), want %q", code, desc, wantCode)
	}
	for _, w := range wantIn {
		if !strings.Contains(desc, w) {
			t.Errorf("message %q does not name %q", desc, w)
		}
	}
	if strings.Contains(desc, planted) || bytes.Contains(reply.Data, []byte(planted)) {
		t.Errorf("the reply echoes the planted value: %q %q", desc, reply.Data)
	}
}

// The SDK Client appends through the door: the events are stored sealed,
// with the subject's source, and the results give their sequences.
func TestClientAppendsThroughTheDoor(t *testing.T) {
	d := start(t, intake.Config{})
	ctx := context.Background()
	evs := []*eventsv1.Event{collected("acme", "u-1"), collected("acme", "u-2")}
	res, err := d.client(t).Append(ctx, evs...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(res) != 2 {
		t.Fatalf("results %v, want 2", res)
	}
	for i, r := range res {
		if r.EventID != evs[i].GetEventId() || r.Sequence != uint64(i+1) || r.Duplicate {
			t.Errorf("result %d = %+v, want event %s at sequence %d", i, r, evs[i].GetEventId(), i+1)
		}
		m, err := d.stream.GetMsg(ctx, r.Sequence)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(m.Data, []byte(planted)) {
			t.Fatalf("sequence %d holds the value in plaintext", r.Sequence)
		}
		ev := &eventsv1.Event{}
		if err := proto.Unmarshal(m.Data, ev); err != nil {
			t.Fatal(err)
		}
		if ev.GetSource() != "crm" {
			t.Errorf("sequence %d: source %q, want the subject's, crm", r.Sequence, ev.GetSource())
		}
		if m.Subject != events.Subject(ev) {
			t.Errorf("stored on %s, want %s", m.Subject, events.Subject(ev))
		}
		v := ev.GetDataCollected().GetValues()[0]
		key, err := d.keyring.OpenKey(ctx, "acme", ev.GetSubjectRef(), events.DefaultKeyGroup, v.GetSealed().GetKeyVersion())
		if err != nil {
			t.Fatalf("sequence %d: the value is not sealed under the subject's key: %v", r.Sequence, err)
		}
		pt, err := key.Open(seal.AAD{Tenant: "acme", Subject: ev.GetSubjectRef(), EventID: ev.GetEventId(), KeyGroup: events.DefaultKeyGroup, Category: "user.contact.email"}, v.GetSealed())
		if err != nil || string(pt) != planted {
			t.Fatalf("sequence %d: the sealed value opens to %q, %v", r.Sequence, pt, err)
		}
	}
}

// A retried batch comes back duplicate, with the original sequences, and
// is stored once.
func TestDuplicatesComeBackDuplicate(t *testing.T) {
	d := start(t, intake.Config{})
	c := d.client(t)
	evs := []*eventsv1.Event{collected("acme", "u-1"), collected("acme", "u-1")}
	first, err := c.Append(context.Background(), evs...)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Append(context.Background(), evs...)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	for i := range evs {
		if !again[i].Duplicate || again[i].Sequence != first[i].Sequence {
			t.Errorf("retry result %d = %+v, want duplicate of sequence %d", i, again[i], first[i].Sequence)
		}
	}
	if n := d.stored(t); n != 2 {
		t.Errorf("%d messages stored, want 2", n)
	}
}

// A batch with a bad field is refused whole, with every problem named,
// and nothing of it is stored; the Client rebuilds the ValidationError.
func TestBadFieldRefusedWholeAndNamed(t *testing.T) {
	d := start(t, intake.Config{})
	bad := collected("acme", "u-2")
	bad.GetDataCollected().LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED
	bad.OccurredAt = nil
	reply := d.request(t, events.IntakeSubject("acme", "crm"), marshal(t, collected("acme", "u-1"), bad), nil)
	refused(t, reply, "invalid_argument", "events[1].data_collected.legal_basis", "events[1].occurred_at")
	_, err := events.DecodeIntakeReply(reply)
	var ve *events.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("DecodeIntakeReply: %v, want a *events.ValidationError", err)
	}
	fields := map[string]bool{}
	for _, p := range ve.Problems {
		fields[p.Field] = true
	}
	if !fields["events[1].data_collected.legal_basis"] || !fields["events[1].occurred_at"] {
		t.Errorf("field errors %v, want both fields of events[1]", ve.Problems)
	}
	if n := d.stored(t); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}

	// The Client refuses it before sending anything.
	_, err = d.client(t).Append(context.Background(), collected("acme", "u-1"), bad)
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "events[1].data_collected.legal_basis") {
		t.Fatalf("Client.Append of a bad batch: %v", err)
	}
}

// The subject binds the caller: an event of another tenant or naming
// another source is refused, and so is one only docketd records.
func TestBindsTenantAndSource(t *testing.T) {
	d := start(t, intake.Config{})
	other := collected("globex", "u-1")
	billing := collected("acme", "u-2")
	billing.Source = "billing"
	exported := collected("acme", "u-3")
	exported.Payload = &eventsv1.Event_SubjectDataExported{SubjectDataExported: &eventsv1.SubjectDataExported{}}
	for _, tt := range []struct {
		name string
		ev   *eventsv1.Event
		want string
	}{
		{"another tenant", other, "events[1].tenant"},
		{"another source", billing, "events[1].source"},
		{"recorded by docketd only", exported, "recorded by docketd itself"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reply := d.request(t, events.IntakeSubject("acme", "crm"), marshal(t, collected("acme", "u-9"), tt.ev), nil)
			refused(t, reply, "permission_denied", tt.want)
			var ie *events.IntakeError
			if _, err := events.DecodeIntakeReply(reply); !errors.As(err, &ie) || ie.Code != "permission_denied" {
				t.Errorf("DecodeIntakeReply: %v, want an *events.IntakeError", err)
			}
		})
	}
	if n := d.stored(t); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
}

// Garbage is refused with a clear error that does not quote it, in
// protobuf and in JSON; so are a subject that names no source and a
// request over max_request_bytes.
func TestGarbageRefused(t *testing.T) {
	d := start(t, intake.Config{MaxRequestBytes: 4096})
	subject := events.IntakeSubject("acme", "crm")
	jsonHdr := nats.Header{events.HeaderContentType: {events.ContentTypeJSON}}
	refused(t, d.request(t, subject, []byte("\xff\xff\xff garbage "+planted), nil), "invalid_argument", "not a valid docket.api.v1.AppendRequest in protobuf")
	refused(t, d.request(t, subject, []byte(`{"events":[{"tenant":"acme","subjectRef":"`+planted+`",}]}`), jsonHdr), "invalid_argument", "not a valid docket.api.v1.AppendRequest in JSON")
	refused(t, d.request(t, subject, []byte(`{"events":[],"secret":"`+planted+`"}`), jsonHdr), "invalid_argument", "not a valid docket.api.v1.AppendRequest in JSON")
	refused(t, d.request(t, subject, nil, nil), "invalid_argument", "events: is empty")
	refused(t, d.request(t, events.IntakeSubject("acme", "docketd"), marshal(t, collected("acme", "u-1")), nil), "invalid_argument", "docketd's own")
	refused(t, d.request(t, events.IntakeSubject("acme", "crm"), bytes.Repeat([]byte{0}, 5000), nil), "resource_exhausted", "max_request_bytes")
	if n := d.stored(t); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
	for _, s := range []string{"docketd.intake.acme.*", "docketd.intake.acme", "docketd.intake.acme.crm.x", "docketd.intake.a b.crm", "other.intake.acme.crm"} {
		if _, _, err := intake.ParseSubject(s); err == nil {
			t.Errorf("ParseSubject(%q): no error", s)
		}
	}
	if tenant, source, err := intake.ParseSubject("docketd.intake.acme.crm"); err != nil || tenant != "acme" || source != "crm" {
		t.Errorf("ParseSubject = %q, %q, %v", tenant, source, err)
	}
}

// A protojson request gets a protojson answer.
func TestJSONRequest(t *testing.T) {
	d := start(t, intake.Config{})
	ev := collected("acme", "u-1")
	data, err := protojson.Marshal(&apiv1.AppendRequest{Events: []*eventsv1.Event{ev}})
	if err != nil {
		t.Fatal(err)
	}
	reply := d.request(t, events.IntakeSubject("acme", "crm"), data, nats.Header{events.HeaderContentType: {events.ContentTypeJSON}})
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		t.Fatalf("refused: %s %s", code, reply.Header.Get(micro.ErrorHeader))
	}
	if ct := reply.Header.Get(events.HeaderContentType); ct != events.ContentTypeJSON {
		t.Errorf("answer Content-Type %q, want JSON", ct)
	}
	var resp apiv1.AppendResponse
	if err := protojson.Unmarshal(reply.Data, &resp); err != nil {
		t.Fatalf("answer is not an AppendResponse in JSON: %v", err)
	}
	if len(resp.GetResults()) != 1 || resp.GetResults()[0].GetSequence() != 1 || resp.GetResults()[0].GetEventId() != ev.GetEventId() {
		t.Errorf("results %v", resp.GetResults())
	}
}

// An expected sequence that does not hold comes back as the Emitter's
// *events.ConflictError.
func TestConflictComesBackTyped(t *testing.T) {
	d := start(t, intake.Config{})
	c := d.client(t)
	if _, err := c.Append(context.Background(), collected("acme", "u-1")); err != nil {
		t.Fatal(err)
	}
	_, err := c.AppendWith(context.Background(), events.AppendOptions{ExpectedLastSequence: map[string]uint64{"u-1": 0}}, collected("acme", "u-1"))
	var ce *events.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, events.ErrConflict) || ce.SubjectRef != "u-1" || ce.Actual != 1 {
		t.Fatalf("AppendWith under a stale expectation: %v, want a *events.ConflictError (u-1, actual 1)", err)
	}
}

// With no docketd answering, the Client says so at once.
func TestClientWithoutIntake(t *testing.T) {
	nc, _ := natstest.Connect(t, natstest.Start(t))
	c, err := events.NewClient(nc, events.ClientConfig{Tenant: "acme", Source: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Append(context.Background(), collected("acme", "u-1")); !errors.Is(err, events.ErrNoIntake) {
		t.Fatalf("Append with no intake: %v, want ErrNoIntake", err)
	}
	for _, cfg := range []events.ClientConfig{{Tenant: "acme", Source: "*"}, {Tenant: "acme", Source: "docketd"}, {Tenant: "a.b", Source: "crm"}} {
		if _, err := events.NewClient(nc, cfg); err == nil {
			t.Errorf("NewClient(%+v): no error", cfg)
		}
	}
}

// Each caller (intake subject) is held to its rate, as each API token is:
// past its burst it gets resource_exhausted, and another caller does not.
func TestRateLimitedPerCaller(t *testing.T) {
	d := start(t, intake.Config{Rate: 0.001, Burst: 2})
	for i := range 3 {
		reply := d.request(t, events.IntakeSubject("acme", "crm"), marshal(t, collected("acme", "u-1")), nil)
		code := reply.Header.Get(micro.ErrorCodeHeader)
		if i < 2 && code != "" {
			t.Fatalf("request %d within the burst: %s %s", i, code, reply.Header.Get(micro.ErrorHeader))
		}
		if i == 2 {
			refused(t, reply, "resource_exhausted", "slow down")
		}
	}
	if code := d.request(t, events.IntakeSubject("acme", "billing"), marshal(t, collected("acme", "u-1")), nil).Header.Get(micro.ErrorCodeHeader); code != "" {
		t.Errorf("another caller: %s, want its own budget", code)
	}
	if n := d.stored(t); n != 3 {
		t.Errorf("%d messages stored, want 3", n)
	}
}

// A string that is not UTF-8 is refused as the API refuses it: stored, it
// would be an event that proto.Unmarshal, and so every reader of the
// stream, cannot decode.
func TestInvalidUTF8Refused(t *testing.T) {
	d := start(t, intake.Config{})
	ev := collected("acme", "u-1")
	ev.GetDataCollected().CollectionPoint = "web.signup\xff"
	data, err := (&apiv1.AppendRequest{Events: []*eventsv1.Event{ev}}).MarshalVT() // proto.Marshal would refuse it
	if err != nil {
		t.Fatal(err)
	}
	refused(t, d.request(t, events.IntakeSubject("acme", "crm"), data, nil), "invalid_argument", "not a valid docket.api.v1.AppendRequest in protobuf")
	if n := d.stored(t); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
}

// Once stopped, the intake appends no more: a request still delivered
// while its subscription drains is answered unavailable, a later one finds
// no intake; either way the Client knows at once and can retry with
// another docketd.
func TestStop(t *testing.T) {
	d := start(t, intake.Config{})
	c := d.client(t)
	if _, err := c.Append(context.Background(), collected("acme", "u-1")); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	_, err := c.Append(context.Background(), collected("acme", "u-1"))
	var ie *events.IntakeError
	if !errors.Is(err, events.ErrNoIntake) && !(errors.As(err, &ie) && ie.Code == "unavailable") {
		t.Fatalf("Append after Stop: %v, want ErrNoIntake or unavailable", err)
	}
	if n := d.stored(t); n != 1 {
		t.Errorf("%d messages stored, want 1", n)
	}
}

// Several refusals at once all reach the client, on one header line.
func TestSeveralRefusalsInOneAnswer(t *testing.T) {
	d := start(t, intake.Config{})
	other := collected("globex", "u-1")
	other.Source = "billing"
	reply := d.request(t, events.IntakeSubject("acme", "crm"), marshal(t, other, collected("globex", "u-2")), nil)
	refused(t, reply, "permission_denied", "events[0].tenant: this token appends to tenant acme; events[0].source", "events[1].tenant")
	if desc := reply.Header.Get(micro.ErrorHeader); strings.ContainsAny(desc, "\r\n") {
		t.Errorf("the message spans lines: %q", desc)
	}
}

// TestNotARequestAppendsNothing: a valid batch published without a reply
// subject, or delivered with a JetStream acknowledgement as its reply (a
// push consumer someone pointed at the door), is not a request: nothing
// of it is stored. A request after them is.
func TestNotARequestAppendsNothing(t *testing.T) {
	d := start(t, intake.Config{})
	subject := events.IntakeSubject("acme", "crm")
	if err := d.nc.Publish(subject, marshal(t, collected("acme", "user-1"))); err != nil {
		t.Fatal(err)
	}
	if err := d.nc.PublishMsg(&nats.Msg{Subject: subject, Reply: "$JS.ACK.DOCKET.c.1.1.1.0.0", Data: marshal(t, collected("acme", "user-1"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.client(t).Append(context.Background(), collected("acme", "user-2")); err != nil {
		t.Fatal(err)
	}
	if n := d.stored(t); n != 1 {
		t.Errorf("stream holds %d events, want only the request's 1", n)
	}
}
