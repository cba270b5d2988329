package controller_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/store/sqlite"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/controller"
	"google.golang.org/protobuf/proto"
)

// Three declarations of acme, stored in stream order (sequence 1, 2, 3)
// in a real SQLite read model, worked out by hand:
//
//	seq 1 "Acme v1"  occurred 1 March 2026,  recorded 1 March
//	seq 2 "Acme v3"  occurred 1 May 2026,    recorded 2 May (a later declaration, stored first)
//	seq 3 "Acme v2"  occurred 1 April 2026,  recorded 3 May (an earlier one reported late)
//
// On occurred_at the one in force on 15 April is v2 (1 April), on 15 May v3;
// on recorded_at the one known on 2 May at noon is v3, and from 3 May v2.
func TestAsOf(t *testing.T) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rm.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	day := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	row := func(seq uint64, name string, occurred, recorded time.Time) model.ProfileRow {
		b, err := proto.Marshal(&eventsv1.ControllerProfile{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return model.ProfileRow{Seq: seq, EventID: "ev-" + name, Tenant: "acme", OccurredAt: occurred, RecordedAt: recorded, Profile: b}
	}
	b := &model.Batch{From: 0, To: 3, Profiles: []model.ProfileRow{
		row(1, "Acme v1", day(3, 1, 0), day(3, 1, 0)),
		row(2, "Acme v3", day(5, 1, 0), day(5, 2, 0)),
		row(3, "Acme v2", day(4, 1, 0), day(5, 3, 0)),
	}}
	if err := s.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		axis model.TimeAxis
		want string // "" : none
	}{
		{"before any", day(2, 1, 0), model.Occurred, ""},
		{"the first", day(3, 15, 0), model.Occurred, "Acme v1"},
		{"the late-reported one in force by occurred_at", day(4, 15, 0), model.Occurred, "Acme v2"},
		{"the latest by occurred_at, not the last stored", day(5, 15, 0), model.Occurred, "Acme v3"},
		{"zero time: the latest in force", time.Time{}, model.Occurred, "Acme v3"},
		{"known on 2 May by recorded_at", day(5, 2, 12), model.Recorded, "Acme v3"},
		{"known from 3 May: the last recorded", day(5, 4, 0), model.Recorded, "Acme v2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, id, err := controller.AsOf(ctx, s, nil, "acme", tc.at, tc.axis)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.GetName(); got != tc.want {
				t.Errorf("AsOf = %q, want %q", got, tc.want)
			}
			if tc.want != "" && id != "ev-"+tc.want {
				t.Errorf("event id = %q, want ev-%s", id, tc.want)
			}
		})
	}
	// Another tenant has none.
	if p, id, err := controller.AsOf(ctx, s, nil, "other", time.Time{}, model.Occurred); err != nil || p != nil || id != "" {
		t.Errorf("AsOf(other) = %v, %q, %v; want nothing", p, id, err)
	}
}
