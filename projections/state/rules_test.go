package state_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestRules checks each event-time rule by itself: the events before the
// last are folded in, the rule judges the last against that state.
func TestRules(t *testing.T) {
	checkRules(t, []ruleCase{
		// processing_after_consent_withdrawn / processing_without_consent
		{"consent given: newsletter issue is fine", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"issue after withdrawal", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(3), withdraw(useMail)) // ev-3
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, []brief{{state.RuleConsentWithdrawn, "ev-3,ev-4"}}},
		{"consent given again after withdrawal", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(3), withdraw(useMail))
			s.add(subj, day(4), consent(useMail))
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"withdrawal recorded late: processing before it is fine", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(9), withdraw(useMail))
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"never given, consent basis on the event", state.RuleConsentWithdrawn, func(s *stream) {
			s.add(subj, day(5), collected("", consentBasis, useMail))
		}, []brief{{state.RuleWithoutConsent, "ev-1"}}},
		{"never given, catalogue activity needs consent", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), mailing("newsletter", liBasis))
		}, []brief{{state.RuleWithoutConsent, "ev-2"}}},
		{"never given, legitimate interests activity", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter(), telemetry())
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, nil},
		{"consent expired", state.RuleConsentWithdrawn, func(s *stream) {
			c := consent(useMail)
			c.ExpiresAt = timestamppb.New(day(2))
			s.add(subj, day(0), c)
			s.add(subj, day(5), collected("", consentBasis, useMail))
		}, []brief{{state.RuleWithoutConsent, "ev-2"}}},
		{"withdrawn for one purpose, never given for another", state.RuleConsentWithdrawn, func(s *stream) {
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(1), withdraw(useMail))
			s.add(subj, day(5), collected("", consentBasis, useMail, "analytics.reporting.ad_performance"))
		}, []brief{{state.RuleConsentWithdrawn, "ev-2,ev-3"}, {state.RuleWithoutConsent, "ev-3"}}},
		// Art. 7(3): purposes on one line of the hierarchy share a withdrawal.
		{"consent to marketing withdrawn covers the email kept from before", state.RuleConsentWithdrawn, func(s *stream) {
			s.add(subj, day(0), consent("marketing"))
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(3), withdraw("marketing")) // ev-3
			s.add(subj, day(5), collected("", consentBasis, useMail))
		}, []brief{{state.RuleConsentWithdrawn, "ev-3,ev-4"}}},
		{"email withdrawn: processing for the broader marketing", state.RuleConsentWithdrawn, func(s *stream) {
			s.add(subj, day(0), consent("marketing"))
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(3), withdraw(useMail)) // ev-3
			s.add(subj, day(5), collected("", consentBasis, "marketing"))
		}, []brief{{state.RuleConsentWithdrawn, "ev-3,ev-4"}}},
		{"withdrawal of a sibling purpose", state.RuleConsentWithdrawn, func(s *stream) {
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(0), consent("marketing.communications.sms"))
			s.add(subj, day(3), withdraw("marketing.communications.sms"))
			s.add(subj, day(5), collected("", consentBasis, useMail))
		}, nil},
		{"consent to email given again after marketing was withdrawn", state.RuleConsentWithdrawn, func(s *stream) {
			s.add(subj, day(0), consent("marketing"))
			s.add(subj, day(3), withdraw("marketing"))
			s.add(subj, day(4), consent(useMail))
			s.add(subj, day(5), collected("", consentBasis, useMail))
		}, nil},
		{"marketing withdrawn, email never consented to", state.RuleConsentWithdrawn, func(s *stream) {
			s.add(subj, day(0), consent("marketing"))
			s.add(subj, day(3), withdraw("marketing")) // ev-2
			s.add(subj, day(5), collected("", consentBasis, useMail))
		}, []brief{{state.RuleConsentWithdrawn, "ev-2,ev-3"}}}, // the withdrawal, not "never given"

		// processing_after_objection
		{"objection to improve, telemetry after", state.RuleAfterObjection, func(s *stream) {
			s.declare(telemetry())
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{useImp}}) // ev-2
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, []brief{{state.RuleAfterObjection, "ev-2,ev-3"}}},
		{"telemetry before the objection", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(6), &eventsv1.ObjectionRecorded{Purposes: []string{useImp}})
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, nil},
		{"objection to other purpose", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{useMail}})
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, nil},
		{"objection to marketing covers email marketing on consent", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{"marketing"}})
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-2"}}},
		{"objection does not bind a contract", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{useSvc}})
			s.add(subj, day(5), collected("accounts", contract, useSvc))
		}, nil},
		{"objection to email marketing, processing for the broader marketing", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{"marketing.communications"}}) // ev-1
			s.add(subj, day(5), collected("", consentBasis, "marketing"))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-2"}}}, // Art. 21(3): may include what was objected to
		{"objection to a parent purpose on legitimate interests", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{"functional"}}) // ev-1
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-2"}}},
		{"objection to improvement, processing for the broader service", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{useImp}}) // ev-1
			s.add(subj, day(5), collected("", liBasis, "functional.service"))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-2"}}},
		{"objection to a sibling purpose", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{"marketing.communications.sms"}})
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},

		// processing_during_restriction
		{"collection during restriction", state.RuleDuringRestriction, func(s *stream) {
			s.add(subj, day(1), &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Purposes: []string{useMail, useImp}})
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, []brief{{state.RuleDuringRestriction, "ev-1,ev-2"}}},
		{"restriction without purposes covers all", state.RuleDuringRestriction, func(s *stream) {
			s.add(subj, day(1), &eventsv1.RestrictionApplied{RestrictionId: "rs-1"})
			s.add(subj, day(5), collected("accounts", contract, useSvc))
		}, []brief{{state.RuleDuringRestriction, "ev-1,ev-2"}}},
		{"after the lifting", state.RuleDuringRestriction, func(s *stream) {
			s.add(subj, day(1), &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Purposes: []string{useImp}})
			s.add(subj, day(3), &eventsv1.RestrictionLifted{RestrictionId: "rs-1"})
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, nil},
		{"other purpose", state.RuleDuringRestriction, func(s *stream) {
			s.add(subj, day(1), &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Purposes: []string{useMail}})
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, nil},
		{"other categories", state.RuleDuringRestriction, func(s *stream) {
			s.add(subj, day(1), &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Categories: []string{"user.financial"}})
			s.add(subj, day(5), collected("telemetry", liBasis, useImp))
		}, nil},

		// disclosure_to_undeclared_recipient
		{"declared recipient", state.RuleUndeclaredRecipient, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"undeclared recipient", state.RuleUndeclaredRecipient, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), &eventsv1.DisclosureMade{Recipient: recipient("events-co"), Categories: []string{catMail},
				Purpose: useSvc, LegalBasis: liBasis})
		}, []brief{{state.RuleUndeclaredRecipient, "ev-2"}}},
		{"recipient declared only after the disclosure", state.RuleUndeclaredRecipient, func(s *stream) {
			s.add(subj, day(5), mailing("newsletter", consentBasis))
			s.add("", day(6), &eventsv1.ProcessingActivityDeclared{Activity: newsletter()})
			s.add(subj, day(5), mailing("newsletter", consentBasis)) // recorded later, occurred before
		}, []brief{{state.RuleUndeclaredRecipient, "ev-3"}}},

		// transfer_without_chapter_v_ground: t0 is 6 January 2025. Japan's
		// decision took effect on 23 January 2019, the United Kingdom's on
		// 28 June 2021, India has none, the United States' (10 July 2023)
		// needs a certified importer.
		{"adequacy to Japan", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("JP", adequacy)))
		}, nil},
		{"adequacy to India", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("IN", adequacy)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}}},
		{"adequacy to the United Kingdom on the day its decision took effect", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, time.Date(2021, 6, 28, 0, 0, 0, 0, time.UTC), disclosed(transfer("GB", adequacy)))
		}, nil},
		{"adequacy to the United Kingdom the day before", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, time.Date(2021, 6, 27, 23, 59, 0, 0, time.UTC), disclosed(transfer("GB", adequacy)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}}},
		{"adequacy to the United States", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("US", adequacy)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}}},
		{"standard contractual clauses to India", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("IN", scc)))
		}, nil},
		{"within the EEA, no mechanism", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("NO", eventsv1.TransferMechanism_TRANSFER_MECHANISM_UNSPECIFIED)))
		}, nil},
		{"outside the EEA, no mechanism", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("CH", eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}}},

		// disclosure_to_recipient_not_as_declared: mailer() is declared a
		// processor in the US under standard contractual clauses.
		{"as declared", state.RuleRecipientNotAsDeclared, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"adequacy where clauses are declared", state.RuleRecipientNotAsDeclared, func(s *stream) {
			s.declare(newsletter())
			d := mailing("newsletter", consentBasis)
			d.Recipient.TransferMechanism = adequacy
			s.add(subj, day(5), d)
		}, []brief{{state.RuleRecipientNotAsDeclared, "ev-2"}}},
		{"another country", state.RuleRecipientNotAsDeclared, func(s *stream) {
			s.declare(newsletter())
			d := mailing("newsletter", consentBasis)
			d.Recipient.Country = "CA"
			s.add(subj, day(5), d)
		}, []brief{{state.RuleRecipientNotAsDeclared, "ev-2"}}},
		{"another kind", state.RuleRecipientNotAsDeclared, func(s *stream) {
			s.declare(newsletter())
			d := mailing("", consentBasis) // no activity: any declaring one
			d.Recipient.Kind = eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER
			s.add(subj, day(5), d)
		}, []brief{{state.RuleRecipientNotAsDeclared, "ev-2"}}},
		{"amended declaration seen at the disclosure's time", state.RuleRecipientNotAsDeclared, func(s *stream) {
			s.declare(newsletter())
			a := newsletter()
			a.Recipients[0].Country = "CA"
			s.add("", day(3), &eventsv1.ProcessingActivityDeclared{Activity: a})
			d := mailing("newsletter", consentBasis)
			d.Recipient.Country = "CA"
			s.add(subj, day(5), d)
		}, nil},
		{"undeclared recipient is another rule's", state.RuleRecipientNotAsDeclared, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), disclosed(transfer("IN", scc)))
		}, nil},

		// special_category_without_condition
		{"declared condition", state.RuleSpecialCategory, func(s *stream) {
			s.declare(sickness(eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY))
			s.add(subj, day(5), &eventsv1.DataCollected{ActivityId: "sickness", Purposes: []string{"essential.legal_obligation"},
				Categories: []string{catHlth}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
				SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY})
		}, nil},
		{"activity declares no condition", state.RuleSpecialCategory, func(s *stream) {
			s.declare(sickness(0))
			s.add(subj, day(5), &eventsv1.DataCollected{ActivityId: "sickness", Purposes: []string{"essential.legal_obligation"},
				Categories: []string{catHlth}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
				SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY})
		}, []brief{{state.RuleSpecialCategory, "ev-1,ev-2"}}}, // the declaration, the collection
		{"explicit consent without consent", state.RuleSpecialCategory, func(s *stream) {
			s.add(subj, day(5), &eventsv1.DataCollected{Purposes: []string{"personalize"}, Categories: []string{catHlth},
				LegalBasis: consentBasis, SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT})
		}, []brief{{state.RuleSpecialCategory, "ev-1"}}},
		{"explicit consent given", state.RuleSpecialCategory, func(s *stream) {
			s.add(subj, day(1), consent("personalize"))
			s.add(subj, day(5), &eventsv1.DataCollected{Purposes: []string{"personalize"}, Categories: []string{catHlth},
				LegalBasis: consentBasis, SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT})
		}, nil},
		{"no special category", state.RuleSpecialCategory, func(s *stream) {
			s.declare(sickness(0))
			s.add(subj, day(5), collected("sickness", liBasis, useSvc))
		}, nil},

		{"condition differs from the declared one", state.RuleSpecialCategory, func(s *stream) {
			s.declare(sickness(eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY)) // ev-1
			s.add(subj, day(0), consent("essential.legal_obligation"))                               // so 9(2)(a) itself holds
			s.add(subj, day(5), &eventsv1.DataCollected{ActivityId: "sickness", Purposes: []string{"essential.legal_obligation"},
				Categories: []string{catHlth}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
				SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT})
		}, []brief{{state.RuleSpecialCategory, "ev-1,ev-3"}}},
		{"health data from a broker under an undeclared activity, self-declared 9(2)(h)", state.RuleSpecialCategory, func(s *stream) {
			s.declare(sickness(eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY))
			s.add(subj, day(5), brokered())
		}, []brief{{state.RuleSpecialCategory, "ev-2"}}},

		// processing_under_undeclared_activity
		{"declared activity", state.RuleUndeclaredActivity, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"no activity named", state.RuleUndeclaredActivity, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), collected("", liBasis, useImp))
		}, nil},
		{"collection under an undeclared activity", state.RuleUndeclaredActivity, func(s *stream) {
			s.declare(sickness(eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY))
			s.add(subj, day(5), brokered())
		}, []brief{{state.RuleUndeclaredActivity, "ev-2"}}},
		{"disclosure under an undeclared activity", state.RuleUndeclaredActivity, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), mailing("promotions", consentBasis))
		}, []brief{{state.RuleUndeclaredActivity, "ev-2"}}},
		{"activity declared from a later day", state.RuleUndeclaredActivity, func(s *stream) {
			s.add("", day(6), &eventsv1.ProcessingActivityDeclared{Activity: newsletter()})
			s.add(subj, day(5), mailing("newsletter", consentBasis)) // recorded later, occurred before
		}, []brief{{state.RuleUndeclaredActivity, "ev-2"}}},

		// processing_outside_declared_activity
		{"within the declaration", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"a category below a declared one", state.RuleOutsideActivity, func(s *stream) {
			s.declare(support())                                        // declares user.contact
			s.add(subj, day(5), collected("support", contract, useSvc)) // user.contact.email
		}, nil},
		{"a category the activity does not declare", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter()) // ev-1
			dm := mailing("newsletter", consentBasis)
			dm.Categories = append(dm.Categories, "user.financial")
			s.add(subj, day(5), dm)
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-2"}}},
		{"a category broader than the declared one", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter()) // declares user.contact.email
			dm := mailing("newsletter", consentBasis)
			dm.Categories = []string{"user.contact"}
			s.add(subj, day(5), dm)
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-2"}}},
		{"a purpose broader than the declared one", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter()) // declares marketing.communications.email
			dm := mailing("newsletter", consentBasis)
			dm.Purpose = "marketing"
			s.add(subj, day(5), dm)
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-2"}}},
		{"another legal basis", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter()) // declares Art. 6(1)(a)
			s.add(subj, day(5), mailing("newsletter", liBasis))
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-2"}}},
		{"category added by an amendment in force", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter())
			a := newsletter()
			a.DataCategories = append(a.DataCategories, "user.financial")
			s.add("", day(3), &eventsv1.ProcessingActivityAmended{Activity: a}) // ev-2
			dm := mailing("newsletter", consentBasis)
			dm.Categories = append(dm.Categories, "user.financial")
			s.add(subj, day(5), dm)
		}, nil},
		{"category added by an amendment from a later day", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter()) // ev-1, the declaration in force at day 5
			a := newsletter()
			a.DataCategories = append(a.DataCategories, "user.financial")
			s.add("", day(6), &eventsv1.ProcessingActivityAmended{Activity: a})
			dm := mailing("newsletter", consentBasis)
			dm.Categories = append(dm.Categories, "user.financial")
			s.add(subj, day(5), dm)
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-3"}}},
		{"undeclared activity is the other rule's", state.RuleOutsideActivity, func(s *stream) {
			s.add(subj, day(5), brokered())
		}, nil},

		// child_data_without_parental_authorization
		{"child consent without parent", state.RuleChildWithoutParent, func(s *stream) {
			dc := collected("", liBasis, useSvc)
			dc.SubjectIsChild = true
			s.add(subj, day(0), dc)
			s.add(subj, day(1), consent(useMail))
		}, []brief{{state.RuleChildWithoutParent, "ev-1,ev-2"}}}, // the collection that revealed the child, the consent
		{"child consent with parent", state.RuleChildWithoutParent, func(s *stream) {
			dc := collected("", liBasis, useSvc)
			dc.SubjectIsChild = true
			s.add(subj, day(0), dc)
			c := consent(useMail)
			c.ParentalAuthorization = &eventsv1.ParentalAuthorization{GuardianRef: "g_1", VerificationMethod: "signed_form"}
			s.add(subj, day(1), c)
		}, nil},
		{"adult consent", state.RuleChildWithoutParent, func(s *stream) {
			s.add(subj, day(0), collected("", liBasis, useSvc))
			s.add(subj, day(1), consent(useMail))
		}, nil},
		{"child revealed after consent", state.RuleChildWithoutParent, func(s *stream) {
			s.add(subj, day(0), consent(useMail)) // ev-1
			dc := collected("", liBasis, useSvc)
			dc.SubjectIsChild = true
			s.add(subj, day(1), dc)
		}, []brief{{state.RuleChildWithoutParent, "ev-1,ev-2"}}},

		// processing_after_erasure
		{"issue after shredding", state.RuleAfterErasure, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(1), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"default", "marketing"}})
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, []brief{{state.RuleAfterErasure, "ev-2,ev-3"}}}, // the shred, the processing
		{"other key group kept under a legal hold", state.RuleAfterErasure, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(1), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"default"}})
			s.add(subj, day(5), mailing("newsletter", consentBasis))
		}, nil},
		{"values sealed under a shredded group", state.RuleAfterErasure, func(s *stream) {
			s.add(subj, day(1), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"hr"}})
			dc := collected("", contract, useSvc)
			dc.Values = []*eventsv1.DataValue{{Category: catMail, KeyGroup: "hr"}}
			s.add(subj, day(5), dc)
		}, []brief{{state.RuleAfterErasure, "ev-1,ev-2"}}},
		{"before shredding", state.RuleAfterErasure, func(s *stream) {
			s.add(subj, day(6), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"default"}})
			s.add(subj, day(5), collected("", contract, useSvc))
		}, nil},
		{"erasure report alone", state.RuleAfterErasure, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ErasureExecuted{RequestId: "rr-1", System: "crm"})
			s.add(subj, day(5), collected("", contract, useSvc))
		}, nil},
	})
}

// TestFindingShape checks a finding's id, time, sequence and detail.
func TestFindingShape(t *testing.T) {
	s := &stream{}
	s.declare(newsletter())
	s.add(subj, day(0), consent(useMail))
	s.add(subj, day(3), withdraw(useMail))
	dm := mailing("newsletter", consentBasis)
	dm.Values = []*eventsv1.DataValue{{Category: catMail, KeyGroup: "marketing",
		Value: &eventsv1.DataValue_Plaintext{Plaintext: "alice@example.com"}}}
	s.add(subj, day(5), dm)
	st, cat, rec := run(t, s)
	eff, err := state.Apply(st, nil, cat, rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(eff.Findings) != 1 {
		t.Fatalf("%d findings, want 1", len(eff.Findings))
	}
	f := eff.Findings[0]
	if f.ID != state.RuleConsentWithdrawn+":ev-4" || f.Rule != state.RuleConsentWithdrawn || f.Tenant != tenant ||
		f.SubjectRef != subj || !f.AroseAt.Equal(day(5)) || f.Seq != 4 {
		t.Errorf("finding %+v", f)
	}
	if f.Detail == "" || strings.Contains(f.Detail, "alice") || strings.Contains(f.Detail, subj) {
		t.Errorf("detail %q: empty or names personal data", f.Detail)
	}
}

// TestRulesSeeOnlyTheStreamBefore: a declaration stored after an event,
// even one back-dated before it, does not change how the event is judged:
// the projector and a later replay raise the same findings.
func TestRulesSeeOnlyTheStreamBefore(t *testing.T) {
	s := &stream{}
	dis := s.add(subj, day(5), mailing("newsletter", consentBasis))
	decl := s.add("", day(-1), &eventsv1.ProcessingActivityDeclared{Activity: newsletter()})
	cat := state.NewCatalogue()
	if _, err := state.Apply(nil, nil, cat, decl); err != nil {
		t.Fatal(err)
	}
	st := &model.SubjectState{Tenant: tenant, SubjectRef: subj}
	if got := briefs(state.CheckRule(state.RuleUndeclaredRecipient, st, cat, dis)); len(got) != 1 {
		t.Errorf("findings %v, want the undeclared recipient", got)
	}
}

// TestPurposeLimitationDetails: the details of the purpose-limitation
// findings name the activity and the keys outside it, never a value.
func TestPurposeLimitationDetails(t *testing.T) {
	plain := &eventsv1.DataValue{Category: catMail, KeyGroup: "marketing", Value: &eventsv1.DataValue_Plaintext{Plaintext: "alice@example.com"}}
	tests := []struct {
		name  string
		rule  string
		build func(s *stream)
		want  []string
	}{
		{"outside", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter())
			dm := mailing("newsletter", liBasis)
			dm.Categories = append(dm.Categories, "user.financial")
			dm.Purpose = "marketing"
			dm.Values = []*eventsv1.DataValue{plain}
			s.add(subj, day(5), dm)
		}, []string{"activity newsletter", "categories user.financial not declared", "purposes marketing not declared",
			"legal basis LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, the activity declares LEGAL_BASIS_ART6_1_A_CONSENT"}},
		{"undeclared", state.RuleUndeclaredActivity, func(s *stream) {
			dm := mailing("promotions", consentBasis)
			dm.Values = []*eventsv1.DataValue{plain}
			s.add(subj, day(5), dm)
		}, []string{"activity promotions", "does not declare", useMail}},
		{"condition", state.RuleSpecialCategory, func(s *stream) {
			s.declare(sickness(eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY))
			dc := brokered()
			dc.ActivityId = "sickness"
			dc.Values = []*eventsv1.DataValue{plain}
			s.add(subj, day(5), dc)
		}, []string{"relies on LEGAL_BASIS_ART9_2_H_HEALTH_SOCIAL_CARE while activity sickness declares LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			tt.build(s)
			st, cat, rec := run(t, s)
			fs := state.CheckRule(tt.rule, st, cat, rec)
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			d := fs[0].Detail
			for _, w := range tt.want {
				if !strings.Contains(d, w) {
					t.Errorf("detail %q does not say %q", d, w)
				}
			}
			if strings.Contains(d, "alice") || strings.Contains(d, subj) {
				t.Errorf("detail %q names personal data", d)
			}
		})
	}
}

// TestTransferDetails: a transfer finding names the recipient id, the
// countries and the mechanisms, and for the United States the certification
// the recipient is not shown to have.
func TestTransferDetails(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		build func(s *stream)
		want  []string
	}{
		{"India", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("IN", adequacy)))
		}, []string{"overseas", "IN", "TRANSFER_MECHANISM_ADEQUACY_DECISION", "no Art. 45 adequacy decision", "2025-01-11"}},
		{"United States", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("US", adequacy)))
		}, []string{"overseas", "US", "certified under the EU-US Data Privacy Framework", "(EU) 2023/1795"}},
		{"mechanism and country", state.RuleRecipientNotAsDeclared, func(s *stream) {
			s.declare(newsletter())
			d := mailing("newsletter", consentBasis)
			d.Recipient.Country = "JP"
			d.Recipient.TransferMechanism = adequacy
			s.add(subj, day(5), d)
		}, []string{"mailer", "country JP, declared US",
			"transfer mechanism TRANSFER_MECHANISM_ADEQUACY_DECISION, declared TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			tt.build(s)
			st, cat, rec := run(t, s)
			fs := state.CheckRule(tt.rule, st, cat, rec)
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			for _, w := range tt.want {
				if !strings.Contains(fs[0].Detail, w) {
					t.Errorf("detail %q does not say %q", fs[0].Detail, w)
				}
			}
		})
	}
}
