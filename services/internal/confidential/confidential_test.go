package confidential_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/confidential"
	qt "github.com/docketledger/docket/services/internal/query/querytest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tok      *auth.Token
		wantSees bool
	}{
		{"docketd itself", nil, true},
		{"legal", &auth.Token{Roles: []auth.Role{auth.Legal}, Tenant: "acme"}, true},
		{"legal among others", &auth.Token{Roles: []auth.Role{auth.Auditor, auth.Legal}, Tenant: auth.AllTenants}, true},
		{"auditor", &auth.Token{Roles: []auth.Role{auth.Auditor}, Tenant: "acme"}, false},
		{"dpo", &auth.Token{Roles: []auth.Role{auth.DPO}, Tenant: auth.AllTenants}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.tok != nil {
				ctx = auth.WithToken(ctx, tc.tok)
			}
			before := time.Now()
			v := confidential.Of(ctx)
			if v.Sees != tc.wantSees {
				t.Errorf("Sees = %v, want %v", v.Sees, tc.wantSees)
			}
			if v.Now.Before(before) || v.Now.After(time.Now()) {
				t.Errorf("Now = %v, want the time of the call", v.Now)
			}
		})
	}
}

func TestViewWithholds(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	disclosure := func(until *time.Time) *eventsv1.Event {
		d := &eventsv1.DisclosureMade{}
		if until != nil {
			d.ConfidentialUntil = timestamppb.New(*until)
		}
		return &eventsv1.Event{Payload: &eventsv1.Event_DisclosureMade{DisclosureMade: d}}
	}
	for _, tc := range []struct {
		name                  string
		until                 *time.Time
		wantConfidential      bool // for anyone
		wantWithheld, wantLeg bool // from a caller who does not see, and from legal
	}{
		{"never confidential", nil, false, false, false},
		{"confidential until later", &later, true, true, false},
		{"confidential until now", &now, false, false, false},
		{"no longer confidential", &earlier, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := confidential.View{Now: now}
			legal := confidential.View{Sees: true, Now: now}
			if got := other.ConfidentialEvent(disclosure(tc.until)); got != tc.wantConfidential {
				t.Errorf("ConfidentialEvent = %v, want %v", got, tc.wantConfidential)
			}
			if got := legal.ConfidentialEvent(disclosure(tc.until)); got != tc.wantConfidential {
				t.Errorf("legal: ConfidentialEvent = %v, want %v (whoever asks)", got, tc.wantConfidential)
			}
			if got := other.Withholds(tc.until); got != tc.wantWithheld {
				t.Errorf("Withholds = %v, want %v", got, tc.wantWithheld)
			}
			if got := legal.Withholds(tc.until); got != tc.wantLeg {
				t.Errorf("legal: Withholds = %v, want %v", got, tc.wantLeg)
			}
		})
	}
	if (confidential.View{Now: now}).ConfidentialEvent(&eventsv1.Event{}) {
		t.Error("ConfidentialEvent of an event that is no disclosure = true")
	}
}

// Read over a real read-model store: the disclosures still confidential
// are withheld, by event id, and a recipient is hidden only when every
// disclosure of the subject to it is withheld.
func TestRead(t *testing.T) {
	s := qt.Start(t)
	ctx := context.Background()
	now := time.Now()
	gag, lifted := now.Add(365*24*time.Hour), qt.Day(1, 1)
	from := uint64(len(s.Events))
	row := func(seq uint64, subject, recipient string, until time.Time) model.DisclosureRow {
		return model.DisclosureRow{
			Seq: seq, EventID: fmt.Sprintf("ev-%d", seq), Tenant: qt.Tenant, SubjectRef: subject,
			RecipientID: recipient, RecipientName: recipient, RecipientKind: "RECIPIENT_KIND_PUBLIC_AUTHORITY",
			Categories: []string{qt.CategoryBank}, Purpose: qt.PurposeLegal, LegalBasis: "LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION",
			ConfidentialUntil: &until, OccurredAt: qt.Day(3, int(seq)), RecordedAt: qt.Now,
		}
	}
	if err := s.Store.Apply(ctx, &model.Batch{From: from, To: from + 3, Disclosures: []model.DisclosureRow{
		row(from+1, "s-2", "police", gag),    // gagged
		row(from+2, "s-2", "police", lifted), // no longer: s-2's notices to the police tell of this one
		row(from+3, "s-3", "court", gag),     // gagged, and the only one to the court
	}}); err != nil {
		t.Fatal(err)
	}
	gagged := []string{fmt.Sprintf("ev-%d", from+1), fmt.Sprintf("ev-%d", from+3)}
	for _, tc := range []struct {
		name          string
		view          confidential.View
		filter        model.DisclosureFilter
		wantEvents    []string
		wantRecipient map[[2]string]bool // subject, recipient -> hidden
	}{
		{"legal sees all", confidential.View{Sees: true, Now: now}, model.DisclosureFilter{Tenant: qt.Tenant},
			nil, map[[2]string]bool{{"s-2", "police"}: false, {"s-3", "court"}: false}},
		{"tenant-wide", confidential.View{Now: now}, model.DisclosureFilter{Tenant: qt.Tenant},
			gagged, map[[2]string]bool{{"s-2", "police"}: false, {"s-3", "court"}: true}},
		{"one subject", confidential.View{Now: now}, model.DisclosureFilter{Tenant: qt.Tenant, SubjectRef: "s-3"},
			gagged[1:], map[[2]string]bool{{"s-3", "court"}: true, {"s-2", "police"}: false}},
		{"another tenant", confidential.View{Now: now}, model.DisclosureFilter{Tenant: qt.OtherTenant},
			nil, map[[2]string]bool{{"s-3", "court"}: false}},
		{"after the gag", confidential.View{Now: gag.Add(time.Hour)}, model.DisclosureFilter{Tenant: qt.Tenant},
			nil, map[[2]string]bool{{"s-3", "court"}: false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := confidential.Read(ctx, s.Store, tc.view, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for id := range w.Events {
				got = append(got, id)
			}
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(tc.wantEvents) {
				t.Errorf("withheld events %v, want %v", got, tc.wantEvents)
			}
			if w.Empty() != (len(tc.wantEvents) == 0) {
				t.Errorf("Empty() = %v with %d withheld", w.Empty(), len(tc.wantEvents))
			}
			for k, want := range tc.wantRecipient {
				if got := w.HidesRecipient(k[0], k[1]); got != want {
					t.Errorf("HidesRecipient(%s, %s) = %v, want %v", k[0], k[1], got, want)
				}
			}
			for _, id := range tc.wantEvents {
				if !w.Hides("other", id) || !w.HidesFinding(&model.Finding{EventIDs: []string{id}}) {
					t.Errorf("%s withheld, but a row or finding naming it is not hidden", id)
				}
			}
		})
	}

	// Read's errors are the store's own, for the service to map.
	if err := s.Store.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := confidential.Read(ctx, s.Store, confidential.View{Now: now}, model.DisclosureFilter{Tenant: qt.Tenant})
	if err == nil {
		t.Fatal("Read over a closed store: nil error")
	}
	if connect.CodeOf(err) != connect.CodeUnknown {
		t.Errorf("Read over a closed store = %v, a Connect error: want the store's own", err)
	}
}

// TestChangesAndUntil: the end of a disclosure's confidentiality is the
// last DisclosureConfidentialityChanged of it (a lift ends it at the
// change's occurred_at), else its own confidential_until. Worked by hand:
// the police disclosure is confidential until 31 October 2027, lifted on
// 1 June 2026 12:00; the insurer's, until 3 July 2026, is extended to 31
// December 2026 and then to 30 June 2027.
func TestChangesAndUntil(t *testing.T) {
	ts := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	disclosure := func(id string, until time.Time) *eventsv1.Event {
		return &eventsv1.Event{EventId: id, Payload: &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
			ConfidentialUntil: timestamppb.New(until)}}}
	}
	change := func(id string, at time.Time, until *time.Time) *eventsv1.Event {
		c := &eventsv1.DisclosureConfidentialityChanged{DisclosureEventId: id}
		if until != nil {
			c.ConfidentialUntil = timestamppb.New(*until)
		}
		return &eventsv1.Event{OccurredAt: timestamppb.New(at),
			Payload: &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: c}}
	}
	police, insurer, mailer := disclosure("d-police", ts(2027, 10, 31, 0)), disclosure("d-insurer", ts(2026, 7, 3, 0)),
		&eventsv1.Event{EventId: "d-mailer", Payload: &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{}}}
	dec, jun := ts(2026, 12, 31, 0), ts(2027, 6, 30, 0)
	evs := []*eventsv1.Event{police, insurer, mailer,
		change("d-police", ts(2026, 6, 1, 12), nil), change("d-insurer", ts(2026, 6, 15, 9), &dec), change("d-insurer", ts(2026, 9, 1, 9), &jun)}
	changes := confidential.Changes(evs)
	for _, tc := range []struct {
		ev   *eventsv1.Event
		want *time.Time
	}{
		{police, ptrTime(ts(2026, 6, 1, 12))},
		{insurer, &jun},
		{mailer, nil},
		{evs[3], nil}, // not a disclosure
	} {
		got := confidential.Until(tc.ev, changes)
		if (got == nil) != (tc.want == nil) || got != nil && !got.Equal(*tc.want) {
			t.Errorf("Until(%s) = %v, want %v", tc.ev.GetEventId(), got, tc.want)
		}
	}
	v := confidential.View{Now: ts(2026, 8, 1, 0)}
	if v.Confidential(confidential.Until(police, changes)) || !v.Confidential(confidential.Until(insurer, changes)) {
		t.Error("on 1 August 2026 the police disclosure (lifted) must not be confidential, the insurer's (extended) must")
	}
	if !v.ConfidentialEvent(police) || v.ConfidentialEvent(insurer) {
		t.Error("ConfidentialEvent reads the event's own confidential_until")
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// TestHidesRowOfAChange: a change of a withheld disclosure's
// confidentiality is withheld with it (it names the disclosure); one of a
// disclosure the caller sees is not.
func TestHidesRowOfAChange(t *testing.T) {
	s := qt.Start(t)
	ctx := context.Background()
	now := time.Now()
	from := uint64(len(s.Events))
	gag := now.Add(365 * 24 * time.Hour)
	lifted := now.Add(-time.Hour)
	row := func(seq uint64, until time.Time) model.DisclosureRow {
		return model.DisclosureRow{Seq: seq, EventID: fmt.Sprintf("ev-%d", seq), Tenant: qt.Tenant, SubjectRef: "s-9",
			RecipientID: "police", RecipientKind: "RECIPIENT_KIND_PUBLIC_AUTHORITY", ConfidentialUntil: &until, OccurredAt: qt.Day(3, 1), RecordedAt: qt.Now}
	}
	if err := s.Store.Apply(ctx, &model.Batch{From: from, To: from + 2, Disclosures: []model.DisclosureRow{row(from+1, gag), row(from+2, lifted)}}); err != nil {
		t.Fatal(err)
	}
	w, err := confidential.Read(ctx, s.Store, confidential.View{Now: now}, model.DisclosureFilter{Tenant: qt.Tenant, SubjectRef: "s-9"})
	if err != nil {
		t.Fatal(err)
	}
	changeRow := func(id string) *model.AuditRow {
		ev := &eventsv1.Event{EventId: "ch-" + id, Tenant: qt.Tenant, SubjectRef: "s-9",
			Payload: &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: &eventsv1.DisclosureConfidentialityChanged{DisclosureEventId: id}}}
		data, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return &model.AuditRow{EventID: ev.GetEventId(), Tenant: qt.Tenant, SubjectRef: "s-9",
			Type: string(ev.GetDisclosureConfidentialityChanged().ProtoReflect().Descriptor().FullName()), Data: data}
	}
	if !w.HidesRow(changeRow(fmt.Sprintf("ev-%d", from+1))) {
		t.Error("the change of a withheld disclosure is shown")
	}
	if w.HidesRow(changeRow(fmt.Sprintf("ev-%d", from+2))) {
		t.Error("the change of a disclosure no longer confidential is withheld")
	}
}
