package events_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestCheckStorableCoversEveryField finds, from the descriptors, every
// timestamp and unsigned number an event of each payload type can carry
// (creating the optional messages and list elements on the way), sets each
// to a value no store holds, and checks that CheckStorable names exactly
// that field: a field added to the vocabulary without a check fails here.
func TestCheckStorableCoversEveryField(t *testing.T) {
	var timestampName protoreflect.FullName = "google.protobuf.Timestamp"
	type step struct {
		fd   protoreflect.FieldDescriptor
		list bool
	}
	for _, payload := range payloadFields() {
		ev := example(t, payload)
		evd := ev.ProtoReflect().Descriptor()
		var targets [][]step
		var walk func(md protoreflect.MessageDescriptor, path []step, seen map[protoreflect.FullName]bool)
		walk = func(md protoreflect.MessageDescriptor, path []step, seen map[protoreflect.FullName]bool) {
			if seen[md.FullName()] {
				return
			}
			seen[md.FullName()] = true
			defer delete(seen, md.FullName())
			fields := md.Fields()
			for i := 0; i < fields.Len(); i++ {
				fd := fields.Get(i)
				if md == evd && fd.ContainingOneof() != nil && string(fd.Name()) != payload {
					continue // another payload's field
				}
				p := append(append([]step(nil), path...), step{fd, fd.IsList()})
				switch {
				case fd.IsMap():
					t.Fatalf("%s: maps are not walked; teach this test and CheckStorable", fd.FullName())
				case fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() == timestampName,
					fd.Kind() == protoreflect.Uint32Kind, fd.Kind() == protoreflect.Uint64Kind,
					fd.Kind() == protoreflect.Fixed32Kind, fd.Kind() == protoreflect.Fixed64Kind:
					targets = append(targets, p)
				case fd.Kind() == protoreflect.MessageKind:
					walk(fd.Message(), p, seen)
				}
			}
		}
		walk(evd, nil, map[protoreflect.FullName]bool{})

		for _, target := range targets {
			var names []string
			for _, s := range target {
				n := string(s.fd.Name())
				if s.list {
					n += "[0]"
				}
				names = append(names, n)
			}
			path := strings.Join(names, ".")
			t.Run(payload+"/"+path, func(t *testing.T) {
				ev := proto.Clone(example(t, payload)).(*eventsv1.Event)
				m := ev.ProtoReflect()
				for i, s := range target {
					last := i == len(target)-1
					if s.list {
						l := m.Mutable(s.fd).List()
						if l.Len() == 0 {
							l.Append(l.NewElement())
						}
						if last {
							l.Set(0, outOfRange(s.fd))
						} else {
							m = l.Get(0).Message()
						}
						continue
					}
					if last {
						m.Set(s.fd, outOfRange(s.fd))
					} else {
						m = m.Mutable(s.fd).Message()
					}
				}
				got := events.CheckStorable(ev)
				if len(got) != 1 || got[0].Field != path {
					t.Errorf("CheckStorable() = %v, want one problem with %s", got, path)
				}
			})
		}
	}
}

// outOfRange is a value of fd's type that no store holds.
func outOfRange(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(math.MaxUint32)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(math.MaxUint64)
	default:
		return protoreflect.ValueOfMessage(timestamppb.New(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)).ProtoReflect())
	}
}

// TestCheckStorableText names a string holding a NUL wherever the payload
// holds it, nested messages and lists included, and passes one without.
func TestCheckStorableText(t *testing.T) {
	ev := &eventsv1.Event{Tenant: "acme", Payload: &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
		Recipient:  &eventsv1.Recipient{Id: "police", Name: "Police\x00"},
		Categories: []string{"user.contact.email", "user\x00"},
	}}}
	got := events.CheckStorableText(ev)
	var fields []string
	for _, p := range got {
		fields = append(fields, p.Field)
	}
	want := []string{"disclosure_made.categories[1]", "disclosure_made.recipient.name"}
	slices.Sort(fields)
	if !slices.Equal(fields, want) {
		t.Errorf("CheckStorableText fields %v, want %v", fields, want)
	}
	ev.GetDisclosureMade().Recipient.Name = "Police"
	ev.GetDisclosureMade().Categories[1] = "user.name"
	if got := events.CheckStorableText(ev); len(got) != 0 {
		t.Errorf("CheckStorableText = %v, want none", got)
	}
}
