package state_test

import (
	"errors"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

func activityRow(t *testing.T, seq uint64, occurred, recorded time.Time, a *eventsv1.ProcessingActivity, amended bool) model.ActivityRow {
	t.Helper()
	b, err := proto.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return model.ActivityRow{Seq: seq, EventID: "ev-" + string(rune('0'+seq)), Tenant: tenant, ActivityID: a.GetActivityId(),
		Amended: amended, OccurredAt: occurred, RecordedAt: recorded, Activity: b}
}

// TestCatalogueAsOf: an amendment replaces a declaration from its
// occurred_at on the Occurred axis, from its recorded_at on Recorded. Here
// it is recorded on day 20 with occurred_at day 10 (a back-dated amendment).
func TestCatalogueAsOf(t *testing.T) {
	cat := state.NewCatalogue()
	v1 := telemetry()
	v2 := telemetry()
	v2.Retention.Days = 30
	rows := []model.ActivityRow{
		activityRow(t, 1, day(0), day(0), v1, false),
		activityRow(t, 2, day(0), day(0), newsletter(), false),
		activityRow(t, 3, day(10), day(20), v2, true),
	}
	for _, r := range rows {
		if err := cat.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.Add(rows[2]); err != nil { // again: ignored
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		at       time.Time
		axis     model.TimeAxis
		wantIDs  []string
		wantDays uint32 // telemetry's retention
	}{
		{"before any", day(-1), model.Occurred, nil, 0},
		{"occurred, before the amendment", day(9), model.Occurred, []string{"newsletter", "telemetry"}, 100},
		{"occurred, at the amendment", day(10), model.Occurred, []string{"newsletter", "telemetry"}, 30},
		{"recorded, day 15: not known yet", day(15), model.Recorded, []string{"newsletter", "telemetry"}, 100},
		{"recorded, day 20", day(20), model.Recorded, []string{"newsletter", "telemetry"}, 30},
		{"zero: all", time.Time{}, model.Occurred, []string{"newsletter", "telemetry"}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cat.AsOf(tenant, tt.at, tt.axis)
			var ids []string
			var days uint32
			for _, a := range got {
				ids = append(ids, a.GetActivityId())
				if a.GetActivityId() == "telemetry" {
					days = a.GetRetention().GetDays()
				}
			}
			if len(ids) != len(tt.wantIDs) || (len(ids) > 0 && (ids[0] != tt.wantIDs[0] || ids[1] != tt.wantIDs[1])) || days != tt.wantDays {
				t.Errorf("AsOf = %v (telemetry %d days), want %v (%d days)", ids, days, tt.wantIDs, tt.wantDays)
			}
		})
	}
	// The result is a copy.
	cat.AsOf(tenant, time.Time{}, model.Occurred)[0].Name = "changed"
	if cat.AsOf(tenant, time.Time{}, model.Occurred)[0].GetName() == "changed" {
		t.Error("AsOf shares its activities with the catalogue")
	}
	if got := cat.AsOf("other", time.Time{}, model.Occurred); len(got) != 0 {
		t.Errorf("another tenant sees %d activities", len(got))
	}
}

func TestCatalogueAddRefuses(t *testing.T) {
	good := activityRow(t, 1, day(0), day(0), telemetry(), false)
	tests := []struct {
		name string
		edit func(r *model.ActivityRow)
	}{
		{"no tenant", func(r *model.ActivityRow) { r.Tenant = "" }},
		{"no activity id", func(r *model.ActivityRow) { r.ActivityID = "" }},
		{"not a proto", func(r *model.ActivityRow) { r.Activity = []byte{0xff, 0xff} }},
		{"another activity", func(r *model.ActivityRow) { r.ActivityID = "newsletter" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.edit(&r)
			if err := state.NewCatalogue().Add(r); !errors.Is(err, state.ErrBadActivity) {
				t.Errorf("Add: %v, want ErrBadActivity", err)
			}
		})
	}
}
