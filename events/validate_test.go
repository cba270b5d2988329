package events_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const (
	testEventID     = "01890a5d-ac96-774b-bcce-b302099a8057" // UUIDv7
	testCausationID = "01890a5d-ac96-7c4b-8cce-b302099a8058"
)

var (
	testOccurred = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	testDigest   = make([]byte, 32)
)

func sealedValue(category string) *eventsv1.DataValue {
	return &eventsv1.DataValue{
		Category: category,
		Value: &eventsv1.DataValue_Sealed{Sealed: &eventsv1.Sealed{
			KeyVersion: 1,
			Nonce:      make([]byte, 12),
			Ciphertext: make([]byte, 16+5),
		}},
	}
}

func validActivity() *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId:     "newsletter",
		Name:           "Newsletter",
		Purposes:       []string{"marketing.communications.email"},
		DataCategories: []string{"user.contact.email", "user.name.first"},
		DataSubjects:   []string{"customer", "prospect"},
		LegalBasis:     eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
		Recipients: []*eventsv1.Recipient{{
			Id:                "mailer",
			Name:              "Mailer Inc.",
			Kind:              eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
			Country:           "US",
			TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES,
			SafeguardsUrl:     "https://mailer.example/privacy/scc",
		}},
		Retention: &eventsv1.Retention{Days: 730, Trigger: "consent withdrawn",
			TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_CONSENT_WITHDRAWN},
		KeyGroup: "marketing",
	}
}

// examples returns a valid event of every payload type, by the payload's
// oneof field name. A payload added to the vocabulary needs an entry here
// (TestValidateEveryPayload fails until it has one).
func examples() map[string]*eventsv1.Event {
	payloads := map[string]func(*eventsv1.Event){
		"processing_activity_declared": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{
				Activity: validActivity(),
			}}
		},
		"processing_activity_amended": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ProcessingActivityAmended{ProcessingActivityAmended: &eventsv1.ProcessingActivityAmended{
				Activity: validActivity(),
				Reason:   "new mailing platform",
			}}
		},
		"notice_published": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_NoticePublished{NoticePublished: &eventsv1.NoticePublished{
				NoticeId:   "privacy-notice",
				Version:    "2025-01",
				Language:   "en-GB",
				TextSha256: testDigest,
				Url:        "https://example.org/privacy",
			}}
		},
		"data_collected": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: "newsletter",
				Purposes:   []string{"marketing.communications.email"},
				Categories: []string{"user.contact.email", "user.name.first"},
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
				Values: []*eventsv1.DataValue{
					sealedValue("user.contact.email"),
					{Category: "user.name.first", KeyGroup: "marketing", Value: &eventsv1.DataValue_Plaintext{Plaintext: "Alice"}},
				},
				CollectionSource: "data_subject",
				CollectionPoint:  "web.newsletter_form",
			}}
		},
		"data_rectified": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{
				Categories: []string{"user.contact.email"},
				Values:     []*eventsv1.DataValue{sealedValue("user.contact.email")},
				RequestId:  "req-1",
				Reason:     "typo",
			}}
		},
		"consent_given": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
				Purpose:       "marketing.communications.email",
				NoticeId:      "privacy-notice",
				NoticeVersion: "2025-01",
				NoticeSha256:  testDigest,
				Method:        eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN,
				Channel:       eventsv1.Channel_CHANNEL_WEB,
				Categories:    []string{"user.contact.email"},
				ExpiresAt:     timestamppb.New(testOccurred.AddDate(2, 0, 0)),
			}}
		},
		"consent_withdrawn": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
				Purpose: "marketing.communications.email",
				Method:  eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK,
				Channel: eventsv1.Channel_CHANNEL_EMAIL,
			}}
		},
		"disclosure_made": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: &eventsv1.Recipient{
					Id:                "tax-office",
					Name:              "Finanzamt Berlin",
					Kind:              eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
					Country:           "DE",
					TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE,
				},
				Categories:         []string{"user.name", "user.financial.bank_account"},
				Purpose:            "essential.legal_obligation",
				LegalBasis:         eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
				LegalInstrumentRef: "AO 93",
				ConfidentialUntil:  timestamppb.New(testOccurred.AddDate(0, 6, 0)),
				ActivityId:         "tax",
				Values:             []*eventsv1.DataValue{sealedValue("user.financial.bank_account")},
			}}
		},
		"rights_request_received": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
				RequestId:  "req-1",
				Right:      eventsv1.Right_RIGHT_ERASURE,
				Channel:    eventsv1.Channel_CHANNEL_WEB,
				Categories: []string{"user.contact"},
			}}
		},
		"rights_request_identity_verified": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RightsRequestIdentityVerified{RightsRequestIdentityVerified: &eventsv1.RightsRequestIdentityVerified{
				RequestId: "req-1",
				Method:    "email_link",
			}}
		},
		"rights_request_deadline_extended": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RightsRequestDeadlineExtended{RightsRequestDeadlineExtended: &eventsv1.RightsRequestDeadlineExtended{
				RequestId: "req-1",
				Months:    2,
				Reason:    "complex request",
			}}
		},
		"rights_request_fulfilled": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: &eventsv1.RightsRequestFulfilled{
				RequestId:      "req-1",
				Outcome:        "erased",
				ResponseSha256: testDigest,
			}}
		},
		"rights_request_denied": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RightsRequestDenied{RightsRequestDenied: &eventsv1.RightsRequestDenied{
				RequestId:   "req-1",
				Ground:      eventsv1.DenialGround_DENIAL_GROUND_IDENTITY_NOT_VERIFIED,
				Explanation: "no answer to the verification email",
			}}
		},
		"restriction_applied": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RestrictionApplied{RestrictionApplied: &eventsv1.RestrictionApplied{
				RestrictionId: "res-1",
				Purposes:      []string{"marketing.advertising.third_party.targeted"},
				Categories:    []string{"user.behavior.browsing_history"},
				RequestId:     "req-2",
				Reason:        "accuracy contested",
			}}
		},
		"restriction_lifted": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RestrictionLifted{RestrictionLifted: &eventsv1.RestrictionLifted{
				RestrictionId: "res-1",
				Reason:        "accuracy verified",
			}}
		},
		"objection_recorded": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ObjectionRecorded{ObjectionRecorded: &eventsv1.ObjectionRecorded{
				Purposes:  []string{"marketing.advertising.third_party.targeted"},
				RequestId: "req-3",
			}}
		},
		"erasure_executed": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{
				RequestId:     "req-1",
				System:        "crm",
				Categories:    []string{"user.contact"},
				RecordsErased: 3,
			}}
		},
		"subject_key_shredded": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{
				KeyGroups: []string{"default", "marketing"},
				RequestId: "req-1",
			}}
		},
		"recipient_notified": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
				RequestId:   "req-1",
				RecipientId: "mailer",
				Right:       eventsv1.Right_RIGHT_ERASURE,
				Channel:     eventsv1.Channel_CHANNEL_API,
			}}
		},
		"retention_expired": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{
				ActivityId: "newsletter",
				Categories: []string{"user.contact.email"},
				Action:     "erased",
			}}
		},
		"recipient_notification_due": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RecipientNotificationDue{RecipientNotificationDue: &eventsv1.RecipientNotificationDue{
				RequestId: "req-1", RecipientId: "mailer", Right: eventsv1.Right_RIGHT_ERASURE,
				CauseEventId: "0190d5a0-0000-7000-8000-000000000001", DueAt: timestamppb.New(testOccurred.Add(720 * time.Hour)),
			}}
		},
		"recipient_notification_waived": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RecipientNotificationWaived{RecipientNotificationWaived: &eventsv1.RecipientNotificationWaived{
				RequestId: "req-1", RecipientId: "mailer", Right: eventsv1.Right_RIGHT_ERASURE,
				Ground: eventsv1.WaiverGround_WAIVER_GROUND_IMPOSSIBLE, Detail: "the recipient was dissolved",
			}}
		},
		"erasure_exemption_recorded": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ErasureExemptionRecorded{ErasureExemptionRecorded: &eventsv1.ErasureExemptionRecorded{
				RequestId: "req-1", KeyGroups: []string{"tax"}, Ground: eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION,
				Detail: "invoices kept ten years", Until: timestamppb.New(testOccurred.AddDate(10, 0, 0)),
			}}
		},
		"subject_data_exported": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_SubjectDataExported{SubjectDataExported: &eventsv1.SubjectDataExported{
				RequestId:       "req-1",
				Format:          eventsv1.ExportFormat_EXPORT_FORMAT_HTML,
				ThroughSequence: 120,
				Events:          25,
				TreeSize:        100,
			}}
		},
		"breach_recorded": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachRecorded{BreachRecorded: &eventsv1.BreachRecorded{
				BreachId:                 "br-2025-1",
				Description:              "backup bucket readable without authentication",
				Categories:               []string{"user.contact.email", "user.health_and_medical"},
				SubjectsAffectedEstimate: 1200,
				DetectedAt:               timestamppb.New(testOccurred),
				AuthorityNotifiedAt:      timestamppb.New(testOccurred.Add(48 * time.Hour)),
				Risk:                     "high",
			}}
		},
		"controller_profile_declared": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{
				Profile: &eventsv1.ControllerProfile{
					Name:                    "Acme Retail GmbH",
					Address:                 "Hauptstrasse 1, 10115 Berlin",
					ContactUrl:              "https://acme.example/privacy/contact",
					DpoContactUrl:           "https://acme.example/privacy/dpo",
					SupervisoryAuthority:    "Berliner Beauftragte fuer Datenschutz und Informationsfreiheit",
					SupervisoryAuthorityUrl: "https://www.datenschutz-berlin.de",
					TimeZone:                "Europe/Berlin",
					MemberState:             "DE",
					Languages:               []string{"de-DE", "en"},
					DigitalConsentAge:       16,
					JointControllers: []*eventsv1.Party{{Name: "Acme Marketplace SE", Address: "1 Quai, Paris", Country: "FR",
						ContactUrl: "https://marketplace.example/privacy", ArrangementUrl: "https://acme.example/privacy/joint"}},
					Representative:   &eventsv1.Party{Name: "EU Rep Ltd", Address: "2 Dock Road, Dublin", Country: "IE", ContactUrl: "https://eurep.example"},
					SecurityMeasures: []string{"values sealed with AES-256-GCM under per-subject keys", "access by role, tokens revocable"},
					ContactEmail:     "privacy@acme.example",
					ContactPhone:     "+49 30 555 0100",
					DpoEmail:         "dpo@acme.example",
				},
			}}
		},
		"data_processed": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DataProcessed{DataProcessed: &eventsv1.DataProcessed{
				ActivityId: "newsletter",
				Purposes:   []string{"marketing.communications.email"},
				Categories: []string{"user.contact.email"},
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
				System:     "mailer",
				Channel:    eventsv1.Channel_CHANNEL_EMAIL,
			}}
		},
		"relationship_ended": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_RelationshipEnded{RelationshipEnded: &eventsv1.RelationshipEnded{
				RelationshipId: "contract-42",
				Kind:           eventsv1.RelationshipKind_RELATIONSHIP_KIND_CONTRACT,
				ActivityIds:    []string{"orders"},
			}}
		},
		"objection_overridden": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_ObjectionOverridden{ObjectionOverridden: &eventsv1.ObjectionOverridden{
				RequestId:     "req-7",
				Purposes:      []string{"essential.fraud_detection"},
				Ground:        eventsv1.ObjectionOverrideGround_OBJECTION_OVERRIDE_GROUND_COMPELLING_LEGITIMATE_GROUNDS,
				AssessmentRef: "LIA-2025-03",
				Grounds:       "fraud pattern on the account",
			}}
		},
		"disclosure_confidentiality_changed": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: &eventsv1.DisclosureConfidentialityChanged{
				DisclosureEventId:  testCausationID,
				ConfidentialUntil:  timestamppb.New(testOccurred.Add(90 * 24 * time.Hour)),
				LegalInstrumentRef: "order extended, 3 O 12/25",
			}}
		},
		"breach_risk_assessed": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachRiskAssessed{BreachRiskAssessed: &eventsv1.BreachRiskAssessed{
				BreachId: "br-2025-1", Risk: "low", Detail: "the bucket held hashed values only",
			}}
		},
		"breach_authority_notified": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachAuthorityNotified{BreachAuthorityNotified: &eventsv1.BreachAuthorityNotified{
				BreachId:                 "br-2025-1",
				Phase:                    eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_INITIAL,
				Authority:                "Berlin DPA",
				Reference:                "BlnBDI-2025-113",
				Categories:               []string{"user.contact.email"},
				SubjectsAffectedEstimate: 1200,
			}}
		},
		"breach_subjects_notified": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachSubjectsNotified{BreachSubjectsNotified: &eventsv1.BreachSubjectsNotified{
				BreachId: "br-2025-1", Channel: eventsv1.Channel_CHANNEL_EMAIL, SubjectsNotified: 1180,
			}}
		},
		"breach_subject_notification_exempted": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachSubjectNotificationExempted{BreachSubjectNotificationExempted: &eventsv1.BreachSubjectNotificationExempted{
				BreachId: "br-2025-1", Ground: eventsv1.Art34Exception_ART34_EXCEPTION_UNINTELLIGIBLE, Detail: "AES-256 at rest, key not exposed",
			}}
		},
		"breach_closed": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachClosed{BreachClosed: &eventsv1.BreachClosed{
				BreachId: "br-2025-1", Summary: "bucket policy fixed, access logs reviewed",
			}}
		},
		"finding_status_changed": func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_FindingStatusChanged{FindingStatusChanged: &eventsv1.FindingStatusChanged{
				FindingIds:    []string{"retention_exceeded:u-123/newsletter", "processing_after_objection:" + testCausationID},
				Status:        eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED,
				Justification: "kept for the running tax audit",
			}}
		},
	}
	out := make(map[string]*eventsv1.Event, len(payloads))
	for name, p := range payloads {
		ev := &eventsv1.Event{
			EventId:         testEventID,
			Tenant:          "acme",
			SubjectRef:      "u-123",
			OccurredAt:      timestamppb.New(testOccurred),
			Source:          "shop-web",
			Actor:           &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "checkout"},
			CorrelationId:   "order-42",
			CausationId:     testCausationID,
			TaxonomyVersion: taxonomy.Version,
		}
		p(ev)
		switch name {
		case "processing_activity_declared", "processing_activity_amended", "notice_published", "breach_recorded",
			"controller_profile_declared", "breach_risk_assessed", "breach_authority_notified", "breach_subjects_notified",
			"breach_subject_notification_exempted", "breach_closed", "finding_status_changed":
			ev.SubjectRef = ""
		default:
			// exhaustive: the other payloads are subject-level (the
			// controller-level ones are controllerLevel in validate.go).
		}
		out[name] = ev
	}
	return out
}

// example returns a fresh valid event with the given payload.
func example(t testing.TB, payload string) *eventsv1.Event {
	t.Helper()
	ev, ok := examples()[payload]
	if !ok {
		t.Fatalf("no example of %s", payload)
	}
	return ev
}

// payloadFields lists the Event's payload oneof fields by reflection.
func payloadFields() []string {
	fields := (&eventsv1.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload").Fields()
	var names []string
	for i := 0; i < fields.Len(); i++ {
		names = append(names, string(fields.Get(i).Name()))
	}
	return names
}

func TestValidateEveryPayload(t *testing.T) {
	all := examples()
	names := payloadFields()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ev, ok := all[name]
			if !ok {
				t.Fatalf("no valid example of payload %s: add one to examples()", name)
			}
			if got := events.PayloadField(ev); got != name {
				t.Fatalf("example %s holds payload %s", name, got)
			}
			if err := events.Validate(ev); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
	if len(all) != len(names) {
		t.Errorf("examples() has %d entries, the payload oneof %d fields", len(all), len(names))
	}
}

func TestValidateValidVariants(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		mutate  func(ev *eventsv1.Event)
	}{
		{"no actor", "data_collected", func(ev *eventsv1.Event) { ev.Actor = nil }},
		{"no correlation or causation", "consent_given", func(ev *eventsv1.Event) { ev.CorrelationId, ev.CausationId = "", "" }},
		{"previous taxonomy line", "consent_given", func(ev *eventsv1.Event) { ev.TaxonomyVersion = "fideslang-3.0" }},
		{"special category with Art. 9 condition", "data_collected", func(ev *eventsv1.Event) {
			dc := ev.GetDataCollected()
			dc.Categories = append(dc.Categories, "user.health_and_medical")
			dc.SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT
		}},
		{"transfer outside the EEA under SCC", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Country = "US"
			ev.GetDisclosureMade().Recipient.TransferMechanism = eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES
		}},
		{"processor without legal instrument", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Kind = eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR
			ev.GetDisclosureMade().LegalInstrumentRef = ""
		}},
		{"EU outermost region", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Country = "RE" }},
		{"EEA outside the EU", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Country = "NO" }},
		// Adequacy for a country without a decision is a finding at each
		// disclosure (transfer_without_chapter_v_ground), not an error: the
		// declaration is the controller's record, decisions begin and lapse.
		{"adequacy declared for a country without a decision", "processing_activity_declared", func(ev *eventsv1.Event) {
			r := ev.GetProcessingActivityDeclared().GetActivity().GetRecipients()[0]
			r.Country, r.TransferMechanism = "IN", eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION
		}},
		{"disclosure under adequacy to a country without a decision", "disclosure_made", func(ev *eventsv1.Event) {
			r := ev.GetDisclosureMade().Recipient
			r.Country, r.TransferMechanism = "IN", eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION
		}},
		{"parental authorization", "consent_given", func(ev *eventsv1.Event) {
			ev.GetConsentGiven().ParentalAuthorization = &eventsv1.ParentalAuthorization{
				GuardianRef: "g-9", VerificationMethod: "card_check", VerifiedAt: timestamppb.New(testOccurred),
			}
		}},
		{"language with script and region", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = "zh-Hant-TW" }},
		{"language with digits", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = "es-419" }},
		{"withdrawal without method", "consent_withdrawn", func(ev *eventsv1.Event) { ev.GetConsentWithdrawn().Method = 0 }},
		{"one month extension", "rights_request_deadline_extended", func(ev *eventsv1.Event) { ev.GetRightsRequestDeadlineExtended().Months = 1 }},
		{"1000 purposes", "objection_recorded", func(ev *eventsv1.Event) {
			ev.GetObjectionRecorded().Purposes = slices.Repeat([]string{"marketing"}, 1000)
		}},
		{"plaintext at the bound", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].Value = &eventsv1.DataValue_Plaintext{Plaintext: strings.Repeat("ä", 32<<10)}
		}},
		{"occurred just after the epoch", "data_collected", func(ev *eventsv1.Event) {
			ev.OccurredAt = &timestamppb.Timestamp{Nanos: 1}
		}},
		{"many categories", "data_collected", func(ev *eventsv1.Event) {
			dc := ev.GetDataCollected()
			dc.Categories = append(slices.Repeat([]string{"user.name"}, 40), dc.Categories...)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := example(t, tt.payload)
			tt.mutate(ev)
			if err := events.Validate(ev); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateInvalid(t *testing.T) {
	tests := []struct {
		name       string
		payload    string
		mutate     func(ev *eventsv1.Event)
		wantFields []string
	}{
		// Envelope.
		{"no event id", "data_collected", func(ev *eventsv1.Event) { ev.EventId = "" }, []string{"event_id"}},
		{"event id v4", "data_collected", func(ev *eventsv1.Event) { ev.EventId = "3f0e2a9c-8b1d-4e6f-9a2b-7c4d5e6f7a8b" }, []string{"event_id"}},
		{"event id upper case", "data_collected", func(ev *eventsv1.Event) { ev.EventId = strings.ToUpper(testEventID) }, []string{"event_id"}},
		{"event id wrong variant", "data_collected", func(ev *eventsv1.Event) { ev.EventId = "01890a5d-ac96-774b-7cce-b302099a8057" }, []string{"event_id"}},
		{"event id braces", "data_collected", func(ev *eventsv1.Event) { ev.EventId = "{" + testEventID + "}" }, []string{"event_id"}},
		{"event id no hyphens", "data_collected", func(ev *eventsv1.Event) { ev.EventId = strings.ReplaceAll(testEventID, "-", "") + "abcd" }, []string{"event_id"}},
		{"no tenant", "data_collected", func(ev *eventsv1.Event) { ev.Tenant = "" }, []string{"tenant"}},
		{"tenant with dot", "data_collected", func(ev *eventsv1.Event) { ev.Tenant = "acme.eu" }, []string{"tenant"}},
		{"no subject", "data_collected", func(ev *eventsv1.Event) { ev.SubjectRef = "" }, []string{"subject_ref"}},
		{"reserved subject", "consent_given", func(ev *eventsv1.Event) { ev.SubjectRef = "_" }, []string{"subject_ref"}},
		{"underscore subject", "consent_given", func(ev *eventsv1.Event) { ev.SubjectRef = "_u1" }, []string{"subject_ref"}},
		{"subject too long", "consent_given", func(ev *eventsv1.Event) { ev.SubjectRef = strings.Repeat("a", 65) }, []string{"subject_ref"}},
		{"subject on controller event", "notice_published", func(ev *eventsv1.Event) { ev.SubjectRef = "u-1" }, []string{"subject_ref"}},
		{"subject on breach", "breach_recorded", func(ev *eventsv1.Event) { ev.SubjectRef = "u-1" }, []string{"subject_ref"}},

		// Issue 17's vocabulary.
		{"subject on profile", "controller_profile_declared", func(ev *eventsv1.Event) { ev.SubjectRef = "u-1" }, []string{"subject_ref"}},
		{"subject on finding status", "finding_status_changed", func(ev *eventsv1.Event) { ev.SubjectRef = "u-1" }, []string{"subject_ref"}},
		{"no subject on use", "data_processed", func(ev *eventsv1.Event) { ev.SubjectRef = "" }, []string{"subject_ref"}},
		{"profile without name", "controller_profile_declared", func(ev *eventsv1.Event) { ev.GetControllerProfileDeclared().Profile.Name = "" }, []string{"controller_profile_declared.profile.name"}},
		{"profile time zone Local", "controller_profile_declared", func(ev *eventsv1.Event) { ev.GetControllerProfileDeclared().Profile.TimeZone = "Local" }, []string{"controller_profile_declared.profile.time_zone"}},
		{"profile time zone unknown", "controller_profile_declared", func(ev *eventsv1.Event) { ev.GetControllerProfileDeclared().Profile.TimeZone = "Europe/Atlantis" }, []string{"controller_profile_declared.profile.time_zone"}},
		{"profile time zone spaces", "controller_profile_declared", func(ev *eventsv1.Event) { ev.GetControllerProfileDeclared().Profile.TimeZone = "Europe/Berlin time" }, []string{"controller_profile_declared.profile.time_zone"}},
		{"profile member state outside EEA", "controller_profile_declared", func(ev *eventsv1.Event) { ev.GetControllerProfileDeclared().Profile.MemberState = "US" }, []string{"controller_profile_declared.profile.member_state"}},
		{"profile consent age 12", "controller_profile_declared", func(ev *eventsv1.Event) { ev.GetControllerProfileDeclared().Profile.DigitalConsentAge = 12 }, []string{"controller_profile_declared.profile.digital_consent_age"}},
		{"profile consent age 17", "controller_profile_declared", func(ev *eventsv1.Event) { ev.GetControllerProfileDeclared().Profile.DigitalConsentAge = 17 }, []string{"controller_profile_declared.profile.digital_consent_age"}},
		{"profile bad language", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.Languages = []string{"en", "de_DE"}
		}, []string{"controller_profile_declared.profile.languages[1]"}},
		{"joint controller without name", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.JointControllers[0].Name = ""
		}, []string{"controller_profile_declared.profile.joint_controllers[0].name"}},
		{"joint controller bad country", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.JointControllers[0].Country = "XX"
		}, []string{"controller_profile_declared.profile.joint_controllers[0].country"}},
		{"representative outside the EEA", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.Representative.Country = "GB"
		}, []string{"controller_profile_declared.profile.representative.country"}},
		{"representative contact not a URL", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.Representative.ContactUrl = "rep at example"
		}, []string{"controller_profile_declared.profile.representative.contact_url"}},
		{"security measure names an address", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.SecurityMeasures = []string{"fine", "ask ciso@acme.example"}
		}, []string{"controller_profile_declared.profile.security_measures[1]"}},
		{"empty security measure", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.SecurityMeasures = []string{""}
		}, []string{"controller_profile_declared.profile.security_measures[0]"}},
		{"activity's logic on two lines", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.AutomatedLogic = "scores\nsign-ups"
		}, []string{"processing_activity_declared.activity.automated_logic"}},
		{"activity for a controller without name", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.ProcessorFor = &eventsv1.Party{ContactUrl: "https://client.example"}
		}, []string{"processing_activity_declared.activity.processor_for.name"}},
		{"safeguards not a URL", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.SafeguardsUrl = "ask us"
		}, []string{"disclosure_made.recipient.safeguards_url"}},
		{"profile contact is an address", "controller_profile_declared", func(ev *eventsv1.Event) {
			ev.GetControllerProfileDeclared().Profile.ContactUrl = "https://x.example/a@b"
		}, []string{"controller_profile_declared.profile.contact_url"}},
		{"use without system", "data_processed", func(ev *eventsv1.Event) { ev.GetDataProcessed().System = "" }, []string{"data_processed.system"}},
		{"use without activity", "data_processed", func(ev *eventsv1.Event) { ev.GetDataProcessed().ActivityId = "" }, []string{"data_processed.activity_id"}},
		{"use with Art. 9 basis", "data_processed", func(ev *eventsv1.Event) {
			ev.GetDataProcessed().LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT
		}, []string{"data_processed.legal_basis"}},
		{"use of health data without condition", "data_processed", func(ev *eventsv1.Event) {
			ev.GetDataProcessed().Categories = []string{"user.health_and_medical"}
		}, []string{"data_processed.special_category_condition"}},
		{"Art. 22 exception without decision", "data_processed", func(ev *eventsv1.Event) {
			ev.GetDataProcessed().Art22Exception = eventsv1.Art22Exception_ART22_EXCEPTION_CONTRACT
		}, []string{"data_processed.art22_exception"}},
		{"unknown automated decision", "data_processed", func(ev *eventsv1.Event) { ev.GetDataProcessed().AutomatedDecision = 9 }, []string{"data_processed.automated_decision"}},
		{"relationship without kind", "relationship_ended", func(ev *eventsv1.Event) { ev.GetRelationshipEnded().Kind = 0 }, []string{"relationship_ended.kind"}},
		{"relationship bad activity", "relationship_ended", func(ev *eventsv1.Event) { ev.GetRelationshipEnded().ActivityIds = []string{"orders", "a b"} }, []string{"relationship_ended.activity_ids[1]"}},
		{"override of direct marketing", "objection_overridden", func(ev *eventsv1.Event) {
			ev.GetObjectionOverridden().Purposes = []string{"essential.fraud_detection", "marketing.communications.email"}
		}, []string{"objection_overridden.purposes[1]"}},
		{"override of a parent of direct marketing", "objection_overridden", func(ev *eventsv1.Event) {
			ev.GetObjectionOverridden().Purposes = []string{"marketing"}
		}, []string{"objection_overridden.purposes[0]"}},
		{"override without ground", "objection_overridden", func(ev *eventsv1.Event) { ev.GetObjectionOverridden().Ground = 0 }, []string{"objection_overridden.ground"}},
		{"confidentiality of no disclosure", "disclosure_confidentiality_changed", func(ev *eventsv1.Event) {
			ev.GetDisclosureConfidentialityChanged().DisclosureEventId = "d-1"
		}, []string{"disclosure_confidentiality_changed.disclosure_event_id"}},
		{"inquiry by a processor", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().ParticularInquiry = true
			ev.GetDisclosureMade().Recipient.Kind = eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR
		}, []string{"disclosure_made.particular_inquiry"}},
		{"derogation not named", "disclosure_made", func(ev *eventsv1.Event) {
			r := ev.GetDisclosureMade().Recipient
			r.Country, r.TransferMechanism = "IN", eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49
		}, []string{"disclosure_made.recipient.art49_derogation"}},
		{"derogation without mechanism", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Art49Derogation = eventsv1.Art49Derogation_ART49_DEROGATION_LEGAL_CLAIMS
		}, []string{"disclosure_made.recipient.art49_derogation"}},
		{"DPF outside the US", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.DpfCertified = true
		}, []string{"disclosure_made.recipient.dpf_certified"}},
		{"denial for no data held", "rights_request_denied", func(ev *eventsv1.Event) {
			ev.GetRightsRequestDenied().Ground = eventsv1.DenialGround_DENIAL_GROUND_NO_DATA_HELD
		}, []string{"rights_request_denied.ground"}},
		{"no data held with a document", "rights_request_fulfilled", func(ev *eventsv1.Event) {
			ev.GetRightsRequestFulfilled().NoDataHeld = true
			ev.GetRightsRequestFulfilled().ResponseSha256 = testDigest
		}, []string{"rights_request_fulfilled.no_data_held"}},
		{"adult child", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().SubjectIsChild = true
			ev.GetDataCollected().AgeBand = eventsv1.AgeBand_AGE_BAND_ADULT
		}, []string{"data_collected.age_band"}},
		{"breach risk unknown", "breach_risk_assessed", func(ev *eventsv1.Event) { ev.GetBreachRiskAssessed().Risk = "medium" }, []string{"breach_risk_assessed.risk"}},
		{"breach risk missing", "breach_risk_assessed", func(ev *eventsv1.Event) { ev.GetBreachRiskAssessed().Risk = "" }, []string{"breach_risk_assessed.risk"}},
		{"breach notice without phase", "breach_authority_notified", func(ev *eventsv1.Event) { ev.GetBreachAuthorityNotified().Phase = 0 }, []string{"breach_authority_notified.phase"}},
		{"breach notice without breach", "breach_authority_notified", func(ev *eventsv1.Event) { ev.GetBreachAuthorityNotified().BreachId = "" }, []string{"breach_authority_notified.breach_id"}},
		{"subjects told on no channel", "breach_subjects_notified", func(ev *eventsv1.Event) { ev.GetBreachSubjectsNotified().Channel = 0 }, []string{"breach_subjects_notified.channel"}},
		{"exemption without ground", "breach_subject_notification_exempted", func(ev *eventsv1.Event) { ev.GetBreachSubjectNotificationExempted().Ground = 0 }, []string{"breach_subject_notification_exempted.ground"}},
		{"closed without breach", "breach_closed", func(ev *eventsv1.Event) { ev.GetBreachClosed().BreachId = "" }, []string{"breach_closed.breach_id"}},
		{"finding status without findings", "finding_status_changed", func(ev *eventsv1.Event) { ev.GetFindingStatusChanged().FindingIds = nil }, []string{"finding_status_changed.finding_ids"}},
		{"finding id without rule", "finding_status_changed", func(ev *eventsv1.Event) {
			ev.GetFindingStatusChanged().FindingIds = []string{"retention_exceeded:u-1/a", testEventID}
		}, []string{"finding_status_changed.finding_ids[1]"}},
		{"finding id with an address", "finding_status_changed", func(ev *eventsv1.Event) {
			ev.GetFindingStatusChanged().FindingIds = []string{"rule:alice@example.org"}
		}, []string{"finding_status_changed.finding_ids[0]"}},
		{"risk accepted without why", "finding_status_changed", func(ev *eventsv1.Event) { ev.GetFindingStatusChanged().Justification = "" }, []string{"finding_status_changed.justification"}},
		{"assigned to no one", "finding_status_changed", func(ev *eventsv1.Event) {
			ev.GetFindingStatusChanged().Status = eventsv1.FindingStatus_FINDING_STATUS_ASSIGNED
		}, []string{"finding_status_changed.assignee"}},
		{"assignee on acknowledgement", "finding_status_changed", func(ev *eventsv1.Event) {
			ev.GetFindingStatusChanged().Status = eventsv1.FindingStatus_FINDING_STATUS_ACKNOWLEDGED
			ev.GetFindingStatusChanged().Assignee = "staff-7"
		}, []string{"finding_status_changed.assignee"}},
		{"resolving event on risk acceptance", "finding_status_changed", func(ev *eventsv1.Event) {
			ev.GetFindingStatusChanged().ResolvingEventId = testCausationID
		}, []string{"finding_status_changed.resolving_event_id"}},
		{"finding status unspecified", "finding_status_changed", func(ev *eventsv1.Event) { ev.GetFindingStatusChanged().Status = 0 }, []string{"finding_status_changed.status"}},
		{"no occurred_at", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = nil }, []string{"occurred_at"}},
		{"occurred at the epoch", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{} }, []string{"occurred_at"}},
		{"occurred before 1970", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = timestamppb.New(time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC)) }, []string{"occurred_at"}},
		{"occurred_at bad nanos", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{Seconds: 1e9, Nanos: -1} }, []string{"occurred_at"}},
		{"recorded_at set", "data_collected", func(ev *eventsv1.Event) { ev.RecordedAt = timestamppb.New(testOccurred) }, []string{"recorded_at"}},
		{"no source", "data_collected", func(ev *eventsv1.Event) { ev.Source = "" }, []string{"source"}},
		{"source with space", "data_collected", func(ev *eventsv1.Event) { ev.Source = "shop web" }, []string{"source"}},
		{"no taxonomy version", "data_collected", func(ev *eventsv1.Event) { ev.TaxonomyVersion = "" }, []string{"taxonomy_version"}},
		{"unsupported taxonomy version", "data_collected", func(ev *eventsv1.Event) { ev.TaxonomyVersion = "fideslang-2.0" }, []string{"taxonomy_version"}},
		{"actor kind unspecified", "data_collected", func(ev *eventsv1.Event) { ev.Actor.Kind = 0 }, []string{"actor.kind"}},
		{"actor kind unknown", "data_collected", func(ev *eventsv1.Event) { ev.Actor.Kind = 99 }, []string{"actor.kind"}},
		{"actor id not a token", "data_collected", func(ev *eventsv1.Event) { ev.Actor.Id = "Jane Doe" }, []string{"actor.id"}},
		{"causation id not a uuid", "data_collected", func(ev *eventsv1.Event) { ev.CausationId = "order-42" }, []string{"causation_id"}},
		{"correlation id too long", "data_collected", func(ev *eventsv1.Event) { ev.CorrelationId = strings.Repeat("x", 1025) }, []string{"correlation_id"}},
		{"correlation id not UTF-8", "data_collected", func(ev *eventsv1.Event) { ev.CorrelationId = "\xff" }, []string{"correlation_id"}},
		{"no payload", "data_collected", func(ev *eventsv1.Event) { ev.Payload = nil }, []string{"payload"}},
		{"empty payload message", "data_collected", func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_DataCollected{}
		}, []string{"data_collected.categories", "data_collected.legal_basis"}},

		// DataCollected and values.
		{"no categories", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Categories = nil }, []string{
			"data_collected.categories", "data_collected.values[0].category", "data_collected.values[1].category",
		}},
		{"unknown category", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Categories = append(ev.GetDataCollected().Categories, "user.contact.pigeon")
		}, []string{"data_collected.categories[2]"}},
		{"empty category entry", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Categories = append(ev.GetDataCollected().Categories, "")
		}, []string{"data_collected.categories[2]"}},
		{"unknown purpose", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Purposes = []string{"spam"} }, []string{"data_collected.purposes[0]"}},
		{"category used as purpose", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Purposes = []string{"user.name"} }, []string{"data_collected.purposes[0]"}},
		{"too many purposes", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Purposes = slices.Repeat([]string{"marketing"}, 1001)
		}, []string{"data_collected.purposes"}},
		{"no legal basis", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().LegalBasis = 0 }, []string{"data_collected.legal_basis"}},
		{"Art. 9 value as legal basis", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT
		}, []string{"data_collected.legal_basis"}},
		{"unknown legal basis", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().LegalBasis = 7 }, []string{"data_collected.legal_basis"}},
		{"special category without condition", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Categories = append(ev.GetDataCollected().Categories, "user.demographic.religious_belief")
		}, []string{"data_collected.special_category_condition"}},
		{"Art. 6 value as condition", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT
		}, []string{"data_collected.special_category_condition"}},
		{"unknown condition", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().SpecialCategoryCondition = 42 }, []string{"data_collected.special_category_condition"}},
		{"activity id not a token", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().ActivityId = "news letter" }, []string{"data_collected.activity_id"}},
		{"value outside the categories", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[0].Category = "user.contact.phone_number"
		}, []string{"data_collected.values[0].category"}},
		{"value with unknown category", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].Category = "user.shoe_size"
		}, []string{"data_collected.values[1].category"}},
		{"value without category", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Values[1].Category = "" }, []string{"data_collected.values[1].category"}},
		{"value without value", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Values[0].Value = nil }, []string{"data_collected.values[0].value"}},
		{"empty plaintext", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].Value = &eventsv1.DataValue_Plaintext{}
		}, []string{"data_collected.values[1].plaintext"}},
		{"plaintext too long", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].Value = &eventsv1.DataValue_Plaintext{Plaintext: strings.Repeat("a", 64<<10+1)}
		}, []string{"data_collected.values[1].plaintext"}},
		{"plaintext not UTF-8", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].Value = &eventsv1.DataValue_Plaintext{Plaintext: "Al\xc3ce"}
		}, []string{"data_collected.values[1].plaintext"}},
		{"nil sealed", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[0].Value = &eventsv1.DataValue_Sealed{}
		}, []string{"data_collected.values[0].sealed"}},
		{"short nonce and ciphertext", "data_collected", func(ev *eventsv1.Event) {
			s := ev.GetDataCollected().Values[0].GetSealed()
			s.Nonce, s.Ciphertext = s.Nonce[:8], s.Ciphertext[:15]
		}, []string{"data_collected.values[0].sealed.nonce", "data_collected.values[0].sealed.ciphertext"}},
		{"ciphertext too long", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[0].GetSealed().Ciphertext = make([]byte, 64<<10+17)
		}, []string{"data_collected.values[0].sealed.ciphertext"}},
		{"value key group not a token", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].KeyGroup = "tax/2025"
		}, []string{"data_collected.values[1].key_group"}},
		{"too many values", "data_collected", func(ev *eventsv1.Event) {
			dc := ev.GetDataCollected()
			for len(dc.Values) <= 1000 {
				dc.Values = append(dc.Values, sealedValue("user.contact.email"))
			}
		}, []string{"data_collected.values"}},

		// DataRectified.
		{"rectified without categories", "data_rectified", func(ev *eventsv1.Event) { ev.GetDataRectified().Categories = nil }, []string{
			"data_rectified.categories", "data_rectified.values[0].category",
		}},
		{"rectified with bad request id", "data_rectified", func(ev *eventsv1.Event) { ev.GetDataRectified().RequestId = "req 1" }, []string{"data_rectified.request_id"}},

		// DisclosureMade.
		{"disclosure without recipient", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient = nil }, []string{"disclosure_made.recipient"}},
		{"disclosure without recipient kind", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Kind = 0
		}, []string{"disclosure_made.recipient.kind"}},
		{"recipient kind unknown", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Kind = 9
		}, []string{"disclosure_made.recipient.kind"}},
		{"recipient without id and name", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Id, ev.GetDisclosureMade().Recipient.Name = "", ""
		}, []string{"disclosure_made.recipient.id", "disclosure_made.recipient.name"}},
		{"country lower case", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Country = "de" }, []string{"disclosure_made.recipient.country"}},
		{"country alpha-3", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Country = "DEU" }, []string{"disclosure_made.recipient.country"}},
		{"country unassigned", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Country = "ZZ" }, []string{"disclosure_made.recipient.country"}},
		{"no country", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Country = "" }, []string{"disclosure_made.recipient.country"}},
		{"no transfer mechanism", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.TransferMechanism = 0
		}, []string{"disclosure_made.recipient.transfer_mechanism"}},
		{"transfer outside the EEA as not applicable", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Country = "US"
		}, []string{"disclosure_made.recipient.transfer_mechanism"}},
		{"unknown transfer mechanism", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.TransferMechanism = 100
		}, []string{"disclosure_made.recipient.transfer_mechanism"}},
		{"public authority without legal instrument", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().LegalInstrumentRef = ""
		}, []string{"disclosure_made.legal_instrument_ref"}},
		{"disclosure without categories", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Categories = nil
		}, []string{"disclosure_made.categories", "disclosure_made.values[0].category"}},
		{"disclosure without purpose", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Purpose = "" }, []string{"disclosure_made.purpose"}},
		{"disclosure with unknown purpose", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Purpose = "curiosity" }, []string{"disclosure_made.purpose"}},
		{"disclosure without legal basis", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().LegalBasis = 0 }, []string{"disclosure_made.legal_basis"}},
		{"disclosure of health data without condition", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Categories = append(ev.GetDisclosureMade().Categories, "user.health_and_medical.genetic")
		}, []string{"disclosure_made.special_category_condition"}},
		{"confidential_until invalid", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().ConfidentialUntil = &timestamppb.Timestamp{Seconds: 1 << 40}
		}, []string{"disclosure_made.confidential_until"}},

		// Processing activities.
		{"declared without activity", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity = nil
		}, []string{"processing_activity_declared.activity"}},
		{"activity without id, name, purposes, categories, retention", "processing_activity_declared", func(ev *eventsv1.Event) {
			a := ev.GetProcessingActivityDeclared().Activity
			a.ActivityId, a.Name, a.Purposes, a.DataCategories, a.Retention = "", "", nil, nil, nil
		}, []string{
			"processing_activity_declared.activity.activity_id",
			"processing_activity_declared.activity.name",
			"processing_activity_declared.activity.purposes",
			"processing_activity_declared.activity.data_categories",
			"processing_activity_declared.activity.retention",
		}},
		{"retention without time limit or trigger event", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.Retention = &eventsv1.Retention{Days: 0, Trigger: "erasure request"}
		}, []string{
			"processing_activity_declared.activity.retention.trigger_event",
			"processing_activity_declared.activity.retention.days",
		}},
		{"amended retention with unknown trigger event", "processing_activity_amended", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityAmended().Activity.Retention.TriggerEvent = 99
		}, []string{"processing_activity_amended.activity.retention.trigger_event"}},
		{"activity with unknown subject", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.DataSubjects = []string{"customer", "robot"}
		}, []string{"processing_activity_declared.activity.data_subjects[1]"}},
		{"activity recipient problems", "processing_activity_amended", func(ev *eventsv1.Event) {
			a := ev.GetProcessingActivityAmended().Activity
			a.Recipients = append(a.Recipients, &eventsv1.Recipient{Id: "ads", Name: "Ads Ltd", Country: "GB"})
		}, []string{
			"processing_activity_amended.activity.recipients[1].kind",
			"processing_activity_amended.activity.recipients[1].transfer_mechanism",
		}},
		{"activity nil recipient", "processing_activity_declared", func(ev *eventsv1.Event) {
			a := ev.GetProcessingActivityDeclared().Activity
			a.Recipients = append(a.Recipients, nil)
		}, []string{"processing_activity_declared.activity.recipients[1]"}},
		{"activity without legal basis", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.LegalBasis = 0
		}, []string{"processing_activity_declared.activity.legal_basis"}},
		{"activity with biometrics without condition", "processing_activity_declared", func(ev *eventsv1.Event) {
			a := ev.GetProcessingActivityDeclared().Activity
			a.DataCategories = append(a.DataCategories, "user.biometric.fingerprint")
		}, []string{"processing_activity_declared.activity.special_category_condition"}},
		{"activity key group not a token", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.KeyGroup = "tax 2025"
		}, []string{"processing_activity_declared.activity.key_group"}},
		{"amended reason too long", "processing_activity_amended", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityAmended().Reason = strings.Repeat("r", 1025)
		}, []string{"processing_activity_amended.reason"}},

		// NoticePublished.
		{"notice without id, version, language, hash", "notice_published", func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_NoticePublished{NoticePublished: &eventsv1.NoticePublished{}}
		}, []string{
			"notice_published.notice_id", "notice_published.version",
			"notice_published.language", "notice_published.text_sha256",
		}},
		{"language with underscore", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = "en_GB" }, []string{"notice_published.language"}},
		{"language starting with digits", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = "419" }, []string{"notice_published.language"}},
		{"language with empty subtag", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = "en--GB" }, []string{"notice_published.language"}},
		{"language trailing hyphen", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = "en-" }, []string{"notice_published.language"}},
		{"language subtag too long", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = "en-abcdefghi" }, []string{"notice_published.language"}},
		{"text hash short", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().TextSha256 = make([]byte, 31) }, []string{"notice_published.text_sha256"}},

		// Consent.
		{"consent without purpose", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().Purpose = "" }, []string{"consent_given.purpose"}},
		{"consent with unknown purpose", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().Purpose = "marketing.everything" }, []string{"consent_given.purpose"}},
		{"consent without method and channel", "consent_given", func(ev *eventsv1.Event) {
			ev.GetConsentGiven().Method, ev.GetConsentGiven().Channel = 0, 0
		}, []string{"consent_given.method", "consent_given.channel"}},
		{"consent without notice", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().NoticeId = "" }, []string{"consent_given.notice_id"}},
		{"consent notice hash wrong length", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().NoticeSha256 = []byte{1} }, []string{"consent_given.notice_sha256"}},
		{"consent unknown category", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().Categories = []string{"email"} }, []string{"consent_given.categories[0]"}},
		{"parental authorization incomplete", "consent_given", func(ev *eventsv1.Event) {
			ev.GetConsentGiven().ParentalAuthorization = &eventsv1.ParentalAuthorization{VerifiedAt: &timestamppb.Timestamp{Nanos: 2e9}}
		}, []string{
			"consent_given.parental_authorization.guardian_ref",
			"consent_given.parental_authorization.verification_method",
			"consent_given.parental_authorization.verified_at",
		}},
		{"consent expires_at invalid", "consent_given", func(ev *eventsv1.Event) {
			ev.GetConsentGiven().ExpiresAt = &timestamppb.Timestamp{Seconds: -1 << 40}
		}, []string{"consent_given.expires_at"}},
		{"withdrawal without purpose and channel", "consent_withdrawn", func(ev *eventsv1.Event) {
			ev.GetConsentWithdrawn().Purpose, ev.GetConsentWithdrawn().Channel = "", 0
		}, []string{"consent_withdrawn.purpose", "consent_withdrawn.channel"}},
		{"withdrawal unknown method", "consent_withdrawn", func(ev *eventsv1.Event) { ev.GetConsentWithdrawn().Method = 99 }, []string{"consent_withdrawn.method"}},

		// Rights requests.
		{"request without id and right", "rights_request_received", func(ev *eventsv1.Event) {
			ev.GetRightsRequestReceived().RequestId, ev.GetRightsRequestReceived().Right = "", 0
		}, []string{"rights_request_received.request_id", "rights_request_received.right"}},
		{"request unknown channel", "rights_request_received", func(ev *eventsv1.Event) { ev.GetRightsRequestReceived().Channel = 77 }, []string{"rights_request_received.channel"}},
		{"identity verified without request", "rights_request_identity_verified", func(ev *eventsv1.Event) {
			ev.GetRightsRequestIdentityVerified().RequestId = ""
		}, []string{"rights_request_identity_verified.request_id"}},
		{"extension of zero months", "rights_request_deadline_extended", func(ev *eventsv1.Event) {
			ev.GetRightsRequestDeadlineExtended().Months = 0
		}, []string{"rights_request_deadline_extended.months"}},
		{"extension of three months", "rights_request_deadline_extended", func(ev *eventsv1.Event) {
			ev.GetRightsRequestDeadlineExtended().Months = 3
		}, []string{"rights_request_deadline_extended.months"}},
		{"fulfilled response hash wrong length", "rights_request_fulfilled", func(ev *eventsv1.Event) {
			ev.GetRightsRequestFulfilled().ResponseSha256 = make([]byte, 20)
		}, []string{"rights_request_fulfilled.response_sha256"}},
		{"denied without ground", "rights_request_denied", func(ev *eventsv1.Event) { ev.GetRightsRequestDenied().Ground = 0 }, []string{"rights_request_denied.ground"}},

		// Restriction, objection, erasure.
		{"restriction id not a token", "restriction_applied", func(ev *eventsv1.Event) {
			ev.GetRestrictionApplied().RestrictionId = "res#1"
		}, []string{"restriction_applied.restriction_id"}},
		{"lifted without restriction id", "restriction_lifted", func(ev *eventsv1.Event) {
			ev.GetRestrictionLifted().RestrictionId = ""
		}, []string{"restriction_lifted.restriction_id"}},
		{"objection without purposes", "objection_recorded", func(ev *eventsv1.Event) {
			ev.GetObjectionRecorded().Purposes = nil
		}, []string{"objection_recorded.purposes"}},
		{"erasure without request and system", "erasure_executed", func(ev *eventsv1.Event) {
			ev.GetErasureExecuted().RequestId, ev.GetErasureExecuted().System = "", ""
		}, []string{"erasure_executed.request_id", "erasure_executed.system"}},
		{"shred without key groups", "subject_key_shredded", func(ev *eventsv1.Event) {
			ev.GetSubjectKeyShredded().KeyGroups = nil
		}, []string{"subject_key_shredded.key_groups"}},
		{"shred with bad key group", "subject_key_shredded", func(ev *eventsv1.Event) {
			ev.GetSubjectKeyShredded().KeyGroups = []string{"default", ""}
		}, []string{"subject_key_shredded.key_groups[1]"}},
		{"notified without recipient", "recipient_notified", func(ev *eventsv1.Event) {
			ev.GetRecipientNotified().RecipientId = ""
		}, []string{"recipient_notified.recipient_id"}},
		{"notified of access", "recipient_notified", func(ev *eventsv1.Event) {
			ev.GetRecipientNotified().Right = eventsv1.Right_RIGHT_ACCESS
		}, []string{"recipient_notified.right"}},
		{"notified of unknown right", "recipient_notified", func(ev *eventsv1.Event) {
			ev.GetRecipientNotified().Right = 50
		}, []string{"recipient_notified.right"}},
		{"retention expired without activity and action", "retention_expired", func(ev *eventsv1.Event) {
			ev.GetRetentionExpired().ActivityId, ev.GetRetentionExpired().Action = "", ""
		}, []string{"retention_expired.activity_id", "retention_expired.action"}},
		{"breach without id, description, detection", "breach_recorded", func(ev *eventsv1.Event) {
			b := ev.GetBreachRecorded()
			b.BreachId, b.Description, b.DetectedAt = "", "", nil
		}, []string{"breach_recorded.breach_id", "breach_recorded.description", "breach_recorded.detected_at"}},
		{"export without format or sequence", "subject_data_exported", func(ev *eventsv1.Event) {
			x := ev.GetSubjectDataExported()
			x.Format, x.ThroughSequence = 0, 0
		}, []string{"subject_data_exported.format", "subject_data_exported.through_sequence", "subject_data_exported.tree_size"}},
		{"notification due without cause, date, Art. 19 right", "recipient_notification_due", func(ev *eventsv1.Event) {
			x := ev.GetRecipientNotificationDue()
			x.CauseEventId, x.DueAt, x.Right = "nope", nil, eventsv1.Right_RIGHT_ACCESS
		}, []string{"recipient_notification_due.cause_event_id", "recipient_notification_due.due_at", "recipient_notification_due.right"}},
		{"waiver without ground or recipient", "recipient_notification_waived", func(ev *eventsv1.Event) {
			x := ev.GetRecipientNotificationWaived()
			x.Ground, x.RecipientId = 0, ""
		}, []string{"recipient_notification_waived.ground", "recipient_notification_waived.recipient_id"}},
		{"exemption without groups, ground, end", "erasure_exemption_recorded", func(ev *eventsv1.Event) {
			x := ev.GetErasureExemptionRecorded()
			x.KeyGroups, x.Ground, x.Until = nil, 0, nil
		}, []string{"erasure_exemption_recorded.key_groups", "erasure_exemption_recorded.ground", "erasure_exemption_recorded.until"}},
		{"export with a bad request id", "subject_data_exported", func(ev *eventsv1.Event) {
			ev.GetSubjectDataExported().RequestId = "a b"
		}, []string{"subject_data_exported.request_id"}},
		{"breach description too long", "breach_recorded", func(ev *eventsv1.Event) {
			ev.GetBreachRecorded().Description = strings.Repeat("d", 8<<10+1)
		}, []string{"breach_recorded.description"}},

		// Several problems at once: all are reported.
		{"several problems", "disclosure_made", func(ev *eventsv1.Event) {
			ev.EventId = "not-a-uuid"
			ev.SubjectRef = ""
			ev.RecordedAt = timestamppb.New(testOccurred)
			ev.TaxonomyVersion = ""
			d := ev.GetDisclosureMade()
			d.Recipient.Kind = 0
			d.Recipient.Country = "XX"
			d.Categories[1] = "user.unknown"
			d.LegalBasis = 0
			d.Values[0].Value = nil
		}, []string{
			"event_id", "subject_ref", "recorded_at", "taxonomy_version",
			"disclosure_made.recipient.kind", "disclosure_made.recipient.country",
			"disclosure_made.categories[1]", "disclosure_made.legal_basis",
			"disclosure_made.values[0].category", "disclosure_made.values[0].value",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := example(t, tt.payload)
			tt.mutate(ev)
			err := events.Validate(ev)
			if !errors.Is(err, events.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an error matching ErrInvalid", err)
			}
			var verr *events.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %T, want *events.ValidationError", err)
			}
			got := make([]string, 0, len(verr.Problems))
			for _, p := range verr.Problems {
				if p.Reason == "" {
					t.Errorf("%s: empty reason", p.Field)
				}
				got = append(got, p.Field)
			}
			slices.Sort(got)
			got = slices.Compact(got)
			want := slices.Clone(tt.wantFields)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("fields with problems = %q, want %q\n%v", got, want, err)
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	if err := events.Validate(nil); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("Validate(nil) = %v, want ErrInvalid", err)
	}
}

// TestValidateReasonsHoldNoValues plants a personal-data value in every field
// it can make invalid and checks that no error message repeats it.
func TestValidateReasonsHoldNoValues(t *testing.T) {
	const planted = "alice@example.com"
	tests := []struct {
		name      string
		payload   string
		mutate    func(ev *eventsv1.Event)
		wantField string
	}{
		{"event_id", "data_collected", func(ev *eventsv1.Event) { ev.EventId = planted }, "event_id"},
		{"causation_id", "data_collected", func(ev *eventsv1.Event) { ev.CausationId = planted }, "causation_id"},
		{"tenant", "data_collected", func(ev *eventsv1.Event) { ev.Tenant = planted }, "tenant"},
		{"subject_ref", "data_collected", func(ev *eventsv1.Event) { ev.SubjectRef = planted }, "subject_ref"},
		{"source", "data_collected", func(ev *eventsv1.Event) { ev.Source = planted }, "source"},
		{"taxonomy_version", "data_collected", func(ev *eventsv1.Event) { ev.TaxonomyVersion = planted }, "taxonomy_version"},
		{"actor.id", "data_collected", func(ev *eventsv1.Event) { ev.Actor.Id = planted }, "actor.id"},
		{"correlation_id", "data_collected", func(ev *eventsv1.Event) { ev.CorrelationId = strings.Repeat(planted, 100) }, "correlation_id"},
		{"category", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Categories[0] = planted }, "data_collected.categories[0]"},
		{"purpose", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Purposes[0] = planted }, "data_collected.purposes[0]"},
		{"value category", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Values[0].Category = planted }, "data_collected.values[0].category"},
		{"value key group", "data_collected", func(ev *eventsv1.Event) { ev.GetDataCollected().Values[0].KeyGroup = planted }, "data_collected.values[0].key_group"},
		{"plaintext too long", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].Value = &eventsv1.DataValue_Plaintext{Plaintext: strings.Repeat(planted, 4000)}
		}, "data_collected.values[1].plaintext"},
		{"plaintext not UTF-8", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[1].Value = &eventsv1.DataValue_Plaintext{Plaintext: planted + "\xff"}
		}, "data_collected.values[1].plaintext"},
		{"recipient id", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Id = planted }, "disclosure_made.recipient.id"},
		{"recipient country", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().Recipient.Country = planted }, "disclosure_made.recipient.country"},
		{"recipient name", "disclosure_made", func(ev *eventsv1.Event) {
			ev.GetDisclosureMade().Recipient.Name = strings.Repeat(planted, 100)
		}, "disclosure_made.recipient.name"},
		{"guardian_ref", "consent_given", func(ev *eventsv1.Event) {
			ev.GetConsentGiven().ParentalAuthorization = &eventsv1.ParentalAuthorization{GuardianRef: planted, VerificationMethod: "card_check"}
		}, "consent_given.parental_authorization.guardian_ref"},
		{"consent purpose", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().Purpose = planted }, "consent_given.purpose"},
		{"notice language", "notice_published", func(ev *eventsv1.Event) { ev.GetNoticePublished().Language = planted }, "notice_published.language"},
		{"activity subject", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.DataSubjects[0] = planted
		}, "processing_activity_declared.activity.data_subjects[0]"},
		{"shredded key group", "subject_key_shredded", func(ev *eventsv1.Event) { ev.GetSubjectKeyShredded().KeyGroups[0] = planted }, "subject_key_shredded.key_groups[0]"},
		{"erasure system", "erasure_executed", func(ev *eventsv1.Event) { ev.GetErasureExecuted().System = planted }, "erasure_executed.system"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := example(t, tt.payload)
			tt.mutate(ev)
			err := events.Validate(ev)
			var verr *events.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			found := false
			for _, p := range verr.Problems {
				found = found || p.Field == tt.wantField
				if strings.Contains(p.Reason, "alice") || strings.Contains(p.Reason, "example.com") {
					t.Errorf("%s: reason %q holds the field's value", p.Field, p.Reason)
				}
			}
			if !found {
				t.Errorf("no problem reported for %s: %v", tt.wantField, err)
			}
			if strings.Contains(err.Error(), "alice") || strings.Contains(err.Error(), "example.com") {
				t.Errorf("error %q holds the planted value", err)
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, name := range []string{"data_collected", "disclosure_made", "consent_given"} {
		b.Run(name, func(b *testing.B) {
			ev := example(b, name)
			if err := events.Validate(ev); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := events.Validate(ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// marshalled returns the protobuf encoding of every example.
func marshalled(t testing.TB) [][]byte {
	var out [][]byte
	for _, name := range payloadFields() {
		b, err := proto.Marshal(example(t, name))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestValidateStorableBounds checks each bound of what the read models hold
// (events.CheckStorable, through Validate): every time between 1970 and
// the last int64 nanosecond (occurred_at: three months earlier, so that a
// request's deadline fits too), every uint64 within an int64, every uint32
// within an int32. Each case names the one field
// that must be refused (none: the event is valid), and no reason repeats the
// value.
func TestValidateStorableBounds(t *testing.T) {
	end9999 := &timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999999999} // 9999-12-31T23:59:59.999999999Z
	maxStorable := timestamppb.New(events.MaxStorableTime)
	pastMax := timestamppb.New(events.MaxStorableTime.Add(1))
	epoch := &timestamppb.Timestamp{}
	before1970 := timestamppb.New(time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC))
	tests := []struct {
		name      string
		payload   string
		mutate    func(ev *eventsv1.Event)
		wantField string // "": valid
	}{
		// occurred_at.
		{"occurred 9999-12-31", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = end9999 }, "occurred_at"},
		{"occurred 2262-04-11, the last storable nanosecond", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = maxStorable }, "occurred_at"},
		{"occurred at MaxOccurredAt", "rights_request_received", func(ev *eventsv1.Event) { ev.OccurredAt = timestamppb.New(events.MaxOccurredAt) }, ""},
		{"occurred a nanosecond after MaxOccurredAt", "rights_request_received", func(ev *eventsv1.Event) {
			ev.OccurredAt = timestamppb.New(events.MaxOccurredAt.Add(1))
		}, "occurred_at"},
		{"occurred a nanosecond after the epoch", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{Nanos: 1} }, ""},
		{"occurred at the epoch", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = epoch }, "occurred_at"},
		{"occurred in year 1", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{Seconds: -62135596800} }, "occurred_at"},
		{"occurred beyond proto's range", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{Seconds: 253402300800} }, "occurred_at"},
		{"occurred with nanos of a second", "data_collected", func(ev *eventsv1.Event) { ev.OccurredAt = &timestamppb.Timestamp{Seconds: 1e9, Nanos: 1e9} }, "occurred_at"},

		// Every other timestamp: valid, and within [1970, MaxStorableTime].
		{"expires 9999", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().ExpiresAt = end9999 }, "consent_given.expires_at"},
		{"expires at the last storable nanosecond", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().ExpiresAt = maxStorable }, ""},
		{"expires a nanosecond later", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().ExpiresAt = pastMax }, "consent_given.expires_at"},
		{"expires at the epoch", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().ExpiresAt = epoch }, ""},
		{"expires before 1970", "consent_given", func(ev *eventsv1.Event) { ev.GetConsentGiven().ExpiresAt = before1970 }, "consent_given.expires_at"},
		{"expires with negative nanos", "consent_given", func(ev *eventsv1.Event) {
			ev.GetConsentGiven().ExpiresAt = &timestamppb.Timestamp{Seconds: 1e9, Nanos: -1}
		}, "consent_given.expires_at"},
		{"guardian verified 9999", "consent_given", func(ev *eventsv1.Event) {
			ev.GetConsentGiven().ParentalAuthorization = &eventsv1.ParentalAuthorization{GuardianRef: "g-1", VerificationMethod: "card", VerifiedAt: end9999}
		}, "consent_given.parental_authorization.verified_at"},
		{"confidential until 9999", "disclosure_made", func(ev *eventsv1.Event) { ev.GetDisclosureMade().ConfidentialUntil = end9999 }, "disclosure_made.confidential_until"},
		{"exempt until 9999", "erasure_exemption_recorded", func(ev *eventsv1.Event) { ev.GetErasureExemptionRecorded().Until = end9999 }, "erasure_exemption_recorded.until"},
		{"exempt until before 1970", "erasure_exemption_recorded", func(ev *eventsv1.Event) { ev.GetErasureExemptionRecorded().Until = before1970 }, "erasure_exemption_recorded.until"},
		{"notice due 9999", "recipient_notification_due", func(ev *eventsv1.Event) { ev.GetRecipientNotificationDue().DueAt = end9999 }, "recipient_notification_due.due_at"},
		{"breach detected 9999", "breach_recorded", func(ev *eventsv1.Event) { ev.GetBreachRecorded().DetectedAt = end9999 }, "breach_recorded.detected_at"},
		{"authority notified 9999", "breach_recorded", func(ev *eventsv1.Event) { ev.GetBreachRecorded().AuthorityNotifiedAt = end9999 }, "breach_recorded.authority_notified_at"},

		// uint64: within an int64.
		{"through sequence MaxInt64", "subject_data_exported", func(ev *eventsv1.Event) { ev.GetSubjectDataExported().ThroughSequence = math.MaxInt64 }, ""},
		{"through sequence MaxInt64+1", "subject_data_exported", func(ev *eventsv1.Event) {
			ev.GetSubjectDataExported().ThroughSequence = math.MaxInt64 + 1
		}, "subject_data_exported.through_sequence"},
		{"tree size MaxUint64", "subject_data_exported", func(ev *eventsv1.Event) {
			ev.GetSubjectDataExported().ThroughSequence = math.MaxInt64
			ev.GetSubjectDataExported().TreeSize = math.MaxUint64
		}, "subject_data_exported.tree_size"},
		{"records erased MaxUint64", "erasure_executed", func(ev *eventsv1.Event) { ev.GetErasureExecuted().RecordsErased = math.MaxUint64 }, "erasure_executed.records_erased"},
		{"records erased MaxInt64", "erasure_executed", func(ev *eventsv1.Event) { ev.GetErasureExecuted().RecordsErased = math.MaxInt64 }, ""},
		{"subjects affected MaxUint64", "breach_recorded", func(ev *eventsv1.Event) {
			ev.GetBreachRecorded().SubjectsAffectedEstimate = math.MaxUint64
		}, "breach_recorded.subjects_affected_estimate"},

		// uint32: within an int32.
		{"export events MaxInt32", "subject_data_exported", func(ev *eventsv1.Event) { ev.GetSubjectDataExported().Events = math.MaxInt32 }, ""},
		{"export events MaxInt32+1", "subject_data_exported", func(ev *eventsv1.Event) { ev.GetSubjectDataExported().Events = math.MaxInt32 + 1 }, "subject_data_exported.events"},
		{"withheld disclosures MaxUint32", "subject_data_exported", func(ev *eventsv1.Event) {
			ev.GetSubjectDataExported().WithheldDisclosures = math.MaxUint32
		}, "subject_data_exported.withheld_disclosures"},
		{"retention days MaxUint32", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.Retention.Days = math.MaxUint32
		}, "processing_activity_declared.activity.retention.days"},
		{"retention days MaxInt32", "processing_activity_declared", func(ev *eventsv1.Event) {
			ev.GetProcessingActivityDeclared().Activity.Retention.Days = math.MaxInt32
		}, ""},
		{"key version MaxUint32", "data_collected", func(ev *eventsv1.Event) {
			ev.GetDataCollected().Values[0].GetSealed().KeyVersion = math.MaxUint32
		}, "data_collected.values[0].sealed.key_version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := example(t, tt.payload)
			tt.mutate(ev)
			err := events.Validate(ev)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if got := events.CheckStorable(ev); got != nil {
					t.Fatalf("CheckStorable() = %v, want nil", got)
				}
				return
			}
			var verr *events.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v, want a *ValidationError naming %s", err, tt.wantField)
			}
			for _, p := range verr.Problems {
				if p.Field != tt.wantField {
					t.Errorf("problem with %s (%s), want only %s", p.Field, p.Reason, tt.wantField)
				}
				for _, leak := range []string{"9999-12-31T", "18446744073709551615", "4294967295"} {
					if strings.Contains(p.Reason, leak) {
						t.Errorf("reason %q repeats the value", p.Reason)
					}
				}
			}
			got := events.CheckStorable(ev)
			if len(got) != 1 || got[0].Field != tt.wantField {
				t.Errorf("CheckStorable() = %v, want one problem with %s", got, tt.wantField)
			}
		})
	}
}

// TestValidateAtClockSkew checks the bound ValidateAt puts on occurred_at
// relative to the time of receipt, and that Validate has none.
func TestValidateAtClockSkew(t *testing.T) {
	now := time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		occurred time.Time
		skew     time.Duration
		wantErr  bool
	}{
		{"a year ago", now.AddDate(-1, 0, 0), 24 * time.Hour, false},
		{"now", now, 24 * time.Hour, false},
		{"23h ahead", now.Add(23 * time.Hour), 24 * time.Hour, false},
		{"exactly the skew ahead", now.Add(24 * time.Hour), 24 * time.Hour, false},
		{"a nanosecond past the skew", now.Add(24*time.Hour + 1), 24 * time.Hour, true},
		{"25h ahead", now.Add(25 * time.Hour), 24 * time.Hour, true},
		{"9999-12-31", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), 24 * time.Hour, true},
		{"a second ahead, no skew allowed", now.Add(time.Second), 0, true},
		{"5m ahead, 10m allowed", now.Add(5 * time.Minute), 10 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := example(t, "data_collected")
			ev.OccurredAt = timestamppb.New(tt.occurred)
			err := events.ValidateAt(ev, now, tt.skew)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("ValidateAt() = %v, want nil", err)
				}
				return
			}
			var verr *events.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("ValidateAt() = %v, want a *ValidationError naming occurred_at", err)
			}
			if len(verr.Problems) != 1 || verr.Problems[0].Field != "occurred_at" {
				t.Errorf("ValidateAt() = %v, want one problem with occurred_at", err)
			}
			if tt.occurred.Before(events.MaxOccurredAt) {
				if err := events.Validate(ev); err != nil {
					t.Errorf("Validate() = %v, want nil: it has no clock", err)
				}
			}
		})
	}
}

// TestValidateRefusesNUL sets a string with a NUL byte, which PostgreSQL
// text cannot store, in every string field of every example event (found
// from the descriptors, so that a new field is not missed) and checks that
// Validate refuses it, naming that field; a plaintext value, sealed before
// anything stores it, may hold one.
func TestValidateRefusesNUL(t *testing.T) {
	for _, name := range payloadFields() {
		var paths []string
		var walk func(m protoreflect.Message, prefix string)
		walk = func(m protoreflect.Message, prefix string) {
			fields := m.Descriptor().Fields()
			for i := 0; i < fields.Len(); i++ {
				fd := fields.Get(i)
				path := prefix + string(fd.Name())
				switch {
				case fd.Kind() == protoreflect.StringKind && !fd.IsList():
					if fd.ContainingOneof() == nil || m.Has(fd) {
						paths = append(paths, path)
					}
				case fd.Kind() == protoreflect.StringKind && fd.IsList():
					if m.Has(fd) {
						paths = append(paths, path+"[0]")
					}
				case fd.Kind() == protoreflect.MessageKind && fd.IsList():
					if m.Has(fd) {
						walk(m.Get(fd).List().Get(0).Message(), path+"[0].")
					}
				case fd.Kind() == protoreflect.MessageKind && m.Has(fd):
					walk(m.Get(fd).Message(), path+".")
				}
			}
		}
		walk(example(t, name).ProtoReflect(), "")
		for _, path := range paths {
			t.Run(name+"/"+path, func(t *testing.T) {
				ev := example(t, name)
				setString(t, ev.ProtoReflect(), path, "x\x00y")
				err := events.Validate(ev)
				if strings.HasSuffix(path, ".plaintext") {
					if err != nil {
						t.Fatalf("Validate() = %v, want nil: plaintext is sealed before it is stored", err)
					}
					return
				}
				var verr *events.ValidationError
				if !errors.As(err, &verr) {
					t.Fatalf("Validate() = %v, want a problem with %s", err, path)
				}
				for _, p := range verr.Problems {
					if p.Field == path {
						return
					}
				}
				t.Errorf("Validate() = %v, want a problem with %s", err, path)
			})
		}
	}
}

// setString sets the string field at path ("a.b[0].c", lists by index 0).
func setString(t *testing.T, m protoreflect.Message, path, s string) {
	t.Helper()
	parts := strings.Split(path, ".")
	for i, part := range parts {
		name, list := strings.CutSuffix(part, "[0]")
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			t.Fatalf("no field %s in %s", name, m.Descriptor().FullName())
		}
		last := i == len(parts)-1
		switch {
		case last && list:
			m.Mutable(fd).List().Set(0, protoreflect.ValueOfString(s))
		case last:
			m.Set(fd, protoreflect.ValueOfString(s))
		case list:
			m = m.Mutable(fd).List().Get(0).Message()
		default:
			m = m.Mutable(fd).Message()
		}
	}
}

// TestValidateStoredReadsRetentionWithoutLimit: a declaration stored
// before time limits and trigger events were required (days 0, trigger
// "erasure request", no trigger_event) is refused as a new event, naming
// both fields, and read back from the stream as it is: the projection
// flags it (retention_without_time_limit) instead of quarantining it.
func TestValidateStoredReadsRetentionWithoutLimit(t *testing.T) {
	for _, payload := range []string{"processing_activity_declared", "processing_activity_amended"} {
		t.Run(payload, func(t *testing.T) {
			ev := example(t, payload)
			a := ev.GetProcessingActivityDeclared().GetActivity()
			if a == nil {
				a = ev.GetProcessingActivityAmended().GetActivity()
			}
			a.Retention = &eventsv1.Retention{Days: 0, Trigger: "erasure request"}
			err := events.Validate(ev)
			for _, f := range []string{"retention.days", "retention.trigger_event"} {
				if err == nil || !strings.Contains(err.Error(), payload+".activity."+f) {
					t.Errorf("Validate = %v, want a problem with %s", err, f)
				}
			}
			if err := events.ValidateStored(ev); err != nil {
				t.Errorf("ValidateStored = %v, want nil: an earlier release stored it", err)
			}
			a.Retention.Days = 1
			a.Retention.TriggerEvent = eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED
			if err := events.Validate(ev); err != nil {
				t.Errorf("Validate with 1 day from the end of the relationship = %v, want nil", err)
			}
		})
	}
}

// TestValidateStoredAcceptsEarlierShapes: strings an earlier release
// accepted as free text, and that new appends must now give a shape, are
// refused by Validate but pass ValidateStored, so that a rebuild projects
// the events stored before rather than quarantining them.
func TestValidateStoredAcceptsEarlierShapes(t *testing.T) {
	tests := []struct{ payload, path, value string }{
		{"data_collected", "correlation_id", "batch 7 of import"},
		{"data_collected", "data_collected.collection_source", "web form"},
		{"data_collected", "data_collected.collection_point", "Web contact form"},
		{"notice_published", "notice_published.version", "v1 (draft)"},
		{"notice_published", "notice_published.url", "https://acme.example/privacy?lang=en"},
		{"breach_recorded", "breach_recorded.risk", "medium"},
		{"retention_expired", "retention_expired.action", "deleted"},
		{"processing_activity_declared", "processing_activity_declared.activity.name", "Mail to ops@acme.example"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ev := example(t, tt.payload)
			if err := events.Validate(ev); err != nil {
				t.Fatalf("example: %v", err)
			}
			setString(t, ev.ProtoReflect(), tt.path, tt.value)
			var ve *events.ValidationError
			if err := events.Validate(ev); !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Validate = %v, want a problem with %s", err, tt.path)
			}
			if err := events.ValidateStored(ev); err != nil {
				t.Errorf("ValidateStored = %v, want nil: an earlier release stored it", err)
			}
		})
	}
}
