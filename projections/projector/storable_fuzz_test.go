package projector_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/internal/streamgen"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/docketledger/docket/projections/store/sqlite"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// FuzzValidEventProjects is the property that validation bounds what every
// store can hold: every event events.Validate accepts, once sealed, is
// decoded as a stored message, applied by the projection (projector.Build,
// state.Apply) and written by both the SQLite and the PostgreSQL store
// without error. The input is an Event in the proto wire format and,
// so that the fuzzer reaches the edges of times and numbers directly rather
// than through the bytes of a valid event, an override: when field is not
// 0, the field-th timestamp or unsigned number the event can hold (in
// descriptor order, in the messages it has; see overrideTargets) is set to
// (secs, nanos) or num. Inputs Validate refuses are skipped. Events go one
// batch each into the same two
// stores, so later ones meet the state earlier ones left (the seeds: a
// streamgen stream of every payload type, then events at the edges of
// every bound, among them an occurred_at of 9999-12-31 that today's
// validation refuses and once froze the read models).
//
// Without -fuzz, go test runs the seeds.
func FuzzValidEventProjects(f *testing.F) {
	for _, sd := range storableSeeds(f) {
		b, err := proto.Marshal(sd.ev)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0), int64(0), int32(0), uint64(0))
	}
	// The streamgen events with every time and number they hold set to
	// the edges, through the override.
	edges := []struct {
		secs  int64
		nanos int32
		num   uint64
	}{
		{lastNano.Unix(), int32(lastNano.Nanosecond()), math.MaxInt64},
		{lastNano.Unix(), int32(lastNano.Nanosecond()) + 1, math.MaxInt64 + 1},
		{lastOccurred.Unix(), int32(lastOccurred.Nanosecond()), math.MaxInt32},
		{0, 0, math.MaxInt32 + 1},
		{0, 1, math.MaxUint32},
		{253402300799, 0, math.MaxUint64},
	}
	for _, ev := range streamgen.Generate(2, streamgen.MinCoverage) {
		b, err := proto.Marshal(ev)
		if err != nil {
			f.Fatal(err)
		}
		for i := range overrideTargets(ev.ProtoReflect()) {
			e := edges[i%len(edges)]
			f.Add(b, uint8(i+1), e.secs, e.nanos, e.num)
		}
	}

	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), 1)
	if err != nil {
		f.Fatalf("sqlite.Open: %v", err)
	}
	f.Cleanup(func() { lite.Close() })
	pg, err := postgres.Open(ctx, pgtest.Start(f), 1)
	if err != nil {
		f.Fatalf("postgres.Open: %v", err)
	}
	f.Cleanup(func() { pg.Close() })
	stores := []struct {
		name  string
		store model.Store
		cat   *state.Catalogue
	}{
		{"sqlite", lite, state.NewCatalogue()},
		{"postgres", pg, state.NewCatalogue()},
	}

	f.Fuzz(func(t *testing.T, data []byte, field uint8, secs int64, nanos int32, num uint64) {
		ev := &eventsv1.Event{}
		if proto.Unmarshal(data, ev) != nil {
			return
		}
		if field != 0 {
			targets := overrideTargets(ev.ProtoReflect())
			if len(targets) == 0 {
				return
			}
			targets[int(field-1)%len(targets)].set(secs, nanos, num)
		}
		if events.Validate(ev) != nil {
			return
		}
		sealShape(ev)
		stored, err := proto.Marshal(ev)
		if err != nil {
			t.Fatalf("a valid event does not marshal: %v", err)
		}
		// recorded_at is the stream's time of the stored message: now.
		recordedAt := time.Now()
		for _, s := range stores {
			from, err := s.store.Checkpoint(ctx)
			if err != nil {
				t.Fatalf("%s: checkpoint: %v", s.name, err)
			}
			rec, err := source.Decode(from+1, recordedAt, events.Subject(ev), nats.Header{events.HeaderType: {events.TypeName(ev)}}, stored)
			if err != nil {
				t.Fatalf("%s: a valid, sealed event does not decode: %v", s.name, err)
			}
			b, err := projector.Build(ctx, s.store, s.cat, nil, from, []source.Record{rec})
			if err != nil {
				t.Fatalf("%s: a valid event is not applied: %v", s.name, err)
			}
			if err := s.store.Apply(ctx, b); err != nil {
				t.Fatalf("%s: a valid event is not stored: %v", s.name, err)
			}
		}
	})
}

// target is a timestamp or unsigned number field of a message.
type target struct {
	m  protoreflect.Message
	fd protoreflect.FieldDescriptor
}

func (tg target) set(secs int64, nanos int32, num uint64) {
	switch tg.fd.Kind() {
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		tg.m.Set(tg.fd, protoreflect.ValueOfUint32(uint32(num)))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		tg.m.Set(tg.fd, protoreflect.ValueOfUint64(num))
	default:
		tg.m.Set(tg.fd, protoreflect.ValueOfMessage((&timestamppb.Timestamp{Seconds: secs, Nanos: nanos}).ProtoReflect()))
	}
}

// overrideTargets lists the timestamp and unsigned number fields of m and
// of the messages it holds (set or not, but not inside a message that is
// absent), in descriptor order, recorded_at left out (Validate refuses it).
func overrideTargets(m protoreflect.Message) []target {
	var out []target
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		fields := m.Descriptor().Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if fd.IsMap() || fd.Name() == "recorded_at" {
				continue
			}
			switch fd.Kind() {
			case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
				if !fd.IsList() {
					out = append(out, target{m, fd})
				}
			case protoreflect.MessageKind:
				switch {
				case fd.Message().FullName() == "google.protobuf.Timestamp":
					if !fd.IsList() && (fd.ContainingOneof() == nil || m.Has(fd)) {
						out = append(out, target{m, fd})
					}
				case fd.IsList():
					l := m.Get(fd).List()
					for j := 0; j < l.Len(); j++ {
						walk(l.Get(j).Message())
					}
				case m.Has(fd):
					walk(m.Get(fd).Message())
				}
			}
		}
	}
	walk(m)
	return out
}

// sealShape puts a sealed value of the right shape in place of every
// plaintext value, as a sealer would: the stores never see plaintext.
func sealShape(ev *eventsv1.Event) {
	for _, v := range events.Values(ev) {
		if p, ok := v.Value.GetValue().(*eventsv1.DataValue_Plaintext); ok {
			v.Value.Value = &eventsv1.DataValue_Sealed{Sealed: &eventsv1.Sealed{
				KeyVersion: 1, Nonce: make([]byte, 12), Ciphertext: make([]byte, 16+len(p.Plaintext)),
			}}
		}
	}
}

// The edges of what the stores hold, spelled out here rather than taken
// from the events module: the seeds are the same with or without the
// bounds they test.
var (
	// lastNano is the last time an int64 of Unix nanoseconds holds.
	lastNano = time.Unix(0, math.MaxInt64).UTC()
	// lastOccurred is three months earlier: a request received then and
	// extended twice is due at lastNano.
	lastOccurred = time.Date(2262, time.January, 11, 23, 47, 16, 854775807, time.UTC)
)

// seed is an event of the seed corpus and whether Validate must accept it.
type seed struct {
	ev    *eventsv1.Event
	valid bool
}

// storableSeeds is a streamgen stream with every payload type, then events
// at the edges: the first and last storable times (and the first ones past
// them, which Validate must refuse, or the stores would fail on them), the
// largest numbers, and optional fields left empty.
func storableSeeds(t testing.TB) []seed {
	stream := streamgen.Generate(1, streamgen.MinCoverage)
	var out []seed
	for _, ev := range stream {
		out = append(out, seed{ev, true})
	}
	first := map[string]*eventsv1.Event{}
	for _, ev := range stream {
		if f := events.PayloadField(ev); first[f] == nil {
			first[f] = ev
		}
	}
	n := 0
	edge := func(payload string, valid bool, mutate func(ev *eventsv1.Event)) {
		tpl := first[payload]
		if tpl == nil {
			t.Fatalf("streamgen made no %s", payload)
		}
		ev := proto.Clone(tpl).(*eventsv1.Event)
		n++
		// A fresh id of the template's version and variant.
		ev.EventId = ev.GetEventId()[:24] + fmt.Sprintf("%012x", 0xed9e00000000+n)
		mutate(ev)
		out = append(out, seed{ev, valid})
	}
	ts := timestamppb.New
	epoch := &timestamppb.Timestamp{}
	end9999 := ts(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))

	// occurred_at.
	edge("data_collected", false, func(ev *eventsv1.Event) { ev.OccurredAt = end9999 })
	edge("data_collected", false, func(ev *eventsv1.Event) { ev.OccurredAt = ts(lastNano) })
	edge("data_collected", false, func(ev *eventsv1.Event) { ev.OccurredAt = ts(lastOccurred.Add(1)) })
	edge("data_collected", true, func(ev *eventsv1.Event) { ev.OccurredAt = ts(lastOccurred) })
	edge("data_collected", true, func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{Nanos: 1} })
	edge("consent_given", true, func(ev *eventsv1.Event) { ev.OccurredAt = ts(lastOccurred) })
	edge("disclosure_made", true, func(ev *eventsv1.Event) { ev.OccurredAt = ts(lastOccurred) })
	// A request received at the last occurred_at, extended by two months:
	// due at the last storable nanosecond.
	for _, at := range []time.Time{lastOccurred, lastOccurred.Add(1)} {
		valid := at.Equal(lastOccurred)
		edge("rights_request_received", valid, func(ev *eventsv1.Event) {
			ev.OccurredAt = ts(at)
			ev.GetRightsRequestReceived().RequestId = "edge-request-" + strconv.FormatInt(at.UnixNano()%1e6, 10)
		})
		edge("rights_request_deadline_extended", valid, func(ev *eventsv1.Event) {
			ev.OccurredAt = ts(at)
			ev.Tenant, ev.SubjectRef = out[len(out)-1].ev.GetTenant(), out[len(out)-1].ev.GetSubjectRef()
			ev.GetRightsRequestDeadlineExtended().RequestId = "edge-request-" + strconv.FormatInt(at.UnixNano()%1e6, 10)
			ev.GetRightsRequestDeadlineExtended().Months = 2
		})
	}

	// Every other timestamp: at 1970, at the last storable nanosecond, and
	// past it.
	for _, at := range []*timestamppb.Timestamp{epoch, ts(lastNano), ts(lastNano.Add(1)), end9999} {
		valid := !at.AsTime().After(lastNano)
		edge("consent_given", valid, func(ev *eventsv1.Event) {
			ev.GetConsentGiven().ExpiresAt = at
			ev.GetConsentGiven().ParentalAuthorization = &eventsv1.ParentalAuthorization{GuardianRef: "guardian-1", VerificationMethod: "card", VerifiedAt: at}
		})
		edge("disclosure_made", valid, func(ev *eventsv1.Event) { ev.GetDisclosureMade().ConfidentialUntil = at })
		edge("erasure_exemption_recorded", valid, func(ev *eventsv1.Event) { ev.GetErasureExemptionRecorded().Until = at })
		edge("recipient_notification_due", valid, func(ev *eventsv1.Event) { ev.GetRecipientNotificationDue().DueAt = at })
		edge("breach_recorded", valid, func(ev *eventsv1.Event) {
			ev.GetBreachRecorded().DetectedAt = at
			ev.GetBreachRecorded().AuthorityNotifiedAt = at
		})
	}

	// The largest numbers, and the first past them.
	for _, u64 := range []uint64{math.MaxInt64, math.MaxInt64 + 1} {
		valid := u64 <= math.MaxInt64
		edge("subject_data_exported", valid, func(ev *eventsv1.Event) {
			m := ev.GetSubjectDataExported()
			m.ThroughSequence, m.TreeSize = u64, u64
		})
		edge("erasure_executed", valid, func(ev *eventsv1.Event) { ev.GetErasureExecuted().RecordsErased = u64 })
		edge("breach_recorded", valid, func(ev *eventsv1.Event) { ev.GetBreachRecorded().SubjectsAffectedEstimate = u64 })
	}
	for _, u32 := range []uint32{math.MaxInt32, math.MaxInt32 + 1, math.MaxUint32} {
		valid := u32 <= math.MaxInt32
		edge("subject_data_exported", valid, func(ev *eventsv1.Event) {
			m := ev.GetSubjectDataExported()
			m.Events, m.WithheldDisclosures = u32, u32
		})
		edge("processing_activity_declared", valid, func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.Retention = &eventsv1.Retention{Days: u32, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}
		})
		edge("data_collected", valid, func(ev *eventsv1.Event) {
			for _, v := range ev.GetDataCollected().GetValues() {
				v.Value = &eventsv1.DataValue_Sealed{Sealed: &eventsv1.Sealed{KeyVersion: u32, Nonce: make([]byte, 12), Ciphertext: make([]byte, 32)}}
			}
		})
	}
	// A NUL in a string a store keeps as text.
	edge("disclosure_made", false, func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Name = "Edge\x00Recipient" })

	// Optional fields left empty.
	edge("consent_given", true, func(ev *eventsv1.Event) {
		m := ev.GetConsentGiven()
		m.ExpiresAt, m.ParentalAuthorization, m.Categories, m.NoticeVersion, m.NoticeSha256 = nil, nil, nil, "", nil
		ev.Actor, ev.CorrelationId, ev.CausationId = nil, "", ""
	})
	edge("disclosure_made", true, func(ev *eventsv1.Event) {
		m := ev.GetDisclosureMade()
		m.ConfidentialUntil, m.ActivityId, m.Values = nil, "", nil
	})
	edge("data_collected", true, func(ev *eventsv1.Event) {
		m := ev.GetDataCollected()
		m.ActivityId, m.Purposes, m.Values, m.CollectionSource, m.CollectionPoint = "", nil, nil, "", ""
	})
	edge("processing_activity_declared", true, func(ev *eventsv1.Event) {
		a := ev.GetProcessingActivityDeclared().Activity
		a.Recipients, a.DataSubjects, a.KeyGroup = nil, nil, ""
		a.Retention = &eventsv1.Retention{Days: 1, TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}
	})
	return out
}

// TestStorableSeedsAtTheEdges checks that FuzzValidEventProjects's edge
// seeds do what they claim: those at an edge pass Validate (so the stores
// are shown to hold them), those past it do not.
func TestStorableSeedsAtTheEdges(t *testing.T) {
	for i, sd := range storableSeeds(t) {
		err := events.Validate(sd.ev)
		switch {
		case sd.valid && err != nil:
			t.Errorf("seed %d (%s) is meant to be valid: %v", i, events.PayloadField(sd.ev), err)
		case !sd.valid && err == nil:
			t.Errorf("seed %d (%s) is past an edge, yet Validate accepts it", i, events.PayloadField(sd.ev))
		}
	}
}
