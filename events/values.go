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
// later too: which fields can hold a value is worked out from the proto
// descriptors once, and only those fields are walked.
func Values(ev *eventsv1.Event) []Value {
	m := ev.ProtoReflect()
	fd := m.WhichOneof(payloadOneof)
	if fd == nil || len(valueFields[fd.Message().FullName()]) == 0 {
		return nil
	}
	var out []Value
	collectValues(m.Get(fd).Message(), string(fd.Name()), &out)
	return out
}

// valueFields maps each message reachable from Event to its fields that can
// hold a DataValue, directly or further down.
var valueFields = func() map[protoreflect.FullName][]protoreflect.FieldDescriptor {
	out := map[protoreflect.FullName][]protoreflect.FieldDescriptor{}
	var visit func(md protoreflect.MessageDescriptor) bool
	visit = func(md protoreflect.MessageDescriptor) bool {
		if md.FullName() == dataValueName {
			return true
		}
		if fields, seen := out[md.FullName()]; seen {
			return len(fields) > 0
		}
		out[md.FullName()] = nil // a cycle holds no value unless another path does
		var fields []protoreflect.FieldDescriptor
		for i := 0; i < md.Fields().Len(); i++ {
			fd := md.Fields().Get(i)
			if fd.IsMap() || (fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind) {
				continue
			}
			if visit(fd.Message()) {
				fields = append(fields, fd)
			}
		}
		out[md.FullName()] = fields
		return len(fields) > 0
	}
	visit((&eventsv1.Event{}).ProtoReflect().Descriptor())
	return out
}()

func collectValues(m protoreflect.Message, path string, out *[]Value) {
	if m.Descriptor().FullName() == dataValueName {
		*out = append(*out, Value{Path: path, Value: m.Interface().(*eventsv1.DataValue)})
		return
	}
	for _, fd := range valueFields[m.Descriptor().FullName()] {
		if !m.Has(fd) {
			continue
		}
		name := path + "." + string(fd.Name())
		if fd.IsList() {
			l := m.Get(fd).List()
			for i := 0; i < l.Len(); i++ {
				collectValues(l.Get(i).Message(), name+"["+strconv.Itoa(i)+"]", out)
			}
			continue
		}
		collectValues(m.Get(fd).Message(), name, out)
	}
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
