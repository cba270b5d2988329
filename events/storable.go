package events

import (
	"math"
	"strconv"
	"strings"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// What every read-model store holds. Both stores (SQLite and PostgreSQL,
// projections/store) keep times as int64 Unix nanoseconds (a bigint, an
// SQLite INTEGER) and counts and sequences as int64; PostgreSQL's narrowest
// integer column is a 32-bit int. An event whose times or numbers lie
// outside these bounds would be stored in the log and then refused by every
// read model, so Validate refuses it first (CheckStorable).
var (
	// MinStorableTime is the earliest time an event may carry: the Unix
	// epoch. occurred_at must lie after it.
	MinStorableTime = time.Unix(0, 0).UTC()
	// MaxStorableTime is the latest time the stores hold: the largest int64
	// of Unix nanoseconds, 2262-04-11T23:47:16.854775807Z.
	MaxStorableTime = time.Unix(0, math.MaxInt64).UTC()
	// MaxOccurredAt is the latest occurred_at a store can project: a rights
	// request received then is due three calendar months later at the
	// latest (one month, and two more on extension, Art. 12(3)), and that
	// deadline, a stored time, must not pass MaxStorableTime. It is
	// MaxStorableTime three months earlier, to the nanosecond.
	MaxOccurredAt = time.Date(2262, time.January, 11, 23, 47, 16, 854775807, time.UTC)
)

// Largest numbers an event may carry, by proto type: what the stores'
// integer columns hold. A uint64 (a sequence, a count) must fit an int64
// (bigint, SQLite INTEGER); a uint32 a signed 32-bit int, PostgreSQL's int.
const (
	MaxStorableUint64 = math.MaxInt64
	MaxStorableUint32 = math.MaxInt32
)

// DefaultMaxClockSkew is how far after its receipt an event's occurred_at
// may lie by default (ValidateAt).
const DefaultMaxClockSkew = 24 * time.Hour

var (
	minStorableSeconds, minStorableNanos = MinStorableTime.Unix(), int32(0)
	maxStorableSeconds, maxStorableNanos = MaxStorableTime.Unix(), int32(MaxStorableTime.Nanosecond())
	maxOccurredSeconds, maxOccurredNanos = MaxOccurredAt.Unix(), int32(MaxOccurredAt.Nanosecond())

	timestampName  protoreflect.FullName = "google.protobuf.Timestamp"
	occurredAtName                       = (&eventsv1.Event{}).ProtoReflect().Descriptor().Fields().ByName("occurred_at")
	plaintextField                       = (&eventsv1.DataValue{}).ProtoReflect().Descriptor().Fields().ByName("plaintext")
)

// Proto's own range of a Timestamp: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
const (
	protoMinSeconds = -62135596800
	protoMaxSeconds = 253402300799
)

// CheckStorable reports every time and number of ev that a read-model
// store could not hold, and every string it could not store, naming each
// field by its proto path ("consent_given.expires_at"):
//
//   - every google.protobuf.Timestamp must be a valid one (nanos in
//     [0, 1e9)) between MinStorableTime and MaxStorableTime; occurred_at
//     after MinStorableTime and at most MaxOccurredAt;
//   - every uint64 at most MaxStorableUint64, every uint32 at most
//     MaxStorableUint32;
//   - no string holds a NUL byte, which PostgreSQL text refuses (a
//     DataValue's plaintext aside: it is sealed before anything stores it).
//
// It walks the descriptors, so a field added to the vocabulary is checked
// without a change here. It needs no clock: the projector calls it on
// stored events too. Validate calls it; the bound relative to the time of
// receipt is ValidateAt's. It returns nil when everything fits.
func CheckStorable(ev *eventsv1.Event) []*FieldError {
	if ev == nil {
		return nil
	}
	var w storableWalker
	w.message(ev.ProtoReflect())
	return w.p.list
}

// storableWalker walks a message, keeping the path to the current field
// as a stack that is rendered only when a problem is reported.
type storableWalker struct {
	p    problems
	path []pathElem
}

type pathElem struct {
	name  protoreflect.Name
	index int // -1: not a list element
}

func (w *storableWalker) render() string {
	var b strings.Builder
	for i, e := range w.path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(string(e.name))
		if e.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

func (w *storableWalker) add(reason string) { w.p.add(w.render(), reason) }

func (w *storableWalker) message(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		w.path = append(w.path, pathElem{name: fd.Name(), index: -1})
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				w.path[len(w.path)-1].index = i
				w.value(fd, l.Get(i))
			}
		case fd.IsMap():
			// The vocabulary has no maps; were one added, its values are
			// checked under the map's name.
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				w.value(fd.MapValue(), mv)
				return true
			})
		default:
			w.value(fd, v)
		}
		w.path = w.path[:len(w.path)-1]
		return true
	})
}

func (w *storableWalker) value(fd protoreflect.FieldDescriptor, v protoreflect.Value) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if fd.Message().FullName() == timestampName {
			w.timestamp(fd, v.Message())
			return
		}
		w.message(v.Message())
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if n := v.Uint(); n > MaxStorableUint64 {
			w.add("is more than " + strconv.FormatUint(MaxStorableUint64, 10) + ", the largest a 64-bit SQL integer holds")
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if n := v.Uint(); n > MaxStorableUint32 {
			w.add("is more than " + strconv.FormatUint(MaxStorableUint32, 10) + ", the largest a 32-bit SQL integer holds")
		}
	case protoreflect.StringKind:
		if fd == plaintextField {
			return
		}
		if strings.IndexByte(v.String(), 0) >= 0 {
			w.add("holds a NUL byte (U+0000), which the read models (PostgreSQL text) cannot store")
		}
	}
}

// timestamp checks a google.protobuf.Timestamp; reasons name the bounds,
// never the value.
func (w *storableWalker) timestamp(fd protoreflect.FieldDescriptor, m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	secs := m.Get(fields.ByNumber(1)).Int()
	nanos := int32(m.Get(fields.ByNumber(2)).Int())
	if secs < protoMinSeconds || secs > protoMaxSeconds || nanos < 0 || nanos >= 1e9 {
		w.add("is not a valid timestamp: between 0001-01-01 and 9999-12-31, nanos in [0, 1e9)")
		return
	}
	occurred := fd == occurredAtName
	switch {
	case occurred && !after(secs, nanos, minStorableSeconds, minStorableNanos):
		w.add("must be after 1970-01-01T00:00:00Z")
	case before(secs, nanos, minStorableSeconds, minStorableNanos):
		w.add("must not be before 1970-01-01T00:00:00Z: the read models hold Unix times")
	case occurred && after(secs, nanos, maxOccurredSeconds, maxOccurredNanos):
		w.add("must not be after " + MaxOccurredAt.Format(time.RFC3339Nano) +
			": a request received then would be due after " + MaxStorableTime.Format(time.RFC3339Nano) +
			", the last time the read models hold (int64 Unix nanoseconds)")
	case after(secs, nanos, maxStorableSeconds, maxStorableNanos):
		w.add("must not be after " + MaxStorableTime.Format(time.RFC3339Nano) +
			", the last time the read models hold (int64 Unix nanoseconds)")
	}
}

func before(s int64, n int32, bs int64, bn int32) bool { return s < bs || s == bs && n < bn }
func after(s int64, n int32, bs int64, bn int32) bool  { return s > bs || s == bs && n > bn }
