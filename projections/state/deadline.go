package state

import (
	"fmt"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// DueAt is the statutory deadline of a rights request received at
// received, extended by extendedMonths further months (Art. 12(3)): one
// calendar month plus the extension from the day of receipt, in UTC,
// clamped to the last day of a shorter month (received 31 January: due 28
// February, 29 in a leap year; 31 March plus one month: 30 April), at the
// same clock time as the receipt. A request answered at that instant is in
// time; one answered after it is late. Pass the extension months that
// count: those of extensions recorded (by occurred_at) within the first
// month, at most MaxExtensionMonths in all — Apply counts them so.
func DueAt(received time.Time, extendedMonths int) time.Time {
	r := received.UTC()
	y, m, d := r.Date()
	months := int(m) - 1 + 1 + extendedMonths
	y += months / 12
	m = time.Month(months%12 + 1)
	if last := daysIn(y, m); d > last {
		d = last
	}
	return time.Date(y, m, d, r.Hour(), r.Minute(), r.Second(), r.Nanosecond(), time.UTC)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// OverdueRequests finds the requests past their deadline at now: open (or
// closed only after now) when now is after DueAt, or closed after DueAt.
// The finding is raised by the request's receipt: its ID is the rule and
// the receipt's event id, its event ids the receipt and, for a late answer,
// the closing event; it arose at DueAt. Findings come in the order of reqs.
func OverdueRequests(reqs []model.RequestRow, now time.Time) []model.Finding {
	var out []model.Finding
	for _, r := range reqs {
		if len(r.EventIDs) == 0 || r.ReceivedAt.After(now) {
			continue
		}
		closed := r.Status != model.RequestOpen && r.ClosedAt != nil && !r.ClosedAt.After(now)
		var ids []string
		var detail string
		switch {
		case closed && r.ClosedAt.After(r.DueAt):
			ids = []string{r.EventIDs[0], r.EventIDs[len(r.EventIDs)-1]}
			detail = fmt.Sprintf("request %s (%s) received %s was %s %s, after its deadline %s",
				r.RequestID, r.Right, r.ReceivedAt.UTC().Format(detailTime), r.Status,
				r.ClosedAt.UTC().Format(detailTime), r.DueAt.UTC().Format(detailTime))
		case !closed && now.After(r.DueAt):
			ids = []string{r.EventIDs[0]}
			detail = fmt.Sprintf("request %s (%s) received %s was still open at %s, past its deadline %s",
				r.RequestID, r.Right, r.ReceivedAt.UTC().Format(detailTime), now.UTC().Format(detailTime),
				r.DueAt.UTC().Format(detailTime))
		default:
			continue
		}
		if r.ExtendedMonths > 0 {
			detail += fmt.Sprintf(" (extended by %d months)", r.ExtendedMonths)
		}
		out = append(out, model.Finding{
			ID: RuleRequestPastDeadline + ":" + r.EventIDs[0], Tenant: r.Tenant, Rule: RuleRequestPastDeadline,
			SubjectRef: r.SubjectRef, EventIDs: ids, AroseAt: r.DueAt, Detail: detail,
		})
	}
	return out
}
