package events

import (
	"strconv"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// DefaultKeyGroup is the key group of a DataValue with none set.
const DefaultKeyGroup = "default"

var dataValueName = (&eventsv1.DataValue{}).ProtoReflect().Descriptor().FullName()

// Value is one personal-data value found in an event, with its field path.
type Value struct {
	Path  string // e.g. "data_collected.values[2]"
	Value *eventsv1.DataValue
}

// KeyGroup is the value's key group, DefaultKeyGroup when unset.
func (v Value) KeyGroup() string {
	if g := v.Value.GetKeyGroup(); g != "" {
		return g
	}
	return DefaultKeyGroup
}

// Values returns every DataValue in the event's payload, wherever the
// vocabulary places one, in field order. It finds values in payloads added
// later too, since it walks the message by reflection.
func Values(ev *eventsv1.Event) []Value {
	m := ev.ProtoReflect()
	fd := m.WhichOneof(payloadOneof)
	if fd == nil {
		return nil
	}
	var out []Value
	collectValues(m.Get(fd).Message(), string(fd.Name()), &out)
	return out
}

func collectValues(m protoreflect.Message, path string, out *[]Value) {
	if m.Descriptor().FullName() == dataValueName {
		*out = append(*out, Value{Path: path, Value: m.Interface().(*eventsv1.DataValue)})
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		name := path + "." + string(fd.Name())
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				collectValues(l.Get(i).Message(), name+"["+strconv.Itoa(i)+"]", out)
			}
		case fd.IsMap():
			// The vocabulary has no maps of messages; none can hold values.
		default:
			collectValues(v.Message(), name, out)
		}
		return true
	})
}

// CheckSealed returns a *ValidationError naming every value of ev that is not
// sealed, or nil. The append path calls it last, so that no plaintext value
// ever reaches the stream.
func CheckSealed(ev *eventsv1.Event) error {
	var p problems
	for _, v := range Values(ev) {
		if v.Value.GetSealed() == nil {
			p.add(v.Path, "is not sealed: plaintext values are never stored")
		}
	}
	return p.err()
}
