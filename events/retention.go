package events

import (
	"strings"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// RetentionTrigger is what starts a retention's clock, in words for a
// record of processing: the controller's own words (trigger) when it gave
// them, else the event the ledger watches (trigger_event: "consent
// withdrawn", "relationship ended", ...); "" when neither is set.
func RetentionTrigger(r *eventsv1.Retention) string {
	if t := r.GetTrigger(); t != "" {
		return t
	}
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(EnumName(r.GetTriggerEvent()), "RETENTION_TRIGGER_"), "_", " "))
}
