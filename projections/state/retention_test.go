package state_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestRetentionExceeded: telemetry is kept 100 days from collection and
// sealed under the default key group.
func TestRetentionExceeded(t *testing.T) {
	expired := &eventsv1.RetentionExpired{ActivityId: "telemetry", Action: "erased"}
	tests := []struct {
		name  string
		build func(s *stream)
		now   int // day
		want  []brief
	}{
		{"held, not yet due", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
		}, 100, []brief{}},
		{"still held past due", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp)) // ev-2
			s.add(subj, day(50), collected("telemetry", liBasis, useImp))
		}, 101, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"erased in time", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(99), expired)
		}, 300, []brief{}},
		{"erased late", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(120), expired)
		}, 300, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"erased late, seen before the erasure", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(120), expired)
		}, 110, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"keys shredded in time", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(50), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"default"}})
		}, 300, []brief{}},
		{"keys shredded late", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(150), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"default"}})
		}, 300, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"another key group shredded", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(50), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"marketing"}})
		}, 300, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"new period after erasure", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(90), expired)
			s.add(subj, day(200), collected("telemetry", liBasis, useImp)) // ev-4
		}, 301, []brief{{state.RuleRetentionExceeded, "ev-4"}}},
		{"expiry recorded, data held", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp)) // ev-2
			s.add(subj, day(99), &eventsv1.RetentionExpired{ActivityId: "telemetry", Action: "held: key group default"})
		}, 300, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"expiry recorded, data held, then shredded in time", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(99), &eventsv1.RetentionExpired{ActivityId: "telemetry", Action: "held: key group default"})
			s.add(subj, day(99), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"default"}})
		}, 300, []brief{}},
		{"exempt past due", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp))
			s.add(subj, day(10), exemption("default", day(200)))
		}, 150, []brief{}},
		{"exemption ended, still held", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp)) // ev-2
			s.add(subj, day(10), exemption("default", day(200)))
		}, 201, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"exemption on another group", func(s *stream) {
			s.add(subj, day(0), collected("telemetry", liBasis, useImp)) // ev-2
			s.add(subj, day(10), exemption("tax", day(200)))
		}, 150, []brief{{state.RuleRetentionExceeded, "ev-2"}}},
		{"retention not from collection", func(s *stream) {
			s.add(subj, day(0), collected("newsletter", consentBasis, useMail))
		}, 300, []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			s.declare(telemetry())
			tt.build(s)
			res, err := state.Replay(s.recs, day(tt.now))
			if err != nil {
				t.Fatal(err)
			}
			var fs []model.Finding
			for _, f := range res.Findings {
				if f.Rule == state.RuleRetentionExceeded {
					fs = append(fs, f)
				}
			}
			if got := briefs(fs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Replay findings %v, want %v", got, tt.want)
			}
			// Without the events, the same findings keyed by subject and activity.
			plain := state.RetentionExceeded(res.Subjects, res.Catalogue, day(tt.now))
			if len(plain) != len(tt.want) {
				t.Fatalf("RetentionExceeded: %d findings, want %d", len(plain), len(tt.want))
			}
			for i, f := range plain {
				if f.ID != state.RuleRetentionExceeded+":"+subj+"/telemetry" || len(f.EventIDs) != 0 ||
					f.AroseAt != fs[i].AroseAt || f.Detail != fs[i].Detail || f.Detail == "" {
					t.Errorf("RetentionExceeded: %+v, Replay: %+v", f, fs[i])
				}
			}
		})
	}
}

func exemption(group string, until time.Time) *eventsv1.ErasureExemptionRecorded {
	return &eventsv1.ErasureExemptionRecorded{RequestId: "req-1", KeyGroups: []string{group},
		Ground: eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION, Detail: "kept by law", Until: timestamppb.New(until)}
}

// TestExpiring: what the retention scheduler acts on.
func TestExpiring(t *testing.T) {
	s := &stream{}
	s.declare(telemetry(), newsletter())
	s.add(subj, day(0), collected("telemetry", liBasis, useImp))
	s.add(subj, day(5), collected("newsletter", consentBasis, useMail))
	res, err := state.Replay(s.recs, day(1))
	if err != nil {
		t.Fatal(err)
	}
	st, cat := res.Subjects[0], res.Catalogue
	if got := state.Expiring(st, cat, day(1), day(99)); len(got) != 0 {
		t.Errorf("Expiring by day 99: %+v, want none", got)
	}
	got := state.Expiring(st, cat, day(1), day(100))
	want := []state.Expiry{{ActivityID: "telemetry", KeyGroup: "default", Categories: []string{"user.unique_id"}, Due: day(100), First: day(0)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expiring by day 100: %+v, want %+v", got, want)
	}
	if got := state.Holders(st, cat, day(1), "default"); !reflect.DeepEqual(got, []string{"telemetry"}) {
		t.Errorf("Holders(default) = %v", got)
	}
	if got := state.Holders(st, cat, day(1), "marketing"); !reflect.DeepEqual(got, []string{"newsletter"}) {
		t.Errorf("Holders(marketing) = %v", got)
	}

	// A recorded expiry with the data held is still listed, marked.
	s.add(subj, day(100), &eventsv1.RetentionExpired{ActivityId: "telemetry", Action: "held: shared"})
	// An exemption until day 300 on the group keeps it off the list.
	s.add(subj, day(100), exemption("default", day(300)))
	res, err = state.Replay(s.recs[:len(s.recs)-1], day(101))
	if err != nil {
		t.Fatal(err)
	}
	got = state.Expiring(res.Subjects[0], res.Catalogue, day(101), day(101))
	if len(got) != 1 || !got[0].Recorded {
		t.Errorf("Expiring after a held expiry: %+v, want telemetry, recorded", got)
	}
	res, err = state.Replay(s.recs, day(101))
	if err != nil {
		t.Fatal(err)
	}
	if got := state.Expiring(res.Subjects[0], res.Catalogue, day(101), day(299)); len(got) != 0 {
		t.Errorf("Expiring under an exemption: %+v, want none", got)
	}
	if got := state.Expiring(res.Subjects[0], res.Catalogue, day(101), day(300)); len(got) != 1 {
		t.Errorf("Expiring when the exemption ends: %+v, want telemetry", got)
	}
}
