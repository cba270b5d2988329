package cli

import (
	"reflect"
	"testing"
	"time"

	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestSubjectFactsUses: `docket subject` prints one row per activity's
// uses: when last, how many since when, profiling and decision.
func TestSubjectFactsUses(t *testing.T) {
	st := &apiv1.SubjectState{Uses: []*apiv1.Use{{ActivityId: "fraud", Count: 2, Profiling: true,
		First:             timestamppb.New(time.Date(2025, 1, 9, 9, 0, 0, 0, time.UTC)),
		Last:              timestamppb.New(time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)),
		AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT, EventId: "ev-5"}}}
	rows := subjectFacts(st)
	want := []string{"use", "fraud", "used", cellTime(st.GetUses()[0].GetLast()),
		"2 uses from " + cellTime(st.GetUses()[0].GetFirst()) + "; profiling; AUTOMATED_DECISION_SIGNIFICANT_EFFECT", "ev-5"}
	if last := rows[len(rows)-1]; !reflect.DeepEqual(last, want) {
		t.Errorf("last row %q, want %q", last, want)
	}
}
