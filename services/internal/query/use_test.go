package query

import (
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestSubjectStateUses: the API's subject state carries the uses per
// activity, ordered by activity, with their bases and decision as enums.
func TestSubjectStateUses(t *testing.T) {
	jan9, jan15, feb8 := time.Date(2025, 1, 9, 9, 0, 0, 0, time.UTC), time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC), time.Date(2025, 2, 8, 9, 0, 0, 0, time.UTC)
	st := &model.SubjectState{Tenant: "acme", SubjectRef: "u_1", Used: map[string]*model.Use{
		"newsletter": {ActivityID: "newsletter", Purposes: []string{"marketing.communications.email"}, Categories: []string{"user.contact.email"},
			LegalBases: []string{"LEGAL_BASIS_ART6_1_A_CONSENT"}, First: jan9, Last: feb8, Count: 2, EventID: "ev-4"},
		"fraud": {ActivityID: "fraud", LegalBases: []string{"LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS"}, First: jan9, Last: jan15, Count: 1,
			Profiling: true, AutomatedDecision: "AUTOMATED_DECISION_SIGNIFICANT_EFFECT", EventID: "ev-5"},
	}}
	want := []*apiv1.Use{
		{ActivityId: "fraud", LegalBases: []eventsv1.LegalBasis{eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS},
			First: timestamppb.New(jan9), Last: timestamppb.New(jan15), Count: 1, Profiling: true,
			AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT, EventId: "ev-5"},
		{ActivityId: "newsletter", Purposes: []string{"marketing.communications.email"}, Categories: []string{"user.contact.email"},
			LegalBases: []eventsv1.LegalBasis{eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT},
			First:      timestamppb.New(jan9), Last: timestamppb.New(feb8), Count: 2, EventId: "ev-4"},
	}
	got := subjectState(st).GetUses()
	if len(got) != len(want) {
		t.Fatalf("%d uses, want %d", len(got), len(want))
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("use %d: %v, want %v", i, got[i], want[i])
		}
	}
}
