package state_test

import (
	"reflect"
	"testing"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
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
