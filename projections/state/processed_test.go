package state_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

const (
	catCrime   = "user.criminal_history"
	useFraud   = "essential.fraud_detection"
	sigEffect  = eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT
	noEffect   = eventsv1.AutomatedDecision_AUTOMATED_DECISION_WITHOUT_SIGNIFICANT_EFFECT
	byContract = eventsv1.Art22Exception_ART22_EXCEPTION_CONTRACT
	byConsent  = eventsv1.Art22Exception_ART22_EXCEPTION_EXPLICIT_CONSENT
	byLaw      = eventsv1.CriminalDataBasis_CRIMINAL_DATA_BASIS_AUTHORISED_BY_LAW
	cond9a     = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT
	cond9h     = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_H_HEALTH_SOCIAL_CARE
)

// send is the controller's own newsletter send: a use of the name and
// email under the newsletter activity, by email.
func send() *eventsv1.DataProcessed {
	return &eventsv1.DataProcessed{ActivityId: "newsletter", Purposes: []string{useMail}, Categories: []string{catName, catMail},
		LegalBasis: consentBasis, System: "newsletter-scheduler", Channel: eventsv1.Channel_CHANNEL_EMAIL}
}

// scoring is a fraud check: activity "fraud" profiles on legitimate
// interests; declared with the decision given.
func scoring(decides eventsv1.AutomatedDecision) *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId: "fraud", Name: "Fraud", Purposes: []string{useFraud}, DataCategories: []string{"user.unique_id", catHlth},
		LegalBasis: liBasis, SpecialCategoryCondition: cond9a, Profiling: true, AutomatedDecision: decides,
	}
}

// scored is a fraud check of the subject's unique id under "fraud".
func scored() *eventsv1.DataProcessed {
	return &eventsv1.DataProcessed{ActivityId: "fraud", Purposes: []string{useFraud}, Categories: []string{"user.unique_id"},
		LegalBasis: liBasis, System: "risk-engine", Profiling: true}
}

// decided is scored() that refuses an account on its own: a decision with
// legal or similarly significant effect.
func decided(exc eventsv1.Art22Exception) *eventsv1.DataProcessed {
	u := scored()
	u.AutomatedDecision, u.Art22Exception = sigEffect, exc
	return u
}

// vetting screens staff for criminal records, declared with basis.
func vetting(basis eventsv1.CriminalDataBasis) *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId: "vetting", Name: "Vetting", Purposes: []string{"essential.legal_obligation"}, DataCategories: []string{catCrime},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, CriminalDataBasis: basis,
	}
}

func record(activity string) *eventsv1.DataCollected {
	return &eventsv1.DataCollected{ActivityId: activity, Purposes: []string{"essential.legal_obligation"}, Categories: []string{catCrime},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, CollectionSource: "data_subject"}
}

// TestUseIsProcessing checks the rules on DataProcessed, a use that is
// neither a collection nor a disclosure. t0 is Monday 6 January 2025,
// 09:00 UTC; day(n) is n days later.
func TestUseIsProcessing(t *testing.T) {
	checkRules(t, []ruleCase{
		// Consent: given on 6 January, withdrawn on 9 January (ev-3); the
		// send on 11 January relies on a consent withdrawn two days before.
		{"send with consent", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(5), send())
		}, nil},
		{"send after consent withdrawn", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(3), withdraw(useMail)) // ev-3, 9 January
			s.add(subj, day(5), send())            // ev-4, 11 January
		}, []brief{{state.RuleConsentWithdrawn, "ev-3,ev-4"}}},
		{"send withdrawn on the same day, later hour", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(5).Add(time.Hour), withdraw(useMail)) // 11 January 10:00
			s.add(subj, day(5), send())                           // 11 January 09:00: before it
		}, nil},
		{"send never consented to", state.RuleConsentWithdrawn, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), send())
		}, []brief{{state.RuleWithoutConsent, "ev-2"}}},

		// Objection: to "functional" on 7 January (ev-1); the analytics run
		// on 11 January for functional.service.improve, below it, on
		// legitimate interests (Art. 21(1)).
		{"use under an objection to the parent purpose", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{"functional"}}) // ev-1
			s.add(subj, day(5), &eventsv1.DataProcessed{ActivityId: "telemetry", Purposes: []string{useImp},
				Categories: []string{"user.unique_id"}, LegalBasis: liBasis, System: "analytics-job"})
		}, []brief{{state.RuleAfterObjection, "ev-1,ev-2"}}},
		{"send under an objection to marketing", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(1), &eventsv1.ObjectionRecorded{Purposes: []string{"marketing"}}) // ev-2: Art. 21(3)
			s.add(subj, day(5), send())
		}, []brief{{state.RuleAfterObjection, "ev-2,ev-3"}}},
		{"use before the objection", state.RuleAfterObjection, func(s *stream) {
			s.add(subj, day(6), &eventsv1.ObjectionRecorded{Purposes: []string{"functional"}})
			s.add(subj, day(5), &eventsv1.DataProcessed{ActivityId: "telemetry", Purposes: []string{useImp},
				Categories: []string{"user.unique_id"}, LegalBasis: liBasis, System: "analytics-job"})
		}, nil},

		// Restriction of email marketing from 7 January (ev-2).
		{"send during a restriction", state.RuleDuringRestriction, func(s *stream) {
			s.add(subj, day(0), consent(useMail))
			s.add(subj, day(1), &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Purposes: []string{useMail}}) // ev-2
			s.add(subj, day(5), send())
		}, []brief{{state.RuleDuringRestriction, "ev-2,ev-3"}}},

		// Erasure: the newsletter seals under key group "marketing",
		// shredded on 7 January (ev-2); a use holds no values, its
		// activity's group is what it touches.
		{"send after the newsletter's group was shredded", state.RuleAfterErasure, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(1), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"marketing"}}) // ev-2
			s.add(subj, day(5), send())
		}, []brief{{state.RuleAfterErasure, "ev-2,ev-3"}}},
		{"send after another group was shredded", state.RuleAfterErasure, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(1), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"hr"}})
			s.add(subj, day(5), send())
		}, nil},

		// Purpose limitation.
		{"use under an undeclared activity", state.RuleUndeclaredActivity, func(s *stream) {
			s.declare(newsletter())
			u := send()
			u.ActivityId = "promotions"
			s.add(subj, day(5), u)
		}, []brief{{state.RuleUndeclaredActivity, "ev-2"}}},
		{"send within the newsletter", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter())
			s.add(subj, day(5), send())
		}, nil},
		{"send of a category the newsletter does not declare", state.RuleOutsideActivity, func(s *stream) {
			s.declare(newsletter()) // ev-1
			u := send()
			u.Categories = append(u.Categories, "user.name.last")
			s.add(subj, day(5), u)
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-2"}}},
		{"profiling under an activity that declares it", state.RuleOutsideActivity, func(s *stream) {
			s.declare(scoring(0))
			s.add(subj, day(5), scored())
		}, nil},
		{"profiling under an activity that does not declare it", state.RuleOutsideActivity, func(s *stream) {
			a := scoring(0)
			a.Profiling = false
			s.declare(a) // ev-1
			s.add(subj, day(5), scored())
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-2"}}},
		{"significant decision under an activity declaring one without effect", state.RuleOutsideActivity, func(s *stream) {
			s.declare(scoring(noEffect)) // ev-1
			s.add(subj, day(5), decided(byContract))
		}, []brief{{state.RuleOutsideActivity, "ev-1,ev-2"}}},
		{"decision without effect under an activity declaring a significant one", state.RuleOutsideActivity, func(s *stream) {
			s.declare(scoring(sigEffect))
			u := scored()
			u.AutomatedDecision = noEffect
			s.add(subj, day(5), u)
		}, nil},
		{"special category use with another condition than declared", state.RuleSpecialCategory, func(s *stream) {
			s.declare(scoring(0)) // ev-1, declares 9(2)(a)
			u := scored()
			u.Categories, u.SpecialCategoryCondition = []string{catHlth}, cond9h
			s.add(subj, day(5), u)
		}, []brief{{state.RuleSpecialCategory, "ev-1,ev-2"}}},

		// Art. 22.
		{"significant decision under the contract exception", state.RuleAutomatedDecision, func(s *stream) {
			s.declare(scoring(sigEffect))
			s.add(subj, day(5), decided(byContract))
		}, nil},
		{"significant decision without an exception", state.RuleAutomatedDecision, func(s *stream) {
			s.declare(scoring(sigEffect))
			s.add(subj, day(5), decided(0))
		}, []brief{{state.RuleAutomatedDecision, "ev-2"}}},
		{"decision without significant effect needs no exception", state.RuleAutomatedDecision, func(s *stream) {
			u := scored()
			u.AutomatedDecision = noEffect
			s.add(subj, day(5), u)
		}, nil},
		{"profiling alone is not a decision", state.RuleAutomatedDecision, func(s *stream) {
			s.add(subj, day(5), scored())
		}, nil},
		{"explicit consent exception, consent withdrawn", state.RuleAutomatedDecision, func(s *stream) {
			s.add(subj, day(0), consent(useFraud))
			s.add(subj, day(2), withdraw(useFraud)) // ev-2, 8 January
			s.add(subj, day(5), decided(byConsent))
		}, []brief{{state.RuleAutomatedDecision, "ev-2,ev-3"}}},
		{"explicit consent exception, consent given", state.RuleAutomatedDecision, func(s *stream) {
			s.add(subj, day(0), consent(useFraud))
			s.add(subj, day(5), decided(byConsent))
		}, nil},
		{"special categories under 9(2)(h): Art. 22(4)", state.RuleAutomatedDecision, func(s *stream) {
			u := decided(byContract)
			u.Categories, u.SpecialCategoryCondition = []string{"user.unique_id", catHlth}, cond9h
			s.add(subj, day(5), u)
		}, []brief{{state.RuleAutomatedDecision, "ev-1"}}},
		{"special categories under 9(2)(a)", state.RuleAutomatedDecision, func(s *stream) {
			u := decided(byContract)
			u.Categories, u.SpecialCategoryCondition = []string{"user.unique_id", catHlth}, cond9a
			s.add(subj, day(5), u)
		}, nil},

		// Art. 10.
		{"criminal record, basis on the activity", state.RuleCriminalData, func(s *stream) {
			s.declare(vetting(byLaw))
			s.add(subj, day(5), record("vetting"))
		}, nil},
		{"criminal record, basis on nothing", state.RuleCriminalData, func(s *stream) {
			s.declare(vetting(0)) // ev-1
			s.add(subj, day(5), record("vetting"))
		}, []brief{{state.RuleCriminalData, "ev-1,ev-2"}}},
		{"criminal record, basis on the event only", state.RuleCriminalData, func(s *stream) {
			s.declare(vetting(0))
			dc := record("vetting")
			dc.CriminalDataBasis = byLaw
			s.add(subj, day(5), dc)
		}, nil},
		{"criminal record, no activity named", state.RuleCriminalData, func(s *stream) {
			s.add(subj, day(5), record(""))
		}, []brief{{state.RuleCriminalData, "ev-1"}}},
		{"criminal record, activity declared only after", state.RuleCriminalData, func(s *stream) {
			s.add("", day(6), &eventsv1.ProcessingActivityDeclared{Activity: vetting(byLaw)})
			s.add(subj, day(5), record("vetting"))
		}, []brief{{state.RuleCriminalData, "ev-2"}}},
		{"criminal record used without a basis", state.RuleCriminalData, func(s *stream) {
			s.declare(vetting(0)) // ev-1
			s.add(subj, day(5), &eventsv1.DataProcessed{ActivityId: "vetting", Purposes: []string{"essential.legal_obligation"},
				Categories: []string{catCrime}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, System: "hr-screening"})
		}, []brief{{state.RuleCriminalData, "ev-1,ev-2"}}},
		{"criminal record disclosed without a basis", state.RuleCriminalData, func(s *stream) {
			s.add(subj, day(5), &eventsv1.DisclosureMade{Recipient: recipient("insurer"), Categories: []string{catCrime},
				Purpose: useSvc, LegalBasis: liBasis})
		}, []brief{{state.RuleCriminalData, "ev-1"}}},
		{"no criminal data", state.RuleCriminalData, func(s *stream) {
			dc := record("")
			dc.Categories = []string{catMail}
			s.add(subj, day(5), dc)
		}, nil},
	})
}

// TestUseDetails: the details of the new findings, and of a use outside
// its activity, name the activity, the keys and the article, never a
// value or the subject.
func TestUseDetails(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		build func(s *stream)
		want  []string
	}{
		{"no exception", state.RuleAutomatedDecision, func(s *stream) {
			s.add(subj, day(5), decided(0))
		}, []string{"data used by risk-engine under activity fraud", useFraud, "Art. 22(1)", "no Art. 22(2) exception"}},
		{"Art. 22(4)", state.RuleAutomatedDecision, func(s *stream) {
			u := decided(byContract)
			u.Categories, u.SpecialCategoryCondition = []string{catHlth}, cond9h
			s.add(subj, day(5), u)
		}, []string{"special categories " + catHlth + " under LEGAL_BASIS_ART9_2_H_HEALTH_SOCIAL_CARE", "Art. 22(4)"}},
		{"explicit consent", state.RuleAutomatedDecision, func(s *stream) {
			s.add(subj, day(5), decided(byConsent))
		}, []string{"Art. 22(2)(c) explicit consent without valid consent for " + useFraud}},
		{"criminal", state.RuleCriminalData, func(s *stream) {
			s.declare(vetting(0))
			s.add(subj, day(5), record("vetting"))
		}, []string{"data collected under activity vetting", catCrime, "Art. 10", "activity vetting declares none"}},
		{"profiling outside", state.RuleOutsideActivity, func(s *stream) {
			s.declare(scoring(0))
			s.add(subj, day(5), decided(byContract))
		}, []string{"data used by risk-engine under activity fraud",
			"AUTOMATED_DECISION_SIGNIFICANT_EFFECT, Art. 22(1)), the activity declares AUTOMATED_DECISION_UNSPECIFIED"}},
		{"profiling undeclared", state.RuleOutsideActivity, func(s *stream) {
			a := scoring(0)
			a.Profiling = false
			s.declare(a)
			s.add(subj, day(5), scored())
		}, []string{"activity fraud", "profiling (Art. 4(4)), which the activity does not declare"}},
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
			if strings.Contains(fs[0].Detail, subj) {
				t.Errorf("detail %q names the subject", fs[0].Detail)
			}
		})
	}
}

// TestUseInAuditAndObserved: a use's audit row carries its categories,
// purposes and basis, and the ROPA's observed side counts its purposes and
// categories (no recipient).
func TestUseInAuditAndObserved(t *testing.T) {
	s := &stream{}
	s.declare(newsletter())
	s.add(subj, day(0), consent(useMail))
	s.add(subj, day(5), send())
	st, cat, rec := run(t, s)
	eff, err := state.Apply(st, nil, cat, rec)
	if err != nil {
		t.Fatal(err)
	}
	a := eff.Audit
	if a.Type != "docket.events.v1.DataProcessed" || !reflect.DeepEqual(a.Categories, []string{catName, catMail}) ||
		!reflect.DeepEqual(a.Purposes, []string{useMail}) || a.LegalBasis != "LEGAL_BASIS_ART6_1_A_CONSENT" || a.Recipient != "" {
		t.Errorf("audit row %+v", a)
	}
	var got []string
	for _, o := range eff.Observed {
		got = append(got, o.Kind+"="+o.Key)
		if o.Count != 1 || o.FirstEventID != "ev-3" || !o.FirstOccurred.Equal(day(5)) {
			t.Errorf("observed row %+v", o)
		}
	}
	want := []string{model.ObservedPurpose + "=" + useMail, model.ObservedCategory + "=" + catName, model.ObservedCategory + "=" + catMail}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
	if len(eff.Findings) != 0 || eff.Disclosure != nil {
		t.Errorf("findings %v, disclosure %v: want none", eff.Findings, eff.Disclosure)
	}
}

// TestUseInSubjectState: the subject's state sums up its uses per
// activity. Newsletter sends on 11 January (ev-3) and 8 February 2025
// (ev-4); a fraud decision on 15 January (ev-5); a fraud score that
// occurred on 9 January, recorded after (ev-6). A use starts no retention
// period.
func TestUseInSubjectState(t *testing.T) {
	s := &stream{}
	s.declare(newsletter())
	s.add(subj, day(0), consent(useMail))
	s.add(subj, day(5), send())
	s.add(subj, day(33), send())
	s.add(subj, day(9), decided(byContract))
	s.add(subj, day(3), scored())
	s.add(subj, day(40), withdraw(useMail)) // not applied by run
	st, _, _ := run(t, s)
	want := map[string]*model.Use{
		"newsletter": {ActivityID: "newsletter", Purposes: []string{useMail}, Categories: []string{catName, catMail},
			LegalBases: []string{"LEGAL_BASIS_ART6_1_A_CONSENT"}, First: day(5), Last: day(33), Count: 2, EventID: "ev-4"},
		"fraud": {ActivityID: "fraud", Purposes: []string{useFraud}, Categories: []string{"user.unique_id"},
			LegalBases: []string{"LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS"}, First: day(3), Last: day(9), Count: 2,
			Profiling: true, AutomatedDecision: "AUTOMATED_DECISION_SIGNIFICANT_EFFECT", EventID: "ev-5"},
	}
	if !reflect.DeepEqual(st.Used, want) {
		for k, u := range st.Used {
			t.Errorf("used[%s] = %+v", k, *u)
		}
		t.Errorf("want %v", want)
	}
	if len(st.Collected) != 0 {
		t.Errorf("collected %v: a use starts no retention period", st.Collected)
	}
}
