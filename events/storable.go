package events

import (
	"strconv"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The times every read-model store can hold with room to spare: the stores
// keep int64 Unix nanoseconds (1678 to 2262), and the projection derives
// later times from stored ones (deadlines, retention ends), so a stored time
// must leave decades of headroom below 2262.
var (
	// StorableFrom is the earliest time an event may carry.
	StorableFrom = time.Unix(0, 0).UTC()
	// StorableUntil is the first time an event may not carry.
	StorableUntil = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

var timestampName = (&timestamppb.Timestamp{}).ProtoReflect().Descriptor().FullName()

// CheckStorable returns a *ValidationError naming every time in ev (any
// google.protobuf.Timestamp, wherever the payload holds one, recorded_at
// excepted: the stream sets it) that is not a valid timestamp or lies
// outside [StorableFrom, StorableUntil), or nil. The read side quarantines
// a stored event that fails it, so that no event a store cannot write ever
// reaches one; the append path may refuse the same.
func CheckStorable(ev *eventsv1.Event) error {
	var p problems
	checkTimes(ev.ProtoReflect(), "", &p)
	return p.err()
}

// checkTimes walks m (whose path is path, "" at the root) for timestamps.
func checkTimes(m protoreflect.Message, path string, p *problems) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		name := string(fd.Name())
		if path == "" && name == "recorded_at" {
			return true
		}
		if path != "" {
			name = path + "." + name
		}
		switch {
		case fd.IsMap():
			// A map key is never named: it could be a value.
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				if fd.MapValue().Message() != nil {
					checkTime(mv.Message(), name, p)
				}
				return true
			})
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				checkTime(l.Get(i).Message(), name+"["+strconv.Itoa(i)+"]", p)
			}
		default:
			checkTime(v.Message(), name, p)
		}
		return true
	})
}

func checkTime(m protoreflect.Message, path string, p *problems) {
	if m.Descriptor().FullName() != timestampName {
		checkTimes(m, path, p)
		return
	}
	var ts *timestamppb.Timestamp
	if t, ok := m.Interface().(*timestamppb.Timestamp); ok {
		ts = t
	} else {
		return // a dynamic message: not one this build decodes
	}
	if ts.CheckValid() != nil {
		p.add(path, "is not a valid timestamp")
		return
	}
	if t := ts.AsTime(); t.Before(StorableFrom) || !t.Before(StorableUntil) {
		p.add(path, "is outside what the read models hold: from 1970-01-01 to before 2200-01-01")
	}
}
