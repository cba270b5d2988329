package state

import (
	"fmt"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
)

// DueAt is the statutory deadline of a rights request received at
// received, extended by extendedMonths further months (Art. 12(3) GDPR),
// counted in loc, the controller's time zone (nil: UTC).
//
// Regulation 1182/71 (periods, dates and time limits): the day of receipt
// does not count (Art. 3(1)), and a period expressed in months ends with
// the expiry of the last hour of the day, in the last month, that bears the
// same date as the day of receipt, or of the last day of that month when it
// has no such date (Art. 3(2)(c)). So a request received on 31 January is
// due at the end of 28 February (29 in a leap year), one received on 15
// March at 10:00 at the end of 15 April, whatever the clock time of
// receipt. The day of receipt and the end of the last day are days in loc.
//
// The instant returned is the last nanosecond of that day in loc (in UTC):
// a request answered at DueAt or before is in time, one answered after it
// (from the first instant of the next day) is late. The Saturday, Sunday and
// public-holiday rule of Art. 3(4) is not applied (see doc.go). A deadline
// the stores could not hold (a request received in 2262) is
// events.MaxStorableTime.
//
// Pass the extension months that count (ExtensionStanding): those of the
// first extension, recorded within the first month — Apply counts them so.
func DueAt(received time.Time, extendedMonths int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := received.In(loc).Date()
	months := int(m) - 1 + 1 + extendedMonths
	y += months / 12
	m = time.Month(months%12 + 1)
	if last := daysIn(y, m); d > last {
		d = last
	}
	end := time.Date(y, m, d+1, 0, 0, 0, 0, loc).Add(-time.Nanosecond).UTC()
	if end.After(events.MaxStorableTime) {
		return events.MaxStorableTime
	}
	return end
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ExtensionStanding judges an extension of the open request req that
// occurred at at, with the tenant's zone loc (Art. 12(3) GDPR: the
// controller may extend the period "by two further months" once, and must
// inform the subject "within one month of receipt"). It returns nil when
// the extension counts, or why it does not: the request was already
// extended (only the first extension counts), or the extension was
// recorded after the first month had ended (after DueAt(received, 0, loc)).
// A first extension that came too late counts for nothing, so a second one
// after it is also too late, and only that is said of it.
func ExtensionStanding(req *model.RequestRow, at time.Time, loc *time.Location) []string {
	var why []string
	if req.ExtendedMonths > 0 {
		why = append(why, "the deadline was already extended by "+monthsText(req.ExtendedMonths)+" and only the first extension counts")
	}
	if first := DueAt(req.ReceivedAt, 0, loc); at.After(first) {
		why = append(why, "it was recorded after the first month ended at "+first.In(loc).Format(detailTime))
	}
	return why
}

// monthsText is "1 month" or "n months".
func monthsText(n int) string {
	if n == 1 {
		return "1 month"
	}
	return fmt.Sprintf("%d months", n)
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
			SubjectRef: r.SubjectRef, EventIDs: ids, AroseAt: r.DueAt, Detail: detail, Group: GroupKey(RuleRequestPastDeadline, r.Right),
		})
	}
	return out
}
