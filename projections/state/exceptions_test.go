package state_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// court is a regional court, a public authority in Germany, to which a
// controller discloses data itself for a claim (Art. 6(1)(f)): not in a
// particular inquiry.
func court() *eventsv1.Recipient {
	return &eventsv1.Recipient{Id: "court", Name: "Regional Court", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
		Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
}

// exceptionCase is a stream whose last event one rule judges.
type exceptionCase struct {
	name  string
	build func(s *stream)
	want  []brief
}

// checkRule checks the findings rule raises on each case's last event.
func checkRule(t *testing.T, rule string, cases []exceptionCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			tt.build(s)
			st, cat, rec := run(t, s)
			got := briefs(state.CheckRule(rule, st, cat, rec))
			if want := append([]brief{}, tt.want...); !reflect.DeepEqual(got, want) {
				t.Errorf("findings %v, want %v", got, want)
			}
		})
	}
}

// TestArt18Exception: during a restriction (Art. 18(1)), processing that
// records an Art. 18(2) exception is allowed; the same without it is
// processing_during_restriction. Dates worked by hand: the restriction is
// applied on 10 March 2025 and lifted on 20 March; the disclosures to the
// court are on 14 March (inside) and 21 March (after the lifting).
func TestArt18Exception(t *testing.T) {
	applied := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	inside := time.Date(2025, 3, 14, 11, 30, 0, 0, time.UTC)
	lifted := time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)
	after := time.Date(2025, 3, 21, 8, 0, 0, 0, time.UTC)
	toCourt := func(ex eventsv1.Art18Exception) *eventsv1.DisclosureMade {
		return &eventsv1.DisclosureMade{Recipient: court(), Categories: []string{catMail}, Purpose: useSvc, LegalBasis: liBasis,
			LegalInstrumentRef: "claim 4 O 17/25", RestrictionException: ex}
	}
	tests := []exceptionCase{
		{"a court disclosure for legal claims during the restriction", func(s *stream) {
			s.add(subj, applied, &eventsv1.RestrictionApplied{RestrictionId: "rs-1"}) // every purpose
			s.add(subj, inside, toCourt(eventsv1.Art18Exception_ART18_EXCEPTION_LEGAL_CLAIMS))
		}, nil},
		{"the same disclosure without the exception", func(s *stream) {
			s.add(subj, applied, &eventsv1.RestrictionApplied{RestrictionId: "rs-1"}) // ev-1
			s.add(subj, inside, toCourt(eventsv1.Art18Exception_ART18_EXCEPTION_UNSPECIFIED))
		}, []brief{{state.RuleDuringRestriction, "ev-1,ev-2"}}},
		{"a collection with the subject's consent during the restriction", func(s *stream) {
			s.add(subj, applied, &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Purposes: []string{useSvc}})
			dc := collected("", contract, useSvc)
			dc.RestrictionException = eventsv1.Art18Exception_ART18_EXCEPTION_SUBJECT_CONSENT
			s.add(subj, inside, dc)
		}, nil},
		{"a collection for the protection of others, without the exception", func(s *stream) {
			s.add(subj, applied, &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Purposes: []string{useSvc}}) // ev-1
			s.add(subj, inside, collected("", contract, useSvc))
		}, []brief{{state.RuleDuringRestriction, "ev-1,ev-2"}}},
		{"after the lifting nothing is needed", func(s *stream) {
			s.add(subj, applied, &eventsv1.RestrictionApplied{RestrictionId: "rs-1"})
			s.add(subj, lifted, &eventsv1.RestrictionLifted{RestrictionId: "rs-1"})
			s.add(subj, after, toCourt(eventsv1.Art18Exception_ART18_EXCEPTION_UNSPECIFIED))
		}, nil},
	}
	checkRule(t, state.RuleDuringRestriction, tests)
}

// TestObjectionOverridden: the subject objects to "analytics" (a parent
// purpose) on 3 February 2025; on 17 February the controller records
// compelling legitimate grounds for "analytics.reporting" (a child). Then
// processing on legitimate interests for analytics.reporting.system (below
// the override) is fine from the 17th, while processing for "analytics"
// itself, or for analytics.reporting before the 17th, is still
// processing_after_objection. An objection recorded after the override
// (24 February) needs grounds of its own, and direct marketing is never
// overridden (a stored override of it is ignored).
func TestObjectionOverridden(t *testing.T) {
	objected := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	grounds := time.Date(2025, 2, 17, 9, 0, 0, 0, time.UTC)
	before := time.Date(2025, 2, 16, 23, 59, 0, 0, time.UTC)
	later := time.Date(2025, 2, 20, 12, 0, 0, 0, time.UTC)
	again := time.Date(2025, 2, 24, 8, 0, 0, 0, time.UTC)
	afterAgain := time.Date(2025, 2, 25, 8, 0, 0, 0, time.UTC)
	override := func(purposes ...string) *eventsv1.ObjectionOverridden {
		return &eventsv1.ObjectionOverridden{Purposes: purposes, AssessmentRef: "lia-2025-07",
			Ground: eventsv1.ObjectionOverrideGround_OBJECTION_OVERRIDE_GROUND_COMPELLING_LEGITIMATE_GROUNDS}
	}
	object := func(purposes ...string) *eventsv1.ObjectionRecorded {
		return &eventsv1.ObjectionRecorded{Purposes: purposes}
	}
	tests := []exceptionCase{
		{"child purpose below the override, after it", func(s *stream) {
			s.add(subj, objected, object("analytics"))
			s.add(subj, grounds, override("analytics.reporting"))
			s.add(subj, later, collected("", liBasis, "analytics.reporting.system"))
		}, nil},
		{"the overridden purpose itself", func(s *stream) {
			s.add(subj, objected, object("analytics"))
			s.add(subj, grounds, override("analytics.reporting"))
			s.add(subj, later, collected("", liBasis, "analytics.reporting"))
		}, nil},
		{"the parent purpose the override does not cover", func(s *stream) {
			s.add(subj, objected, object("analytics")) // ev-1
			s.add(subj, grounds, override("analytics.reporting"))
			s.add(subj, later, collected("", liBasis, "analytics"))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-3"}}},
		{"before the override", func(s *stream) {
			s.add(subj, objected, object("analytics")) // ev-1
			s.add(subj, grounds, override("analytics.reporting"))
			s.add(subj, before, collected("", liBasis, "analytics.reporting"))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-3"}}},
		{"without an override", func(s *stream) {
			s.add(subj, objected, object("analytics")) // ev-1
			s.add(subj, later, collected("", liBasis, "analytics.reporting.system"))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-2"}}},
		{"a new objection after the override", func(s *stream) {
			s.add(subj, objected, object("analytics"))
			s.add(subj, grounds, override("analytics.reporting"))
			s.add(subj, again, object("analytics.reporting")) // ev-3
			s.add(subj, afterAgain, collected("", liBasis, "analytics.reporting.system"))
		}, []brief{{state.RuleAfterObjection, "ev-3,ev-4"}}},
		{"a stored override of direct marketing is ignored", func(s *stream) {
			s.add(subj, objected, object("marketing")) // ev-1
			s.add(subj, grounds, override("marketing.communications"))
			s.add(subj, later, collected("", liBasis, "marketing.communications.email"))
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-3"}}},
	}
	checkRule(t, state.RuleAfterObjection, tests)
}

// TestTransfers: Chapter V grounds worked by hand. The United States'
// decision (2023/1795) took effect on 10 July 2023 and covers only
// importers certified under the Data Privacy Framework; India has no
// decision at all; Art. 49(1)(a) needs the subject's consent on record.
// Every disclosure is on 11 January 2025 (day 5).
func TestTransfers(t *testing.T) {
	certified := func() *eventsv1.Recipient {
		r := transfer("US", adequacy)
		r.DpfCertified = true
		return r
	}
	derogation := func(d eventsv1.Art49Derogation) *eventsv1.Recipient {
		r := transfer("IN", eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49)
		r.Art49Derogation = d
		return r
	}
	explicit := eventsv1.Art49Derogation_ART49_DEROGATION_EXPLICIT_CONSENT
	tests := []struct {
		name  string
		rule  string
		build func(s *stream)
		want  []brief
		says  []string // in the one finding's detail
	}{
		{"US under adequacy to a certified importer", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(certified()))
		}, nil, nil},
		{"US under adequacy to an uncertified importer", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("US", adequacy)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}},
			[]string{"overseas", "US", "(EU) 2023/1795", "not shown certified"}},
		{"US under adequacy to a certified importer before the decision", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, time.Date(2023, 7, 9, 23, 0, 0, 0, time.UTC), disclosed(certified()))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}},
			[]string{"no Art. 45 adequacy decision for US is in force on 2023-07-09"}},
		{"adequacy to a country without one", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(transfer("IN", adequacy)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}},
			[]string{"IN", "no Art. 45 adequacy decision for IN is in force on 2025-01-11"}},
		{"Art. 49(1)(a) with the subject's consent", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(1), consent(useSvc))
			s.add(subj, day(5), disclosed(derogation(explicit)))
		}, nil, nil},
		{"Art. 49(1)(a) without consent", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(derogation(explicit)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-1"}},
			[]string{"ART49_DEROGATION_EXPLICIT_CONSENT", "no valid consent of the subject to " + useSvc}},
		{"Art. 49(1)(a) after the consent was withdrawn", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(1), consent(useSvc))
			s.add(subj, day(3), withdraw(useSvc)) // ev-2
			s.add(subj, day(5), disclosed(derogation(explicit)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-2,ev-3"}},
			[]string{"ART49_DEROGATION_EXPLICIT_CONSENT", "withdrawn"}},
		{"Art. 49(1)(a) with consent to another purpose", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(1), consent(useMail))
			s.add(subj, day(5), disclosed(derogation(explicit)))
		}, []brief{{state.RuleTransferWithoutGround, "ev-2"}}, nil},
		{"Art. 49(1)(e) legal claims is taken at its word", state.RuleTransferWithoutGround, func(s *stream) {
			s.add(subj, day(5), disclosed(derogation(eventsv1.Art49Derogation_ART49_DEROGATION_LEGAL_CLAIMS)))
		}, nil, nil},

		// disclosure_to_recipient_not_as_declared: the certification and the
		// derogation are part of the declared recipient.
		{"certified as declared", state.RuleRecipientNotAsDeclared, func(s *stream) {
			a := telemetry()
			a.Recipients = []*eventsv1.Recipient{certified()}
			s.declare(a)
			d := disclosed(certified())
			d.ActivityId = "telemetry"
			s.add(subj, day(5), d)
		}, nil, nil},
		{"declared certified, disclosed uncertified", state.RuleRecipientNotAsDeclared, func(s *stream) {
			a := telemetry()
			a.Recipients = []*eventsv1.Recipient{certified()}
			s.declare(a)
			d := disclosed(transfer("US", adequacy))
			d.ActivityId = "telemetry"
			s.add(subj, day(5), d)
		}, []brief{{state.RuleRecipientNotAsDeclared, "ev-2"}}, []string{"DPF certified false, declared true"}},
		{"another derogation than declared", state.RuleRecipientNotAsDeclared, func(s *stream) {
			a := telemetry()
			a.Recipients = []*eventsv1.Recipient{derogation(eventsv1.Art49Derogation_ART49_DEROGATION_CONTRACT_WITH_SUBJECT)}
			s.declare(a)
			d := disclosed(derogation(explicit))
			d.ActivityId = "telemetry"
			s.add(subj, day(5), d)
		}, []brief{{state.RuleRecipientNotAsDeclared, "ev-2"}},
			[]string{"Art. 49(1) derogation ART49_DEROGATION_EXPLICIT_CONSENT, declared ART49_DEROGATION_CONTRACT_WITH_SUBJECT"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.name, func(t *testing.T) {
			s := &stream{}
			tt.build(s)
			st, cat, rec := run(t, s)
			fs := state.CheckRule(tt.rule, st, cat, rec)
			if got, want := briefs(fs), append([]brief{}, tt.want...); !reflect.DeepEqual(got, want) {
				t.Fatalf("findings %v, want %v", got, want)
			}
			for _, w := range tt.says {
				if !strings.Contains(fs[0].Detail, w) {
					t.Errorf("detail %q does not say %q", fs[0].Detail, w)
				}
			}
		})
	}
}
