package state_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// profiled is a controller profile in zone tz and member state ms, with
// Art. 8 age age (0: the member state's).
func profiled(tz, ms string, age uint32) *eventsv1.ControllerProfileDeclared {
	return &eventsv1.ControllerProfileDeclared{Profile: &eventsv1.ControllerProfile{
		Name: "Acme GmbH", ContactUrl: "https://acme.example/contact", TimeZone: tz, MemberState: ms, DigitalConsentAge: age,
	}}
}

// foldStream folds recs with Apply (controller-level and subject-level
// events alike) and returns the request rows by id, the findings, the
// catalogue and the subject states by ref.
func foldStream(t *testing.T, recs []source.Record) (map[string]*model.RequestRow, []model.Finding, *state.Catalogue, map[string]*model.SubjectState) {
	t.Helper()
	cat := state.NewCatalogue()
	subjects := map[string]*model.SubjectState{}
	reqs := map[string]*model.RequestRow{}
	var fs []model.Finding
	for _, rec := range recs {
		var st *model.SubjectState
		if ref := rec.Event.GetSubjectRef(); ref != "" {
			if st = subjects[ref]; st == nil {
				st = &model.SubjectState{Tenant: tenant, SubjectRef: ref}
				subjects[ref] = st
			}
		}
		eff, err := state.Apply(st, func(_, id string) *model.RequestRow { return reqs[id] }, cat, rec)
		if err != nil {
			t.Fatalf("Apply(%s): %v", rec.Event.GetEventId(), err)
		}
		if eff.Request != nil {
			reqs[eff.Request.RequestID] = eff.Request
		}
		fs = append(fs, eff.Findings...)
	}
	return reqs, fs, cat, subjects
}

func received(id string) *eventsv1.RightsRequestReceived {
	return &eventsv1.RightsRequestReceived{RequestId: id, Right: eventsv1.Right_RIGHT_ACCESS}
}

// TestProfileZoneDeadlines: a ControllerProfileDeclared sets the zone
// deadlines are counted in, from its occurred_at on, for requests received
// after it only. Every deadline is worked out by hand (Regulation 1182/71:
// the end of the day bearing the date of receipt one month later, or the
// last day of a shorter month, in the zone):
//   - Berlin, received 31 January 2025 10:00 UTC (11:00 CET): the end of
//     28 February CET = 22:59:59.999999999 UTC;
//   - Berlin, 31 January 2024 (a leap year): the end of 29 February CET;
//   - Berlin, received 14 March 2025 at 23:30 UTC, 00:30 on 15 March
//     locally: the end of 15 April CEST (UTC+2, from 30 March) =
//     21:59:59.999999999 UTC on 15 April; in UTC it would be the end of 14 April;
//   - no profile, or a profile without a zone: UTC.
func TestProfileZoneDeadlines(t *testing.T) {
	tests := []struct {
		name     string
		profile  *eventsv1.ControllerProfileDeclared // declared a day before receipt; nil: none
		received time.Time
		wantDue  time.Time
		wantZone string
	}{
		{"Berlin, 31 January", profiled("Europe/Berlin", "DE", 0), date(2025, 1, 31, 10, 0),
			time.Date(2025, 2, 28, 22, 59, 59, 999999999, time.UTC), "Europe/Berlin"},
		{"Berlin, leap year", profiled("Europe/Berlin", "DE", 0), date(2024, 1, 31, 10, 0),
			time.Date(2024, 2, 29, 22, 59, 59, 999999999, time.UTC), "Europe/Berlin"},
		{"Berlin, 23:30 UTC is the next day", profiled("Europe/Berlin", "DE", 0), date(2025, 3, 14, 23, 30),
			time.Date(2025, 4, 15, 21, 59, 59, 999999999, time.UTC), "Europe/Berlin"},
		{"no profile, 23:30 UTC", nil, date(2025, 3, 14, 23, 30),
			time.Date(2025, 4, 14, 23, 59, 59, 999999999, time.UTC), "UTC"},
		{"profile without a zone", profiled("", "DE", 0), date(2025, 3, 14, 23, 30),
			time.Date(2025, 4, 14, 23, 59, 59, 999999999, time.UTC), "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			if tt.profile != nil {
				s.add("", tt.received.Add(-24*time.Hour), tt.profile)
			}
			s.add(subj, tt.received, received("rr-1"))
			reqs, _, cat, _ := foldStream(t, s.recs)
			r := reqs["rr-1"]
			if !r.DueAt.Equal(tt.wantDue) {
				t.Errorf("due %s, want %s", r.DueAt.UTC().Format(time.RFC3339Nano), tt.wantDue.Format(time.RFC3339Nano))
			}
			if got := cat.RequestLocation(r).String(); got != tt.wantZone {
				t.Errorf("RequestLocation = %s, want %s", got, tt.wantZone)
			}
		})
	}
}

// TestProfileDeclaredLaterChangesOnlyLaterRequests: request rr-a received
// 31 January 2025 at 23:30 UTC, before any profile: due at the end of 28
// February UTC. A Berlin profile occurs on 5 February. rr-a's extension by
// one month on 10 February keeps counting in UTC: the end of 31 March UTC
// (in Berlin, rr-a would have been received on 1 February and due at the
// end of 1 April CEST). rr-b, received 14 March at 23:30 UTC, is counted in
// Berlin: the end of 15 April CEST, 21:59:59.999999999 UTC.
func TestProfileDeclaredLaterChangesOnlyLaterRequests(t *testing.T) {
	s := &stream{}
	s.add(subj, date(2025, 1, 31, 23, 30), received("rr-a"))
	s.add("", date(2025, 2, 5, 9, 0), profiled("Europe/Berlin", "DE", 0))
	s.add(subj, date(2025, 2, 10, 9, 0), &eventsv1.RightsRequestDeadlineExtended{RequestId: "rr-a", Months: 1})
	s.add(subj, date(2025, 3, 14, 23, 30), received("rr-b"))
	reqs, fs, cat, _ := foldStream(t, s.recs)
	if len(fs) != 0 {
		t.Errorf("findings %v, want none", briefs(fs))
	}
	if want := time.Date(2025, 3, 31, 23, 59, 59, 999999999, time.UTC); !reqs["rr-a"].DueAt.Equal(want) || reqs["rr-a"].ExtendedMonths != 1 {
		t.Errorf("rr-a due %s extended %d, want %s and 1", reqs["rr-a"].DueAt, reqs["rr-a"].ExtendedMonths, want)
	}
	if want := time.Date(2025, 4, 15, 21, 59, 59, 999999999, time.UTC); !reqs["rr-b"].DueAt.Equal(want) {
		t.Errorf("rr-b due %s, want %s", reqs["rr-b"].DueAt, want)
	}
	if got := cat.RequestLocation(reqs["rr-a"]).String(); got != "UTC" {
		t.Errorf("rr-a zone %s, want UTC", got)
	}
	if got := cat.Location(tenant).String(); got != "Europe/Berlin" {
		t.Errorf("tenant zone %s, want Europe/Berlin", got)
	}
}

// TestProfileRow: the profile is a controller-level row of its own, and the
// catalogue returns the one declared as of a time.
func TestProfileRow(t *testing.T) {
	s := &stream{}
	first := s.add("", date(2025, 1, 1, 0, 0), profiled("Europe/Berlin", "DE", 0))
	s.add("", date(2025, 6, 1, 0, 0), profiled("Europe/Paris", "FR", 0))
	cat := state.NewCatalogue()
	var rows []model.ProfileRow
	for _, rec := range s.recs {
		eff, err := state.Apply(nil, nil, cat, rec)
		if err != nil {
			t.Fatal(err)
		}
		if eff.Profile == nil {
			t.Fatalf("%s: no profile row", rec.Event.GetEventId())
		}
		rows = append(rows, *eff.Profile)
	}
	if rows[0].Seq != 1 || rows[0].EventID != "ev-1" || rows[0].Tenant != tenant || !rows[0].OccurredAt.Equal(date(2025, 1, 1, 0, 0)) ||
		!rows[0].RecordedAt.Equal(first.RecordedAt) || len(rows[0].Profile) == 0 {
		t.Errorf("row %+v", rows[0])
	}
	if p := cat.Profile(tenant, date(2025, 3, 1, 0, 0), model.Occurred); p.GetMemberState() != "DE" {
		t.Errorf("profile in March: %v, want DE's", p)
	}
	if p := cat.Profile(tenant, time.Time{}, model.Occurred); p.GetMemberState() != "FR" {
		t.Errorf("newest profile: %v, want FR's", p)
	}
	if p := cat.Profile(tenant, date(2024, 3, 1, 0, 0), model.Occurred); p != nil {
		t.Errorf("profile before any: %v, want none", p)
	}
	// A catalogue rebuilt from the stored rows, as the projector does.
	re := state.NewCatalogue()
	for _, r := range rows {
		if err := re.AddProfile(r); err != nil {
			t.Fatal(err)
		}
	}
	if re.Location(tenant).String() != "Europe/Paris" {
		t.Errorf("rebuilt zone %s", re.Location(tenant))
	}
	if err := re.AddProfile(model.ProfileRow{Seq: 9, Profile: rows[0].Profile}); err == nil {
		t.Error("AddProfile accepted a row without tenant")
	}
}

func aged(b eventsv1.AgeBand, purposes ...string) *eventsv1.DataCollected {
	dc := collected("", contract, purposes...)
	if len(purposes) == 0 {
		dc.Purposes = []string{useSvc}
	}
	dc.AgeBand = b
	return dc
}

// TestChildByAge: Art. 8(1): consent without parental authorisation of a
// subject under the tenant's age of digital consent. Ages worked out by
// hand: AGE_BAND_14 collected on 1 March 2023 at 09:00 UTC means born on 1
// March 2009 or earlier; on 28 February 2025 the subject is at least 15, on
// 1 March 2025 at least 16.
func TestChildByAge(t *testing.T) {
	band := date(2023, 3, 1, 9, 0)
	tests := []struct {
		name    string
		profile *eventsv1.ControllerProfileDeclared
		band    eventsv1.AgeBand
		flag    bool
		consent time.Time
		want    []brief
		detail  string
	}{
		{name: "14 in a 16 state (DE)", profile: profiled("Europe/Berlin", "DE", 0), band: eventsv1.AgeBand_AGE_BAND_14, consent: date(2023, 3, 2, 9, 0),
			want: []brief{{state.RuleChildWithoutParent, "ev-2,ev-3"}}, detail: "aged at least 14 (AGE_BAND_14 on 2023-03-01, 0 whole years before), below the age of digital consent 16 (member state DE)"},
		{name: "14 in a 13 state (BE)", profile: profiled("Europe/Brussels", "BE", 0), band: eventsv1.AgeBand_AGE_BAND_14, consent: date(2023, 3, 2, 9, 0)},
		{name: "the profile's own age wins over the state's", profile: profiled("Europe/Brussels", "BE", 16), band: eventsv1.AgeBand_AGE_BAND_14, consent: date(2023, 3, 2, 9, 0),
			want: []brief{{state.RuleChildWithoutParent, "ev-2,ev-3"}}, detail: "the age of digital consent 16 (the controller's profile)"},
		{name: "no profile: 16", band: eventsv1.AgeBand_AGE_BAND_15, consent: date(2023, 3, 2, 9, 0),
			want: []brief{{state.RuleChildWithoutParent, "ev-1,ev-2"}}, detail: "16 (Art. 8(1) default, no controller profile)"},
		{name: "aged two years less a day: 15", profile: profiled("Europe/Berlin", "DE", 0), band: eventsv1.AgeBand_AGE_BAND_14, consent: date(2025, 2, 28, 9, 0),
			want: []brief{{state.RuleChildWithoutParent, "ev-2,ev-3"}}, detail: "aged at least 15 (AGE_BAND_14 on 2023-03-01, 1 whole years before)"},
		{name: "aged two years: 16", profile: profiled("Europe/Berlin", "DE", 0), band: eventsv1.AgeBand_AGE_BAND_14, consent: date(2025, 3, 1, 9, 0)},
		{name: "16 to 17 in DE", profile: profiled("Europe/Berlin", "DE", 0), band: eventsv1.AgeBand_AGE_BAND_16_TO_17, consent: date(2023, 3, 2, 9, 0)},
		{name: "the flag alone", profile: profiled("Europe/Berlin", "DE", 0), flag: true, consent: date(2023, 3, 2, 9, 0),
			want: []brief{{state.RuleChildWithoutParent, "ev-2,ev-3"}}, detail: "reported as a child"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			if tt.profile != nil {
				s.add("", band.Add(-time.Hour), tt.profile)
			}
			dc := aged(tt.band)
			dc.SubjectIsChild = tt.flag
			s.add(subj, band, dc)
			s.add(subj, tt.consent, consent(useMail))
			_, fs, _, _ := foldStream(t, s.recs)
			if got := briefs(fs); !reflect.DeepEqual(got, append([]brief{}, tt.want...)) {
				t.Fatalf("findings %v, want %v", got, tt.want)
			}
			for _, f := range fs {
				if !strings.Contains(f.Detail, tt.detail) {
					t.Errorf("detail %q, want %q in it", f.Detail, tt.detail)
				}
			}
		})
	}
}

// TestChildRevealedByBand: a consent without parental authorisation given
// on 1 March 2025, then a collection on 2 March reporting AGE_BAND_15 in a
// DE tenant (16): the collection raises the finding, citing the consent.
// The same band in an AT tenant (14) raises none.
func TestChildRevealedByBand(t *testing.T) {
	for _, tt := range []struct {
		ms   string
		want []brief
	}{{"DE", []brief{{state.RuleChildWithoutParent, "ev-2,ev-3"}}}, {"AT", []brief{}}} {
		s := &stream{}
		s.add("", date(2025, 1, 1, 0, 0), profiled("Europe/Vienna", tt.ms, 0))
		s.add(subj, date(2025, 3, 1, 9, 0), consent(useMail))
		s.add(subj, date(2025, 3, 2, 9, 0), aged(eventsv1.AgeBand_AGE_BAND_15))
		_, fs, _, _ := foldStream(t, s.recs)
		if got := briefs(fs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: findings %v, want %v", tt.ms, got, tt.want)
		}
	}
}

// TestChildProfiledOrTargeted (Recitals 38, 71): profiling or an automated
// decision concerning a subject under 18, whatever the basis, or marketing
// to one other than under consent valid by Art. 8 (a parent's below the
// age of digital consent, 16 here without a profile).
// AGE_BAND_15 collected on 1 March 2025: 15 on 2 March 2025. AGE_BAND_16_TO_17
// collected on 1 March 2023: at least 18 on 1 March 2025.
func TestChildProfiledOrTargeted(t *testing.T) {
	profiling := &eventsv1.DataProcessed{ActivityId: "scoring", Purposes: []string{"personalize"}, Categories: []string{"user.behavior"},
		LegalBasis: liBasis, System: "recommender", Profiling: true}
	decision := &eventsv1.DataProcessed{ActivityId: "credit", Purposes: []string{"essential.service"}, Categories: []string{"user.financial"},
		LegalBasis: contract, System: "scoring", AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT}
	plain := &eventsv1.DataProcessed{ActivityId: "support", Purposes: []string{useSvc}, Categories: []string{catMail}, LegalBasis: contract, System: "helpdesk"}
	tests := []struct {
		name    string
		band    eventsv1.AgeBand
		bandAt  time.Time
		flag    bool
		consent *eventsv1.ConsentGiven // given a minute after the band, when set
		at      time.Time
		ev      any
		want    []brief
		detail  string
	}{
		{name: "profiling a 15-year-old", band: eventsv1.AgeBand_AGE_BAND_15, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0), ev: profiling,
			want:   []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-2"}},
			detail: "processing under activity scoring for profiling of a subject who is a child: aged at least 15 (AGE_BAND_15 on 2025-03-01, 0 whole years before), below 18"},
		{name: "an automated decision on a 15-year-old", band: eventsv1.AgeBand_AGE_BAND_15, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0), ev: decision,
			want: []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-2"}}, detail: "an automated decision (AUTOMATED_DECISION_SIGNIFICANT_EFFECT)"},
		{name: "a service use of a 15-year-old", band: eventsv1.AgeBand_AGE_BAND_15, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0), ev: plain},
		{name: "profiling an adult", band: eventsv1.AgeBand_AGE_BAND_ADULT, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0), ev: profiling},
		{name: "profiling a 17-year-old two years on", band: eventsv1.AgeBand_AGE_BAND_16_TO_17, bandAt: date(2023, 3, 1, 9, 0), at: date(2025, 3, 1, 9, 0), ev: profiling},
		{name: "profiling a 17-year-old two years less a day on", band: eventsv1.AgeBand_AGE_BAND_16_TO_17, bandAt: date(2023, 3, 1, 9, 0), at: date(2025, 2, 28, 9, 0), ev: profiling,
			want: []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-2"}}, detail: "aged at least 17"},
		{name: "marketing to a 16-year-old above DE's Art. 8 age", band: eventsv1.AgeBand_AGE_BAND_16_TO_17, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0),
			ev: collected("newsletter", consentBasis, useMail), want: []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-2"}}, detail: "data collected under activity newsletter for marketing (marketing.communications.email)"},
		{name: "a child flagged, marketed to", flag: true, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0),
			ev: mailing("newsletter", consentBasis), want: []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-2"}}, detail: "disclosure to mailer under activity newsletter for marketing"},
		{name: "newsletter to a 14-year-old under a parent's consent", band: eventsv1.AgeBand_AGE_BAND_14, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0),
			consent: parental(consent(useMail)), ev: mailing("newsletter", consentBasis)},
		{name: "newsletter to a 14-year-old under its own consent", band: eventsv1.AgeBand_AGE_BAND_14, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0),
			consent: consent(useMail), ev: mailing("newsletter", consentBasis), want: []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-3"}}, detail: "marketing (marketing.communications.email)"},
		{name: "newsletter to a 16-year-old under its own consent (16 without a profile)", band: eventsv1.AgeBand_AGE_BAND_16_TO_17, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0),
			consent: consent(useMail), ev: mailing("newsletter", consentBasis)},
		{name: "marketing to a 16-year-old under legitimate interests despite consent", band: eventsv1.AgeBand_AGE_BAND_16_TO_17, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0),
			consent: consent(useMail), ev: mailing("newsletter", liBasis), want: []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-3"}}},
		{name: "profiling a 14-year-old under a parent's consent", band: eventsv1.AgeBand_AGE_BAND_14, bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0),
			consent: parental(consent("personalize")), ev: profiling, want: []brief{{state.RuleChildProfiledOrTargeted, "ev-1,ev-3"}}},
		{name: "no age known", bandAt: date(2025, 3, 1, 9, 0), at: date(2025, 3, 2, 9, 0), ev: profiling},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			dc := aged(tt.band)
			dc.SubjectIsChild = tt.flag
			s.add(subj, tt.bandAt, dc)
			if tt.consent != nil {
				s.add(subj, tt.bandAt.Add(time.Minute), tt.consent)
			}
			s.add(subj, tt.at, tt.ev)
			st, cat, last := run(t, s)
			fs := state.CheckRule(state.RuleChildProfiledOrTargeted, st, cat, last)
			if got := briefs(fs); !reflect.DeepEqual(got, append([]brief{}, tt.want...)) {
				t.Fatalf("findings %v, want %v", got, tt.want)
			}
			for _, f := range fs {
				if !strings.Contains(f.Detail, tt.detail) {
					t.Errorf("detail %q, want %q in it", f.Detail, tt.detail)
				}
			}
		})
	}
	// The collection's own band counts: marketing collected together with
	// AGE_BAND_14 is marketing to a child.
	s := &stream{}
	s.add(subj, date(2025, 3, 1, 9, 0), aged(eventsv1.AgeBand_AGE_BAND_14, useMail))
	_, fs, _, _ := foldStream(t, s.recs)
	if got, want := briefs(fs), []brief{{state.RuleChildProfiledOrTargeted, "ev-1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("a collection with its own band: findings %v, want %v", got, want)
	}
}

func parental(c *eventsv1.ConsentGiven) *eventsv1.ConsentGiven {
	c.ParentalAuthorization = &eventsv1.ParentalAuthorization{GuardianRef: "g-1", VerificationMethod: "signed_form"}
	return c
}

// TestDenialRemediesAndNoDataHeld: Art. 12(4): a denial must tell the
// subject of the complaint and the judicial remedy; "no data held" closes
// an access request as fulfilled, not denied.
func TestDenialRemediesAndNoDataHeld(t *testing.T) {
	s := &stream{}
	s.add(subj, date(2025, 3, 1, 9, 0), received("rr-1"))
	s.add(subj, date(2025, 3, 2, 9, 0), &eventsv1.RightsRequestDenied{RequestId: "rr-1", Ground: eventsv1.DenialGround_DENIAL_GROUND_EXCESSIVE})
	s.add(subj, date(2025, 3, 3, 9, 0), received("rr-2"))
	s.add(subj, date(2025, 3, 4, 9, 0), &eventsv1.RightsRequestDenied{RequestId: "rr-2", Ground: eventsv1.DenialGround_DENIAL_GROUND_EXCESSIVE, RemediesGiven: true})
	s.add(subj, date(2025, 3, 5, 9, 0), received("rr-3"))
	s.add(subj, date(2025, 3, 6, 9, 0), &eventsv1.RightsRequestFulfilled{RequestId: "rr-3", NoDataHeld: true})
	reqs, fs, _, _ := foldStream(t, s.recs)
	if got, want := briefs(fs), []brief{{state.RuleDenialWithoutRemedies, "ev-2"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
	if want := "request rr-1 denied (DENIAL_GROUND_EXCESSIVE) without recording that the subject was told of the right to lodge a complaint and to seek a judicial remedy"; fs[0].Detail != want {
		t.Errorf("detail %q, want %q", fs[0].Detail, want)
	}
	if r := reqs["rr-3"]; r.Status != model.RequestFulfilled || !r.NoDataHeld || r.DenialGround != "" {
		t.Errorf("rr-3 %+v, want fulfilled with no data held", r)
	}
	if reqs["rr-2"].NoDataHeld || reqs["rr-1"].Status != model.RequestDenied {
		t.Errorf("rr-1 %+v rr-2 %+v", reqs["rr-1"], reqs["rr-2"])
	}
}
