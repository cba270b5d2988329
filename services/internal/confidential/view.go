// Package confidential decides what a caller may see of the disclosures
// that are still confidential (a court order forbids telling the subject,
// Art. 23): they are legal's alone. Every read path of the API (the query,
// audit and rights services) leaves them out for any other caller: history
// rows and counts, the subject's state, the record of processing's observed
// side, findings, statistics, proofs, stored events and receipts.
package confidential

import (
	"context"
	"time"

	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
)

// View is what one call may see of the confidential disclosures. A caller
// without a token is docketd itself.
type View struct {
	Sees bool      // the caller sees confidential disclosures
	Now  time.Time // a disclosure is confidential while confidential_until is after Now
}

// Of is the view of the call ctx carries, now.
func Of(ctx context.Context) View {
	t := auth.From(ctx)
	return View{Sees: t == nil || t.Has(auth.Legal), Now: time.Now()}
}

// Hides tells whether disclosures that are (or are not) confidential are
// left out for the caller.
func (v View) Hides(confidential bool) bool { return confidential && !v.Sees }

// Withholds tells whether a disclosure confidential until until (nil:
// never confidential) is left out for the caller.
func (v View) Withholds(until *time.Time) bool {
	return v.Hides(until != nil && until.After(v.Now))
}

// ConfidentialEvent tells whether ev is a disclosure still confidential by
// its own confidential_until. A DisclosureConfidentialityChanged may have
// moved that end since: where the subject's events or the register are at
// hand, use Changes and Until, or the register's row.
func (v View) ConfidentialEvent(ev *eventsv1.Event) bool {
	d := ev.GetDisclosureMade()
	return d != nil && d.GetConfidentialUntil() != nil && d.GetConfidentialUntil().AsTime().After(v.Now)
}

// Changes are the ends of confidentiality that the
// DisclosureConfidentialityChanged events among evs (a subject's events,
// in stream order) set, by the disclosure's event id: the last change
// naming a disclosure wins; one that lifts the confidentiality ends it at
// its own occurred_at. The register (model.DisclosureRow.ConfidentialUntil)
// holds the same.
func Changes(evs []*eventsv1.Event) map[string]time.Time {
	var out map[string]time.Time
	for _, ev := range evs {
		m := ev.GetDisclosureConfidentialityChanged()
		if m == nil {
			continue
		}
		if out == nil {
			out = map[string]time.Time{}
		}
		until := ev.GetOccurredAt().AsTime()
		if ts := m.GetConfidentialUntil(); ts != nil {
			until = ts.AsTime()
		}
		out[m.GetDisclosureEventId()] = until
	}
	return out
}

// Until is when the disclosure ev stops being confidential, given the
// subject's Changes: the last change naming it, else its own
// confidential_until; nil when it never was, or ev is no disclosure.
func Until(ev *eventsv1.Event, changes map[string]time.Time) *time.Time {
	d := ev.GetDisclosureMade()
	if d == nil {
		return nil
	}
	if t, ok := changes[ev.GetEventId()]; ok {
		return &t
	}
	if ts := d.GetConfidentialUntil(); ts != nil {
		t := ts.AsTime()
		return &t
	}
	return nil
}

// Confidential tells whether a disclosure confidential until until (nil:
// never) still is at v.Now, whoever asks.
func (v View) Confidential(until *time.Time) bool { return until != nil && until.After(v.Now) }

// DisclosureOf is the event id of the disclosure whose confidentiality
// decides whether ev is withheld: its own for a DisclosureMade, the one it
// changes for a DisclosureConfidentialityChanged; "" for other events.
func DisclosureOf(ev *eventsv1.Event) string {
	switch {
	case ev.GetDisclosureMade() != nil:
		return ev.GetEventId()
	case ev.GetDisclosureConfidentialityChanged() != nil:
		return ev.GetDisclosureConfidentialityChanged().GetDisclosureEventId()
	}
	return ""
}

// EventUntil is when the disclosure DisclosureOf(ev) names stops being
// confidential: the register's confidential_until, which follows every
// DisclosureConfidentialityChanged, or, when the register has no row of
// it (yet), ev's own; nil when never. Its errors are the read model's.
func EventUntil(ctx context.Context, r model.Reader, ev *eventsv1.Event) (*time.Time, error) {
	id := DisclosureOf(ev)
	if id == "" {
		return nil, nil
	}
	for after := uint64(0); ; {
		rows, err := r.Disclosures(ctx, model.DisclosureFilter{Tenant: ev.GetTenant(), SubjectRef: ev.GetSubjectRef()}, model.Page{After: after, Limit: readBatch})
		if err != nil {
			return nil, err
		}
		for i := range rows {
			if rows[i].EventID == id {
				return rows[i].ConfidentialUntil, nil
			}
		}
		if len(rows) < readBatch {
			return Until(ev, nil), nil
		}
		after = rows[len(rows)-1].Seq
	}
}
