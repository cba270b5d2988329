package taxonomy

import (
	"strings"
	"time"
)

// eea are the countries where the GDPR applies without a Chapter V transfer:
// the 27 EU member states, the EU's outermost regions that have their own
// code (GF, GP, MQ, RE, YT, MF) and Åland (AX), and Iceland, Liechtenstein
// and Norway (the EEA Agreement).
var eea = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`
AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK
GF GP MQ RE YT MF AX
IS LI NO`) {
		m[c] = true
	}
	return m
}()

// InEEA reports whether an ISO 3166-1 alpha-2 country is in the EEA: a
// recipient there is not in a third country (Art. 44).
func InEEA(country string) bool { return eea[country] }

// AdequacyCondition is what an Art. 45 decision requires of the importer
// beyond its country.
type AdequacyCondition int

const (
	// AdequacyWholeCountry: the decision covers every importer in the country.
	AdequacyWholeCountry AdequacyCondition = iota
	// AdequacyCommercialPIPEDA: Canada, commercial organisations subject to
	// PIPEDA only.
	AdequacyCommercialPIPEDA
	// AdequacyDPFCertified: the United States, only organisations certified
	// under the EU-US Data Privacy Framework (on the Department of
	// Commerce's list): the recipient says so with Recipient.dpf_certified.
	AdequacyDPFCertified
)

// Adequacy is one Art. 45(3) adequacy decision of the Commission.
type Adequacy struct {
	Country string // ISO 3166-1 alpha-2
	// From is the decision's date (from 00:00 UTC); Until, when not zero,
	// the first day it no longer holds (a decision that lapses or was
	// annulled).
	From, Until time.Time
	Condition   AdequacyCondition
	Source      string // the decision
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Adequacies is the Commission's list of adequacy decisions, from
// https://commission.europa.eu/law/law-topic/data-protection/international-dimension-data-protection/adequacy-decisions_en
// (read December 2026). It must be kept up to date: a new decision, a
// renewal, a lapse or an annulment by the Court of Justice (Schrems I ended
// Safe Harbour on 6 October 2015, Schrems II the Privacy Shield on 16 July
// 2020) is a new entry or an Until here, and a release. Decisions adopted
// under Directive 95/46/EC stay in force under Art. 45(9).
var Adequacies = []Adequacy{
	{Country: "CH", From: date(2000, time.July, 26), Source: "Commission Decision 2000/518/EC"},
	{Country: "CA", From: date(2001, time.December, 20), Condition: AdequacyCommercialPIPEDA, Source: "Commission Decision 2002/2/EC"},
	{Country: "AR", From: date(2003, time.June, 30), Source: "Commission Decision 2003/490/EC"},
	{Country: "GG", From: date(2003, time.November, 21), Source: "Commission Decision 2003/821/EC"},
	{Country: "IM", From: date(2004, time.April, 28), Source: "Commission Decision 2004/411/EC"},
	{Country: "JE", From: date(2008, time.May, 8), Source: "Commission Decision 2008/393/EC"},
	{Country: "FO", From: date(2010, time.March, 5), Source: "Commission Decision 2010/146/EU"},
	{Country: "AD", From: date(2010, time.October, 19), Source: "Commission Decision 2010/625/EU"},
	{Country: "IL", From: date(2011, time.January, 31), Source: "Commission Decision 2011/61/EU"},
	{Country: "UY", From: date(2012, time.August, 21), Source: "Commission Implementing Decision 2012/484/EU"},
	{Country: "NZ", From: date(2012, time.December, 19), Source: "Commission Implementing Decision 2013/65/EU"},
	{Country: "JP", From: date(2019, time.January, 23), Source: "Commission Implementing Decision (EU) 2019/419"},
	// The United Kingdom: the GDPR decision of 28 June 2021, with a sunset
	// of 27 June 2025, extended by six months to 27 December 2025 and
	// renewed in December 2025 until 27 December 2031 (the extension's and
	// the renewal's numbers are to be checked against the Official Journal).
	// Before 28 June 2021 transfers ran under the withdrawal agreement's
	// bridge (Art. 782), not Art. 45: no entry.
	{Country: "GB", From: date(2021, time.June, 28), Until: date(2031, time.December, 27),
		Source: "Commission Implementing Decision (EU) 2021/1772, extended in June 2025, renewed December 2025"},
	{Country: "KR", From: date(2021, time.December, 17), Source: "Commission Implementing Decision (EU) 2022/254"},
	{Country: "US", From: date(2023, time.July, 10), Condition: AdequacyDPFCertified,
		Source: "Commission Implementing Decision (EU) 2023/1795 (EU-US Data Privacy Framework)"},
}

// AdequacyAt returns the adequacy decision in force for country at t; ok is
// false when there is none. Within the EEA there is no transfer to decide.
func AdequacyAt(country string, t time.Time) (a Adequacy, ok bool) {
	for _, a := range Adequacies {
		if a.Country == country && !t.Before(a.From) && (a.Until.IsZero() || t.Before(a.Until)) {
			return a, true
		}
	}
	return Adequacy{}, false
}
