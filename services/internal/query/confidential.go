package query

import (
	"context"
	"slices"

	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/confidential"
)

// withheldOf reads the disclosures of tenant (and of subjectRef, when not
// empty) that v withholds (confidential.Read).
func (s *Service) withheldOf(ctx context.Context, v confidential.View, tenant, subjectRef string) (confidential.Withheld, error) {
	w, err := confidential.Read(ctx, s.r, v, model.DisclosureFilter{Tenant: tenant, SubjectRef: subjectRef})
	if err != nil {
		return confidential.Withheld{}, apierr.Store(err)
	}
	return w, nil
}

// observedWithout is the tenant's observed rows as if the withheld
// disclosures had not happened (the rows count collections, uses and
// disclosures, as state's observed does): the rows of every key a withheld
// disclosure shows are counted again from the tenant's audit trail without
// them (a key only they show is gone). The stored rows merge every event,
// so this walks the tenant's history; it runs only for a caller without
// the legal role on a tenant with a disclosure still confidential.
func (s *Service) observedWithout(ctx context.Context, tenant string, obs []model.ObservedRow, w confidential.Withheld) ([]model.ObservedRow, error) {
	if w.Empty() {
		return obs, nil
	}
	type key struct{ kind, key string }
	affected := map[key]*model.ObservedRow{}
	for _, d := range w.Events {
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
	used := string((&eventsv1.DataProcessed{}).ProtoReflect().Descriptor().FullName())
	for after := uint64(0); ; {
		subjects, err := s.r.SubjectsOf(ctx, tenant, model.Page{After: after, Limit: readBatch})
		if err != nil {
			return nil, apierr.Store(err)
		}
		for _, st := range subjects {
			rows, err := model.AllHistory(ctx, s.r, tenant, st.SubjectRef)
			if err != nil {
				return nil, apierr.Store(err)
			}
			for i := range rows {
				r := &rows[i]
				if (r.Type != collected && r.Type != disclosed && r.Type != used) || w.Hides(r.EventID) {
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
