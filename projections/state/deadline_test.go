package state_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

func date(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// endOf is the last nanosecond of a day in loc: a deadline (DueAt).
func endOf(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 999999999, loc)
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDueAt: Regulation 1182/71 Art. 3(2)(c): the period ends at the end of
// the day, in the last month, bearing the date of the day of receipt (or
// the last day of a shorter month), in the tenant's zone; the clock time
// of receipt does not matter.
func TestDueAt(t *testing.T) {
	berlin, newYork := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	tests := []struct {
		name     string
		received time.Time
		extended int
		loc      *time.Location
		want     time.Time
	}{
		// 2025 is not a leap year: February has 28 days.
		{"31 January 2025: end of 28 February", date(2025, 1, 31, 9, 0), 0, time.UTC, endOf(2025, 2, 28, time.UTC)},
		// 2024 is: 29 February exists.
		{"31 January 2024, a leap year: end of 29 February", date(2024, 1, 31, 9, 0), 0, time.UTC, endOf(2024, 2, 29, time.UTC)},
		{"30 January 2024: end of 29 February", date(2024, 1, 30, 9, 0), 0, time.UTC, endOf(2024, 2, 29, time.UTC)},
		{"15 March 10:00: end of 15 April", date(2025, 3, 15, 10, 0), 0, time.UTC, endOf(2025, 4, 15, time.UTC)},
		{"15 March 00:00: end of 15 April too", date(2025, 3, 15, 0, 0), 0, time.UTC, endOf(2025, 4, 15, time.UTC)},
		{"31 March: end of 30 April", date(2025, 3, 31, 9, 0), 0, time.UTC, endOf(2025, 4, 30, time.UTC)},
		{"December: next year", date(2025, 12, 15, 9, 0), 0, time.UTC, endOf(2026, 1, 15, time.UTC)},
		{"extended one month from 31 January: end of 31 March", date(2025, 1, 31, 9, 0), 1, time.UTC, endOf(2025, 3, 31, time.UTC)},
		{"extended two months from 31 December: end of 31 March", date(2025, 12, 31, 9, 0), 2, time.UTC, endOf(2026, 3, 31, time.UTC)},
		{"extended one month from 31 December: end of 28 February", date(2025, 12, 31, 9, 0), 1, time.UTC, endOf(2026, 2, 28, time.UTC)},
		// 23:30 UTC on 31 January is 00:30 on 1 February in Berlin (CET,
		// UTC+1): the day of receipt is 1 February, the deadline the end of 1
		// March in Berlin, 22:59:59.999999999 UTC.
		{"Berlin, east of UTC: received 1 February local", date(2025, 1, 31, 23, 30), 0, berlin,
			time.Date(2025, 3, 1, 22, 59, 59, 999999999, time.UTC)},
		{"the same instant in UTC: 31 January", date(2025, 1, 31, 23, 30), 0, time.UTC, endOf(2025, 2, 28, time.UTC)},
		{"nil zone: UTC", date(2025, 1, 31, 23, 30), 0, nil, endOf(2025, 2, 28, time.UTC)},
		// 03:00 UTC on 1 March is 22:00 on 28 February in New York (EST,
		// UTC-5); clocks go forward on 9 March 2025, so the end of 28 March is
		// at UTC-4: 03:59:59.999999999 UTC on 29 March.
		{"New York, west of UTC, across a DST change", date(2025, 3, 1, 3, 0), 0, newYork,
			time.Date(2025, 3, 29, 3, 59, 59, 999999999, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := state.DueAt(tt.received, tt.extended, tt.loc)
			if !got.Equal(tt.want) {
				t.Errorf("DueAt(%s, %d, %v) = %s, want %s", tt.received, tt.extended, tt.loc, got, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("DueAt returned a time in %s, want UTC", got.Location())
			}
			// Answered at DueAt: in time; a nanosecond later, the next day
			// has begun in the tenant's zone.
			loc := tt.loc
			if loc == nil {
				loc = time.UTC
			}
			next := got.Add(time.Nanosecond).In(loc)
			if next.Hour() != 0 || next.Minute() != 0 || next.Second() != 0 || next.Nanosecond() != 0 {
				t.Errorf("DueAt + 1ns = %s is not the start of a day in %s", next, loc)
			}
		})
	}
}

// TestDeadlineExtension: an extension counts only when it is the first and
// is recorded within the first month (Art. 12(3)), in the tenant's zone;
// any other raises deadline_extension_not_counted and leaves the deadline
// as it stands.
func TestDeadlineExtension(t *testing.T) {
	type ext struct {
		at     time.Time
		months uint32
	}
	berlin := "Europe/Berlin"
	tests := []struct {
		name       string
		zone       string
		received   time.Time
		extensions []ext
		wantMonths int
		wantDue    time.Time
		// ids of the extensions (ev-2, ev-3...) that raise the finding, and
		// a part of each one's detail
		wantFindings []string
		wantDetail   string
	}{
		{name: "none", received: date(2025, 1, 31, 9, 0), wantDue: endOf(2025, 2, 28, time.UTC)},
		// 31 January + 1 month + 2 months: 30 April (April has no 31st).
		{name: "inside the first month", received: date(2025, 1, 31, 9, 0), extensions: []ext{{date(2025, 2, 20, 9, 0), 2}},
			wantMonths: 2, wantDue: endOf(2025, 4, 30, time.UTC)},
		// The first month ends at the end of 28 February: 23:30 that day is in it.
		{name: "on the last day of the first month", received: date(2025, 1, 31, 9, 0), extensions: []ext{{date(2025, 2, 28, 23, 30), 1}},
			wantMonths: 1, wantDue: endOf(2025, 3, 31, time.UTC)},
		{name: "on the day after", received: date(2025, 1, 31, 9, 0), extensions: []ext{{date(2025, 3, 1, 0, 0), 2}},
			wantDue: endOf(2025, 2, 28, time.UTC), wantFindings: []string{"ev-2"},
			wantDetail: "extension of request rr-1 (RIGHT_ACCESS) by 2 months does not count: it was recorded after the first month ended at 2025-02-28T23:59:59Z; the deadline stands at 2025-02-28T23:59:59Z"},
		{name: "a second extension, both in the first month", received: date(2025, 1, 31, 9, 0),
			extensions: []ext{{date(2025, 2, 1, 9, 0), 1}, {date(2025, 2, 2, 9, 0), 1}},
			wantMonths: 1, wantDue: endOf(2025, 3, 31, time.UTC), wantFindings: []string{"ev-3"},
			wantDetail: "extension of request rr-1 (RIGHT_ACCESS) by 1 month does not count: the deadline was already extended by 1 month and only the first extension counts; the deadline stands at 2025-03-31T23:59:59Z"},
		{name: "a second extension after the first month", received: date(2025, 1, 31, 9, 0),
			extensions: []ext{{date(2025, 2, 1, 9, 0), 2}, {date(2025, 3, 10, 9, 0), 1}},
			wantMonths: 2, wantDue: endOf(2025, 4, 30, time.UTC), wantFindings: []string{"ev-3"},
			wantDetail: "already extended by 2 months and only the first extension counts; it was recorded after the first month ended"},
		{name: "a late one, then another", received: date(2025, 1, 31, 9, 0),
			extensions: []ext{{date(2025, 3, 5, 9, 0), 2}, {date(2025, 3, 6, 9, 0), 2}},
			wantDue:    endOf(2025, 2, 28, time.UTC), wantFindings: []string{"ev-2", "ev-3"}},
		// Berlin: received at 00:30 local on 1 February, so the first month
		// ends at the end of 1 March local, 22:59:59.999999999 UTC. An
		// extension at 22:30 UTC on 1 March (23:30 local) is in time, though
		// in UTC the first month ended on 28 February.
		{name: "Berlin: 23:30 local on 1 March counts", zone: berlin, received: date(2025, 1, 31, 23, 30),
			extensions: []ext{{date(2025, 3, 1, 22, 30), 1}},
			wantMonths: 1, wantDue: time.Date(2025, 4, 1, 21, 59, 59, 999999999, time.UTC)}, // end of 1 April CEST (UTC+2)
		{name: "Berlin: 00:00 local on 2 March does not", zone: berlin, received: date(2025, 1, 31, 23, 30),
			extensions: []ext{{date(2025, 3, 1, 23, 0), 1}},
			wantDue:    time.Date(2025, 3, 1, 22, 59, 59, 999999999, time.UTC), wantFindings: []string{"ev-2"},
			wantDetail: "after the first month ended at 2025-03-01T23:59:59+01:00; the deadline stands at 2025-03-01T23:59:59+01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			s.add(subj, tt.received, &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS})
			for _, x := range tt.extensions {
				s.add(subj, x.at, &eventsv1.RightsRequestDeadlineExtended{RequestId: "rr-1", Months: x.months})
			}
			cat := state.NewCatalogue()
			if tt.zone != "" {
				if err := cat.SetTimeZone(tenant, tt.zone); err != nil {
					t.Fatal(err)
				}
			}
			r, fs := applyAll(t, cat, s.recs)
			if r.ExtendedMonths != tt.wantMonths || !r.DueAt.Equal(tt.wantDue) {
				t.Errorf("extended %d, due %s; want %d, %s", r.ExtendedMonths, r.DueAt, tt.wantMonths, tt.wantDue)
			}
			if len(r.EventIDs) != 1+len(tt.extensions) {
				t.Errorf("event ids %v", r.EventIDs)
			}
			var want []brief
			for _, id := range tt.wantFindings {
				want = append(want, brief{state.RuleExtensionNotCounted, "ev-1," + id})
			}
			if got := briefs(fs); !reflect.DeepEqual(got, append([]brief{}, want...)) {
				t.Errorf("findings %v, want %v", got, want)
			}
			for _, f := range fs {
				if f.ID != state.RuleExtensionNotCounted+":"+f.EventIDs[1] || f.SubjectRef != subj || f.Seq == 0 ||
					!strings.Contains(f.Detail, tt.wantDetail) {
					t.Errorf("finding %+v, want detail with %q", f, tt.wantDetail)
				}
			}
		})
	}
}

// applyAll folds recs of one subject with Apply against cat, and returns
// the request row rr-1 and the findings.
func applyAll(t *testing.T, cat *state.Catalogue, recs []source.Record) (*model.RequestRow, []model.Finding) {
	t.Helper()
	st := &model.SubjectState{Tenant: tenant, SubjectRef: subj}
	reqs := map[string]*model.RequestRow{}
	var fs []model.Finding
	for _, rec := range recs {
		eff, err := state.Apply(st, func(_, id string) *model.RequestRow { return reqs[id] }, cat, rec)
		if err != nil {
			t.Fatal(err)
		}
		if eff.Request != nil {
			reqs[eff.Request.RequestID] = eff.Request
		}
		fs = append(fs, eff.Findings...)
	}
	return reqs["rr-1"], fs
}

// TestSetTimeZone: a tenant's zone is UTC until set; a name that is not
// an IANA zone is refused, naming the field.
func TestSetTimeZone(t *testing.T) {
	cat := state.NewCatalogue()
	if got := cat.Location(tenant); got != time.UTC {
		t.Errorf("default zone %s, want UTC", got)
	}
	for _, tt := range []struct{ tenant, name, wantErr string }{
		{tenant, "", "time_zone: required"},
		{tenant, "Local", "time_zone: Local"},
		{tenant, "Mars/Olympus_Mons", "time_zone: \"Mars/Olympus_Mons\" is not an IANA time zone name"},
		{"", "Europe/Berlin", "tenant: required"},
	} {
		err := cat.SetTimeZone(tt.tenant, tt.name)
		if !errors.Is(err, state.ErrBadTimeZone) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("SetTimeZone(%q, %q) = %v, want ErrBadTimeZone with %q", tt.tenant, tt.name, err, tt.wantErr)
		}
	}
	if got := cat.Location(tenant); got != time.UTC {
		t.Errorf("zone after refused names %s, want UTC", got)
	}
	if err := cat.SetTimeZone(tenant, "Europe/Berlin"); err != nil {
		t.Fatal(err)
	}
	if got := cat.Location(tenant).String(); got != "Europe/Berlin" {
		t.Errorf("zone %s, want Europe/Berlin", got)
	}
	if got := cat.Location("other"); got != time.UTC {
		t.Errorf("another tenant's zone %s, want UTC", got)
	}
}

func TestRequestLifecycle(t *testing.T) {
	s := &stream{}
	s.add(subj, day(0), &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ERASURE})
	s.add(subj, day(0), &eventsv1.RightsRequestReceived{RequestId: "rr-2", Right: eventsv1.Right_RIGHT_ACCESS})
	s.add(subj, day(1), &eventsv1.RightsRequestIdentityVerified{RequestId: "rr-1"})
	s.add(subj, day(2), &eventsv1.RightsRequestFulfilled{RequestId: "rr-1", Outcome: "erased"})
	s.add(subj, day(3), &eventsv1.RightsRequestDenied{RequestId: "rr-1", Ground: eventsv1.DenialGround_DENIAL_GROUND_EXCESSIVE})
	s.add(subj, day(3), &eventsv1.RightsRequestDenied{RequestId: "rr-9"})
	res, err := state.Replay(s.recs, day(4))
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := res.Requests[0], res.Requests[1]
	if r1.Status != model.RequestFulfilled || r1.Outcome != "erased" || r1.VerifiedAt == nil || !r1.ClosedAt.Equal(day(2)) ||
		r1.Right != "RIGHT_ERASURE" || r1.ReceivedSeq != 1 || !reflect.DeepEqual(r1.EventIDs, []string{"ev-1", "ev-3", "ev-4"}) {
		t.Errorf("rr-1: %+v", r1)
	}
	if r2.Status != model.RequestOpen || len(res.Requests) != 2 {
		t.Errorf("rr-2: %+v (%d requests)", r2, len(res.Requests))
	}
	if got := res.Subject(tenant, subj).OpenRequests; !reflect.DeepEqual(got, []string{"rr-2"}) {
		t.Errorf("open requests %v, want [rr-2]", got)
	}
}

func TestOverdueRequests(t *testing.T) {
	received := date(2025, 1, 31, 9, 0)
	due := date(2025, 2, 28, 9, 0)
	row := func(status string, closed *time.Time, ids ...string) model.RequestRow {
		return model.RequestRow{Tenant: tenant, RequestID: "rr-1", SubjectRef: subj, Right: "RIGHT_ACCESS", ReceivedAt: received,
			DueAt: due, Status: status, ClosedAt: closed, EventIDs: ids}
	}
	at := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name string
		row  model.RequestRow
		now  time.Time
		want []brief
	}{
		{"open, before the deadline", row(model.RequestOpen, nil, "ev-1"), due, []brief{}},
		{"open, past the deadline", row(model.RequestOpen, nil, "ev-1", "ev-2"), due.Add(time.Second), []brief{{state.RuleRequestPastDeadline, "ev-1"}}},
		{"answered in time", row(model.RequestFulfilled, at(due), "ev-1", "ev-2"), due.AddDate(0, 3, 0), []brief{}},
		{"answered late", row(model.RequestFulfilled, at(due.Add(time.Hour)), "ev-1", "ev-2", "ev-3"), due.AddDate(0, 3, 0), []brief{{state.RuleRequestPastDeadline, "ev-1,ev-3"}}},
		{"denied late", row(model.RequestDenied, at(due.Add(time.Hour)), "ev-1", "ev-2"), due.AddDate(0, 3, 0), []brief{{state.RuleRequestPastDeadline, "ev-1,ev-2"}}},
		{"closed after now, open as of now, in time", row(model.RequestFulfilled, at(due.Add(time.Hour)), "ev-1", "ev-2"), due.Add(-time.Hour), []brief{}},
		{"received after now", row(model.RequestOpen, nil, "ev-1"), received.Add(-time.Hour), []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := state.OverdueRequests([]model.RequestRow{tt.row}, tt.now)
			if got := briefs(fs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
			for _, f := range fs {
				if f.ID != state.RuleRequestPastDeadline+":ev-1" || !f.AroseAt.Equal(due) || f.Seq != 0 || f.Detail == "" {
					t.Errorf("finding %+v", f)
				}
			}
		})
	}
}

// TestDueAtOfTheLastOccurredAt: no request events.Validate accepts has a
// deadline the stores cannot hold. A request received on 10 January 2262
// (UTC), extended as far as the law allows, is due at the end of 10 April
// 2262, before events.MaxStorableTime (23:47:16.854775807 on 11 April); one
// received on 11 January, up to MaxOccurredAt, would be due at the end of 11
// April, after it, and gets MaxStorableTime, in any zone.
func TestDueAtOfTheLastOccurredAt(t *testing.T) {
	last := time.Date(2262, 1, 10, 23, 59, 59, 999999999, time.UTC)
	if got, want := state.DueAt(last, state.MaxExtensionMonths, time.UTC), endOf(2262, 4, 10, time.UTC); !got.Equal(want) {
		t.Errorf("DueAt(%s, %d) = %s, want %s", last, state.MaxExtensionMonths, got, want)
	}
	if got := state.DueAt(last.Add(1), state.MaxExtensionMonths, time.UTC); !got.Equal(events.MaxStorableTime) {
		t.Errorf("DueAt(%s, %d) = %s, want MaxStorableTime %s", last.Add(1), state.MaxExtensionMonths, got, events.MaxStorableTime)
	}
	for _, name := range []string{"UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kathmandu"} {
		loc := zone(t, name)
		for d := events.MaxOccurredAt.Add(-72 * time.Hour); !d.After(events.MaxOccurredAt); d = d.Add(15 * time.Minute) {
			if got := state.DueAt(d, state.MaxExtensionMonths, loc); got.After(events.MaxStorableTime) {
				t.Fatalf("DueAt(%s, %d, %s) = %s, after MaxStorableTime", d, state.MaxExtensionMonths, name, got)
			}
		}
	}
}

// TestSealedFreeTextNotInReadModels: a request's outcome and a disclosure's
// legal instrument sealed in their _text siblings reach the read models as
// "(sealed)", never as words (the read models hold no keys); the words of
// an event stored before the siblings existed stay shown.
func TestSealedFreeTextNotInReadModels(t *testing.T) {
	sealed := &eventsv1.DataValue{Category: events.FreeTextCategory, Value: &eventsv1.DataValue_Sealed{Sealed: &eventsv1.Sealed{
		KeyVersion: 1, Nonce: make([]byte, 12), Ciphertext: make([]byte, 40)}}}
	s := &stream{}
	s.add(subj, day(0), &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS})
	s.add(subj, day(0), &eventsv1.RightsRequestReceived{RequestId: "rr-2", Right: eventsv1.Right_RIGHT_ACCESS})
	s.add(subj, day(1), &eventsv1.RightsRequestFulfilled{RequestId: "rr-1", OutcomeText: sealed})
	s.add(subj, day(1), &eventsv1.RightsRequestFulfilled{RequestId: "rr-2", Outcome: "sent by post"})
	s.add(subj, day(1), &eventsv1.DisclosureMade{Recipient: &eventsv1.Recipient{Id: "police"}, Purpose: "essential.service",
		LegalInstrumentRefText: sealed})
	res, err := state.Replay(s.recs, day(2))
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{res.Requests[0].Outcome, res.Requests[1].Outcome}; !reflect.DeepEqual(got, []string{events.SealedText, "sent by post"}) {
		t.Errorf("outcomes %q, want [%q, the old event's words]", got, events.SealedText)
	}
	if len(res.Disclosures) != 1 || res.Disclosures[0].LegalInstrumentRef != events.SealedText {
		t.Errorf("disclosures %+v, want the legal instrument ref %q", res.Disclosures, events.SealedText)
	}
}
