package events_test

import (
	"testing"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

func TestRetentionTrigger(t *testing.T) {
	tests := []struct {
		name string
		r    *eventsv1.Retention
		want string
	}{
		{"none", nil, ""},
		{"words only", &eventsv1.Retention{Days: 30, Trigger: "end of financial year"}, "end of financial year"},
		{"words win", &eventsv1.Retention{Days: 30, Trigger: "account closed",
			TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}, "account closed"},
		{"event only", &eventsv1.Retention{Days: 30,
			TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_CONSENT_WITHDRAWN}, "consent withdrawn"},
		{"neither", &eventsv1.Retention{Days: 30}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := events.RetentionTrigger(tt.r); got != tt.want {
				t.Errorf("RetentionTrigger = %q, want %q", got, tt.want)
			}
		})
	}
}
