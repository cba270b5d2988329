package events

import (
	neturl "net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // ControllerProfile.time_zone: the same zones on every machine
	"unicode/utf8"

	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Bounds of Validate. The size of a whole event is checked on append.
const (
	// MaxStringLen bounds every free-text string field but the ones below.
	MaxStringLen = 1024
	// MaxDescriptionLen bounds breach_recorded.description.
	MaxDescriptionLen = 8 << 10
	// MaxListLen bounds every repeated field.
	MaxListLen = 1000
	// MaxPlaintextLen bounds a DataValue's plaintext.
	MaxPlaintextLen = 64 << 10
	// MaxLanguageLen bounds a BCP 47 language tag (RFC 5646 §4.4.1).
	MaxLanguageLen = 35
	// MaxTimeZoneLen bounds an IANA time zone name.
	MaxTimeZoneLen = 64
	// MaxFindingIDs bounds the findings one FindingStatusChanged names.
	MaxFindingIDs = 500
	// MaxFindingKeyLen bounds a finding id or group key.
	MaxFindingKeyLen = 256
)

// directMarketing is the fideslang data use of direct marketing, to which
// an objection is absolute (Art. 21(3)): it and every key below it.
const directMarketing = "marketing"

// Sizes of the sealed form (AES-256-GCM) and of hashes.
const (
	sealedNonceLen   = 12
	sealedMinCipher  = 16 // the GCM tag alone
	sha256Len        = 32
	uuidTextLen      = 36
	maxDeadlineMonth = 2
)

// Validate checks that ev is well-formed: every structural rule of the
// vocabulary (required fields, taxonomy keys, legal bases, identifiers,
// bounds). It returns nil or a *ValidationError listing every problem at once;
// each names the field by its proto path, e.g.
// "disclosure_made.recipient.kind", and its reason never holds the field's
// value (enum names and numbers aside).
//
// A well-formed event that reveals a compliance problem (processing after
// consent was withdrawn, a disclosure to an undeclared recipient) is valid:
// it happened, and the ledger records it and raises a finding.
//
// Every time and number must fit the read-model stores (CheckStorable);
// Validate needs no clock, so it does not bound occurred_at by the time of
// receipt: ValidateAt does.
//
// Validate accepts plaintext values; CheckSealed refuses them before append.
func Validate(ev *eventsv1.Event) error {
	return validate(ev, time.Time{}, 0)
}

// ValidateAt is Validate for an event received at now: occurred_at may
// also lie at most skew after now (an emitter's clock may run a little
// ahead; an event from further ahead is a mistake, and one from 9999 could
// never be projected). now is the receiver's clock at receipt (docketd's, for
// the Append API and the Emitter it writes with), not the stream's time,
// which is only known once the event is stored. A zero now bounds nothing:
// ValidateAt is then Validate.
func ValidateAt(ev *eventsv1.Event, now time.Time, skew time.Duration) error {
	return validate(ev, now, skew)
}

// ValidateStored is Validate for an event read back from the stream,
// which an earlier release may have accepted: events are forever, so the
// shapes later releases require of new appends' strings for their privacy
// (correlation_id a token; dotted notice versions and collection points;
// collection_source, risk and a retention action from a fixed set; http
// URLs; catalogue labels without "@") are held to the earlier bound of
// free text instead. Everything the projection relies on (envelope,
// tokens, taxonomy keys, enums, required fields, CheckStorable) is checked
// as for a new event. The read side quarantines an event that fails it.
func ValidateStored(ev *eventsv1.Event) error {
	return validateWith(validator{stored: true}, ev, time.Time{}, 0)
}

func validate(ev *eventsv1.Event, now time.Time, skew time.Duration) error {
	return validateWith(validator{}, ev, now, skew)
}

func validateWith(v validator, ev *eventsv1.Event, now time.Time, skew time.Duration) error {
	if ev == nil {
		return &ValidationError{Problems: []*FieldError{{Field: "event", Reason: "is required"}}}
	}
	v.envelope(ev)
	v.payload(ev)
	v.freeText(ev)
	v.values(ev)
	v.p.list = append(v.p.list, CheckStorable(ev)...)
	if !now.IsZero() {
		v.received(ev, now, skew)
	}
	return v.p.err()
}

// received bounds occurred_at by the time of receipt.
func (v *validator) received(ev *eventsv1.Event, now time.Time, skew time.Duration) {
	ts := ev.GetOccurredAt()
	if ts == nil || !validTimestamp(ts) || ts.AsTime().After(MaxOccurredAt) {
		return // reported already
	}
	if lead := ts.AsTime().Sub(now); lead > skew {
		v.add(at(""), "occurred_at", "lies "+lead.Round(time.Second).String()+" after the time it was received, more than the "+
			skew.String()+" the clocks may differ by (max_clock_skew)")
	}
}

// validator accumulates the problems of one event.
type validator struct {
	p problems
	// stored: ValidateStored's rules for an event already in the stream.
	stored bool
}

// loc is where a group of fields sits, e.g. "disclosure_made.recipient" or
// "processing_activity_declared.activity.recipients[2]". The full path is
// only built when a problem is reported, so a valid event costs no
// allocations for paths.
type loc struct {
	prefix string
	list   string // a repeated field the location is an element of, or ""
	index  int
}

func at(prefix string) loc { return loc{prefix: prefix} }

// loc is where the value is, as a location whose path is built only when a
// problem is reported.
func (v Value) loc() loc {
	if v.index >= 0 {
		return loc{prefix: v.parent, list: v.field, index: v.index}
	}
	return at(v.parent + "." + v.field)
}

func (l loc) elem(list string, i int) loc {
	return loc{prefix: l.field(""), list: list, index: i}
}

// field is the path of the named field of l; name may be "" for l itself.
func (l loc) field(name string) string {
	s := l.prefix
	if l.list != "" {
		s += "." + l.list + "[" + strconv.Itoa(l.index) + "]"
	}
	switch {
	case name == "":
		return s
	case s == "":
		return name
	default:
		return s + "." + name
	}
}

func (v *validator) add(l loc, name, reason string) {
	v.p.add(l.field(name), reason)
}

func (v *validator) addItem(l loc, name string, i int, reason string) {
	v.p.add(l.field(name)+"["+strconv.Itoa(i)+"]", reason)
}

// ---------------------------------------------------------------------------
// Envelope

// controllerLevel are the payloads that concern no one data subject.
var controllerLevel = map[string]bool{
	"processing_activity_declared":         true,
	"processing_activity_amended":          true,
	"notice_published":                     true,
	"breach_recorded":                      true,
	"controller_profile_declared":          true,
	"breach_risk_assessed":                 true,
	"breach_authority_notified":            true,
	"breach_subjects_notified":             true,
	"breach_subject_notification_exempted": true,
	"breach_closed":                        true,
	"finding_status_changed":               true,
}

// payloadRequired is the reason given for an event without a payload.
var payloadRequired = func() string {
	var b strings.Builder
	b.WriteString("is required: set one of ")
	fields := payloadOneof.Fields()
	for i := 0; i < fields.Len(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(fields.Get(i).Name()))
	}
	return b.String()
}()

func (v *validator) envelope(ev *eventsv1.Event) {
	root := at("")

	if ev.GetEventId() == "" {
		v.add(root, "event_id", "is required: a UUIDv7")
	} else if r := checkUUID(ev.GetEventId(), 7); r != "" {
		v.add(root, "event_id", r)
	}

	v.token(root, "tenant", ev.GetTenant(), true)

	field := PayloadField(ev)
	ref := ev.GetSubjectRef()
	switch {
	case field == "":
		// No payload: whether a subject is required is unknown.
		if ref != "" {
			v.subjectRef(ref)
		}
	case controllerLevel[field]:
		if ref != "" {
			v.add(root, "subject_ref", "must be empty: "+field+" is a controller-level event")
		}
	case ref == "":
		v.add(root, "subject_ref", "is required: "+field+" concerns a data subject")
	default:
		v.subjectRef(ref)
	}

	// Its range (after 1970, at most MaxOccurredAt) is CheckStorable's.
	v.timestamp(root, "occurred_at", ev.GetOccurredAt(), true)
	if ev.GetRecordedAt() != nil {
		v.add(root, "recorded_at", "must be unset: set by the ledger from the stream; leave empty")
	}

	v.token(root, "source", ev.GetSource(), true)

	if a := ev.GetActor(); a != nil {
		l := at("actor")
		v.enum(l, "kind", eventsv1.ActorKind(0).Descriptor(), protoreflect.EnumNumber(a.GetKind()), true)
		v.token(l, "id", a.GetId(), false)
	}

	if v.stored {
		v.text(root, "correlation_id", ev.GetCorrelationId(), false, MaxStringLen)
	} else {
		v.token(root, "correlation_id", ev.GetCorrelationId(), false)
	}
	if c := ev.GetCausationId(); c != "" {
		if r := checkUUID(c, 0); r != "" {
			v.add(root, "causation_id", r)
		}
	}

	switch tv := ev.GetTaxonomyVersion(); {
	case tv == "":
		v.add(root, "taxonomy_version", "is required: "+taxonomy.Version)
	case !taxonomy.Supported(tv):
		v.add(root, "taxonomy_version", "is not a supported taxonomy version; use "+taxonomy.Version)
	}
}

func (v *validator) subjectRef(ref string) {
	root := at("")
	if err := CheckToken(ref); err != nil {
		v.add(root, "subject_ref", err.Error())
	} else if ref[0] == '_' {
		v.add(root, "subject_ref", "must not start with an underscore: reserved for controller-level events")
	}
}

// checkUUID returns why s is not a UUID in canonical text form (lower-case
// hex, hyphens at 8, 13, 18 and 23) of the RFC 9562 variant with the given
// version (0: any), or "".
func checkUUID(s string, version byte) string {
	if len(s) != uuidTextLen {
		return "is not a UUID in canonical text form (36 characters)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "is not a UUID in canonical text form (hyphens at 8, 13, 18, 23)"
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return "is not a UUID in canonical text form (lower-case hexadecimal)"
			}
		}
	}
	switch s[19] {
	case '8', '9', 'a', 'b':
	default:
		return "is not an RFC 9562 (RFC 4122 variant) UUID"
	}
	if version != 0 && s[14] != '0'+version {
		return "is not a version " + strconv.Itoa(int(version)) + " UUID"
	}
	return ""
}

// ---------------------------------------------------------------------------
// Payloads

func (v *validator) payload(ev *eventsv1.Event) {
	switch p := ev.GetPayload().(type) {
	case nil:
		v.add(at(""), "payload", payloadRequired)

	case *eventsv1.Event_ProcessingActivityDeclared:
		v.activity(at("processing_activity_declared.activity"), p.ProcessingActivityDeclared.GetActivity())
	case *eventsv1.Event_ProcessingActivityAmended:
		m := p.ProcessingActivityAmended
		l := at("processing_activity_amended")
		v.activity(at("processing_activity_amended.activity"), m.GetActivity())
		v.text(l, "reason", m.GetReason(), false, MaxStringLen)

	case *eventsv1.Event_NoticePublished:
		m := p.NoticePublished
		l := at("notice_published")
		v.token(l, "notice_id", m.GetNoticeId(), true)
		v.dotted(l, "version", m.GetVersion(), true)
		v.language(l, "language", m.GetLanguage())
		v.digest(l, "text_sha256", m.GetTextSha256(), true)
		v.url(l, "url", m.GetUrl())

	case *eventsv1.Event_DataCollected:
		m := p.DataCollected
		l := at("data_collected")
		v.token(l, "activity_id", m.GetActivityId(), false)
		v.keys(l, "purposes", m.GetPurposes(), useKey, false)
		special := v.keys(l, "categories", m.GetCategories(), categoryKey, true)
		v.bases(l, "legal_basis", m.GetLegalBasis(), "special_category_condition", m.GetSpecialCategoryCondition(), special)
		v.list(l, "values", len(m.GetValues()))
		v.collectionSource(l, "collection_source", m.GetCollectionSource())
		v.dotted(l, "collection_point", m.GetCollectionPoint(), false)
		v.enum(l, "restriction_exception", eventsv1.Art18Exception(0).Descriptor(), protoreflect.EnumNumber(m.GetRestrictionException()), false)
		v.enum(l, "age_band", eventsv1.AgeBand(0).Descriptor(), protoreflect.EnumNumber(m.GetAgeBand()), false)
		v.enum(l, "criminal_data_basis", eventsv1.CriminalDataBasis(0).Descriptor(), protoreflect.EnumNumber(m.GetCriminalDataBasis()), false)
		if m.GetSubjectIsChild() && m.GetAgeBand() == eventsv1.AgeBand_AGE_BAND_ADULT {
			v.add(l, "age_band", "is AGE_BAND_ADULT while subject_is_child is set")
		}

	case *eventsv1.Event_DataProcessed:
		m := p.DataProcessed
		l := at("data_processed")
		v.token(l, "activity_id", m.GetActivityId(), true)
		v.keys(l, "purposes", m.GetPurposes(), useKey, true)
		special := v.keys(l, "categories", m.GetCategories(), categoryKey, true)
		v.bases(l, "legal_basis", m.GetLegalBasis(), "special_category_condition", m.GetSpecialCategoryCondition(), special)
		v.token(l, "system", m.GetSystem(), true)
		ad := m.GetAutomatedDecision()
		v.enum(l, "automated_decision", eventsv1.AutomatedDecision(0).Descriptor(), protoreflect.EnumNumber(ad), false)
		if v.enum(l, "art22_exception", eventsv1.Art22Exception(0).Descriptor(), protoreflect.EnumNumber(m.GetArt22Exception()), false) &&
			m.GetArt22Exception() != eventsv1.Art22Exception_ART22_EXCEPTION_UNSPECIFIED && ad != eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT {
			v.add(l, "art22_exception", "is set for a use that is not a decision with legal or similarly significant effect (AUTOMATED_DECISION_SIGNIFICANT_EFFECT)")
		}
		v.enum(l, "restriction_exception", eventsv1.Art18Exception(0).Descriptor(), protoreflect.EnumNumber(m.GetRestrictionException()), false)
		v.enum(l, "criminal_data_basis", eventsv1.CriminalDataBasis(0).Descriptor(), protoreflect.EnumNumber(m.GetCriminalDataBasis()), false)
		v.enum(l, "channel", eventsv1.Channel(0).Descriptor(), protoreflect.EnumNumber(m.GetChannel()), false)

	case *eventsv1.Event_RelationshipEnded:
		m := p.RelationshipEnded
		l := at("relationship_ended")
		v.token(l, "relationship_id", m.GetRelationshipId(), true)
		v.enum(l, "kind", eventsv1.RelationshipKind(0).Descriptor(), protoreflect.EnumNumber(m.GetKind()), true)
		v.tokens(l, "activity_ids", m.GetActivityIds())

	case *eventsv1.Event_DataRectified:
		m := p.DataRectified
		l := at("data_rectified")
		v.keys(l, "categories", m.GetCategories(), categoryKey, true)
		v.list(l, "values", len(m.GetValues()))
		v.token(l, "request_id", m.GetRequestId(), false)
		v.text(l, "reason", m.GetReason(), false, MaxStringLen)

	case *eventsv1.Event_ConsentGiven:
		m := p.ConsentGiven
		l := at("consent_given")
		v.key(l, "purpose", m.GetPurpose(), useKey, true)
		v.token(l, "notice_id", m.GetNoticeId(), true)
		v.dotted(l, "notice_version", m.GetNoticeVersion(), false)
		v.digest(l, "notice_sha256", m.GetNoticeSha256(), false)
		v.enum(l, "method", eventsv1.ConsentMethod(0).Descriptor(), protoreflect.EnumNumber(m.GetMethod()), true)
		v.enum(l, "channel", eventsv1.Channel(0).Descriptor(), protoreflect.EnumNumber(m.GetChannel()), true)
		if pa := m.GetParentalAuthorization(); pa != nil {
			pl := at("consent_given.parental_authorization")
			v.token(pl, "guardian_ref", pa.GetGuardianRef(), true)
			v.text(pl, "verification_method", pa.GetVerificationMethod(), pa.GetVerificationMethodText() == nil, MaxStringLen)
			v.timestamp(pl, "verified_at", pa.GetVerifiedAt(), false)
		}
		v.keys(l, "categories", m.GetCategories(), categoryKey, false)
		v.timestamp(l, "expires_at", m.GetExpiresAt(), false)

	case *eventsv1.Event_ConsentWithdrawn:
		m := p.ConsentWithdrawn
		l := at("consent_withdrawn")
		v.key(l, "purpose", m.GetPurpose(), useKey, true)
		v.enum(l, "method", eventsv1.ConsentMethod(0).Descriptor(), protoreflect.EnumNumber(m.GetMethod()), false)
		v.enum(l, "channel", eventsv1.Channel(0).Descriptor(), protoreflect.EnumNumber(m.GetChannel()), true)

	case *eventsv1.Event_DisclosureMade:
		v.disclosure(p.DisclosureMade)

	case *eventsv1.Event_RightsRequestReceived:
		m := p.RightsRequestReceived
		l := at("rights_request_received")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.enum(l, "right", eventsv1.Right(0).Descriptor(), protoreflect.EnumNumber(m.GetRight()), true)
		v.enum(l, "channel", eventsv1.Channel(0).Descriptor(), protoreflect.EnumNumber(m.GetChannel()), false)
		v.keys(l, "categories", m.GetCategories(), categoryKey, false)
		v.keys(l, "purposes", m.GetPurposes(), useKey, false)

	case *eventsv1.Event_RightsRequestIdentityVerified:
		m := p.RightsRequestIdentityVerified
		l := at("rights_request_identity_verified")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.text(l, "method", m.GetMethod(), false, MaxStringLen)

	case *eventsv1.Event_RightsRequestDeadlineExtended:
		m := p.RightsRequestDeadlineExtended
		l := at("rights_request_deadline_extended")
		v.token(l, "request_id", m.GetRequestId(), true)
		if n := m.GetMonths(); n < 1 || n > maxDeadlineMonth {
			v.add(l, "months", "must be 1 or 2: Art. 12(3) allows at most two further months")
		}
		v.text(l, "reason", m.GetReason(), false, MaxStringLen)

	case *eventsv1.Event_RightsRequestFulfilled:
		m := p.RightsRequestFulfilled
		l := at("rights_request_fulfilled")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.text(l, "outcome", m.GetOutcome(), false, MaxStringLen)
		v.digest(l, "response_sha256", m.GetResponseSha256(), false)
		if m.GetNoDataHeld() && len(m.GetResponseSha256()) > 0 {
			v.add(l, "no_data_held", "is set together with response_sha256: a document handed over holds data")
		}

	case *eventsv1.Event_RightsRequestDenied:
		m := p.RightsRequestDenied
		l := at("rights_request_denied")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.enum(l, "ground", eventsv1.DenialGround(0).Descriptor(), protoreflect.EnumNumber(m.GetGround()), true)
		if m.GetGround() == eventsv1.DenialGround_DENIAL_GROUND_NO_DATA_HELD && !v.stored {
			v.add(l, "ground", "must not be DENIAL_GROUND_NO_DATA_HELD: that no data is held answers the request; record rights_request_fulfilled with no_data_held")
		}
		v.text(l, "explanation", m.GetExplanation(), false, MaxStringLen)

	case *eventsv1.Event_RestrictionApplied:
		m := p.RestrictionApplied
		l := at("restriction_applied")
		v.token(l, "restriction_id", m.GetRestrictionId(), true)
		v.keys(l, "purposes", m.GetPurposes(), useKey, false)
		v.keys(l, "categories", m.GetCategories(), categoryKey, false)
		v.token(l, "request_id", m.GetRequestId(), false)
		v.text(l, "reason", m.GetReason(), false, MaxStringLen)

	case *eventsv1.Event_RestrictionLifted:
		m := p.RestrictionLifted
		l := at("restriction_lifted")
		v.token(l, "restriction_id", m.GetRestrictionId(), true)
		v.text(l, "reason", m.GetReason(), false, MaxStringLen)

	case *eventsv1.Event_ObjectionRecorded:
		m := p.ObjectionRecorded
		l := at("objection_recorded")
		v.keys(l, "purposes", m.GetPurposes(), useKey, true)
		v.token(l, "request_id", m.GetRequestId(), false)
		v.text(l, "grounds", m.GetGrounds(), false, MaxStringLen)

	case *eventsv1.Event_ObjectionOverridden:
		m := p.ObjectionOverridden
		l := at("objection_overridden")
		v.token(l, "request_id", m.GetRequestId(), false)
		v.keys(l, "purposes", m.GetPurposes(), useKey, true)
		for i, pu := range m.GetPurposes() {
			if taxonomy.Covers(directMarketing, pu) || taxonomy.Covers(pu, directMarketing) {
				v.addItem(l, "purposes", i, "is direct marketing: an objection to it is absolute (Art. 21(3)), no grounds override it")
			}
		}
		v.enum(l, "ground", eventsv1.ObjectionOverrideGround(0).Descriptor(), protoreflect.EnumNumber(m.GetGround()), true)
		v.label(l, "assessment_ref", m.GetAssessmentRef(), false)
		v.text(l, "grounds", m.GetGrounds(), false, MaxDescriptionLen)

	case *eventsv1.Event_DisclosureConfidentialityChanged:
		m := p.DisclosureConfidentialityChanged
		l := at("disclosure_confidentiality_changed")
		if r := checkUUID(m.GetDisclosureEventId(), 0); r != "" {
			v.add(l, "disclosure_event_id", r)
		}
		v.timestamp(l, "confidential_until", m.GetConfidentialUntil(), false)
		v.text(l, "legal_instrument_ref", m.GetLegalInstrumentRef(), false, MaxStringLen)

	case *eventsv1.Event_ErasureExecuted:
		m := p.ErasureExecuted
		l := at("erasure_executed")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.token(l, "system", m.GetSystem(), true)
		v.keys(l, "categories", m.GetCategories(), categoryKey, false)

	case *eventsv1.Event_SubjectKeyShredded:
		m := p.SubjectKeyShredded
		l := at("subject_key_shredded")
		v.keyGroups(l, m.GetKeyGroups())
		v.token(l, "request_id", m.GetRequestId(), false)

	case *eventsv1.Event_ErasureExemptionRecorded:
		m := p.ErasureExemptionRecorded
		l := at("erasure_exemption_recorded")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.keyGroups(l, m.GetKeyGroups())
		v.enum(l, "ground", eventsv1.ErasureExemptionGround(0).Descriptor(), protoreflect.EnumNumber(m.GetGround()), true)
		v.text(l, "detail", m.GetDetail(), false, MaxDescriptionLen)
		v.timestamp(l, "until", m.GetUntil(), true)

	case *eventsv1.Event_RecipientNotified:
		m := p.RecipientNotified
		l := at("recipient_notified")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.token(l, "recipient_id", m.GetRecipientId(), true)
		v.art19Right(l, m.GetRight())
		v.enum(l, "channel", eventsv1.Channel(0).Descriptor(), protoreflect.EnumNumber(m.GetChannel()), false)

	case *eventsv1.Event_RecipientNotificationDue:
		m := p.RecipientNotificationDue
		l := at("recipient_notification_due")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.token(l, "recipient_id", m.GetRecipientId(), true)
		v.art19Right(l, m.GetRight())
		if r := checkUUID(m.GetCauseEventId(), 0); r != "" {
			v.add(l, "cause_event_id", r)
		}
		v.timestamp(l, "due_at", m.GetDueAt(), true)
		v.timestamp(l, "owed_from", m.GetOwedFrom(), false)

	case *eventsv1.Event_RecipientNotificationWaived:
		m := p.RecipientNotificationWaived
		l := at("recipient_notification_waived")
		v.token(l, "request_id", m.GetRequestId(), true)
		v.token(l, "recipient_id", m.GetRecipientId(), true)
		v.art19Right(l, m.GetRight())
		v.enum(l, "ground", eventsv1.WaiverGround(0).Descriptor(), protoreflect.EnumNumber(m.GetGround()), true)
		v.text(l, "detail", m.GetDetail(), false, MaxDescriptionLen)

	case *eventsv1.Event_RetentionExpired:
		m := p.RetentionExpired
		l := at("retention_expired")
		v.token(l, "activity_id", m.GetActivityId(), true)
		v.keys(l, "categories", m.GetCategories(), categoryKey, false)
		v.text(l, "action", m.GetAction(), m.GetActionText() == nil, MaxStringLen)
		if a := m.GetAction(); a != "" && !v.stored {
			if kw, _, _ := strings.Cut(a, ": "); !isRetentionKeyword(kw) {
				v.add(l, "action", "must start with erased, anonymised or held (words after \"held: \" go in action_text)")
			}
		}

	case *eventsv1.Event_BreachRecorded:
		m := p.BreachRecorded
		l := at("breach_recorded")
		v.token(l, "breach_id", m.GetBreachId(), true)
		v.text(l, "description", m.GetDescription(), m.GetDescriptionText() == nil, MaxDescriptionLen)
		v.keys(l, "categories", m.GetCategories(), categoryKey, false)
		v.timestamp(l, "detected_at", m.GetDetectedAt(), true)
		v.timestamp(l, "authority_notified_at", m.GetAuthorityNotifiedAt(), false)
		v.risk(l, m.GetRisk(), false)

	case *eventsv1.Event_SubjectDataExported:
		m := p.SubjectDataExported
		l := at("subject_data_exported")
		v.token(l, "request_id", m.GetRequestId(), false)
		v.enum(l, "format", eventsv1.ExportFormat(0).Descriptor(), protoreflect.EnumNumber(m.GetFormat()), true)
		if m.GetThroughSequence() == 0 {
			v.add(l, "through_sequence", "is required: the last stream sequence the export covers")
		}
		if m.GetTreeSize() > m.GetThroughSequence() {
			v.add(l, "tree_size", "is beyond through_sequence")
		}
		v.text(l, "justification", m.GetJustification(), false, MaxStringLen)
		v.token(l, "token_id", m.GetTokenId(), false)

	case *eventsv1.Event_ControllerProfileDeclared:
		v.profile(at("controller_profile_declared.profile"), p.ControllerProfileDeclared.GetProfile())

	case *eventsv1.Event_BreachRiskAssessed:
		m := p.BreachRiskAssessed
		l := at("breach_risk_assessed")
		v.token(l, "breach_id", m.GetBreachId(), true)
		v.risk(l, m.GetRisk(), true)
		v.text(l, "detail", m.GetDetail(), false, MaxDescriptionLen)

	case *eventsv1.Event_BreachAuthorityNotified:
		m := p.BreachAuthorityNotified
		l := at("breach_authority_notified")
		v.token(l, "breach_id", m.GetBreachId(), true)
		v.enum(l, "phase", eventsv1.BreachNotificationPhase(0).Descriptor(), protoreflect.EnumNumber(m.GetPhase()), true)
		v.label(l, "authority", m.GetAuthority(), false)
		v.label(l, "reference", m.GetReference(), false)
		v.keys(l, "categories", m.GetCategories(), categoryKey, false)
		v.text(l, "delay_reason", m.GetDelayReason(), false, MaxDescriptionLen)

	case *eventsv1.Event_BreachSubjectsNotified:
		m := p.BreachSubjectsNotified
		l := at("breach_subjects_notified")
		v.token(l, "breach_id", m.GetBreachId(), true)
		v.enum(l, "channel", eventsv1.Channel(0).Descriptor(), protoreflect.EnumNumber(m.GetChannel()), !m.GetPublicCommunication())

	case *eventsv1.Event_BreachSubjectNotificationExempted:
		m := p.BreachSubjectNotificationExempted
		l := at("breach_subject_notification_exempted")
		v.token(l, "breach_id", m.GetBreachId(), true)
		v.enum(l, "ground", eventsv1.Art34Exception(0).Descriptor(), protoreflect.EnumNumber(m.GetGround()), true)
		v.text(l, "detail", m.GetDetail(), false, MaxDescriptionLen)

	case *eventsv1.Event_BreachClosed:
		m := p.BreachClosed
		l := at("breach_closed")
		v.token(l, "breach_id", m.GetBreachId(), true)
		v.text(l, "summary", m.GetSummary(), false, MaxDescriptionLen)

	case *eventsv1.Event_FindingStatusChanged:
		v.findingStatus(p.FindingStatusChanged)

	default:
		// A payload added to the vocabulary without rules here: refuse it
		// rather than store what nothing has checked.
		v.add(at(""), "payload", "has no validation rules: "+PayloadField(ev)+" is not supported by this version of the SDK")
	}
}

// tokens checks an optional list of NATS tokens.
func (v *validator) tokens(l loc, name string, list []string) {
	v.list(l, name, len(list))
	for i, t := range list {
		if err := CheckToken(t); err != nil {
			v.addItem(l, name, i, err.Error())
		}
	}
}

// keyGroups checks a required list of key groups.
func (v *validator) keyGroups(l loc, groups []string) {
	if len(groups) == 0 {
		v.add(l, "key_groups", "is required: at least one key group")
	}
	v.list(l, "key_groups", len(groups))
	for i, g := range groups {
		if err := CheckToken(g); err != nil {
			v.addItem(l, "key_groups", i, err.Error())
		}
	}
}

// art19Right checks the right of an Art. 19 notice: rectification,
// erasure or restriction.
func (v *validator) art19Right(l loc, r eventsv1.Right) {
	if !v.enum(l, "right", eventsv1.Right(0).Descriptor(), protoreflect.EnumNumber(r), true) {
		return
	}
	switch r {
	case eventsv1.Right_RIGHT_RECTIFICATION, eventsv1.Right_RIGHT_ERASURE, eventsv1.Right_RIGHT_RESTRICTION:
	default:
		v.add(l, "right", "must be RIGHT_RECTIFICATION, RIGHT_ERASURE or RIGHT_RESTRICTION (Art. 19), not "+r.String())
	}
}

// activity checks a ProcessingActivity found at l.
func (v *validator) activity(l loc, a *eventsv1.ProcessingActivity) {
	if a == nil {
		v.add(l, "", "is required")
		return
	}
	v.token(l, "activity_id", a.GetActivityId(), true)
	v.label(l, "name", a.GetName(), true)
	v.keys(l, "purposes", a.GetPurposes(), useKey, true)
	special := v.keys(l, "data_categories", a.GetDataCategories(), categoryKey, true)
	v.keys(l, "data_subjects", a.GetDataSubjects(), subjectKey, false)
	v.bases(l, "legal_basis", a.GetLegalBasis(), "special_category_condition", a.GetSpecialCategoryCondition(), special)
	rs := a.GetRecipients()
	v.list(l, "recipients", len(rs))
	for i, r := range rs {
		v.recipient(l.elem("recipients", i), r, false)
	}
	v.retention(l, a.GetRetention())
	v.token(l, "key_group", a.GetKeyGroup(), false)
	v.label(l, "legitimate_interest_assessment_ref", a.GetLegitimateInterestAssessmentRef(), false)
	v.enum(l, "criminal_data_basis", eventsv1.CriminalDataBasis(0).Descriptor(), protoreflect.EnumNumber(a.GetCriminalDataBasis()), false)
	v.enum(l, "automated_decision", eventsv1.AutomatedDecision(0).Descriptor(), protoreflect.EnumNumber(a.GetAutomatedDecision()), false)
	v.label(l, "legitimate_interest", a.GetLegitimateInterest(), false)
	v.label(l, "automated_logic", a.GetAutomatedLogic(), false)
	if pf := a.GetProcessorFor(); pf != nil {
		v.party(at(l.field("processor_for")), pf)
	}
}

// retention checks an activity's retention. A new declaration needs a
// time limit (days of at least 1: "until erasure is requested" is not one,
// Art. 5(1)(e)) and a trigger_event, the event the ledger sees that starts
// the clock. A stored declaration stays readable without them: the
// projection reads trigger "collection" as RETENTION_TRIGGER_COLLECTION and
// raises retention_without_time_limit for the rest.
func (v *validator) retention(l loc, ret *eventsv1.Retention) {
	if ret == nil {
		v.add(l, "retention", "is required: days and trigger_event")
		return
	}
	v.label(l, "retention.trigger", ret.GetTrigger(), false)
	v.enum(l, "retention.trigger_event", eventsv1.RetentionTrigger(0).Descriptor(), protoreflect.EnumNumber(ret.GetTriggerEvent()), !v.stored)
	if !v.stored && ret.GetDays() < 1 {
		v.add(l, "retention.days", "must be at least 1: a time limit is required (Art. 5(1)(e)); \"until erasure is requested\" is not one")
	}
}

// profile checks a controller profile.
func (v *validator) profile(l loc, p *eventsv1.ControllerProfile) {
	if p == nil {
		v.add(l, "", "is required")
		return
	}
	v.label(l, "name", p.GetName(), true)
	v.label(l, "address", p.GetAddress(), false)
	v.url(l, "contact_url", p.GetContactUrl())
	v.url(l, "dpo_contact_url", p.GetDpoContactUrl())
	v.label(l, "supervisory_authority", p.GetSupervisoryAuthority(), false)
	v.url(l, "supervisory_authority_url", p.GetSupervisoryAuthorityUrl())
	if tz := p.GetTimeZone(); tz != "" {
		if r := checkTimeZone(tz); r != "" {
			v.add(l, "time_zone", r)
		}
	}
	if ms := p.GetMemberState(); ms != "" && !taxonomy.InEEA(ms) {
		v.add(l, "member_state", "is not the ISO 3166-1 alpha-2 code of a member state of the EEA")
	}
	langs := p.GetLanguages()
	v.list(l, "languages", len(langs))
	for i, lang := range langs {
		v.language(l.elem("languages", i), "", lang)
	}
	if a := p.GetDigitalConsentAge(); a != 0 && (a < 13 || a > 16) {
		v.add(l, "digital_consent_age", "must be 13 to 16 (Art. 8(1)), or 0 for the member state's")
	}
	jc := p.GetJointControllers()
	v.list(l, "joint_controllers", len(jc))
	for i, j := range jc {
		v.party(l.elem("joint_controllers", i), j)
	}
	if r := p.GetRepresentative(); r != nil {
		v.party(at(l.field("representative")), r)
		if c := r.GetCountry(); c != "" && !taxonomy.InEEA(c) {
			v.add(at(l.field("representative")), "country", "is outside the EEA: a representative is established in a member state where subjects are (Art. 27(3))")
		}
	}
	v.text(l, "contact_email", p.GetContactEmail(), false, MaxStringLen)
	v.text(l, "contact_phone", p.GetContactPhone(), false, MaxStringLen)
	v.text(l, "dpo_email", p.GetDpoEmail(), false, MaxStringLen)
	sm := p.GetSecurityMeasures()
	v.list(l, "security_measures", len(sm))
	for i, m := range sm {
		v.label(l.elem("security_measures", i), "", m, true)
	}
}

// party checks an organisation the record of processing names.
func (v *validator) party(l loc, p *eventsv1.Party) {
	if p == nil {
		v.add(l, "", "is empty")
		return
	}
	v.label(l, "name", p.GetName(), true)
	v.label(l, "address", p.GetAddress(), false)
	v.url(l, "contact_url", p.GetContactUrl())
	if c := p.GetCountry(); c != "" {
		if _, ok := countries[c]; !ok {
			v.add(l, "country", "is not an assigned ISO 3166-1 alpha-2 code")
		}
	}
	v.url(l, "arrangement_url", p.GetArrangementUrl())
}

// checkTimeZone returns why tz is not an IANA time zone name the ledger
// can count periods in, or "".
func checkTimeZone(tz string) string {
	if len(tz) > MaxTimeZoneLen {
		return "is " + strconv.Itoa(len(tz)) + " bytes long, more than " + strconv.Itoa(MaxTimeZoneLen)
	}
	for i := 0; i < len(tz); i++ {
		c := tz[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return "is not an IANA time zone name such as Europe/Berlin"
		}
	}
	if tz == "Local" {
		return "must not be Local (the machine's zone, not the controller's): an IANA name such as Europe/Berlin"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "is not an IANA time zone name such as Europe/Berlin"
	}
	return ""
}

// risk checks a breach's assessed risk: none, low or high.
func (v *validator) risk(l loc, r string, required bool) {
	switch {
	case v.stored:
		v.text(l, "risk", r, false, MaxStringLen)
	case r == "" && required:
		v.add(l, "risk", "is required: none, low or high")
	case r != "" && r != "none" && r != "low" && r != "high":
		v.add(l, "risk", "must be none, low or high")
	}
}

// findingStatus checks a FindingStatusChanged.
func (v *validator) findingStatus(m *eventsv1.FindingStatusChanged) {
	l := at("finding_status_changed")
	ids := m.GetFindingIds()
	if len(ids) == 0 && m.GetGroup() == "" {
		v.add(l, "finding_ids", "is required: the findings (or a group) the change applies to")
	}
	if len(ids) > MaxFindingIDs {
		v.add(l, "finding_ids", "holds "+strconv.Itoa(len(ids))+" ids, more than "+strconv.Itoa(MaxFindingIDs)+": send several events")
	}
	for i, id := range ids {
		if r := CheckFindingKey(id); r != "" {
			v.addItem(l, "finding_ids", i, r)
		}
	}
	if g := m.GetGroup(); g != "" {
		if r := CheckFindingKey(g); r != "" {
			v.add(l, "group", r)
		}
	}
	st := m.GetStatus()
	if !v.enum(l, "status", eventsv1.FindingStatus(0).Descriptor(), protoreflect.EnumNumber(st), true) {
		return
	}
	hasWords := m.GetJustification() != "" || m.GetJustificationText() != nil
	switch st {
	case eventsv1.FindingStatus_FINDING_STATUS_ASSIGNED:
		v.token(l, "assignee", m.GetAssignee(), true)
	case eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED, eventsv1.FindingStatus_FINDING_STATUS_NOT_APPLICABLE:
		if !hasWords {
			v.add(l, "justification", "is required for "+st.String()+": why, in words")
		}
	}
	if st != eventsv1.FindingStatus_FINDING_STATUS_ASSIGNED && m.GetAssignee() != "" {
		v.add(l, "assignee", "is set for a status other than FINDING_STATUS_ASSIGNED")
	}
	if id := m.GetResolvingEventId(); id != "" {
		if st != eventsv1.FindingStatus_FINDING_STATUS_RESOLVED {
			v.add(l, "resolving_event_id", "is set for a status other than FINDING_STATUS_RESOLVED")
		} else if r := checkUUID(id, 0); r != "" {
			v.add(l, "resolving_event_id", r)
		}
	}
	v.text(l, "justification", m.GetJustification(), false, MaxDescriptionLen)
}

// CheckFindingKey returns why s is not a finding id or group key
// ("<rule>:<rest>", the rest letters, digits and "_-/:."), or "".
func CheckFindingKey(s string) string {
	if len(s) > MaxFindingKeyLen {
		return "is " + strconv.Itoa(len(s)) + " bytes long, more than " + strconv.Itoa(MaxFindingKeyLen)
	}
	rule, rest, ok := strings.Cut(s, ":")
	if !ok || rule == "" || rest == "" {
		return "is not a finding id (\"<rule>:<event id>\" or the id a finding list gives)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '/' || c == ':' || c == '.') {
			return "is not a finding id: letters, digits and _-/:. only"
		}
	}
	return ""
}

func (v *validator) disclosure(m *eventsv1.DisclosureMade) {
	l := at("disclosure_made")
	if r := m.GetRecipient(); r == nil {
		v.add(l, "recipient", "is required")
	} else {
		v.recipient(at("disclosure_made.recipient"), r, true)
	}
	special := v.keys(l, "categories", m.GetCategories(), categoryKey, true)
	v.key(l, "purpose", m.GetPurpose(), useKey, true)
	v.bases(l, "legal_basis", m.GetLegalBasis(), "special_category_condition", m.GetSpecialCategoryCondition(), special)
	v.text(l, "legal_instrument_ref", m.GetLegalInstrumentRef(), false, MaxStringLen)
	if m.GetRecipient().GetKind() == eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY && m.GetLegalInstrumentRef() == "" && m.GetLegalInstrumentRefText() == nil {
		v.add(l, "legal_instrument_ref", "is required for a disclosure to a public authority: the order, warrant or statute")
	}
	v.timestamp(l, "confidential_until", m.GetConfidentialUntil(), false)
	v.token(l, "activity_id", m.GetActivityId(), false)
	v.list(l, "values", len(m.GetValues()))
	if m.GetParticularInquiry() && m.GetRecipient().GetKind() != eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY {
		v.add(l, "particular_inquiry", "is set for a recipient that is not a public authority (Art. 4(9))")
	}
	v.enum(l, "restriction_exception", eventsv1.Art18Exception(0).Descriptor(), protoreflect.EnumNumber(m.GetRestrictionException()), false)
	v.enum(l, "criminal_data_basis", eventsv1.CriminalDataBasis(0).Descriptor(), protoreflect.EnumNumber(m.GetCriminalDataBasis()), false)
}

func (v *validator) recipient(l loc, r *eventsv1.Recipient, disclosure bool) {
	if r == nil {
		v.add(l, "", "is empty")
		return
	}
	v.token(l, "id", r.GetId(), true)
	v.label(l, "name", r.GetName(), true)
	kindOK := v.enum(l, "kind", eventsv1.RecipientKind(0).Descriptor(), protoreflect.EnumNumber(r.GetKind()), false)
	if kindOK && r.GetKind() == eventsv1.RecipientKind_RECIPIENT_KIND_UNSPECIFIED {
		if disclosure {
			v.add(l, "kind", "is required: disclosure without recipient kind")
		} else {
			v.add(l, "kind", "is required: processor, controller, third party or public authority")
		}
	}
	inEEA, countryOK := false, false
	switch c := r.GetCountry(); {
	case c == "":
		v.add(l, "country", "is required: an ISO 3166-1 alpha-2 code")
	case len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z':
		v.add(l, "country", "is not an ISO 3166-1 alpha-2 code (two upper-case letters)")
	default:
		if _, ok := countries[c]; !ok {
			v.add(l, "country", "is not an assigned ISO 3166-1 alpha-2 code")
		} else {
			countryOK = true
			inEEA = taxonomy.InEEA(c)
		}
	}
	tm := r.GetTransferMechanism()
	if v.enum(l, "transfer_mechanism", eventsv1.TransferMechanism(0).Descriptor(), protoreflect.EnumNumber(tm), false) {
		switch {
		case tm == eventsv1.TransferMechanism_TRANSFER_MECHANISM_UNSPECIFIED:
			v.add(l, "transfer_mechanism", "is required: TRANSFER_MECHANISM_NOT_APPLICABLE within the EEA, else the Chapter V ground")
		case tm == eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE && countryOK && !inEEA:
			v.add(l, "transfer_mechanism", "must not be TRANSFER_MECHANISM_NOT_APPLICABLE: the country is outside the EEA, a Chapter V ground is required")
		}
	}
	d := r.GetArt49Derogation()
	if v.enum(l, "art49_derogation", eventsv1.Art49Derogation(0).Descriptor(), protoreflect.EnumNumber(d), false) && !v.stored {
		switch {
		case tm == eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49 && d == eventsv1.Art49Derogation_ART49_DEROGATION_UNSPECIFIED:
			v.add(l, "art49_derogation", "is required for TRANSFER_MECHANISM_DEROGATION_ART49: the Art. 49(1) point relied on")
		case tm != eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49 && d != eventsv1.Art49Derogation_ART49_DEROGATION_UNSPECIFIED:
			v.add(l, "art49_derogation", "is set while transfer_mechanism is not TRANSFER_MECHANISM_DEROGATION_ART49")
		}
	}
	v.url(l, "safeguards_url", r.GetSafeguardsUrl())
	if r.GetDpfCertified() && countryOK && r.GetCountry() != "US" {
		v.add(l, "dpf_certified", "is set for a recipient outside the United States: the EU-US Data Privacy Framework certifies US organisations only")
	}
}

// ---------------------------------------------------------------------------
// DataValues

// carriesValues holds the payload fields whose message can hold a DataValue,
// found once from the descriptors, so that Validate skips the reflective walk
// of Values for every other payload.
var carriesValues = func() map[string]bool {
	m := make(map[string]bool)
	fields := payloadOneof.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		m[string(fd.Name())] = reachesDataValue(fd.Message(), map[protoreflect.FullName]bool{})
	}
	return m
}()

func reachesDataValue(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if md.FullName() == dataValueName {
		return true
	}
	if seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		if sub := fields.Get(i).Message(); sub != nil && reachesDataValue(sub, seen) {
			return true
		}
	}
	return false
}

func (v *validator) values(ev *eventsv1.Event) {
	if !carriesValues[PayloadField(ev)] {
		return
	}
	vals := Values(ev)
	if len(vals) == 0 {
		return
	}
	var cats []string
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_DataCollected:
		cats = p.DataCollected.GetCategories()
	case *eventsv1.Event_DataRectified:
		cats = p.DataRectified.GetCategories()
	case *eventsv1.Event_DisclosureMade:
		cats = p.DisclosureMade.GetCategories()
	default:
		// exhaustive: only these payloads declare the categories of their
		// values; the others hold free text only, and a categorised value in
		// one of them is refused below as not among the payload's categories.
	}
	var catSet map[string]struct{}
	if len(cats) > 16 {
		catSet = make(map[string]struct{}, len(cats))
		for _, c := range cats {
			catSet[c] = struct{}{}
		}
	}
	for _, val := range vals {
		l := val.loc()
		dv := val.Value
		switch c := dv.GetCategory(); {
		case val.IsFreeText():
			if c != FreeTextCategory {
				v.add(l, "category", "must be "+FreeTextCategory+": the field holds free text")
			}
		case c == "":
			v.add(l, "category", "is required: a fideslang data category")
		case !taxonomy.IsDataCategory(c):
			v.add(l, "category", "unknown fideslang data category")
		case !listed(c, cats, catSet):
			v.add(l, "category", "is not among the payload's categories")
		}
		v.token(l, "key_group", dv.GetKeyGroup(), false)
		maxLen := MaxPlaintextLen
		if val.IsFreeText() {
			maxLen = freeTextMaxLen(val.field) // the bound of the words before they were moved
		}
		switch x := dv.GetValue().(type) {
		case *eventsv1.DataValue_Plaintext:
			switch s := x.Plaintext; {
			case s == "":
				v.add(l, "plaintext", "is empty")
			case len(s) > maxLen:
				v.add(l, "plaintext", "is "+strconv.Itoa(len(s))+" bytes long, more than "+strconv.Itoa(maxLen))
			case !utf8.ValidString(s):
				v.add(l, "plaintext", "is not valid UTF-8")
			}
		case *eventsv1.DataValue_Sealed:
			if x.Sealed == nil {
				v.add(l, "sealed", "is empty")
				break
			}
			if n := len(x.Sealed.GetNonce()); n != sealedNonceLen {
				v.add(l, "sealed.nonce", "is "+strconv.Itoa(n)+" bytes long, want "+strconv.Itoa(sealedNonceLen))
			}
			switch n := len(x.Sealed.GetCiphertext()); {
			case n < sealedMinCipher:
				v.add(l, "sealed.ciphertext", "is "+strconv.Itoa(n)+" bytes long, shorter than the "+strconv.Itoa(sealedMinCipher)+"-byte GCM tag")
			case n > MaxPlaintextLen+sealedMinCipher:
				v.add(l, "sealed.ciphertext", "is "+strconv.Itoa(n)+" bytes long, more than a sealed "+strconv.Itoa(MaxPlaintextLen)+"-byte plaintext")
			}
		default:
			v.add(l, "value", "is required: plaintext or sealed")
		}
	}
}

func listed(c string, cats []string, set map[string]struct{}) bool {
	if set != nil {
		_, ok := set[c]
		return ok
	}
	for _, x := range cats {
		if x == c {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Field checks. Each reports its problems and never a value.

func (v *validator) token(l loc, name, s string, required bool) {
	if s == "" {
		if required {
			v.add(l, name, "is required")
		}
		return
	}
	if err := CheckToken(s); err != nil {
		v.add(l, name, err.Error())
	}
}

func (v *validator) text(l loc, name, s string, required bool, max int) {
	switch {
	case s == "":
		if required {
			v.add(l, name, "is required")
		}
	case len(s) > max:
		v.add(l, name, "is "+strconv.Itoa(len(s))+" bytes long, more than "+strconv.Itoa(max))
	case !utf8.ValidString(s):
		v.add(l, name, "is not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		v.add(l, name, "holds a NUL byte (U+0000), which the read models (PostgreSQL text) cannot store")
	}
}

// label checks a catalogue label (StringFields' Label): one line of
// text that cannot hold an email address.
func (v *validator) label(l loc, name, s string, required bool) {
	v.text(l, name, s, required, MaxStringLen)
	if v.stored {
		return
	}
	if strings.ContainsRune(s, '@') {
		v.add(l, name, "must not contain \"@\": a label names the controller's catalogue, never a person's address")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			v.add(l, name, "must be one line without control characters")
			break
		}
	}
}

// dotted checks dot-separated NATS tokens, e.g. "web.contact_form", "2025.1".
func (v *validator) dotted(l loc, name, s string, required bool) {
	if v.stored {
		v.text(l, name, s, required, MaxStringLen)
		return
	}
	if s == "" {
		if required {
			v.add(l, name, "is required")
		}
		return
	}
	if len(s) > MaxTokenLen*2 {
		v.add(l, name, "is "+strconv.Itoa(len(s))+" characters long, more than "+strconv.Itoa(MaxTokenLen*2))
		return
	}
	for _, part := range strings.Split(s, ".") {
		if CheckToken(part) != nil {
			v.add(l, name, "is not dot-separated tokens of [A-Za-z0-9_-]")
			return
		}
	}
}

// collectionSource checks DataCollected.collection_source: data_subject,
// observed or third_party:<token>.
func (v *validator) collectionSource(l loc, name, s string) {
	if v.stored {
		v.text(l, name, s, false, MaxStringLen)
		return
	}
	switch {
	case s == "", s == "data_subject", s == "observed":
	case strings.HasPrefix(s, "third_party:") && CheckToken(strings.TrimPrefix(s, "third_party:")) == nil:
	default:
		v.add(l, name, "must be data_subject, observed or third_party:<id> (an id of [A-Za-z0-9_-])")
	}
}

// url checks an absolute http(s) URL without user information, query or
// fragment, and without "@" anywhere: it names a published document.
func (v *validator) url(l loc, name, s string) {
	if v.stored {
		v.text(l, name, s, false, MaxStringLen)
		return
	}
	if s == "" {
		return
	}
	u, err := neturl.Parse(s)
	switch {
	case len(s) > MaxStringLen:
		v.add(l, name, "is "+strconv.Itoa(len(s))+" bytes long, more than "+strconv.Itoa(MaxStringLen))
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		v.add(l, name, "is not an absolute http or https URL")
	case strings.ContainsAny(s, "@?# ") || u.User != nil:
		v.add(l, name, "must not hold user information, a query, a fragment, spaces or \"@\"")
	}
}

func (v *validator) list(l loc, name string, n int) bool {
	if n > MaxListLen {
		v.add(l, name, "has "+strconv.Itoa(n)+" entries, more than "+strconv.Itoa(MaxListLen))
		return false
	}
	return true
}

// timestamp checks that a required timestamp is set. Whether a set one is
// valid and in range is CheckStorable's, for every timestamp of the event.
func (v *validator) timestamp(l loc, name string, ts *timestamppb.Timestamp, required bool) {
	if ts == nil && required {
		v.add(l, name, "is required")
	}
}

// digest checks a SHA-256 digest.
func (v *validator) digest(l loc, name string, b []byte, required bool) {
	switch {
	case len(b) == 0 && required:
		v.add(l, name, "is required: the SHA-256 digest (32 bytes)")
	case len(b) != 0 && len(b) != sha256Len:
		v.add(l, name, "is "+strconv.Itoa(len(b))+" bytes long, a SHA-256 digest is 32")
	}
}

// enum checks that n is a value of ed and, when required, not its zero
// value; it reports whether n is a known value.
func (v *validator) enum(l loc, name string, ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber, required bool) bool {
	vd := ed.Values().ByNumber(n)
	if vd == nil {
		v.add(l, name, "has unknown "+string(ed.Name())+" value "+strconv.Itoa(int(n)))
		return false
	}
	if required && n == 0 {
		v.add(l, name, "is required: "+string(vd.Name())+" is not allowed")
	}
	return true
}

// bases checks a legal basis (GDPR Art. 6(1), required) and a special
// category condition (Art. 9(2), required when special is true).
func (v *validator) bases(l loc, basisName string, basis eventsv1.LegalBasis, condName string, cond eventsv1.LegalBasis, special bool) {
	ed := eventsv1.LegalBasis(0).Descriptor()
	if v.enum(l, basisName, ed, protoreflect.EnumNumber(basis), false) {
		switch {
		case basis == eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED:
			v.add(l, basisName, "is required: a lawful basis of GDPR Art. 6(1)")
		case !isArt6(basis):
			v.add(l, basisName, "must be an Art. 6(1) basis, not "+basis.String()+"; Art. 9(2) conditions go in "+condName)
		}
	}
	if v.enum(l, condName, ed, protoreflect.EnumNumber(cond), false) {
		switch {
		case cond == eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED:
			if special {
				v.add(l, condName, "is required: a special category of personal data requires an Art. 9(2) condition")
			}
		case !isArt9(cond):
			v.add(l, condName, "must be an Art. 9(2) condition, not "+cond.String())
		}
	}
}

func isArt6(b eventsv1.LegalBasis) bool {
	return b >= eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT && b <= eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS
}

func isArt9(b eventsv1.LegalBasis) bool {
	return b >= eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT && b <= eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_J_ARCHIVING_RESEARCH_STATISTICS
}

// keyKind is a kind of fideslang key.
type keyKind int

const (
	categoryKey keyKind = iota
	useKey
	subjectKey
)

func (k keyKind) known(s string) bool {
	switch k {
	case categoryKey:
		return taxonomy.IsDataCategory(s)
	case useKey:
		return taxonomy.IsDataUse(s)
	default:
		return taxonomy.IsDataSubject(s)
	}
}

func (k keyKind) unknown() string {
	switch k {
	case categoryKey:
		return "unknown fideslang data category"
	case useKey:
		return "unknown fideslang data use"
	default:
		return "unknown fideslang data subject"
	}
}

func (k keyKind) required() string {
	switch k {
	case categoryKey:
		return "is required: a fideslang data category"
	case useKey:
		return "is required: a fideslang data use"
	default:
		return "is required: a fideslang data subject"
	}
}

// key checks one fideslang key.
func (v *validator) key(l loc, name, s string, k keyKind, required bool) {
	switch {
	case s == "":
		if required {
			v.add(l, name, k.required())
		}
	case !k.known(s):
		v.add(l, name, k.unknown())
	}
}

// keys checks a list of fideslang keys and reports whether it holds a
// special category (for data categories).
func (v *validator) keys(l loc, name string, list []string, k keyKind, required bool) (special bool) {
	if len(list) == 0 {
		if required {
			v.add(l, name, "is required: at least one entry")
		}
		return false
	}
	v.list(l, name, len(list))
	for i, s := range list {
		switch {
		case s == "":
			v.addItem(l, name, i, "is empty")
		case !k.known(s):
			v.addItem(l, name, i, k.unknown())
		case k == categoryKey && taxonomy.IsSpecialCategory(s):
			special = true
		}
	}
	return special
}

// language checks a BCP 47 language tag's shape: subtags of 1 to 8 letters
// or digits joined by hyphens, the first one letters only.
func (v *validator) language(l loc, name, s string) {
	if s == "" {
		v.add(l, name, "is required: a BCP 47 language tag")
		return
	}
	if len(s) > MaxLanguageLen {
		v.add(l, name, "is "+strconv.Itoa(len(s))+" bytes long, more than "+strconv.Itoa(MaxLanguageLen))
		return
	}
	sub, first := 0, true
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '-' {
			if sub == 0 || sub > 8 {
				v.add(l, name, "is not a BCP 47 language tag: subtags of 1 to 8 letters or digits joined by hyphens")
				return
			}
			sub, first = 0, false
			continue
		}
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && !(c >= '0' && c <= '9' && !first) {
			v.add(l, name, "is not a BCP 47 language tag: subtags of 1 to 8 letters or digits joined by hyphens, the first letters only")
			return
		}
		sub++
	}
}

// ---------------------------------------------------------------------------
// Countries

// countries are the ISO 3166-1 alpha-2 codes assigned at the time of writing
// (249; the list tzdata's iso3166.tab holds).
var countries = codeSet(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW
XK
`) // XK (Kosovo) is user-assigned, but the EU and most registries use it.

func codeSet(list string) map[string]struct{} {
	fields := strings.Fields(list)
	m := make(map[string]struct{}, len(fields))
	for _, f := range fields {
		m[f] = struct{}{}
	}
	return m
}
