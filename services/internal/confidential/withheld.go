package confidential

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

// readBatch is the page size of Read's walk over a register.
const readBatch = 1000

// Withheld is what a caller without the legal role may not see of a
// tenant: its disclosures still confidential (Art. 23), by event id, and
// the recipients that only such disclosures of a subject went to, whose
// Art. 19 notices would tell of them. It is empty for a caller who sees
// them, and for a tenant that has none. Every read path leaves these out
// for such a caller: history rows and counts, the subject's state, the
// record of processing's observed side, findings, statistics, proofs and
// stored events.
type Withheld struct {
	// Events are the withheld disclosures, by event id.
	Events     map[string]*model.DisclosureRow
	recipients map[subjectRecipient]bool
}

type subjectRecipient struct{ subject, recipient string }

// Empty tells whether nothing is withheld.
func (w Withheld) Empty() bool { return len(w.Events) == 0 }

// HidesRecipient tells whether only withheld disclosures of subjectRef
// went to recipient, so that its Art. 19 notices would tell of them.
func (w Withheld) HidesRecipient(subjectRef, recipient string) bool {
	return w.recipients[subjectRecipient{subjectRef, recipient}]
}

// Read reads the disclosures matching f (its tenant, and its subject and
// recipient when set) that v withholds: a walk of the subject's
// disclosures, or for a whole tenant one count, and a walk of its register
// only when the count finds a confidential disclosure. Its errors are the
// read model's, unwrapped.
func Read(ctx context.Context, r model.Reader, v View, f model.DisclosureFilter) (Withheld, error) {
	if v.Sees {
		return Withheld{}, nil
	}
	if f.SubjectRef == "" {
		// Tenant-wide: one count tells whether there is anything to walk.
		months, err := r.DisclosureMonths(ctx, f.Tenant, time.Time{}, time.Time{}, v.Now)
		if err != nil {
			return Withheld{}, err
		}
		if !slices.ContainsFunc(months, func(m model.DisclosureMonth) bool { return m.Confidential && m.Count > 0 }) {
			return Withheld{}, nil
		}
	}
	w := Withheld{Events: map[string]*model.DisclosureRow{}, recipients: map[subjectRecipient]bool{}}
	open := map[subjectRecipient]bool{}
	for after := uint64(0); ; {
		rows, err := r.Disclosures(ctx, f, model.Page{After: after, Limit: readBatch})
		if err != nil {
			return Withheld{}, err
		}
		for i := range rows {
			k := subjectRecipient{rows[i].SubjectRef, rows[i].RecipientID}
			if v.Withholds(rows[i].ConfidentialUntil) {
				w.Events[rows[i].EventID] = &rows[i]
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

// Hides tells whether a row naming these events tells of a withheld one.
func (w Withheld) Hides(eventIDs ...string) bool {
	for _, id := range eventIDs {
		if w.Events[id] != nil {
			return true
		}
	}
	return false
}

// HidesRow tells whether an audit row is a withheld disclosure, a change
// of a withheld disclosure's confidentiality (it names the disclosure and
// the order), or an Art. 19 notice to a recipient only withheld
// disclosures of the subject went to.
func (w Withheld) HidesRow(r *model.AuditRow) bool {
	if w.Empty() {
		return false
	}
	if w.Hides(r.EventID) {
		return true
	}
	change := r.Type == confidentialityChange
	if !change && !strings.HasPrefix(r.Type, recipientNotice) {
		return false
	}
	var ev eventsv1.Event
	if err := proto.Unmarshal(r.Data, &ev); err != nil {
		return false
	}
	if change {
		return w.Hides(ev.GetDisclosureConfidentialityChanged().GetDisclosureEventId())
	}
	return w.recipients[subjectRecipient{r.SubjectRef, events.RecipientOf(&ev)}]
}

// recipientNotice starts the type of every Art. 19 notice event.
const recipientNotice = "docket.events.v1.RecipientNotif"

// confidentialityChange is the type of DisclosureConfidentialityChanged.
var confidentialityChange = string((&eventsv1.DisclosureConfidentialityChanged{}).ProtoReflect().Descriptor().FullName())

// HidesFinding tells whether a finding is about a withheld disclosure: it
// names one, or one triggered it.
func (w Withheld) HidesFinding(f *model.Finding) bool {
	if w.Empty() {
		return false
	}
	if w.Hides(f.EventIDs...) {
		return true
	}
	for _, d := range w.Events {
		if f.Seq != 0 && d.Seq == f.Seq {
			return true
		}
	}
	return false
}
