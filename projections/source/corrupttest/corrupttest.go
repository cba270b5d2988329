// Package corrupttest builds stored messages that are not valid sealed
// events, one of each kind source.Decode refuses, for tests that put them
// straight onto the events stream as an operator with full rights could.
package corrupttest

import (
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Message is one bad stored message and the reason Decode gives for it.
type Message struct {
	Name string
	// Reason is the source.Reason* Decode reports.
	Reason string
	// Tenant is the tenant the subject names ("" when it names none).
	Tenant string
	Msg    *nats.Msg
}

// Event is a valid event of tenant about subjectRef (a ConsentWithdrawn,
// which holds no value), with a fresh id.
func Event(tenant, subjectRef string) *eventsv1.Event {
	return &eventsv1.Event{
		EventId: uuid.Must(uuid.NewV7()).String(), Tenant: tenant, SubjectRef: subjectRef,
		OccurredAt: timestamppb.New(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)),
		Source:     "web", TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
			Purpose: "marketing.communications.email", Method: eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK,
			Channel: eventsv1.Channel_CHANNEL_EMAIL,
		}},
	}
}

// Msg is ev as the append path stores it: its subject, its type header.
func Msg(ev *eventsv1.Event) *nats.Msg {
	data, err := proto.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return &nats.Msg{Subject: events.Subject(ev), Data: data, Header: nats.Header{events.HeaderType: []string{events.TypeName(ev)}}}
}

// Messages returns one message of each kind Decode refuses, about
// subjectRef of tenant, plus a garbage message on a subject that names no
// tenant. Plaintext is the plaintext value the plaintext_values message
// holds (a canary for tests that look for it).
func Messages(tenant, subjectRef, plaintext string) []Message {
	var out []Message
	add := func(name, reason string, m *nats.Msg) {
		t, _ := source.TenantOf(m.Subject)
		out = append(out, Message{Name: name, Reason: reason, Tenant: t, Msg: m})
	}
	subj := events.SubjectPrefix + "." + tenant + "." + subjectRef

	add("garbage bytes", source.ReasonUndecodable, &nats.Msg{Subject: subj + ".Probe", Data: []byte("x")})
	add("garbage on a subject naming no tenant", source.ReasonUndecodable,
		&nats.Msg{Subject: events.SubjectPrefix + ".odd", Data: []byte{0xff, 0xff, 0xff}})

	// A newer version's event type: the envelope, and a payload field
	// number this build does not know.
	ev := Event(tenant, subjectRef)
	ev.Payload = nil
	data, _ := proto.Marshal(ev)
	data = protowire.AppendTag(data, 9999, protowire.BytesType)
	data = protowire.AppendBytes(data, []byte{0x0a, 0x01, 'x'})
	add("payload of a newer version", source.ReasonUnknownPayload,
		&nats.Msg{Subject: subj + ".FutureEvent", Data: data, Header: nats.Header{events.HeaderType: []string{"docket.events.v1.FutureEvent"}}})

	ev = Event(tenant, subjectRef)
	ev.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
		ActivityId: "signup", Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		Values:     []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: plaintext}}},
	}}
	add("plaintext value", source.ReasonPlaintextValues, Msg(ev))

	ev = Event(tenant, subjectRef)
	ev.Tenant = ""
	add("invalid event", source.ReasonInvalid, withSubject(Msg(ev), subj+".ConsentWithdrawn"))

	m := Msg(Event(tenant, subjectRef))
	m.Subject = subj + "-other.ConsentWithdrawn"
	add("stored under another subject", source.ReasonSubjectMismatch, m)

	ev = Event(tenant, subjectRef)
	ev.OccurredAt = timestamppb.New(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	add("occurred_at 9999-12-31", source.ReasonTimeOutOfRange, Msg(ev))
	ev = Event(tenant, subjectRef)
	ev.OccurredAt = timestamppb.New(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC))
	add("occurred_at before 1970", source.ReasonTimeOutOfRange, Msg(ev))
	ev = Event(tenant, subjectRef)
	ev.OccurredAt = &timestamppb.Timestamp{Seconds: 1_800_000_000, Nanos: -1}
	add("occurred_at not a valid timestamp", source.ReasonTimeOutOfRange, Msg(ev))

	ev = Event(tenant, subjectRef)
	ev.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
		Recipient: &eventsv1.Recipient{Id: "police", Name: "Police\x00", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
			Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
		Categories: []string{"user.contact.email"}, Purpose: "essential.service",
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, LegalInstrumentRef: "order-1",
	}}
	add("NUL in a recipient's name", source.ReasonUnstorableText, Msg(ev))

	m = Msg(Event(tenant, subjectRef))
	m.Header = nil
	add("no type header", source.ReasonMissingTypeHeader, m)
	m = Msg(Event(tenant, subjectRef))
	m.Header.Set(events.HeaderType, "docket.events.v1.DataErased")
	add("type header of another type", source.ReasonTypeHeaderMismatch, m)
	return out
}

func withSubject(m *nats.Msg, subject string) *nats.Msg {
	m.Subject = subject
	return m
}
