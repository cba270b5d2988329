package query

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

// withheld is what a caller without the legal role may not see of a
// tenant: its disclosures still confidential (Art. 23), by event id, and
// the recipients that only such disclosures of a subject went to, whose
// Art. 19 notices would tell of them. It is empty for a caller who sees
// them, and for a tenant that has none. Every read path leaves these out
// for such a caller: history rows and counts, the subject's state, the
// record of processing's observed side, findings, statistics, proofs and
// stored events (see Audit.event).
type withheld struct {
	events     map[string]*model.DisclosureRow
	recipients map[subjectRecipient]bool
}

type subjectRecipient struct{ subject, recipient string }

func (w withheld) empty() bool { return len(w.events) == 0 }

// withheldOf reads the disclosures of tenant (and of subjectRef, when not
// empty) that conf withholds: a walk of the subject's disclosures, or for
// a whole tenant one count, and a walk of its register only when the count
// finds a confidential disclosure.
func (s *Service) withheldOf(ctx context.Context, conf confidentiality, tenant, subjectRef string) (withheld, error) {
	return withheldOf(ctx, s.r, conf, model.DisclosureFilter{Tenant: tenant, SubjectRef: subjectRef})
}

func withheldOf(ctx context.Context, r model.Reader, conf confidentiality, f model.DisclosureFilter) (withheld, error) {
	if conf.sees {
		return withheld{}, nil
	}
	if f.SubjectRef == "" {
		// Tenant-wide: one count tells whether there is anything to walk.
		months, err := r.DisclosureMonths(ctx, f.Tenant, time.Time{}, time.Time{}, conf.now)
		if err != nil {
			return withheld{}, storeError(err)
		}
		if !slices.ContainsFunc(months, func(m model.DisclosureMonth) bool { return m.Confidential && m.Count > 0 }) {
			return withheld{}, nil
		}
	}
	w := withheld{events: map[string]*model.DisclosureRow{}, recipients: map[subjectRecipient]bool{}}
	open := map[subjectRecipient]bool{}
	for after := uint64(0); ; {
		rows, err := r.Disclosures(ctx, f, model.Page{After: after, Limit: readBatch})
		if err != nil {
			return withheld{}, storeError(err)
		}
		for i := range rows {
			k := subjectRecipient{rows[i].SubjectRef, rows[i].RecipientID}
			if conf.withholds(rows[i].ConfidentialUntil) {
				w.events[rows[i].EventID] = &rows[i]
				w.recipients[k] = true
			} else {
				open[k] = true
			}
		}
		if len(rows) < readBatch {
			break
		}
		after = rows[len(rows)-1].Seq
	}
	for k := range open {
		delete(w.recipients, k) // a recipient the caller sees disclosures to anyway
	}
	return w, nil
}

// hides tells whether a row naming these events tells of a withheld one.
func (w withheld) hides(eventIDs ...string) bool {
	for _, id := range eventIDs {
		if w.events[id] != nil {
			return true
		}
	}
	return false
}

// hidesRow tells whether an audit row is a withheld disclosure, or an
// Art. 19 notice to a recipient only withheld disclosures of the subject
// went to.
func (w withheld) hidesRow(r *model.AuditRow) bool {
	if w.empty() {
		return false
	}
	if w.hides(r.EventID) {
		return true
	}
	if !strings.HasPrefix(r.Type, recipientNotice) {
		return false
	}
	var ev eventsv1.Event
	if err := proto.Unmarshal(r.Data, &ev); err != nil {
		return false
	}
	return w.recipients[subjectRecipient{r.SubjectRef, events.RecipientOf(&ev)}]
}

// recipientNotice starts the type of every Art. 19 notice event.
const recipientNotice = "docket.events.v1.RecipientNotif"

// hidesFinding tells whether a finding is about a withheld disclosure: it
// names one, or one triggered it.
func (w withheld) hidesFinding(f *model.Finding) bool {
	if w.empty() {
		return false
	}
	if w.hides(f.EventIDs...) {
		return true
	}
	for _, d := range w.events {
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
	if w.empty() {
		return obs, nil
	}
	type key struct{ kind, key string }
	affected := map[key]*model.ObservedRow{}
	for _, d := range w.events {
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
