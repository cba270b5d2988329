package query

import (
	"context"
	"slices"
	"time"

	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// withheld is what a caller without the legal role may not see of a
// tenant: its disclosures still confidential (Art. 23), by event id. It
// is empty for a caller who sees them, and for a tenant that has none.
// Every read path leaves these out for such a caller: history rows and
// counts, the record of processing's observed side, findings, statistics,
// proofs and stored events (see Audit.event).
type withheld map[string]*model.DisclosureRow

// withheldOf reads the disclosures of tenant (and of subjectRef, when not
// empty) that conf withholds. A tenant without any confidential disclosure
// costs one count; one with some, a walk of its disclosure register.
func (s *Service) withheldOf(ctx context.Context, conf confidentiality, tenant, subjectRef string) (withheld, error) {
	if conf.sees {
		return nil, nil
	}
	months, err := s.r.DisclosureMonths(ctx, tenant, time.Time{}, time.Time{}, conf.now)
	if err != nil {
		return nil, storeError(err)
	}
	if !slices.ContainsFunc(months, func(m model.DisclosureMonth) bool { return m.Confidential && m.Count > 0 }) {
		return nil, nil
	}
	out := withheld{}
	f := model.DisclosureFilter{Tenant: tenant, SubjectRef: subjectRef}
	for after := uint64(0); ; {
		rows, err := s.r.Disclosures(ctx, f, model.Page{After: after, Limit: readBatch})
		if err != nil {
			return nil, storeError(err)
		}
		for i := range rows {
			if conf.withholds(rows[i].ConfidentialUntil) {
				out[rows[i].EventID] = &rows[i]
			}
		}
		if len(rows) < readBatch {
			return out, nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// hides tells whether a row naming these events tells of a withheld one.
func (w withheld) hides(eventIDs ...string) bool {
	for _, id := range eventIDs {
		if w[id] != nil {
			return true
		}
	}
	return false
}

// hidesFinding tells whether a finding is about a withheld disclosure: it
// names one, or one triggered it.
func (w withheld) hidesFinding(f *model.Finding) bool {
	if len(w) == 0 {
		return false
	}
	if w.hides(f.EventIDs...) {
		return true
	}
	for _, d := range w {
		if f.Seq != 0 && d.Seq == f.Seq {
			return true
		}
	}
	return false
}

// observedWithout is the tenant's observed rows as if the withheld
// disclosures had not happened: the rows of every key a withheld
// disclosure shows are counted again from the tenant's audit trail without
// them (a key only they show is gone). The stored rows merge every event,
// so this walks the tenant's history; it runs only for a caller without
// the legal role on a tenant with a disclosure still confidential.
func (s *Service) observedWithout(ctx context.Context, tenant string, obs []model.ObservedRow, w withheld) ([]model.ObservedRow, error) {
	if len(w) == 0 {
		return obs, nil
	}
	type key struct{ kind, key string }
	affected := map[key]*model.ObservedRow{}
	for _, d := range w {
		affected[key{model.ObservedRecipient, d.RecipientID}] = nil
		affected[key{model.ObservedPurpose, d.Purpose}] = nil
		for _, c := range d.Categories {
			affected[key{model.ObservedCategory, c}] = nil
		}
	}
	add := func(kind, k string, r *model.AuditRow) {
		ak := key{kind, k}
		cur, ok := affected[ak]
		if !ok || k == "" {
			return
		}
		o := model.ObservedRow{Tenant: tenant, Kind: kind, Key: k, Count: 1, FirstSeq: r.Seq, FirstEventID: r.EventID,
			FirstOccurred: r.OccurredAt, LastOccurred: r.OccurredAt}
		if cur == nil {
			affected[ak] = &o
			return
		}
		cur.Merge(o)
	}
	collected := string((&eventsv1.DataCollected{}).ProtoReflect().Descriptor().FullName())
	disclosed := string((&eventsv1.DisclosureMade{}).ProtoReflect().Descriptor().FullName())
	for after := uint64(0); ; {
		subjects, err := s.r.SubjectsOf(ctx, tenant, model.Page{After: after, Limit: readBatch})
		if err != nil {
			return nil, storeError(err)
		}
		for _, st := range subjects {
			rows, err := model.AllHistory(ctx, s.r, tenant, st.SubjectRef)
			if err != nil {
				return nil, storeError(err)
			}
			for i := range rows {
				r := &rows[i]
				if (r.Type != collected && r.Type != disclosed) || w.hides(r.EventID) {
					continue
				}
				for _, p := range dedup(r.Purposes) {
					add(model.ObservedPurpose, p, r)
				}
				for _, c := range dedup(r.Categories) {
					add(model.ObservedCategory, c, r)
				}
				if r.Type == disclosed {
					add(model.ObservedRecipient, r.Recipient, r)
				}
			}
		}
		if len(subjects) < readBatch {
			break
		}
		after = subjects[len(subjects)-1].FirstSeq
	}
	out := make([]model.ObservedRow, 0, len(obs))
	for _, o := range obs {
		re, ok := affected[key{o.Kind, o.Key}]
		switch {
		case !ok:
			out = append(out, o)
		case re != nil:
			out = append(out, *re)
		}
	}
	return out, nil
}

func dedup(keys []string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}
