package state_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

func date(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestDueAt(t *testing.T) {
	tests := []struct {
		name     string
		received time.Time
		extended int
		want     time.Time
	}{
		{"one month, same clock time", date(2025, 3, 10, 14, 30), 0, date(2025, 4, 10, 14, 30)},
		{"31 January: last day of February", date(2025, 1, 31, 9, 0), 0, date(2025, 2, 28, 9, 0)},
		{"31 January in a leap year", date(2024, 1, 31, 9, 0), 0, date(2024, 2, 29, 9, 0)},
		{"30 January in a leap year", date(2024, 1, 30, 9, 0), 0, date(2024, 2, 29, 9, 0)},
		{"31 March: 30 April", date(2025, 3, 31, 9, 0), 0, date(2025, 4, 30, 9, 0)},
		{"December: next year", date(2025, 12, 15, 9, 0), 0, date(2026, 1, 15, 9, 0)},
		{"extended one month", date(2025, 1, 31, 9, 0), 1, date(2025, 3, 31, 9, 0)},
		{"extended two months from 31 December", date(2025, 12, 31, 9, 0), 2, date(2026, 3, 31, 9, 0)},
		{"extended one month from 31 December", date(2025, 12, 31, 9, 0), 1, date(2026, 2, 28, 9, 0)},
		{"other zone: computed in UTC", time.Date(2025, 2, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600)), 0, date(2025, 2, 28, 23, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := state.DueAt(tt.received, tt.extended); !got.Equal(tt.want) {
				t.Errorf("DueAt(%s, %d) = %s, want %s", tt.received, tt.extended, got, tt.want)
			}
		})
	}
}

// TestDeadlineExtension: an extension counts only when it is recorded
// within the first month, and two months at most.
func TestDeadlineExtension(t *testing.T) {
	received := date(2025, 1, 31, 9, 0)
	tests := []struct {
		name       string
		extensions []time.Time // each of one month... the first of two
		months     []uint32
		wantMonths int
		wantDue    time.Time
	}{
		{"none", nil, nil, 0, date(2025, 2, 28, 9, 0)},
		{"inside the first month", []time.Time{date(2025, 2, 20, 9, 0)}, []uint32{2}, 2, date(2025, 4, 30, 9, 0)},
		{"at the deadline itself", []time.Time{date(2025, 2, 28, 9, 0)}, []uint32{1}, 1, date(2025, 3, 31, 9, 0)},
		{"after the first month", []time.Time{date(2025, 3, 1, 9, 0)}, []uint32{2}, 0, date(2025, 2, 28, 9, 0)},
		{"twice: capped at two months", []time.Time{date(2025, 2, 1, 9, 0), date(2025, 2, 2, 9, 0)}, []uint32{2, 1}, 2, date(2025, 4, 30, 9, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			s.add(subj, received, &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS})
			for i, at := range tt.extensions {
				s.add(subj, at, &eventsv1.RightsRequestDeadlineExtended{RequestId: "rr-1", Months: tt.months[i]})
			}
			res, err := state.Replay(s.recs, date(2025, 1, 31, 10, 0))
			if err != nil {
				t.Fatal(err)
			}
			r := res.Requests[0]
			if r.ExtendedMonths != tt.wantMonths || !r.DueAt.Equal(tt.wantDue) {
				t.Errorf("extended %d, due %s; want %d, %s", r.ExtendedMonths, r.DueAt, tt.wantMonths, tt.wantDue)
			}
			if len(r.EventIDs) != 1+len(tt.extensions) {
				t.Errorf("event ids %v", r.EventIDs)
			}
		})
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

// TestDueAtOfTheLastOccurredAt checks that events.MaxOccurredAt is exact: a
// request received then, extended as far as the law allows, is due at the
// last time the stores hold; a nanosecond later, after it.
func TestDueAtOfTheLastOccurredAt(t *testing.T) {
	if got := state.DueAt(events.MaxOccurredAt, state.MaxExtensionMonths); !got.Equal(events.MaxStorableTime) {
		t.Errorf("DueAt(MaxOccurredAt, %d) = %s, want MaxStorableTime %s", state.MaxExtensionMonths, got, events.MaxStorableTime)
	}
	if got := state.DueAt(events.MaxOccurredAt.Add(1), state.MaxExtensionMonths); !got.After(events.MaxStorableTime) {
		t.Errorf("DueAt(MaxOccurredAt+1ns, %d) = %s, want after MaxStorableTime", state.MaxExtensionMonths, got)
	}
	// DueAt clamps to the end of a shorter month: no later receipt than
	// MaxOccurredAt has a deadline the stores hold.
	for d := events.MaxOccurredAt.Add(1); d.Before(events.MaxStorableTime); d = d.Add(time.Hour) {
		if got := state.DueAt(d, state.MaxExtensionMonths); !got.After(events.MaxStorableTime) {
			t.Fatalf("DueAt(%s, %d) = %s fits the stores: MaxOccurredAt is too early", d, state.MaxExtensionMonths, got)
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
