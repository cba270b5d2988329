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

// ConfidentialEvent tells whether ev is a disclosure still confidential.
func (v View) ConfidentialEvent(ev *eventsv1.Event) bool {
	d := ev.GetDisclosureMade()
	return d != nil && d.GetConfidentialUntil() != nil && d.GetConfidentialUntil().AsTime().After(v.Now)
}
