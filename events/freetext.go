package events

import (
	"strconv"
	"strings"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// FreeTextCategory is the fideslang data category of free text moved into
// a DataValue: whatever a person wrote in words, which may name or identify
// someone (fideslang 3.1 "user.content.private").
const FreeTextCategory = "user.content.private"

// FieldKind is how the vocabulary treats one string field.
type FieldKind int

const (
	// Structured: validated to a shape that cannot hold an email or free
	// words (a NATS token, a UUID, a taxonomy key, an ISO code, a URL, a
	// value from a fixed set). Stored as it is.
	Structured FieldKind = iota + 1
	// FreeText: personal data. On receipt it is moved into its sibling
	// DataValue "<name>_text" and sealed under the subject's key (the
	// tenant key, ControllerRef, for controller-level events), so that
	// shredding erases it.
	FreeText
	// Label: a name the controller gives its own catalogue (an activity,
	// an organisation it discloses to, a retention trigger). Shown in the
	// record of processing, which is a projection and holds no keys, so it
	// is stored as it is; validated as one line of text that cannot hold
	// an email (no "@") or control characters.
	Label
	// SealedValue: DataValue.plaintext, the value itself; sealed on receipt and
	// never stored (CheckSealed).
	SealedValue
)

// StringFields is the one place that says what every string field of the
// vocabulary is, by proto full name. TestStringFieldsClassified walks every
// string field reachable from Event and fails for one missing here, so a
// new field cannot slip through unsealed.
var StringFields = map[protoreflect.FullName]FieldKind{
	// Envelope.
	"docket.events.v1.Event.event_id":         Structured, // UUIDv7
	"docket.events.v1.Event.tenant":           Structured, // token
	"docket.events.v1.Event.subject_ref":      Structured, // token
	"docket.events.v1.Event.source":           Structured, // token
	"docket.events.v1.Event.correlation_id":   Structured, // token (a UUID is one)
	"docket.events.v1.Event.causation_id":     Structured, // UUID
	"docket.events.v1.Event.taxonomy_version": Structured, // supported set
	"docket.events.v1.Actor.id":               Structured, // token

	"docket.events.v1.Recipient.id":      Structured, // token
	"docket.events.v1.Recipient.name":    Label,
	"docket.events.v1.Recipient.country": Structured, // ISO 3166-1 alpha-2
	"docket.events.v1.Retention.trigger": Label,

	"docket.events.v1.ProcessingActivity.activity_id":                        Structured,
	"docket.events.v1.ProcessingActivity.name":                               Label,
	"docket.events.v1.ProcessingActivity.purposes":                           Structured, // fideslang
	"docket.events.v1.ProcessingActivity.data_categories":                    Structured,
	"docket.events.v1.ProcessingActivity.data_subjects":                      Structured,
	"docket.events.v1.ProcessingActivity.key_group":                          Structured,
	"docket.events.v1.ProcessingActivity.legitimate_interest_assessment_ref": Label,
	"docket.events.v1.ProcessingActivityAmended.reason":                      FreeText,

	"docket.events.v1.NoticePublished.notice_id": Structured,
	"docket.events.v1.NoticePublished.version":   Structured, // dotted tokens
	"docket.events.v1.NoticePublished.language":  Structured, // BCP 47
	"docket.events.v1.NoticePublished.url":       Structured, // http(s) URL, no "@"

	"docket.events.v1.DataValue.category":  Structured,
	"docket.events.v1.DataValue.key_group": Structured,
	"docket.events.v1.DataValue.plaintext": SealedValue,

	"docket.events.v1.DataCollected.activity_id":       Structured,
	"docket.events.v1.DataCollected.purposes":          Structured,
	"docket.events.v1.DataCollected.categories":        Structured,
	"docket.events.v1.DataCollected.collection_source": Structured, // data_subject, observed, third_party:<token>
	"docket.events.v1.DataCollected.collection_point":  Structured, // dotted tokens

	"docket.events.v1.DataRectified.categories": Structured,
	"docket.events.v1.DataRectified.request_id": Structured,
	"docket.events.v1.DataRectified.reason":     FreeText,

	"docket.events.v1.ParentalAuthorization.guardian_ref":        Structured,
	"docket.events.v1.ParentalAuthorization.verification_method": FreeText,

	"docket.events.v1.ConsentGiven.purpose":        Structured,
	"docket.events.v1.ConsentGiven.notice_id":      Structured,
	"docket.events.v1.ConsentGiven.notice_version": Structured, // dotted tokens
	"docket.events.v1.ConsentGiven.categories":     Structured,
	"docket.events.v1.ConsentWithdrawn.purpose":    Structured,

	"docket.events.v1.DisclosureMade.categories":           Structured,
	"docket.events.v1.DisclosureMade.purpose":              Structured,
	"docket.events.v1.DisclosureMade.legal_instrument_ref": FreeText,
	"docket.events.v1.DisclosureMade.activity_id":          Structured,

	"docket.events.v1.RightsRequestReceived.request_id":         Structured,
	"docket.events.v1.RightsRequestReceived.categories":         Structured,
	"docket.events.v1.RightsRequestReceived.purposes":           Structured,
	"docket.events.v1.RightsRequestIdentityVerified.request_id": Structured,
	"docket.events.v1.RightsRequestIdentityVerified.method":     FreeText,
	"docket.events.v1.RightsRequestDeadlineExtended.request_id": Structured,
	"docket.events.v1.RightsRequestDeadlineExtended.reason":     FreeText,
	"docket.events.v1.RightsRequestFulfilled.request_id":        Structured,
	"docket.events.v1.RightsRequestFulfilled.outcome":           FreeText,
	"docket.events.v1.RightsRequestDenied.request_id":           Structured,
	"docket.events.v1.RightsRequestDenied.explanation":          FreeText,
	"docket.events.v1.RestrictionApplied.restriction_id":        Structured,
	"docket.events.v1.RestrictionApplied.purposes":              Structured,
	"docket.events.v1.RestrictionApplied.categories":            Structured,
	"docket.events.v1.RestrictionApplied.request_id":            Structured,
	"docket.events.v1.RestrictionApplied.reason":                FreeText,
	"docket.events.v1.RestrictionLifted.restriction_id":         Structured,
	"docket.events.v1.RestrictionLifted.reason":                 FreeText,
	"docket.events.v1.ObjectionRecorded.purposes":               Structured,
	"docket.events.v1.ObjectionRecorded.request_id":             Structured,
	"docket.events.v1.ObjectionRecorded.grounds":                FreeText,
	"docket.events.v1.ErasureExecuted.request_id":               Structured,
	"docket.events.v1.ErasureExecuted.system":                   Structured,
	"docket.events.v1.ErasureExecuted.categories":               Structured,
	"docket.events.v1.SubjectKeyShredded.key_groups":            Structured,
	"docket.events.v1.SubjectKeyShredded.request_id":            Structured,
	"docket.events.v1.RecipientNotified.request_id":             Structured,
	"docket.events.v1.RecipientNotified.recipient_id":           Structured,
	"docket.events.v1.RetentionExpired.activity_id":             Structured,
	"docket.events.v1.RetentionExpired.categories":              Structured,
	"docket.events.v1.RetentionExpired.action":                  FreeText, // its keyword stays: see moveFreeText
	"docket.events.v1.BreachRecorded.breach_id":                 Structured,
	"docket.events.v1.BreachRecorded.description":               FreeText,
	"docket.events.v1.BreachRecorded.categories":                Structured,
	"docket.events.v1.BreachRecorded.risk":                      Structured, // low, high
	"docket.events.v1.SubjectDataExported.request_id":           Structured,
	"docket.events.v1.SubjectDataExported.justification":        FreeText,
	"docket.events.v1.SubjectDataExported.token_id":             Structured,
	"docket.events.v1.RecipientNotificationDue.request_id":      Structured,
	"docket.events.v1.RecipientNotificationDue.recipient_id":    Structured,
	"docket.events.v1.RecipientNotificationDue.cause_event_id":  Structured,
	"docket.events.v1.RecipientNotificationWaived.request_id":   Structured,
	"docket.events.v1.RecipientNotificationWaived.recipient_id": Structured,
	"docket.events.v1.RecipientNotificationWaived.detail":       FreeText,
	"docket.events.v1.ErasureExemptionRecorded.request_id":      Structured,
	"docket.events.v1.ErasureExemptionRecorded.key_groups":      Structured,
	"docket.events.v1.ErasureExemptionRecorded.detail":          FreeText,

	"docket.events.v1.ControllerProfile.name":                      Label,
	"docket.events.v1.ControllerProfile.address":                   Label,
	"docket.events.v1.ControllerProfile.contact_url":               Structured, // http(s) URL, no "@"
	"docket.events.v1.ControllerProfile.dpo_contact_url":           Structured,
	"docket.events.v1.ControllerProfile.supervisory_authority":     Label,
	"docket.events.v1.ControllerProfile.supervisory_authority_url": Structured,
	"docket.events.v1.ControllerProfile.time_zone":                 Structured, // IANA name
	"docket.events.v1.ControllerProfile.member_state":              Structured, // ISO 3166-1 alpha-2
	"docket.events.v1.ControllerProfile.languages":                 Structured, // BCP 47
	"docket.events.v1.ControllerProfile.security_measures":         Label,
	"docket.events.v1.ControllerProfile.contact_email":             FreeText, // sealed under the tenant key
	"docket.events.v1.ControllerProfile.contact_phone":             FreeText,
	"docket.events.v1.ControllerProfile.dpo_email":                 FreeText,
	"docket.events.v1.Party.name":                                  Label,
	"docket.events.v1.Party.address":                               Label,
	"docket.events.v1.Party.contact_url":                           Structured, // http(s) URL, no "@"
	"docket.events.v1.Party.country":                               Structured, // ISO 3166-1 alpha-2
	"docket.events.v1.Party.arrangement_url":                       Structured,
	"docket.events.v1.ProcessingActivity.legitimate_interest":      Label,
	"docket.events.v1.ProcessingActivity.automated_logic":          Label,
	"docket.events.v1.Recipient.safeguards_url":                    Structured, // http(s) URL, no "@"

	"docket.events.v1.DataProcessed.activity_id": Structured,
	"docket.events.v1.DataProcessed.purposes":    Structured,
	"docket.events.v1.DataProcessed.categories":  Structured,
	"docket.events.v1.DataProcessed.system":      Structured,

	"docket.events.v1.RelationshipEnded.relationship_id": Structured,
	"docket.events.v1.RelationshipEnded.activity_ids":    Structured,

	"docket.events.v1.ObjectionOverridden.request_id":     Structured,
	"docket.events.v1.ObjectionOverridden.purposes":       Structured,
	"docket.events.v1.ObjectionOverridden.assessment_ref": Label,
	"docket.events.v1.ObjectionOverridden.grounds":        FreeText,

	"docket.events.v1.DisclosureConfidentialityChanged.disclosure_event_id":  Structured, // UUID
	"docket.events.v1.DisclosureConfidentialityChanged.legal_instrument_ref": FreeText,

	"docket.events.v1.BreachRiskAssessed.breach_id":                Structured,
	"docket.events.v1.BreachRiskAssessed.risk":                     Structured, // none, low, high
	"docket.events.v1.BreachRiskAssessed.detail":                   FreeText,
	"docket.events.v1.BreachAuthorityNotified.breach_id":           Structured,
	"docket.events.v1.BreachAuthorityNotified.authority":           Label,
	"docket.events.v1.BreachAuthorityNotified.reference":           Label,
	"docket.events.v1.BreachAuthorityNotified.categories":          Structured,
	"docket.events.v1.BreachAuthorityNotified.delay_reason":        FreeText,
	"docket.events.v1.BreachSubjectsNotified.breach_id":            Structured,
	"docket.events.v1.BreachSubjectNotificationExempted.breach_id": Structured,
	"docket.events.v1.BreachSubjectNotificationExempted.detail":    FreeText,
	"docket.events.v1.BreachClosed.breach_id":                      Structured,
	"docket.events.v1.BreachClosed.summary":                        FreeText,

	"docket.events.v1.FindingStatusChanged.finding_ids":        Structured, // finding ids: rule and tokens joined by ":"
	"docket.events.v1.FindingStatusChanged.assignee":           Structured, // token
	"docket.events.v1.FindingStatusChanged.justification":      FreeText,
	"docket.events.v1.FindingStatusChanged.resolving_event_id": Structured, // UUID
	"docket.events.v1.FindingStatusChanged.group":              Structured, // finding group key
}

// freeTextSuffix names the sibling DataValue field of a free-text field.
const freeTextSuffix = "_text"

// RetentionActions are the keywords RetentionExpired.action starts with;
// words after "<keyword>: " are free text.
var RetentionActions = []string{"erased", "anonymised", "held"}

// freePair is a free-text string field and its sealed sibling.
type freePair struct{ text, sealed protoreflect.FieldDescriptor }

// freeText maps each message that has free-text fields, or holds a
// message that has, to those pairs and to its message fields to descend
// into; worked out once from the descriptors and StringFields.
var freeText = func() map[protoreflect.FullName]*freeInfo {
	out := map[protoreflect.FullName]*freeInfo{}
	var visit func(md protoreflect.MessageDescriptor) bool
	visit = func(md protoreflect.MessageDescriptor) bool {
		if fi, seen := out[md.FullName()]; seen {
			return fi != nil
		}
		out[md.FullName()] = nil
		fi := &freeInfo{}
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if fd.Kind() == protoreflect.StringKind && StringFields[fd.FullName()] == FreeText {
				if s := fields.ByName(fd.Name() + freeTextSuffix); s != nil && s.Message() != nil && s.Message().FullName() == dataValueName {
					fi.pairs = append(fi.pairs, freePair{fd, s})
				}
				continue
			}
			if fd.Message() != nil && !fd.IsMap() && visit(fd.Message()) {
				fi.sub = append(fi.sub, fd)
			}
		}
		if len(fi.pairs) == 0 && len(fi.sub) == 0 {
			delete(out, md.FullName())
			return false
		}
		out[md.FullName()] = fi
		return true
	}
	visit((&eventsv1.Event{}).ProtoReflect().Descriptor())
	return out
}()

type freeInfo struct {
	pairs []freePair
	sub   []protoreflect.FieldDescriptor
}

// freeTextSibling holds the names of the DataValue fields that are the
// sealed siblings of free-text fields (their category is FreeTextCategory).
var freeTextSibling = func() map[string]bool {
	out := map[string]bool{}
	for _, fi := range freeText {
		for _, p := range fi.pairs {
			out[string(p.sealed.Name())] = true
		}
	}
	return out
}()

// freeTextMaxLen bounds the words of a free-text field's sealed sibling
// as Validate bounds them in the string field: MaxDescriptionLen for a
// breach's description and the details of waivers and exemptions,
// MaxStringLen for the rest.
func freeTextMaxLen(sibling string) int {
	switch sibling {
	case "description_text", "detail_text", "summary_text", "justification_text", "delay_reason_text":
		return MaxDescriptionLen
	}
	return MaxStringLen
}

// IsFreeText reports whether v is the sealed sibling of a free-text field
// (e.g. data_rectified.reason_text) rather than a value of the payload's
// categories.
func (v Value) IsFreeText() bool { return freeTextSibling[v.field] }

// MoveFreeText moves the plaintext of every free-text string field of ev
// into its sibling "<name>_text" DataValue (category FreeTextCategory,
// default key group) and clears the string, so that the sealer seals it
// as it seals values. RetentionExpired.action keeps its keyword ("held")
// and moves only the words after "held: ". An event that sets both a
// free-text field and its sibling is refused with a *ValidationError
// naming the field; it is left unchanged then.
//
// The Emitter calls it before validating every event but those docketd
// records itself (Source RecordedBy), whose words it composes from fixed
// text and ids after a shred too.
func MoveFreeText(ev *eventsv1.Event) error {
	p := payloadOf(ev)
	if p == nil {
		return nil
	}
	fi := freeText[p.field.Message().FullName()]
	if fi == nil {
		return nil
	}
	m := ev.ProtoReflect().Get(p.field).Message()
	var pr problems
	walkFreeText(m, p.name, fi, func(string, protoreflect.Message, freePair) {}, &pr)
	if err := pr.err(); err != nil {
		return err
	}
	walkFreeText(m, p.name, fi, move, nil)
	return nil
}

// freeText reports the free-text fields of ev set together with
// their sibling.
func (v *validator) freeText(ev *eventsv1.Event) {
	p := payloadOf(ev)
	if p == nil {
		return
	}
	if fi := freeText[p.field.Message().FullName()]; fi != nil {
		walkFreeText(ev.ProtoReflect().Get(p.field).Message(), p.name, fi, func(string, protoreflect.Message, freePair) {}, &v.p)
	}
}

func walkFreeText(m protoreflect.Message, path string, fi *freeInfo, f func(string, protoreflect.Message, freePair), pr *problems) {
	for _, pair := range fi.pairs {
		s := m.Get(pair.text).String()
		if s == "" {
			continue
		}
		if pr != nil && m.Has(pair.sealed) && !(isRetentionAction(pair.text) && keywordOnly(s)) {
			pr.add(path+"."+string(pair.text.Name()), "is set together with "+string(pair.sealed.Name())+": send the text in one of them")
			continue
		}
		f(path, m, pair)
	}
	for _, fd := range fi.sub {
		if !m.Has(fd) {
			continue
		}
		sub := freeText[fd.Message().FullName()]
		if fd.IsList() {
			l := m.Get(fd).List()
			for i := 0; i < l.Len(); i++ {
				walkFreeText(l.Get(i).Message(), path+"."+string(fd.Name())+"["+strconv.Itoa(i)+"]", sub, f, pr)
			}
			continue
		}
		walkFreeText(m.Get(fd).Message(), path+"."+string(fd.Name()), sub, f, pr)
	}
}

func move(_ string, m protoreflect.Message, pair freePair) {
	s := m.Get(pair.text).String()
	keep := ""
	if isRetentionAction(pair.text) {
		if keywordOnly(s) {
			return
		}
		if kw, rest, ok := strings.Cut(s, ": "); ok && isRetentionKeyword(kw) {
			keep, s = kw, rest
		}
	}
	dv := &eventsv1.DataValue{Category: FreeTextCategory, Value: &eventsv1.DataValue_Plaintext{Plaintext: s}}
	m.Set(pair.text, protoreflect.ValueOfString(keep))
	m.Set(pair.sealed, protoreflect.ValueOfMessage(dv.ProtoReflect()))
}

var retentionActionField = (&eventsv1.RetentionExpired{}).ProtoReflect().Descriptor().Fields().ByName("action").FullName()

func isRetentionAction(fd protoreflect.FieldDescriptor) bool {
	return fd.FullName() == retentionActionField
}

func isRetentionKeyword(s string) bool {
	for _, k := range RetentionActions {
		if s == k {
			return true
		}
	}
	return false
}

// keywordOnly: a RetentionExpired.action that is only its keyword holds
// no free text.
func keywordOnly(s string) bool { return isRetentionKeyword(s) }

// LegacyText is a free-text field stored in plaintext by an event written
// before its sealed sibling existed (events are forever).
type LegacyText struct {
	Path string // e.g. "data_rectified.reason"
	Text string
}

// LegacyFreeText returns the plaintext free-text fields of a stored event:
// only events stored before the sealed siblings existed, and docketd's own
// (source RecordedBy), have any.
func LegacyFreeText(ev *eventsv1.Event) []LegacyText {
	p := payloadOf(ev)
	if p == nil {
		return nil
	}
	fi := freeText[p.field.Message().FullName()]
	if fi == nil {
		return nil
	}
	var out []LegacyText
	walkFreeText(ev.ProtoReflect().Get(p.field).Message(), p.name, fi, func(path string, m protoreflect.Message, pair freePair) {
		out = append(out, LegacyText{Path: path + "." + string(pair.text.Name()), Text: m.Get(pair.text).String()})
	}, nil)
	return out
}

// SealedText is what read models and lists show for free text that is
// sealed: they hold no keys, and must not hold the words. Exports open it.
const SealedText = "(sealed)"

// ShownText is what a read model keeps of a free-text field: the words of
// an old (or docketd's own) event, SealedText when the words are sealed,
// "" when there are none.
func ShownText(plain string, sealed *eventsv1.DataValue) string {
	if plain == "" && sealed != nil {
		return SealedText
	}
	return plain
}
