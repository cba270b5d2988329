package state

import (
	"fmt"
	"slices"
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
			// An Art. 17(3) exemption on the data's key group keeps it
			// lawfully past its retention, until the exemption ends.
			var extra string
			if ex := st.Exemptions[groupOf(v, id)]; ex != nil && ex.Until.After(due) {
				due = ex.Until
				extra = fmt.Sprintf(" (kept under an Art. 17(3) exemption, %s, until then)", ex.Ground)
			}
			if !held.After(due) {
				continue
			}
			f := model.Finding{
				ID: RuleRetentionExceeded + ":" + st.SubjectRef + "/" + id, Tenant: st.Tenant, Rule: RuleRetentionExceeded,
				SubjectRef: st.SubjectRef, EventIDs: []string{}, AroseAt: due, Group: GroupKey(RuleRetentionExceeded, id),
				Detail: fmt.Sprintf("data of activity %s (kept %d days from collection) collected from %s was due for erasure at %s%s and %s %s",
					id, days, c.First.UTC().Format(detailTime), due.UTC().Format(detailTime), extra, how, held.UTC().Format(detailTime)),
			}
			if c.ExpiredAt != nil && c.EndedAt == nil {
				f.Detail += "; its retention expiry was recorded at " + c.ExpiredAt.UTC().Format(detailTime) + " with the data kept"
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

// Expiry is one collection period whose retention runs out (Expiring).
type Expiry struct {
	ActivityID string
	// KeyGroup is the group the activity's data is sealed under.
	KeyGroup string
	// Categories the activity declares.
	Categories []string
	// Due is when the retention runs out: the first collection of the
	// period plus the declared days.
	Due time.Time
	// First is the period's first collection (it names the period).
	First time.Time
	// Recorded: a RetentionExpired of the period was recorded already,
	// with the data kept.
	Recorded bool
}

// Expiring lists, in activity order, the subject's collection periods
// still open whose retention (from collection, as declared at now) runs
// out by `by`, and that no Art. 17(3) exemption on their key group holds
// at `by`. Periods whose expiry was recorded with the data kept are listed
// too, Recorded set, so that the caller sees every expired period still
// holding a group.
func Expiring(st *model.SubjectState, cat *Catalogue, now, by time.Time) []Expiry {
	if st == nil || len(st.Collected) == 0 {
		return nil
	}
	v := cat.view(st.Tenant, now, 0)
	var out []Expiry
	for _, id := range sortedKeys(st.Collected) {
		c := st.Collected[id]
		days := retentionDays(v[id])
		if c.EndedAt != nil || days == 0 {
			continue
		}
		due := c.First.AddDate(0, 0, days)
		g := groupOf(v, id)
		if due.After(by) || st.Exemptions[g].Holds(by) {
			continue
		}
		out = append(out, Expiry{ActivityID: id, KeyGroup: g, Categories: slices.Clone(v[id].GetDataCategories()),
			Due: due, First: c.First, Recorded: c.ExpiredAt != nil})
	}
	return out
}

// Holders lists, in activity order, the activities whose data about the
// subject is still held under key group g (open collection periods), as
// declared at now.
func Holders(st *model.SubjectState, cat *Catalogue, now time.Time, g string) []string {
	if st == nil {
		return nil
	}
	v := cat.view(st.Tenant, now, 0)
	var out []string
	for _, id := range sortedKeys(st.Collected) {
		if st.Collected[id].EndedAt == nil && groupOf(v, id) == g {
			out = append(out, id)
		}
	}
	return out
}
