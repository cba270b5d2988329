package state

import (
	"fmt"
	"sort"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
)

// Result is a whole stream folded in memory: every read model, as a store
// would hold it, and every finding.
type Result struct {
	Catalogue   *Catalogue
	Audit       []model.AuditRow
	Disclosures []model.DisclosureRow
	Activities  []model.ActivityRow
	Profiles    []model.ProfileRow
	// Subjects in order of their first event (FirstSeq).
	Subjects []*model.SubjectState
	// Requests in order of receipt (ReceivedSeq).
	Requests []*model.RequestRow
	// Breaches is the breach register, in order of first sight (FirstSeq).
	Breaches []*model.BreachRow
	// Observed rows merged per tenant, kind and key as stores merge them,
	// in order of first sight (FirstSeq, then kind and key).
	Observed []model.ObservedRow
	// Findings: the event-time ones in stream order, then those of
	// OverdueRequests, RetentionExceeded, OverdueNotifications and
	// BreachFindings at the given now.
	Findings []model.Finding
	// FindingStatus rows in stream order.
	FindingStatus []model.FindingStatusRow
}

// Subject returns a subject's state, nil when the stream has none.
func (r *Result) Subject(tenant, subjectRef string) *model.SubjectState {
	for _, s := range r.Subjects {
		if s.Tenant == tenant && s.SubjectRef == subjectRef {
			return s
		}
	}
	return nil
}

// ApplyConfidentiality applies c to the register rows it names (the
// disclosure of c's tenant, subject and event id) and returns rows: the
// reference of what a store's update does.
func ApplyConfidentiality(rows []model.DisclosureRow, c model.ConfidentialityChange) []model.DisclosureRow {
	for i := range rows {
		if r := &rows[i]; r.Tenant == c.Tenant && r.SubjectRef == c.SubjectRef && r.EventID == c.EventID {
			var until *time.Time
			if c.Until != nil {
				t := *c.Until
				until = &t
			}
			r.ConfidentialUntil = until
		}
	}
	return rows
}

// Replay folds recs (a stream, in order) in memory with Apply — the
// reference projection every store must agree with — and adds the
// time-based findings at now; a zero now means the greatest occurred_at in
// recs. Unlike RetentionExceeded alone, it names the first collection of
// the period in a retention_exceeded finding (ID and EventIDs), since it
// sees the events.
func Replay(recs []source.Record, now time.Time) (*Result, error) {
	res := &Result{Catalogue: NewCatalogue()}
	subjects := map[model.SubjectKey]*model.SubjectState{}
	requests := map[[2]string]*model.RequestRow{}
	reqIndex := map[[2]string]int{}
	lookup := func(tenant, id string) *model.RequestRow { return requests[[2]string{tenant, id}] }
	observed := map[[3]string]int{}
	breachIndex := map[[2]string]int{}
	firstColl := map[[3]string]string{} // tenant, subject, activity -> event id starting the period
	var last time.Time
	var prev uint64

	for _, rec := range recs {
		if rec.Event == nil {
			return nil, fmt.Errorf("state: replay: sequence %d: no event", rec.Sequence)
		}
		if rec.Sequence <= prev {
			return nil, fmt.Errorf("state: replay: sequence %d after %d: not in stream order", rec.Sequence, prev)
		}
		prev = rec.Sequence
		ev := rec.Event
		if at := occurredAt(ev); at.After(last) {
			last = at
		}
		var st *model.SubjectState
		var before *model.Collection
		if ref := ev.GetSubjectRef(); ref != "" {
			k := model.SubjectKey{Tenant: ev.GetTenant(), SubjectRef: ref}
			if st = subjects[k]; st == nil {
				st = &model.SubjectState{Tenant: k.Tenant, SubjectRef: k.SubjectRef}
				subjects[k] = st
			}
			if c := st.Collected[ev.GetDataCollected().GetActivityId()]; c != nil {
				cp := *c
				before = &cp
			}
		}
		eff, err := Apply(st, lookup, res.Catalogue, rec)
		if err != nil {
			return nil, err
		}
		if dc := ev.GetDataCollected(); dc != nil && dc.GetActivityId() != "" {
			// Note the collection that started the period (or now comes first).
			c := st.Collected[dc.GetActivityId()]
			if before == nil || before.EndedAt != nil && c.EndedAt == nil || c.First.Before(before.First) {
				firstColl[[3]string{ev.GetTenant(), ev.GetSubjectRef(), dc.GetActivityId()}] = ev.GetEventId()
			}
		}
		res.Audit = append(res.Audit, eff.Audit)
		if eff.Disclosure != nil {
			res.Disclosures = append(res.Disclosures, *eff.Disclosure)
		}
		if c := eff.Confidentiality; c != nil {
			res.Disclosures = ApplyConfidentiality(res.Disclosures, *c)
		}
		if eff.Activity != nil {
			res.Activities = append(res.Activities, *eff.Activity)
		}
		if eff.Profile != nil {
			res.Profiles = append(res.Profiles, *eff.Profile)
		}
		if r := eff.Request; r != nil {
			k := [2]string{r.Tenant, r.RequestID}
			if i, ok := reqIndex[k]; ok {
				res.Requests[i] = r
			} else {
				reqIndex[k] = len(res.Requests)
				res.Requests = append(res.Requests, r)
			}
			requests[k] = r
		}
		if id := BreachID(ev); id != "" {
			k := [2]string{ev.GetTenant(), id}
			if i, ok := breachIndex[k]; ok {
				res.Breaches[i] = FoldBreach(res.Breaches[i], rec)
			} else {
				breachIndex[k] = len(res.Breaches)
				res.Breaches = append(res.Breaches, FoldBreach(nil, rec))
			}
		}
		for _, o := range eff.Observed {
			k := [3]string{o.Tenant, o.Kind, o.Key}
			if i, ok := observed[k]; ok {
				res.Observed[i].Merge(o)
				continue
			}
			observed[k] = len(res.Observed)
			res.Observed = append(res.Observed, o)
		}
		res.Findings = append(res.Findings, eff.Findings...)
		if eff.FindingStatus != nil {
			res.FindingStatus = append(res.FindingStatus, *eff.FindingStatus)
		}
	}

	for _, st := range subjects {
		res.Subjects = append(res.Subjects, st)
	}
	sort.Slice(res.Subjects, func(i, j int) bool { return res.Subjects[i].FirstSeq < res.Subjects[j].FirstSeq })
	sort.SliceStable(res.Observed, func(i, j int) bool {
		a, b := res.Observed[i], res.Observed[j]
		if a.FirstSeq != b.FirstSeq {
			return a.FirstSeq < b.FirstSeq
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Key < b.Key
	})

	if now.IsZero() {
		now = last
	}
	rows := make([]model.RequestRow, len(res.Requests))
	for i, r := range res.Requests {
		rows[i] = *r
	}
	res.Findings = append(res.Findings, OverdueRequests(rows, now)...)
	res.Findings = append(res.Findings, retentionExceeded(res.Subjects, res.Catalogue, now,
		func(tenant, ref, activity string) string { return firstColl[[3]string{tenant, ref, activity}] })...)
	res.Findings = append(res.Findings, OverdueNotifications(res.Subjects, now)...)
	breaches := make([]model.BreachRow, len(res.Breaches))
	for i, r := range res.Breaches {
		breaches[i] = *r
	}
	res.Findings = append(res.Findings, BreachFindings(breaches, now)...)
	return res, nil
}
