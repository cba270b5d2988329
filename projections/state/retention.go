package state

import (
	"fmt"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// RetentionExceeded finds the data held past its retention at now. Only
// activities whose retention runs from collection (RetentionFromCollection,
// days > 0, as declared at now on the occurred_at axis) are checked; for
// each subject and such activity, the data of the current collection period
// (model.Collection: from its first collection until a RetentionExpired of
// the activity or the shredding of its key group ended it) was due for
// erasure on First + days (calendar days, same clock time). The finding is
// raised when the data was still held after that (now, or EndedAt when it
// ended late); it arose at the due time.
//
// model.Collection does not record the event id of its first collection,
// so a finding's ID here is the rule, the subject and the activity
// ("retention_exceeded:<subject>/<activity>") and its EventIDs are empty;
// Replay, which sees the events, names the first collection instead.
func RetentionExceeded(subjects []*model.SubjectState, cat *Catalogue, now time.Time) []model.Finding {
	return retentionExceeded(subjects, cat, now, nil)
}

// collectionIDs names the event that started a subject's collection period
// of an activity; "" when unknown.
type collectionIDs func(tenant, subjectRef, activityID string) string

func retentionExceeded(subjects []*model.SubjectState, cat *Catalogue, now time.Time, ids collectionIDs) []model.Finding {
	var out []model.Finding
	views := map[string]view{}
	for _, st := range subjects {
		if st == nil || len(st.Collected) == 0 {
			continue
		}
		v, ok := views[st.Tenant]
		if !ok {
			v = cat.view(st.Tenant, now, 0)
			views[st.Tenant] = v
		}
		for _, id := range sortedKeys(st.Collected) {
			c := st.Collected[id]
			days := retentionDays(v[id])
			if days == 0 || c.First.After(now) {
				continue
			}
			due := c.First.AddDate(0, 0, days)
			held, how := now, "was still held at"
			if c.EndedAt != nil && !c.EndedAt.After(now) {
				held, how = *c.EndedAt, "was held until"
			}
			if !held.After(due) {
				continue
			}
			f := model.Finding{
				ID: RuleRetentionExceeded + ":" + st.SubjectRef + "/" + id, Tenant: st.Tenant, Rule: RuleRetentionExceeded,
				SubjectRef: st.SubjectRef, EventIDs: []string{}, AroseAt: due,
				Detail: fmt.Sprintf("data of activity %s (kept %d days from collection) collected from %s was due for erasure at %s and %s %s",
					id, days, c.First.UTC().Format(detailTime), due.UTC().Format(detailTime), how, held.UTC().Format(detailTime)),
			}
			if ids != nil {
				if ev := ids(st.Tenant, st.SubjectRef, id); ev != "" {
					f.ID, f.EventIDs = RuleRetentionExceeded+":"+ev, []string{ev}
				}
			}
			out = append(out, f)
		}
	}
	return out
}
