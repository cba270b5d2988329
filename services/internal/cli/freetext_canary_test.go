package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/export"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// freeTextSubject is the subject every subject-level canary event is about.
const freeTextSubject = "s-freetext"

// canaryTemplates are one valid event per payload type, with every
// optional message and list that holds a string field set, so that every
// string field of the vocabulary has a place in one of them.
func canaryTemplates() []*eventsv1.Event {
	at := timestamppb.New(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	recipient := func() *eventsv1.Recipient {
		return &eventsv1.Recipient{Id: "mailer", Name: "Mailer Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
			Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE, SafeguardsUrl: "https://mailer.example/dpa"}
	}
	activity := func() *eventsv1.ProcessingActivity {
		return &eventsv1.ProcessingActivity{ActivityId: "newsletter", Name: "Newsletter", Purposes: []string{"marketing.communications.email"},
			DataCategories: []string{"user.contact.email"}, DataSubjects: []string{"customer"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, Recipients: []*eventsv1.Recipient{recipient()},
			Retention: &eventsv1.Retention{Days: 30, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}, KeyGroup: "marketing", LegitimateInterestAssessmentRef: "lia-7",
			LegitimateInterest: "telling customers of products like theirs", AutomatedLogic: "none",
			ProcessorFor: &eventsv1.Party{Name: "Client Ltd", Address: "1 Road", ContactUrl: "https://client.example", Country: "DE",
				ArrangementUrl: "https://client.example/dpa"}}
	}
	value := func() *eventsv1.DataValue {
		return &eventsv1.DataValue{Category: "user.contact.email", KeyGroup: "default", Value: &eventsv1.DataValue_Plaintext{Plaintext: "v@example.com"}}
	}
	sha := make([]byte, 32)
	payloads := []any{
		&eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: activity()}},
		&eventsv1.Event_ProcessingActivityAmended{ProcessingActivityAmended: &eventsv1.ProcessingActivityAmended{Activity: activity(), Reason: "r"}},
		&eventsv1.Event_NoticePublished{NoticePublished: &eventsv1.NoticePublished{NoticeId: "privacy", Version: "3", Language: "en",
			TextSha256: sha, Url: "https://example.org/privacy"}},
		&eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{ActivityId: "newsletter", Purposes: []string{"marketing.communications.email"},
			Categories: []string{"user.contact.email"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, Values: []*eventsv1.DataValue{value()},
			CollectionSource: "data_subject", CollectionPoint: "web.form"}},
		&eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{Categories: []string{"user.contact.email"},
			Values: []*eventsv1.DataValue{value()}, RequestId: "req-1", Reason: "r"}},
		&eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{Purpose: "marketing.communications.email", NoticeId: "privacy",
			NoticeVersion: "3", Method: eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, Channel: eventsv1.Channel_CHANNEL_WEB,
			ParentalAuthorization: &eventsv1.ParentalAuthorization{GuardianRef: "g-1", VerificationMethod: "signed form", VerifiedAt: at},
			Categories:            []string{"user.contact.email"}}},
		&eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{Purpose: "marketing.communications.email",
			Channel: eventsv1.Channel_CHANNEL_WEB}},
		&eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{Recipient: recipient(), Categories: []string{"user.contact.email"},
			Purpose: "marketing.communications.email", LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, LegalInstrumentRef: "contract 7",
			ActivityId: "newsletter", Values: []*eventsv1.DataValue{value()}}},
		&eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{RequestId: "req-1",
			Right: eventsv1.Right_RIGHT_RESTRICTION, Categories: []string{"user.contact.email"}, Purposes: []string{"marketing.communications.email"}}},
		&eventsv1.Event_RightsRequestIdentityVerified{RightsRequestIdentityVerified: &eventsv1.RightsRequestIdentityVerified{RequestId: "req-1", Method: "m"}},
		&eventsv1.Event_RightsRequestDeadlineExtended{RightsRequestDeadlineExtended: &eventsv1.RightsRequestDeadlineExtended{RequestId: "req-1", Months: 1, Reason: "r"}},
		&eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: &eventsv1.RightsRequestFulfilled{RequestId: "req-1", Outcome: "o"}},
		&eventsv1.Event_RightsRequestDenied{RightsRequestDenied: &eventsv1.RightsRequestDenied{RequestId: "req-1",
			Ground: eventsv1.DenialGround_DENIAL_GROUND_EXCESSIVE, Explanation: "e"}},
		&eventsv1.Event_RestrictionApplied{RestrictionApplied: &eventsv1.RestrictionApplied{RestrictionId: "res-1",
			Purposes: []string{"marketing.communications.email"}, Categories: []string{"user.contact.email"}, RequestId: "req-1", Reason: "r"}},
		&eventsv1.Event_RestrictionLifted{RestrictionLifted: &eventsv1.RestrictionLifted{RestrictionId: "res-1", Reason: "r"}},
		&eventsv1.Event_ObjectionRecorded{ObjectionRecorded: &eventsv1.ObjectionRecorded{Purposes: []string{"marketing.communications.email"},
			RequestId: "req-1", Grounds: "g"}},
		&eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{RequestId: "req-1", System: "crm",
			Categories: []string{"user.contact.email"}}},
		&eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{KeyGroups: []string{"unused"}, RequestId: "req-1"}},
		&eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{RequestId: "req-1", RecipientId: "mailer",
			Right: eventsv1.Right_RIGHT_RESTRICTION}},
		&eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{ActivityId: "newsletter",
			Categories: []string{"user.contact.email"}, Action: "held: a"}},
		&eventsv1.Event_BreachRecorded{BreachRecorded: &eventsv1.BreachRecorded{BreachId: "b-1", Description: "d",
			Categories: []string{"user.contact.email"}, DetectedAt: at, Risk: "low"}},
		&eventsv1.Event_SubjectDataExported{SubjectDataExported: &eventsv1.SubjectDataExported{RequestId: "req-1",
			Format: eventsv1.ExportFormat_EXPORT_FORMAT_JSON, ThroughSequence: 1, Justification: "j", TokenId: "tok-1"}},
		&eventsv1.Event_RecipientNotificationDue{RecipientNotificationDue: &eventsv1.RecipientNotificationDue{RequestId: "req-1",
			RecipientId: "mailer", Right: eventsv1.Right_RIGHT_RESTRICTION, CauseEventId: "0190f5e4-7c1a-7b3e-9f00-0123456789ab", DueAt: at}},
		&eventsv1.Event_RecipientNotificationWaived{RecipientNotificationWaived: &eventsv1.RecipientNotificationWaived{RequestId: "req-1",
			RecipientId: "mailer", Right: eventsv1.Right_RIGHT_RESTRICTION, Ground: eventsv1.WaiverGround_WAIVER_GROUND_IMPOSSIBLE, Detail: "d"}},
		&eventsv1.Event_ErasureExemptionRecorded{ErasureExemptionRecorded: &eventsv1.ErasureExemptionRecorded{RequestId: "req-1",
			KeyGroups: []string{"tax"}, Ground: eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION, Detail: "d", Until: at}},
		&eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{Profile: &eventsv1.ControllerProfile{
			Name: "Acme Ltd", Address: "1 High Street", ContactUrl: "https://acme.example/contact", DpoContactUrl: "https://acme.example/dpo",
			SupervisoryAuthority: "ICO", SupervisoryAuthorityUrl: "https://ico.example", TimeZone: "Europe/Dublin", MemberState: "IE",
			Languages: []string{"en"}, SecurityMeasures: []string{"encryption"}, ContactEmail: "privacy@acme.example",
			ContactPhone: "+353 1 555 0100", DpoEmail: "dpo@acme.example",
			JointControllers: []*eventsv1.Party{{Name: "Partner SE", ContactUrl: "https://partner.example", Country: "FR"}},
			Representative:   &eventsv1.Party{Name: "Rep Ltd", Country: "IE"}}}},
		&eventsv1.Event_DataProcessed{DataProcessed: &eventsv1.DataProcessed{ActivityId: "newsletter", Purposes: []string{"marketing.communications.email"},
			Categories: []string{"user.contact.email"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, System: "mailer"}},
		&eventsv1.Event_RelationshipEnded{RelationshipEnded: &eventsv1.RelationshipEnded{RelationshipId: "contract-1",
			Kind: eventsv1.RelationshipKind_RELATIONSHIP_KIND_CONTRACT, ActivityIds: []string{"newsletter"}}},
		&eventsv1.Event_ObjectionOverridden{ObjectionOverridden: &eventsv1.ObjectionOverridden{RequestId: "req-1",
			Purposes: []string{"essential.fraud_detection"}, Ground: eventsv1.ObjectionOverrideGround_OBJECTION_OVERRIDE_GROUND_LEGAL_CLAIMS,
			AssessmentRef: "lia-1", Grounds: "g"}},
		&eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: &eventsv1.DisclosureConfidentialityChanged{
			DisclosureEventId: "0190f5e4-7c1a-7b3e-9f00-0123456789ab", ConfidentialUntil: at, LegalInstrumentRef: "r"}},
		&eventsv1.Event_BreachRiskAssessed{BreachRiskAssessed: &eventsv1.BreachRiskAssessed{BreachId: "b-1", Risk: "high", Detail: "d"}},
		&eventsv1.Event_BreachAuthorityNotified{BreachAuthorityNotified: &eventsv1.BreachAuthorityNotified{BreachId: "b-1",
			Phase: eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_INITIAL, Authority: "ICO", Reference: "ref-1",
			Categories: []string{"user.contact.email"}, DelayReason: "d"}},
		&eventsv1.Event_BreachSubjectsNotified{BreachSubjectsNotified: &eventsv1.BreachSubjectsNotified{BreachId: "b-1",
			Channel: eventsv1.Channel_CHANNEL_EMAIL, SubjectsNotified: 3}},
		&eventsv1.Event_BreachSubjectNotificationExempted{BreachSubjectNotificationExempted: &eventsv1.BreachSubjectNotificationExempted{
			BreachId: "b-1", Ground: eventsv1.Art34Exception_ART34_EXCEPTION_UNINTELLIGIBLE, Detail: "d"}},
		&eventsv1.Event_BreachClosed{BreachClosed: &eventsv1.BreachClosed{BreachId: "b-1", Summary: "s"}},
		&eventsv1.Event_FindingStatusChanged{FindingStatusChanged: &eventsv1.FindingStatusChanged{
			FindingIds: []string{"processing_after_objection:0190f5e4-7c1a-7b3e-9f00-0123456789ab"}, Status: eventsv1.FindingStatus_FINDING_STATUS_RESOLVED,
			Justification: "j", ResolvingEventId: "0190f5e4-7c1a-7b3e-9f00-0123456789ab", Group: "processing_after_objection:newsletter"}},
	}
	out := make([]*eventsv1.Event, 0, len(payloads))
	for _, p := range payloads {
		ev := &eventsv1.Event{Tenant: "acme", SubjectRef: freeTextSubject, OccurredAt: at, TaxonomyVersion: "fideslang-3.1",
			Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: "staff-1"}, CorrelationId: "corr-1",
			CausationId: "0190f5e4-7c1a-7b3e-9f00-0123456789ab"}
		// The oneof's Go type is unexported: set the wrapper by reflection.
		reflect.ValueOf(ev).Elem().FieldByName("Payload").Set(reflect.ValueOf(p))
		out = append(out, ev)
	}
	return out
}

var controllerLevel = map[string]bool{"processing_activity_declared": true, "processing_activity_amended": true,
	"notice_published": true, "breach_recorded": true, "controller_profile_declared": true, "breach_risk_assessed": true,
	"breach_authority_notified": true, "breach_subjects_notified": true, "breach_subject_notification_exempted": true,
	"breach_closed": true, "finding_status_changed": true}

// canaryField is one string field of one template to plant a canary in.
type canaryField struct {
	name protoreflect.FullName
	path string
	set  func(ev *eventsv1.Event, s string)
}

// canaryFields is every string field in ev, each with a setter that
// plants a string there in a clone.
func canaryFields(ev *eventsv1.Event) []canaryField {
	var out []canaryField
	type step struct {
		fd  protoreflect.FieldDescriptor
		idx int
	}
	var walk func(m protoreflect.Message, path string, steps []step)
	walk = func(m protoreflect.Message, path string, steps []step) {
		fields := m.Descriptor().Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if oo := fd.ContainingOneof(); oo != nil && !m.Has(fd) {
				continue
			}
			p := path + "." + string(fd.Name())
			steps := append(steps[:len(steps):len(steps)], step{fd, -1})
			switch {
			case fd.Kind() == protoreflect.StringKind:
				out = append(out, canaryField{name: fd.FullName(), path: p, set: func(ev *eventsv1.Event, s string) {
					m := ev.ProtoReflect()
					for _, st := range steps[:len(steps)-1] {
						if st.idx >= 0 {
							m = m.Get(st.fd).List().Get(st.idx).Message()
						} else {
							m = m.Mutable(st.fd).Message()
						}
					}
					if fd.IsList() {
						l := m.Mutable(fd).List()
						if l.Len() == 0 {
							l.Append(protoreflect.ValueOfString(s))
						} else {
							l.Set(0, protoreflect.ValueOfString(s))
						}
						return
					}
					m.Set(fd, protoreflect.ValueOfString(s))
				}})
			case fd.Message() != nil && fd.IsList() && m.Get(fd).List().Len() > 0:
				steps[len(steps)-1].idx = 0
				walk(m.Get(fd).List().Get(0).Message(), p+"[0]", steps)
			case fd.Message() != nil && !fd.IsList() && !fd.IsMap() && m.Has(fd):
				walk(m.Get(fd).Message(), p, steps)
			}
		}
	}
	walk(ev.ProtoReflect(), "event", nil)
	return out
}

// TestFreeTextCanaries plants a unique email-like canary in every string
// field of every payload type (found by walking the descriptors, so a new
// field cannot be missed), one event per field, through the Append API.
// A refused event is a structured field doing its job; an accepted one
// must leave its canary nowhere at rest (stream, key bucket, SQLite,
// docketd's debug log) in plaintext, base64 or hex, before and after the
// shred of the subject's keys and of the tenant key. Every free-text field
// must be accepted: the test cannot pass by refusing everything.
func TestFreeTextCanaries(t *testing.T) {
	eachStore(t, func(c *config.Config) { c.RateLimit, c.RateBurst = 1e5, 1e5 }, freeTextCanaries) // one append per field
}

func freeTextCanaries(t *testing.T, d atRest) {
	ctx := context.Background()

	tag := make([]byte, 6)
	_, _ = rand.Read(tag)
	type planted struct {
		canary string
		field  canaryField
		stored bool
	}
	var all []*planted
	covered := map[protoreflect.FullName]bool{}
	payloadsSeen := map[string]bool{}
	accepted, templatesStored, docketdOnly := 0, 0, 0
	for _, tmpl := range canaryTemplates() {
		payloadsSeen[events.PayloadField(tmpl)] = true
		if controllerLevel[events.PayloadField(tmpl)] {
			tmpl.SubjectRef = ""
		}
		// The template itself is valid, so a refusal below is the field's.
		base := proto.Clone(tmpl).(*eventsv1.Event)
		base.EventId = newID()
		err := appendAPI(ctx, d.Docketd, emitterToken, base)
		if connect.CodeOf(err) == connect.CodePermissionDenied && strings.Contains(err.Error(), "recorded by docketd itself") {
			// Exports and Art. 19 notices due: no client can append them.
			for _, f := range canaryFields(tmpl) {
				covered[f.name] = true
			}
			docketdOnly++
			continue
		}
		if err != nil {
			t.Fatalf("template %s: %v", events.PayloadField(tmpl), err)
		}
		templatesStored++
		for _, f := range canaryFields(tmpl) {
			covered[f.name] = true
			p := &planted{canary: fmt.Sprintf("canary-%s-%d@example.org", hex.EncodeToString(tag), len(all)), field: f}
			all = append(all, p)
			ev := proto.Clone(tmpl).(*eventsv1.Event)
			ev.EventId = newID()
			f.set(ev, p.canary)
			err := appendAPI(ctx, d.Docketd, emitterToken, ev)
			switch {
			case err == nil:
				p.stored = true
				accepted++
			case connect.CodeOf(err) == connect.CodeInvalidArgument || connect.CodeOf(err) == connect.CodePermissionDenied:
				if strings.Contains(err.Error(), p.canary) {
					t.Errorf("%s: the refusal quotes the canary: %v", f.path, err)
				}
			default:
				t.Fatalf("%s: append: %v", f.path, err)
			}
			if events.StringFields[f.name] == events.FreeText && !p.stored {
				t.Errorf("%s: free text refused: %v", f.path, err)
			}
		}
	}
	// A client that sends both a free-text field and its sealed sibling is
	// refused, the field named, the words not quoted.
	both := proto.Clone(canaryTemplates()[4]).(*eventsv1.Event)
	both.EventId = newID()
	both.GetDataRectified().ReasonText = &eventsv1.DataValue{Category: events.FreeTextCategory,
		Value: &eventsv1.DataValue_Plaintext{Plaintext: "more words"}}
	err := appendAPI(ctx, d.Docketd, emitterToken, both)
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "data_rectified.reason: is set together with reason_text") ||
		strings.Contains(err.Error(), "more words") {
		t.Errorf("append with reason and reason_text: %v, want invalid argument naming data_rectified.reason", err)
	}

	// Every payload type and every string field of the vocabulary was tried.
	oneof := (&eventsv1.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload").Fields()
	for i := 0; i < oneof.Len(); i++ {
		if !payloadsSeen[string(oneof.Get(i).Name())] {
			t.Errorf("no canary template for payload %s", oneof.Get(i).Name())
		}
	}
	for name := range events.StringFields {
		if !covered[name] {
			t.Errorf("no canary planted in %s", name)
		}
	}
	if accepted < 16 {
		t.Fatalf("only %d of %d canaries accepted", accepted, len(all))
	}
	t.Logf("%d string fields tried, %d accepted and sealed, %d refused as structured; %d payload types only docketd records",
		len(all), accepted, len(all)-accepted, docketdOnly)
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= uint64(accepted+templatesStored) })

	scan := func(when string) {
		t.Helper()
		planted := make(map[string]string, len(all))
		for _, p := range all {
			planted[p.canary] = fmt.Sprintf("the canary planted in %s (stored: %v)", p.field.path, p.stored)
		}
		d.scan(t, when, planted)
	}
	// The export opens the free text for the DPO: the only place it
	// shows. Its justification, typed by a person, is free text too: it is
	// sealed in the SubjectDataExported docketd records.
	why := &planted{canary: fmt.Sprintf("canary-%s-why@example.org", hex.EncodeToString(tag)),
		field: canaryField{path: "export --justification"}, stored: true}
	all = append(all, why)
	reasonOf := func() (text string, erased bool) {
		t.Helper()
		code, out, errOut := run(t, "export", "acme", freeTextSubject, "--api", d.APIURL(), "--justification", why.canary, "--format", "json")
		var r export.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("export: exit %d: %s", code, errOut)
		}
		for _, n := range r.Notes {
			if n.Field == "data_rectified.reason" && (strings.HasPrefix(n.Text, "canary-") || n.Erased) {
				return n.Text, n.Erased
			}
		}
		t.Fatalf("export: no note of data_rectified.reason among %d", len(r.Notes))
		return "", false
	}
	if text, _ := reasonOf(); !strings.HasSuffix(text, "@example.org") {
		t.Fatalf("export before the shred: data_rectified.reason reads %q, want the canary", text)
	}
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= uint64(accepted+templatesStored+1) })
	scan("before the shred")

	if code, out, errOut := run(t, "shred", "acme", freeTextSubject, "--api", d.APIURL(), "--request-id", "req-erase", "--actor", "dpo-1"); code != 0 {
		t.Fatalf("shred: exit %d: %s%s", code, out, errOut)
	}
	// The tenant key seals controller-level free text; no API shreds it
	// yet, the key ring does.
	if err := d.Keyring.Shred(ctx, "acme", events.ControllerRef, events.DefaultKeyGroup); err != nil {
		t.Fatal(err)
	}
	scan("after the shred")
	if text, erased := reasonOf(); !erased || text != "" {
		t.Fatalf("export after the shred: data_rectified.reason reads %q (erased %v), want it erased", text, erased)
	}
}
