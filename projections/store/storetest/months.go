package storetest

import (
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// utc is a time in UTC.
func utc(year int, month time.Month, day, hour, min, sec, nsec int) time.Time {
	return time.Date(year, month, day, hour, min, sec, nsec, time.UTC)
}

func testDisclosureMonths(t *testing.T, db Database) {
	s := open(t, db, 1)
	const (
		tenant              = "acme"
		proc, third, public = "RECIPIENT_KIND_PROCESSOR", "RECIPIENT_KIND_THIRD_PARTY", "RECIPIENT_KIND_PUBLIC_AUTHORITY"
	)
	var (
		now      = utc(2026, 3, 1, 0, 0, 0, 0)
		lastJan  = utc(2026, 1, 31, 23, 59, 59, 999999999) // a nanosecond before February
		firstFeb = utc(2026, 2, 1, 0, 0, 0, 0)
	)
	d := func(seq uint64, kind string, occurred time.Time, confidentialUntil *time.Time) model.DisclosureRow {
		r := disclosureRow(tenant, "sub-1", seq)
		r.RecipientKind, r.OccurredAt, r.ConfidentialUntil = kind, occurred, confidentialUntil
		return r
	}
	rows := []model.DisclosureRow{
		d(1, proc, lastJan, nil),
		d(2, proc, firstFeb, nil),
		// February in India, still January in UTC.
		d(3, proc, time.Date(2026, 2, 1, 1, 0, 0, 0, plus0530), nil),
		d(4, public, utc(2026, 1, 31, 23, 59, 59, 0), ptr(utc(2026, 6, 1, 0, 0, 0, 0))), // confidential at now
		d(5, public, utc(2026, 2, 10, 0, 0, 0, 0), ptr(utc(2026, 2, 15, 0, 0, 0, 0))),   // no longer
		d(6, public, utc(2026, 2, 11, 0, 0, 0, 0), ptr(now)),                            // ends at now: no longer
		d(7, public, utc(2026, 2, 12, 0, 0, 0, 0), ptr(now.Add(1))),                     // ends a nanosecond after now
		// Still February in California, March in UTC.
		d(8, third, time.Date(2026, 2, 28, 17, 0, 0, 0, minus7), nil),
		d(9, "", utc(2026, 3, 31, 12, 0, 0, 0), nil), // kind unspecified
		// Before 1970 the seconds are floored: half a second before the
		// epoch is December 1969.
		d(10, proc, utc(1969, 12, 31, 23, 59, 59, 500000000), nil),
		d(11, proc, utc(1970, 1, 1, 0, 0, 0, 0), nil),
	}
	other := disclosureRow("other", "sub-1", 12)
	other.RecipientKind, other.OccurredAt = proc, firstFeb
	apply(t, s, 0, 12, model.Batch{Disclosures: append(rows, other)})

	type m = model.DisclosureMonth
	var (
		dec69   = m{Month: "1969-12", RecipientKind: proc, Count: 1}
		jan70   = m{Month: "1970-01", RecipientKind: proc, Count: 1}
		janProc = m{Month: "2026-01", RecipientKind: proc, Count: 2}
		janConf = m{Month: "2026-01", RecipientKind: public, Confidential: true, Count: 1}
		febProc = m{Month: "2026-02", RecipientKind: proc, Count: 1}
		febPub  = m{Month: "2026-02", RecipientKind: public, Count: 2}
		febConf = m{Month: "2026-02", RecipientKind: public, Confidential: true, Count: 1}
		marNone = m{Month: "2026-03", RecipientKind: "", Count: 1}
		marThrd = m{Month: "2026-03", RecipientKind: third, Count: 1}
	)
	for _, c := range []struct {
		name     string
		tenant   string
		from, to time.Time
		now      time.Time
		want     []model.DisclosureMonth
	}{
		{"all", tenant, time.Time{}, time.Time{}, now,
			[]m{dec69, jan70, janProc, janConf, febProc, febPub, febConf, marNone, marThrd}},
		{"from a month's first instant", tenant, firstFeb.In(plus0530), time.Time{}, now,
			[]m{febProc, febPub, febConf, marNone, marThrd}},
		{"from a nanosecond later", tenant, firstFeb.Add(1), time.Time{}, now,
			[]m{febPub, febConf, marNone, marThrd}},
		{"to a month's last instant", tenant, utc(2026, 1, 1, 0, 0, 0, 0), lastJan.In(minus7), now,
			[]m{janProc, janConf}},
		{"to a nanosecond earlier", tenant, utc(2026, 1, 1, 0, 0, 0, 0), lastJan.Add(-1), now,
			[]m{{Month: "2026-01", RecipientKind: proc, Count: 1}, janConf}},
		{"one instant", tenant, firstFeb, firstFeb, now, []m{febProc}},
		{"now before every confidentiality ends", tenant, firstFeb, utc(2026, 2, 28, 0, 0, 0, 0), utc(2026, 1, 1, 0, 0, 0, 0),
			[]m{febProc, {Month: "2026-02", RecipientKind: public, Confidential: true, Count: 3}}},
		{"now after every confidentiality ends", tenant, utc(2026, 1, 1, 0, 0, 0, 0), time.Time{}, utc(2027, 1, 1, 0, 0, 0, 0),
			[]m{janProc, {Month: "2026-01", RecipientKind: public, Count: 1}, febProc,
				{Month: "2026-02", RecipientKind: public, Count: 3}, marNone, marThrd}},
		{"range with nothing", tenant, utc(2026, 4, 1, 0, 0, 0, 0), time.Time{}, now, nil},
		{"other tenant", "other", time.Time{}, time.Time{}, now, []m{{Month: "2026-02", RecipientKind: proc, Count: 1}}},
		{"unknown tenant", "nobody", time.Time{}, time.Time{}, now, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := must[[]model.DisclosureMonth](t, "DisclosureMonths")(s.DisclosureMonths(t.Context(), c.tenant, c.from, c.to, c.now))
			same(t, "DisclosureMonths", c.want, got)
		})
	}
}

func testFindingMonths(t *testing.T, db Database) {
	s := open(t, db, 1)
	const tenant = "acme"
	var (
		lastJan  = utc(2026, 1, 31, 23, 59, 59, 999999999)
		firstFeb = utc(2026, 2, 1, 0, 0, 0, 0)
	)
	f := func(rule string, seq uint64, event string, arose time.Time) model.Finding {
		x := finding(tenant, rule, "sub-1", seq, event)
		x.AroseAt = arose
		return x
	}
	all := []model.Finding{
		f("alpha", 10, "ev-10", lastJan),
		f("alpha", 11, "ev-11", firstFeb),
		f("alpha", 12, "ev-12", utc(2026, 2, 14, 0, 0, 0, 0).In(plus0530)),
		// Rules in byte order: "Zeta" before "alpha".
		f("Zeta", 11, "ev-11", firstFeb.In(minus7)),
		f("beta", 0, "ev-t1", utc(2026, 1, 5, 0, 0, 0, 0)), // time-based, stored
		// March in India, February in UTC.
		f("beta", 13, "ev-13", time.Date(2026, 3, 1, 3, 0, 0, 0, plus0530)),
		finding("other", "alpha", "sub-1", 14, "ev-o14"),
	}
	apply(t, s, 0, 14, model.Batch{Findings: all})

	type m = model.FindingMonth
	var (
		janAlpha = m{Month: "2026-01", Rule: "alpha", Count: 1}
		janBeta  = m{Month: "2026-01", Rule: "beta", Count: 1}
		febZeta  = m{Month: "2026-02", Rule: "Zeta", Count: 1}
		febAlpha = m{Month: "2026-02", Rule: "alpha", Count: 2}
		febBeta  = m{Month: "2026-02", Rule: "beta", Count: 1}
	)
	for _, c := range []struct {
		name     string
		tenant   string
		from, to time.Time
		want     []model.FindingMonth
	}{
		{"all", tenant, time.Time{}, time.Time{}, []m{janAlpha, janBeta, febZeta, febAlpha, febBeta}},
		{"from a month's first instant", tenant, firstFeb, time.Time{}, []m{febZeta, febAlpha, febBeta}},
		{"from a nanosecond later", tenant, firstFeb.Add(1), time.Time{}, []m{{Month: "2026-02", Rule: "alpha", Count: 1}, febBeta}},
		{"to a month's last instant", tenant, time.Time{}, lastJan, []m{janAlpha, janBeta}},
		{"to a nanosecond earlier", tenant, time.Time{}, lastJan.Add(-1), []m{janBeta}},
		{"both bounds", tenant, lastJan, firstFeb, []m{janAlpha, febZeta, {Month: "2026-02", Rule: "alpha", Count: 1}}},
		{"range with nothing", tenant, utc(2026, 3, 1, 0, 0, 0, 0), time.Time{}, nil},
		{"other tenant", "other", time.Time{}, time.Time{}, []m{{Month: "2025-03", Rule: "alpha", Count: 1}}}, // arose at(17)
		{"unknown tenant", "nobody", time.Time{}, time.Time{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := must[[]model.FindingMonth](t, "FindingMonths")(s.FindingMonths(t.Context(), c.tenant, c.from, c.to))
			same(t, "FindingMonths", c.want, got)
		})
	}
}
