package events

import (
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// payloadOneof is the Event oneof that holds the payload.
var payloadOneof = (&eventsv1.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")

// payloadMessage returns the payload's descriptor, or nil when none is set.
func payloadMessage(ev *eventsv1.Event) protoreflect.MessageDescriptor {
	fd := ev.ProtoReflect().WhichOneof(payloadOneof)
	if fd == nil {
		return nil
	}
	return fd.Message()
}

// TypeName is the event's type on the wire: the proto full name of its
// payload, e.g. "docket.events.v1.DisclosureMade"; "" when it has none.
func TypeName(ev *eventsv1.Event) string {
	md := payloadMessage(ev)
	if md == nil {
		return ""
	}
	return string(md.FullName())
}

// TypeToken is the event type's subject token: the payload message's short
// name, e.g. "DisclosureMade" (unique within docket.events.v1).
func TypeToken(ev *eventsv1.Event) string {
	md := payloadMessage(ev)
	if md == nil {
		return ""
	}
	return string(md.Name())
}

// PayloadField is the name of the payload's oneof field, e.g.
// "disclosure_made"; "" when it has none.
func PayloadField(ev *eventsv1.Event) string {
	fd := ev.ProtoReflect().WhichOneof(payloadOneof)
	if fd == nil {
		return ""
	}
	return string(fd.Name())
}
