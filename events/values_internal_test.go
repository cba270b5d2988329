package events

import (
	"reflect"
	"testing"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// fillValues sets every value-holding field under m, two elements per list.
func fillValues(m protoreflect.Message) {
	for _, fd := range valueFields[m.Descriptor().FullName()] {
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for i := 0; i < 2; i++ {
				el := l.NewElement()
				fillLeaf(el.Message())
				l.Append(el)
			}
		default:
			fillLeaf(m.Mutable(fd).Message())
		}
	}
}

func fillLeaf(m protoreflect.Message) {
	if m.Descriptor().FullName() == dataValueName {
		m.Interface().(*eventsv1.DataValue).Category = "user.contact.email"
		return
	}
	fillValues(m)
}

func TestValuesDirectMatchesReflection(t *testing.T) {
	for typ, p := range payloads {
		ev := &eventsv1.Event{}
		m := ev.ProtoReflect()
		m.Set(p.field, m.NewField(p.field))
		fillValues(m.Mutable(p.field).Message())
		want := reflectValues(ev, p)
		got := Values(ev)
		if len(got) != len(want) {
			t.Errorf("%s: Values found %d values, reflection %d", p.name, len(got), len(want))
			continue
		}
		for i := range want {
			if got[i].Value != want[i].Value || got[i].Path() != want[i].Path() {
				t.Errorf("%s: value %d at %s, reflection says %s", p.name, i, got[i].Path(), want[i].Path())
			}
		}
		if directValues[typ] != nil && len(p.valueFields) != 1 {
			t.Errorf("%s has %d value fields; its direct accessor reads only \"values\"", p.name, len(p.valueFields))
		}
	}
	if _, ok := payloads[reflect.TypeOf(&eventsv1.Event_DataCollected{})]; !ok {
		t.Fatal("payload table misses data_collected")
	}
}
