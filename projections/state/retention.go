package state

import (
	"fmt"
	"slices"
	"time"

	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// RetentionExceeded finds the data held past its retention at now. An
// activity is checked when its retention, as declared at now on the
// occurred_at axis, has a time limit (days > 0) and a trigger the ledger
// sees (RetentionTrigger: trigger_event, or the stored trigger
// "collection"); see clock for when each trigger starts the clock. For each
// subject and such activity, the data of the current collection period
// (model.Collection: from its first collection until a RetentionExpired of
// the activity or the shredding of its key group ended it) was due for
// erasure at the clock's start plus days (calendar days, same clock time).
// The finding is raised when the data was still held after that (now, or
// EndedAt when it ended late); it arose at the due time.
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
			days, trigger := retentionOf(v[id])
			if days == 0 {
				continue
			}
			from, what, ok := clock(st, c, v[id], trigger, now)
			if !ok {
				continue
			}
			due := from.AddDate(0, 0, days)
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
				Detail: fmt.Sprintf("data of activity %s (kept %d days from %s) collected from %s was due for erasure at %s%s and %s %s",
					id, days, what, c.First.UTC().Format(detailTime), due.UTC().Format(detailTime), extra, how, held.UTC().Format(detailTime)),
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

// clock returns when the retention of the subject's collection period c of
// activity a starts running, as the state stands at now, and what started
// it in words (for a finding's detail); ok is false while nothing has.
//
//   - COLLECTION: the period's first collection: each datum is kept days
//     from its own collection, and the period's data goes at once (its key
//     group), so the oldest datum sets the date.
//   - CONSENT_WITHDRAWN: the earliest withdrawal of consent to a key that
//     covers one of the activity's purposes (taxonomy.Covers: the purpose or
//     a broader one), unless consent to that purpose was given again after
//     it; a later withdrawal starts the clock again. A collection after the
//     withdrawal does not stop it (collecting without consent makes keeping
//     no more lawful, and is its own finding): the clock then runs from that
//     period's first collection.
//   - OBJECTION_UPHELD: the earliest objection to a key covering one of the
//     activity's purposes that no later ObjectionOverridden covering that
//     purpose sets aside (an override never sets aside an objection to
//     direct marketing, Art. 21(3)); a collection after it does not stop it,
//     as for consent.
//   - REQUEST_FULFILLED: the first fulfilment of one of the subject's
//     requests at or after the period's last collection (FulfilledAt).
//   - RELATIONSHIP_ENDED: the first RelationshipEnded naming the activity,
//     or naming none, at or after the period's last collection
//     (RelationshipEndedAt). For these two, data collected after the
//     trigger shows that the relationship goes on, or that a new request is
//     handled: the clock waits for the next end.
func clock(st *model.SubjectState, c *model.Collection, a *eventsv1.ProcessingActivity, trigger eventsv1.RetentionTrigger, now time.Time) (from time.Time, what string, ok bool) {
	at := func(t *time.Time, what string) (time.Time, string, bool) {
		if t == nil || t.After(now) {
			return time.Time{}, "", false
		}
		return *t, what + " at " + t.UTC().Format(detailTime), true
	}
	// atLeastFirst: a trigger before the period's data was collected starts
	// its clock at the first collection.
	atLeastFirst := func(t *time.Time, what string) (time.Time, string, bool) {
		if t != nil && t.Before(c.First) {
			t = &c.First
		}
		return at(t, what)
	}
	switch trigger {
	case eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION:
		if c.First.After(now) {
			return time.Time{}, "", false
		}
		return c.First, "collection", true
	case eventsv1.RetentionTrigger_RETENTION_TRIGGER_CONSENT_WITHDRAWN:
		t, key := withdrawnConsent(st, a.GetPurposes(), now)
		return atLeastFirst(t, "the withdrawal of consent to "+key)
	case eventsv1.RetentionTrigger_RETENTION_TRIGGER_OBJECTION_UPHELD:
		t, key := upheldObjection(st, a.GetPurposes(), now)
		return atLeastFirst(t, "an objection to "+key)
	case eventsv1.RetentionTrigger_RETENTION_TRIGGER_REQUEST_FULFILLED:
		return at(c.FulfilledAt, "the fulfilment of a rights request")
	case eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED:
		return at(c.RelationshipEndedAt, "the end of the relationship")
	default:
		// RETENTION_TRIGGER_UNSPECIFIED (a stored declaration whose trigger
		// the ledger does not see): retentionOf returned 0 days already.
		return time.Time{}, "", false
	}
}

// withdrawnConsent is the earliest withdrawal, at or before now, of
// consent to a key covering one of purposes and not given again for that
// purpose after it; nil when there is none. key is the key withdrawn.
func withdrawnConsent(st *model.SubjectState, purposes []string, now time.Time) (first *time.Time, key string) {
	for _, k := range sortedKeys(st.Consents) {
		w := st.Consents[k]
		if w == nil || w.Given || w.WithdrawnAt == nil || w.WithdrawnAt.After(now) {
			continue
		}
		for _, p := range purposes {
			if !taxonomy.Covers(w.Purpose, p) {
				continue
			}
			if g := st.Consents[p]; g != nil && g.Given && g.GivenAt != nil && g.GivenAt.After(*w.WithdrawnAt) && !g.GivenAt.After(now) {
				continue // given again for p
			}
			if first == nil || w.WithdrawnAt.Before(*first) {
				first, key = w.WithdrawnAt, w.Purpose
			}
		}
	}
	return first, key
}

// upheldObjection is the earliest objection, at or before now, to a key
// covering one of purposes that no override covering that purpose, recorded
// at or after it and at or before now, sets aside; nil when there is none.
// key is the key objected to.
func upheldObjection(st *model.SubjectState, purposes []string, now time.Time) (first *time.Time, key string) {
	for _, o := range st.Objections {
		if o == nil || o.At.After(now) {
			continue
		}
		for _, q := range o.Purposes {
			for _, p := range purposes {
				if !taxonomy.Covers(q, p) || overridden(st, p, o.At, now) {
					continue
				}
				if first == nil || o.At.Before(*first) {
					t := o.At
					first, key = &t, q
				}
			}
		}
	}
	return first, key
}

// Expiry is one collection period whose retention runs out (Expiring).
type Expiry struct {
	ActivityID string
	// KeyGroup is the group the activity's data is sealed under.
	KeyGroup string
	// Categories the activity declares.
	Categories []string
	// Due is when the retention runs out: the start of its clock (the
	// first collection of the period for COLLECTION, the trigger for the
	// others) plus the declared days.
	Due time.Time
	// First is the period's first collection (it names the period).
	First time.Time
	// Recorded: a RetentionExpired of the period was recorded already,
	// with the data kept.
	Recorded bool
}

// Expiring lists, in activity order, the subject's collection periods
// still open whose retention (as declared at now, its clock started by
// now: see clock) runs out by `by`, and that no Art. 17(3) exemption on their key group holds
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
		days, trigger := retentionOf(v[id])
		if c.EndedAt != nil || days == 0 {
			continue
		}
		from, _, ok := clock(st, c, v[id], trigger, now)
		if !ok {
			continue
		}
		due := from.AddDate(0, 0, days)
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
