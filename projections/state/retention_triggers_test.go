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

// at is a time of 2025 (or later) in UTC, for dates worked out by hand.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

const (
	useLegal   = "essential.legal_obligation"
	usePayment = "essential.service.payment_processing"
)

// kept is an activity whose retention runs days from trigger.
func kept(id, group string, days uint32, trigger eventsv1.RetentionTrigger, purposes ...string) *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId: id, Name: id, Purposes: purposes, DataCategories: []string{catMail},
		LegalBasis: liBasis, KeyGroup: group,
		Retention: &eventsv1.Retention{Days: days, TriggerEvent: trigger},
	}
}

const (
	byCollection   = eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION
	byWithdrawal   = eventsv1.RetentionTrigger_RETENTION_TRIGGER_CONSENT_WITHDRAWN
	byObjection    = eventsv1.RetentionTrigger_RETENTION_TRIGGER_OBJECTION_UPHELD
	byFulfilment   = eventsv1.RetentionTrigger_RETENTION_TRIGGER_REQUEST_FULFILLED
	byRelationship = eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED
)

// triggerCatalogue: one activity per trigger, each under a key group of
// its own.
func triggerCatalogue() []*eventsv1.ProcessingActivity {
	return []*eventsv1.ProcessingActivity{
		kept("newsletter", "newsletter", 30, byWithdrawal, useMail),
		kept("updates", "updates", 30, byObjection, useMail),
		kept("improve", "improve", 14, byObjection, useImp),
		kept("dsr", "dsr", 365, byFulfilment, useLegal),
		kept("accounts", "accounts", 90, byRelationship, useSvc),
		kept("billing", "billing", 30, byRelationship, usePayment),
	}
}

func ended(activities ...string) *eventsv1.RelationshipEnded {
	return &eventsv1.RelationshipEnded{RelationshipId: "acct-1", Kind: eventsv1.RelationshipKind_RELATIONSHIP_KIND_ACCOUNT, ActivityIds: activities}
}

func objected(purposes ...string) *eventsv1.ObjectionRecorded {
	return &eventsv1.ObjectionRecorded{Purposes: purposes}
}

func overriddenFor(purposes ...string) *eventsv1.ObjectionOverridden {
	return &eventsv1.ObjectionOverridden{Purposes: purposes,
		Ground: eventsv1.ObjectionOverrideGround_OBJECTION_OVERRIDE_GROUND_COMPELLING_LEGITIMATE_GROUNDS, AssessmentRef: "lia-9"}
}

// TestRetentionTriggers: each trigger the ledger sees starts the clock of
// the data an activity holds about the subject; the dates are worked out by
// hand. A finding is "<activity> due <time>"; it is raised once the data is
// held after that time.
func TestRetentionTriggers(t *testing.T) {
	feb1 := at(2025, 2, 1, 8, 0)
	tests := []struct {
		name  string
		build func(s *stream)
		now   time.Time
		want  []string
	}{
		// Consent withdrawn on 10 March 2025 at 14:30; 30 days later is
		// 9 April at 14:30 (March has 31 days: 10 + 30 = 40 = 9 April).
		{"consent withdrawn, held at the due time", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw(useMail))
		}, at(2025, 4, 9, 14, 30), nil},
		{"consent withdrawn, held a minute after", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw(useMail))
		}, at(2025, 4, 9, 14, 31), []string{"newsletter due 2025-04-09T14:30:00Z"}},
		{"consent to the parent purpose withdrawn", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw("marketing"))
		}, at(2025, 6, 1, 0, 0), []string{"newsletter due 2025-04-09T14:30:00Z"}},
		{"consent to a sibling purpose withdrawn", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw("marketing.communications.sms"))
		}, at(2025, 6, 1, 0, 0), nil},
		{"consent withdrawn, given again, withdrawn again", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw(useMail))
			s.add(subj, at(2025, 3, 20, 9, 0), consent(useMail))
			s.add(subj, at(2025, 5, 1, 9, 0), withdraw(useMail)) // + 30 days: 31 May
		}, at(2025, 6, 1, 0, 0), []string{"newsletter due 2025-05-31T09:00:00Z"}},
		{"consent withdrawn, given again", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw(useMail))
			s.add(subj, at(2025, 3, 20, 9, 0), consent(useMail))
		}, at(2025, 12, 1, 0, 0), nil},
		{"consent to the parent withdrawn, to the purpose given again", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw("marketing"))
			s.add(subj, at(2025, 3, 20, 9, 0), consent(useMail))
		}, at(2025, 12, 1, 0, 0), nil},
		{"collected again without consent: the clock runs on", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw(useMail))
			s.add(subj, at(2025, 3, 15, 8, 0), collected("newsletter", consentBasis, useMail))
		}, at(2025, 4, 10, 0, 0), []string{"newsletter due 2025-04-09T14:30:00Z"}},
		{"erased in time, then collected without consent: from that collection", func(s *stream) {
			s.add(subj, feb1, collected("newsletter", consentBasis, useMail))
			s.add(subj, at(2025, 3, 10, 14, 30), withdraw(useMail))
			s.add(subj, at(2025, 4, 1, 0, 0), &eventsv1.RetentionExpired{ActivityId: "newsletter", Action: "erased"})
			s.add(subj, at(2025, 4, 20, 11, 0), collected("newsletter", consentBasis, useMail)) // + 30: 20 May
		}, at(2025, 6, 1, 0, 0), []string{"newsletter due 2025-05-20T11:00:00Z"}},

		// The end of a relationship on 30 June 2025 at 17:00 naming the
		// accounts only; 90 days later is 28 September (30 June + 31 July
		// + 31 August = 62 days to 31 August; 28 more).
		{"relationship ended for one activity only", func(s *stream) {
			s.add(subj, feb1, collected("accounts", contract, useSvc))
			s.add(subj, feb1, collected("billing", contract, usePayment))
			s.add(subj, at(2025, 6, 30, 17, 0), ended("accounts"))
		}, at(2025, 12, 1, 0, 0), []string{"accounts due 2025-09-28T17:00:00Z"}},
		{"relationship ended, then ended naming none", func(s *stream) {
			s.add(subj, feb1, collected("accounts", contract, useSvc))
			s.add(subj, feb1, collected("billing", contract, usePayment))
			s.add(subj, at(2025, 6, 30, 17, 0), ended("accounts"))
			s.add(subj, at(2025, 7, 15, 12, 0), ended()) // billing: + 30 days, 14 August
		}, at(2025, 12, 1, 0, 0), []string{"accounts due 2025-09-28T17:00:00Z", "billing due 2025-08-14T12:00:00Z"}},
		{"relationship ended, not yet due", func(s *stream) {
			s.add(subj, feb1, collected("accounts", contract, useSvc))
			s.add(subj, at(2025, 6, 30, 17, 0), ended())
		}, at(2025, 9, 28, 17, 0), nil},
		{"relationship ended, then the account reopened", func(s *stream) {
			s.add(subj, feb1, collected("accounts", contract, useSvc))
			s.add(subj, at(2025, 6, 30, 17, 0), ended())
			s.add(subj, at(2025, 7, 10, 9, 0), collected("accounts", contract, useSvc))
		}, at(2025, 12, 1, 0, 0), nil},
		{"relationship ended before the last collection", func(s *stream) {
			s.add(subj, at(2025, 7, 10, 9, 0), collected("accounts", contract, useSvc))
			s.add(subj, at(2025, 6, 30, 17, 0), ended()) // recorded late, occurred before
		}, at(2025, 12, 1, 0, 0), nil},

		// An objection on 1 April 2025 at 10:00 to the purpose of an
		// activity kept 14 days: due 15 April at 10:00.
		{"objection upheld", func(s *stream) {
			s.add(subj, feb1, collected("improve", liBasis, useImp))
			s.add(subj, at(2025, 4, 1, 10, 0), objected(useImp))
		}, at(2025, 5, 1, 0, 0), []string{"improve due 2025-04-15T10:00:00Z"}},
		{"objection overridden", func(s *stream) {
			s.add(subj, feb1, collected("improve", liBasis, useImp))
			s.add(subj, at(2025, 4, 1, 10, 0), objected(useImp))
			s.add(subj, at(2025, 4, 10, 10, 0), overriddenFor("functional"))
		}, at(2025, 5, 1, 0, 0), nil},
		{"an override before the objection does not set it aside", func(s *stream) {
			s.add(subj, feb1, collected("improve", liBasis, useImp))
			s.add(subj, at(2025, 3, 1, 10, 0), overriddenFor(useImp))
			s.add(subj, at(2025, 4, 1, 10, 0), objected(useImp))
		}, at(2025, 5, 1, 0, 0), []string{"improve due 2025-04-15T10:00:00Z"}},
		// An objection to "marketing" covers the e-mail updates; 2 May
		// 10:00 + 30 days = 1 June 10:00. Direct marketing cannot be
		// overridden (Art. 21(3)).
		{"objection to a parent purpose, override refused", func(s *stream) {
			s.add(subj, feb1, collected("updates", liBasis, useMail))
			s.add(subj, at(2025, 5, 2, 10, 0), objected("marketing"))
			s.add(subj, at(2025, 5, 3, 10, 0), overriddenFor("marketing"))
		}, at(2025, 7, 1, 0, 0), []string{"updates due 2025-06-01T10:00:00Z"}},
		{"objection to a narrower purpose", func(s *stream) {
			s.add(subj, feb1, collected("improve", liBasis, useImp))
			s.add(subj, at(2025, 4, 1, 10, 0), objected(useImp+".sub"))
		}, at(2025, 5, 1, 0, 0), nil},

		// A request fulfilled on 20 February 2025 at 16:00; records of it
		// kept 365 days: due 20 February 2026 at 16:00.
		{"request fulfilled", func(s *stream) {
			s.add(subj, at(2025, 2, 3, 9, 0), &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS})
			s.add(subj, at(2025, 2, 3, 9, 0), collected("dsr", liBasis, useLegal))
			s.add(subj, at(2025, 2, 20, 16, 0), &eventsv1.RightsRequestFulfilled{RequestId: "rr-1", Outcome: "sent"})
		}, at(2026, 2, 20, 16, 1), []string{"dsr due 2026-02-20T16:00:00Z"}},
		{"request denied", func(s *stream) {
			s.add(subj, at(2025, 2, 3, 9, 0), &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS})
			s.add(subj, at(2025, 2, 3, 9, 0), collected("dsr", liBasis, useLegal))
			s.add(subj, at(2025, 2, 20, 16, 0), &eventsv1.RightsRequestDenied{RequestId: "rr-1",
				Ground: eventsv1.DenialGround_DENIAL_GROUND_MANIFESTLY_UNFOUNDED})
		}, at(2027, 1, 1, 0, 0), nil},
		{"a second request's data collected after the first was fulfilled", func(s *stream) {
			s.add(subj, at(2025, 2, 3, 9, 0), &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS})
			s.add(subj, at(2025, 2, 3, 9, 0), collected("dsr", liBasis, useLegal))
			s.add(subj, at(2025, 2, 20, 16, 0), &eventsv1.RightsRequestFulfilled{RequestId: "rr-1", Outcome: "sent"})
			s.add(subj, at(2025, 6, 2, 9, 0), &eventsv1.RightsRequestReceived{RequestId: "rr-2", Right: eventsv1.Right_RIGHT_ACCESS})
			s.add(subj, at(2025, 6, 2, 9, 0), collected("dsr", liBasis, useLegal))
		}, at(2026, 3, 1, 0, 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			s.declare(triggerCatalogue()...)
			tt.build(s)
			res, err := state.Replay(s.recs, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range state.RetentionExceeded(res.Subjects, res.Catalogue, tt.now) {
				got = append(got, strings.TrimPrefix(f.ID, state.RuleRetentionExceeded+":"+subj+"/")+" due "+f.AroseAt.UTC().Format(time.RFC3339))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RetentionExceeded at %s = %q, want %q", tt.now.Format(time.RFC3339), got, tt.want)
			}
			// The scheduler sees the same due times (Expiring): every
			// period here is still open.
			var expired []string
			if st := res.Subject(tenant, subj); st != nil {
				for _, e := range state.Expiring(st, res.Catalogue, tt.now, tt.now) {
					if e.Due.Before(tt.now) {
						expired = append(expired, e.ActivityID+" due "+e.Due.UTC().Format(time.RFC3339))
					}
				}
			}
			if !reflect.DeepEqual(expired, tt.want) {
				t.Errorf("Expiring at %s = %q, want %q", tt.now.Format(time.RFC3339), expired, tt.want)
			}
		})
	}
}

// TestRetentionTriggerDetail: a finding says what started the clock.
func TestRetentionTriggerDetail(t *testing.T) {
	s := &stream{}
	s.declare(triggerCatalogue()...)
	s.add(subj, at(2025, 2, 1, 8, 0), collected("newsletter", consentBasis, useMail))
	s.add(subj, at(2025, 3, 10, 14, 30), withdraw("marketing"))
	now := at(2025, 5, 1, 0, 0)
	res, err := state.Replay(s.recs, now)
	if err != nil {
		t.Fatal(err)
	}
	fs := state.RetentionExceeded(res.Subjects, res.Catalogue, now)
	want := "data of activity newsletter (kept 30 days from the withdrawal of consent to marketing at 2025-03-10T14:30:00Z) " +
		"collected from 2025-02-01T08:00:00Z was due for erasure at 2025-04-09T14:30:00Z and was still held at 2025-05-01T00:00:00Z"
	if len(fs) != 1 || fs[0].Detail != want {
		t.Errorf("findings %+v, want one with detail %q", fs, want)
	}
}

// TestRetentionStoredDeclarations: declarations stored before a time
// limit and a trigger event were required. Trigger "collection" without
// trigger_event is read as COLLECTION (100 days from 1 February 2025 at
// 08:00: 12 May at 08:00); one with days 0, or with a trigger the ledger
// does not see, is not checked and raises retention_without_time_limit at
// its declaration, with no subject.
func TestRetentionStoredDeclarations(t *testing.T) {
	old := func(id string, days uint32, trigger string) *eventsv1.ProcessingActivity {
		a := kept(id, id, days, 0, useSvc)
		a.Retention.Trigger = trigger
		return a
	}
	s := &stream{}
	s.declare(old("contacts", 100, "collection"), old("accounts", 0, "collection"), old("tickets", 30, "ticket closed"),
		kept("fresh", "fresh", 30, byCollection, useSvc))
	for _, id := range []string{"contacts", "accounts", "tickets"} {
		s.add(subj, at(2025, 2, 1, 8, 0), collected(id, contract, useSvc))
	}
	// An amendment that keeps days 0 is flagged again; one that sets a
	// limit and a trigger is not.
	s.add("", at(2025, 3, 1, 0, 0), &eventsv1.ProcessingActivityAmended{Activity: old("accounts", 0, ""), Reason: "renamed"})
	s.add("", at(2025, 3, 2, 0, 0), &eventsv1.ProcessingActivityAmended{Activity: kept("tickets", "tickets", 730, byCollection, useSvc), Reason: "limit"})
	now := at(2025, 5, 12, 8, 1)
	res, err := state.Replay(s.recs, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		switch f.Rule {
		case state.RuleRetentionWithoutLimit:
			if f.SubjectRef != "" || f.Seq == 0 || len(f.EventIDs) != 1 || f.ID != f.Rule+":"+f.EventIDs[0] {
				t.Errorf("finding %+v: want no subject, the declaring event", f)
			}
			got = append(got, f.Rule+" "+f.EventIDs[0]+": "+f.Detail)
		case state.RuleRetentionExceeded:
			got = append(got, f.Rule+" "+f.ID+" due "+f.AroseAt.Format(time.RFC3339))
		}
	}
	want := []string{
		"retention_without_time_limit ev-2: activity accounts declares a retention with no time limit (0 days): its data is never checked against a time limit (Art. 5(1)(e))",
		"retention_without_time_limit ev-3: activity tickets declares a retention with no trigger the ledger sees (trigger_event unset): its data is never checked against a time limit (Art. 5(1)(e))",
		"retention_without_time_limit ev-8: activity accounts declares a retention with no time limit and no trigger the ledger sees: its data is never checked against a time limit (Art. 5(1)(e))",
		"retention_exceeded retention_exceeded:ev-5 due 2025-05-12T08:00:00Z",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var fs []model.Finding
	for _, f := range res.Findings {
		if f.Rule == state.RuleRetentionWithoutLimit {
			fs = append(fs, f)
		}
	}
	if len(fs) != 3 || !fs[0].AroseAt.Equal(day(-1)) {
		t.Errorf("findings %+v: the first arose at its declaration, %s", fs, day(-1))
	}
}
