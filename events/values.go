package events

import (
	"reflect"
	"strconv"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// DefaultKeyGroup is the key group of a DataValue with none set.
const DefaultKeyGroup = "default"

var dataValueName = (&eventsv1.DataValue{}).ProtoReflect().Descriptor().FullName()

// Value is one personal-data value found in an event, with where it is.
type Value struct {
	Value *eventsv1.DataValue
	// The value is field of parent, element index of it when index >= 0;
	// the path is built only when asked for, since only errors need it.
	parent, field string
	index         int
}

// Path is the value's field path, e.g. "data_collected.values[2]".
func (v Value) Path() string {
	p := v.parent + "." + v.field
	if v.index >= 0 {
		p += "[" + strconv.Itoa(v.index) + "]"
	}
	return p
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
	p := payloadOf(ev)
	if p == nil || len(p.valueFields) == 0 {
		return nil
	}
	if direct := directValues[reflect.TypeOf(ev.GetPayload())]; direct != nil {
		vals := direct(ev)
		if len(vals) == 0 {
			return nil
		}
		out := make([]Value, len(vals))
		for i, v := range vals {
			out[i] = Value{Value: v, parent: p.name, field: "values", index: i}
		}
		return out
	}
	return reflectValues(ev, p)
}

// reflectValues finds the values of any payload by reflection.
func reflectValues(ev *eventsv1.Event, p *payloadInfo) []Value {
	var out []Value
	collectValues(ev.ProtoReflect().Get(p.field).Message(), p.name, p.valueFields, &out)
	return out
}

// directValues reads, without reflection, the values of the payloads whose
// only value-holding field is "values"; the append path meets them most.
// TestValuesDirectMatchesReflection keeps this table true to the
// descriptors: a payload that gains another value field must leave it.
var directValues = map[reflect.Type]func(*eventsv1.Event) []*eventsv1.DataValue{
	reflect.TypeOf(&eventsv1.Event_DataCollected{}): func(ev *eventsv1.Event) []*eventsv1.DataValue { return ev.GetDataCollected().GetValues() },
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

// collectValues appends the values under m, whose path is path and whose
// value-holding fields are fields.
func collectValues(m protoreflect.Message, path string, fields []protoreflect.FieldDescriptor, out *[]Value) {
	for _, fd := range fields {
		if !m.Has(fd) {
			continue
		}
		name := string(fd.Name())
		leaf := fd.Message().FullName() == dataValueName
		if fd.IsList() {
			l := m.Get(fd).List()
			for i := 0; i < l.Len(); i++ {
				if leaf {
					*out = append(*out, Value{Value: l.Get(i).Message().Interface().(*eventsv1.DataValue), parent: path, field: name, index: i})
					continue
				}
				sub := path + "." + name + "[" + strconv.Itoa(i) + "]"
				collectValues(l.Get(i).Message(), sub, valueFields[fd.Message().FullName()], out)
			}
			continue
		}
		if leaf {
			*out = append(*out, Value{Value: m.Get(fd).Message().Interface().(*eventsv1.DataValue), parent: path, field: name, index: -1})
			continue
		}
		collectValues(m.Get(fd).Message(), path+"."+name, valueFields[fd.Message().FullName()], out)
	}
}

// CheckSealed returns a *ValidationError naming every value of ev that is not
// sealed, or nil. The append path calls it last, so that no plaintext value
// ever reaches the stream.
func CheckSealed(ev *eventsv1.Event) error {
	var p problems
	for _, v := range Values(ev) {
		if v.Value.GetSealed() == nil {
			p.add(v.Path(), "is not sealed: plaintext values are never stored")
		}
	}
	return p.err()
}
