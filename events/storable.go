package events

import (
	"strconv"
	"strings"
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

// CheckStorable returns a *ValidationError naming every field of ev that a
// read-model store cannot hold, or nil: CheckStorableTimes, then
// CheckStorableText. The read side quarantines a stored event that fails
// it, so that no event a store cannot write ever reaches one; the append
// path may refuse the same.
func CheckStorable(ev *eventsv1.Event) error {
	var p problems
	walk(ev.ProtoReflect(), "", &p, true, true)
	return p.err()
}

// CheckStorableTimes returns a *ValidationError naming every time in ev
// (any google.protobuf.Timestamp, wherever the payload holds one,
// recorded_at excepted: the stream sets it) that is not a valid timestamp
// or lies outside [StorableFrom, StorableUntil), or nil.
func CheckStorableTimes(ev *eventsv1.Event) error {
	var p problems
	walk(ev.ProtoReflect(), "", &p, true, false)
	return p.err()
}

// CheckStorableText returns a *ValidationError naming every string field
// of ev that holds a NUL character (U+0000), which PostgreSQL's text and
// jsonb cannot store, or nil.
func CheckStorableText(ev *eventsv1.Event) error {
	var p problems
	walk(ev.ProtoReflect(), "", &p, false, true)
	return p.err()
}

// walk checks the fields of m (whose path is path, "" at the root).
func walk(m protoreflect.Message, path string, p *problems, times, text bool) {
	if m.Descriptor().FullName() == timestampName {
		if times {
			checkTime(m, path, p)
		}
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
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
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if text && fd.MapKey().Kind() == protoreflect.StringKind && strings.IndexByte(k.String(), 0) >= 0 {
					p.add(name, "has a key holding a NUL character, which the read models cannot store")
				}
				checkValue(fd.MapValue(), mv, name, p, times, text)
				return true
			})
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				checkValue(fd, l.Get(i), name+"["+strconv.Itoa(i)+"]", p, times, text)
			}
		default:
			checkValue(fd, v, name, p, times, text)
		}
		return true
	})
}

func checkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string, p *problems, times, text bool) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		walk(v.Message(), path, p, times, text)
	case protoreflect.StringKind:
		if text && strings.IndexByte(v.String(), 0) >= 0 {
			p.add(path, "holds a NUL character, which the read models cannot store")
		}
	}
}

func checkTime(m protoreflect.Message, path string, p *problems) {
	ts, ok := m.Interface().(*timestamppb.Timestamp)
	if !ok {
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
