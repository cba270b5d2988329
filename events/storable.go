package events

import (
	"math"
	"strconv"
	"strings"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
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
)

// Proto's own range of a Timestamp: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
const (
	protoMinSeconds = -62135596800
	protoMaxSeconds = 253402300799
)

// CheckStorable reports every time and number of ev that a read-model
// store could not hold, naming each field by its proto path
// ("consent_given.expires_at"):
//
//   - every google.protobuf.Timestamp must be a valid one (nanos in
//     [0, 1e9)) between MinStorableTime and MaxStorableTime; occurred_at
//     after MinStorableTime and at most MaxOccurredAt;
//   - every uint64 at most MaxStorableUint64, every uint32 at most
//     MaxStorableUint32.
//
// It needs no clock: the projector calls it on stored events too. Validate
// calls it; the bound relative to the time of receipt is ValidateAt's.
// (Strings are Validate's: free text may hold no NUL, which PostgreSQL
// text refuses.) It returns nil when everything fits.
//
// A timestamp or number field added to the vocabulary needs a line here:
// TestCheckStorableCoversEveryField finds every one from the descriptors
// and fails for one left out.
func CheckStorable(ev *eventsv1.Event) []*FieldError {
	if ev == nil {
		return nil
	}
	var c storable
	root := at("")
	c.occurredAt(ev.GetOccurredAt())
	c.time(root, "recorded_at", ev.GetRecordedAt())
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_ProcessingActivityDeclared:
		c.activity(at("processing_activity_declared.activity"), p.ProcessingActivityDeclared.GetActivity())
	case *eventsv1.Event_ProcessingActivityAmended:
		c.activity(at("processing_activity_amended.activity"), p.ProcessingActivityAmended.GetActivity())
	case *eventsv1.Event_ConsentGiven:
		m := p.ConsentGiven
		c.time(at("consent_given"), "expires_at", m.GetExpiresAt())
		if pa := m.GetParentalAuthorization(); pa != nil {
			c.time(at("consent_given.parental_authorization"), "verified_at", pa.GetVerifiedAt())
		}
	case *eventsv1.Event_DisclosureMade:
		c.time(at("disclosure_made"), "confidential_until", p.DisclosureMade.GetConfidentialUntil())
	case *eventsv1.Event_RightsRequestDeadlineExtended:
		c.uint32(at("rights_request_deadline_extended"), "months", p.RightsRequestDeadlineExtended.GetMonths())
	case *eventsv1.Event_ErasureExecuted:
		c.uint64(at("erasure_executed"), "records_erased", p.ErasureExecuted.GetRecordsErased())
	case *eventsv1.Event_BreachRecorded:
		m, l := p.BreachRecorded, at("breach_recorded")
		c.uint64(l, "subjects_affected_estimate", m.GetSubjectsAffectedEstimate())
		c.time(l, "detected_at", m.GetDetectedAt())
		c.time(l, "authority_notified_at", m.GetAuthorityNotifiedAt())
	case *eventsv1.Event_SubjectDataExported:
		m, l := p.SubjectDataExported, at("subject_data_exported")
		c.uint64(l, "through_sequence", m.GetThroughSequence())
		c.uint32(l, "events", m.GetEvents())
		c.uint32(l, "withheld_disclosures", m.GetWithheldDisclosures())
		c.uint64(l, "tree_size", m.GetTreeSize())
	case *eventsv1.Event_RecipientNotificationDue:
		c.time(at("recipient_notification_due"), "due_at", p.RecipientNotificationDue.GetDueAt())
		c.time(at("recipient_notification_due"), "owed_from", p.RecipientNotificationDue.GetOwedFrom())
	case *eventsv1.Event_DisclosureConfidentialityChanged:
		c.time(at("disclosure_confidentiality_changed"), "confidential_until", p.DisclosureConfidentialityChanged.GetConfidentialUntil())
	case *eventsv1.Event_ControllerProfileDeclared:
		c.uint32(at("controller_profile_declared.profile"), "digital_consent_age", p.ControllerProfileDeclared.GetProfile().GetDigitalConsentAge())
	case *eventsv1.Event_BreachAuthorityNotified:
		c.uint64(at("breach_authority_notified"), "subjects_affected_estimate", p.BreachAuthorityNotified.GetSubjectsAffectedEstimate())
	case *eventsv1.Event_BreachSubjectsNotified:
		c.uint64(at("breach_subjects_notified"), "subjects_notified", p.BreachSubjectsNotified.GetSubjectsNotified())
	case *eventsv1.Event_ErasureExemptionRecorded:
		c.time(at("erasure_exemption_recorded"), "until", p.ErasureExemptionRecorded.GetUntil())
	default:
		// exhaustive: the other payloads have no timestamp or number field
		// to check (their sealed values are checked below);
		// TestCheckStorableCoversEveryField checks that from the descriptors.
	}
	// Every sealed value, free text included, wherever the vocabulary
	// places one.
	for _, v := range Values(ev) {
		if s := v.Value.GetSealed(); s != nil {
			c.uint32(at(v.Path()), "sealed.key_version", s.GetKeyVersion())
		}
	}
	return c.p.list
}

// storable accumulates CheckStorable's problems.
type storable struct{ p problems }

func (c *storable) activity(l loc, a *eventsv1.ProcessingActivity) {
	if r := a.GetRetention(); r != nil {
		c.uint32(l, "retention.days", r.GetDays())
	}
}

func (c *storable) uint64(l loc, name string, n uint64) {
	if n > MaxStorableUint64 {
		c.p.add(l.field(name), "is more than "+strconv.FormatUint(MaxStorableUint64, 10)+", the largest a 64-bit SQL integer holds")
	}
}

func (c *storable) uint32(l loc, name string, n uint32) {
	if n > MaxStorableUint32 {
		c.p.add(l.field(name), "is more than "+strconv.FormatUint(MaxStorableUint32, 10)+", the largest a 32-bit SQL integer holds")
	}
}

// validTimestamp reports whether ts is a valid google.protobuf.Timestamp.
func validTimestamp(ts *timestamppb.Timestamp) bool {
	s, n := ts.GetSeconds(), ts.GetNanos()
	return s >= protoMinSeconds && s <= protoMaxSeconds && n >= 0 && n < 1e9
}

const invalidTimestamp = "is not a valid timestamp: between 0001-01-01 and 9999-12-31, nanos in [0, 1e9)"

// time checks an optional timestamp other than occurred_at; reasons name
// the bounds, never the value.
func (c *storable) time(l loc, name string, ts *timestamppb.Timestamp) {
	if ts == nil {
		return
	}
	s, n := ts.GetSeconds(), ts.GetNanos()
	switch {
	case !validTimestamp(ts):
		c.p.add(l.field(name), invalidTimestamp)
	case before(s, n, minStorableSeconds, minStorableNanos):
		c.p.add(l.field(name), "must not be before 1970-01-01T00:00:00Z: the read models hold Unix times")
	case after(s, n, maxStorableSeconds, maxStorableNanos):
		c.p.add(l.field(name), "must not be after "+MaxStorableTime.Format(time.RFC3339Nano)+
			", the last time the read models hold (int64 Unix nanoseconds)")
	}
}

func (c *storable) occurredAt(ts *timestamppb.Timestamp) {
	if ts == nil {
		return // Validate requires it
	}
	s, n := ts.GetSeconds(), ts.GetNanos()
	switch {
	case !validTimestamp(ts):
		c.p.add("occurred_at", invalidTimestamp)
	case !after(s, n, minStorableSeconds, minStorableNanos):
		c.p.add("occurred_at", "must be after 1970-01-01T00:00:00Z")
	case after(s, n, maxOccurredSeconds, maxOccurredNanos):
		c.p.add("occurred_at", "must not be after "+MaxOccurredAt.Format(time.RFC3339Nano)+
			": a request received then would be due after "+MaxStorableTime.Format(time.RFC3339Nano)+
			", the last time the read models hold (int64 Unix nanoseconds)")
	}
}

func before(s int64, n int32, bs int64, bn int32) bool { return s < bs || s == bs && n < bn }
func after(s int64, n int32, bs int64, bn int32) bool  { return s > bs || s == bs && n > bn }

// CheckStorableText names every string of ev, wherever the payload holds
// one, that holds a NUL character (U+0000), which PostgreSQL's text and
// jsonb cannot store. Validate refuses such an event on the way in; the
// read side quarantines one stored before (or by someone else) with this.
func CheckStorableText(ev *eventsv1.Event) []*FieldError {
	var p problems
	nulStrings(ev.ProtoReflect(), "", &p)
	return p.list
}

func nulStrings(m protoreflect.Message, path string, p *problems) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		if path != "" {
			name = path + "." + name
		}
		check := func(v protoreflect.Value, name string) {
			switch fd.Kind() {
			case protoreflect.MessageKind, protoreflect.GroupKind:
				nulStrings(v.Message(), name, p)
			case protoreflect.StringKind:
				if strings.IndexByte(v.String(), 0) >= 0 {
					p.add(name, "holds a NUL character, which the read models cannot store")
				}
			}
		}
		switch {
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if fd.MapValue().Kind() == protoreflect.StringKind && strings.IndexByte(mv.String(), 0) >= 0 ||
					fd.MapKey().Kind() == protoreflect.StringKind && strings.IndexByte(k.String(), 0) >= 0 {
					p.add(name, "holds a NUL character, which the read models cannot store")
				} else if fd.MapValue().Kind() == protoreflect.MessageKind {
					nulStrings(mv.Message(), name, p)
				}
				return true
			})
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				check(l.Get(i), name+"["+strconv.Itoa(i)+"]")
			}
		default:
			check(v, name)
		}
		return true
	})
}
