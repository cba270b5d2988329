package events

import (
	"crypto/sha256"
	"reflect"
	"strings"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// payloadOneof is the Event oneof that holds the payload.
var payloadOneof = (&eventsv1.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")

// payloadInfo is what the append path needs to know about one payload type,
// worked out once from the descriptors.
type payloadInfo struct {
	field    protoreflect.FieldDescriptor // the oneof field, e.g. disclosure_made
	name     string                       // "disclosure_made"
	fullName string                       // "docket.events.v1.DisclosureMade"
	token    string                       // "DisclosureMade"
	// typeHeader is the Docket-Type header value, shared by every message.
	typeHeader []string
	// valueFields are the payload's fields that can hold a DataValue.
	valueFields []protoreflect.FieldDescriptor
}

// payloads maps the Go type of each oneof wrapper (*eventsv1.Event_X) to
// its payloadInfo, so that the hot path needs no reflection to find it.
var payloads = func() map[reflect.Type]*payloadInfo {
	out := map[reflect.Type]*payloadInfo{}
	fields := payloadOneof.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		ev := &eventsv1.Event{}
		m := ev.ProtoReflect()
		m.Set(fd, m.NewField(fd))
		out[reflect.TypeOf(ev.GetPayload())] = &payloadInfo{
			field:       fd,
			name:        string(fd.Name()),
			fullName:    string(fd.Message().FullName()),
			token:       string(fd.Message().Name()),
			typeHeader:  []string{string(fd.Message().FullName())},
			valueFields: valueFields[fd.Message().FullName()],
		}
	}
	return out
}()

// payloadOf returns the info of the event's payload, nil when it has none.
func payloadOf(ev *eventsv1.Event) *payloadInfo {
	return payloads[reflect.TypeOf(ev.GetPayload())]
}

// TypeName is the event's type on the wire: the proto full name of its
// payload, e.g. "docket.events.v1.DisclosureMade"; "" when it has none.
func TypeName(ev *eventsv1.Event) string {
	if p := payloadOf(ev); p != nil {
		return p.fullName
	}
	return ""
}

// TypeToken is the event type's subject token: the payload message's short
// name, e.g. "DisclosureMade" (unique within docket.events.v1).
func TypeToken(ev *eventsv1.Event) string {
	if p := payloadOf(ev); p != nil {
		return p.token
	}
	return ""
}

// PayloadField is the name of the payload's oneof field, e.g.
// "disclosure_made"; "" when it has none.
func PayloadField(ev *eventsv1.Event) string {
	if p := payloadOf(ev); p != nil {
		return p.name
	}
	return ""
}

// EnumName is a proto enum value's name, "" for the zero (unspecified)
// value: how the read models and documents write enums.
func EnumName[E interface {
	~int32
	String() string
}](e E) string {
	if e == 0 {
		return ""
	}
	return e.String()
}

// DerivedID is an event id for an event whose id must be the same each
// time it is made (a saga's step, redone after a redelivery): a UUIDv7
// whose time is at and whose other bits are a hash of parts. The same
// parts give the same id, so the stream's duplicate detection stores the
// event once.
func DerivedID(at time.Time, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var u uuid.UUID
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	copy(u[6:], h[:10])
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 9562 variant
	return u.String()
}

// RecipientOf is the recipient an event names: a disclosure's, or an
// Art. 19 notice's (due, notified, waived); "" for other events.
func RecipientOf(ev *eventsv1.Event) string {
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_DisclosureMade:
		return p.DisclosureMade.GetRecipient().GetId()
	case *eventsv1.Event_RecipientNotificationDue:
		return p.RecipientNotificationDue.GetRecipientId()
	case *eventsv1.Event_RecipientNotified:
		return p.RecipientNotified.GetRecipientId()
	case *eventsv1.Event_RecipientNotificationWaived:
		return p.RecipientNotificationWaived.GetRecipientId()
	default:
		// exhaustive: no other payload names a recipient (an activity's
		// declared recipients are a list, not the recipient of an event).
	}
	return ""
}
