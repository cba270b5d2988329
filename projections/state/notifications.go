package state

import (
	"fmt"

	"time"

	"github.com/docketledger/docket/projections/model"
)

// OverdueNotifications finds the Art. 19 notices still open at now past
// their due date: one finding per notice, arisen at the due date, naming
// the event that made it due.
func OverdueNotifications(subjects []*model.SubjectState, now time.Time) []model.Finding {
	var out []model.Finding
	for _, st := range subjects {
		if st == nil {
			continue
		}
		for _, k := range sortedKeys(st.Notifications) {
			n := st.Notifications[k]
			if n == nil || n.Status != model.NotificationOpen || n.DueAt == nil || !now.After(*n.DueAt) {
				continue
			}
			out = append(out, model.Finding{
				ID: RuleNotificationOverdue + ":" + n.EventID, Tenant: st.Tenant, Rule: RuleNotificationOverdue,
				SubjectRef: st.SubjectRef, EventIDs: []string{n.EventID}, AroseAt: *n.DueAt, Group: GroupKey(RuleNotificationOverdue, n.RecipientID),
				Detail: fmt.Sprintf("recipient %s was due to be told of the %s (request %s) by %s and was still not told at %s",
					n.RecipientID, n.Right, n.RequestID, n.DueAt.UTC().Format(detailTime), now.UTC().Format(detailTime)),
			})
		}
	}
	return out
}
