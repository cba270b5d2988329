package state_test

import (
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// TestFoldAsOf folds a subject's audit trail as of a time on both axes.
// The withdrawal occurred on day 3 but was recorded on day 8: what was true
// on day 5 differs from what the ledger knew on day 5.
func TestFoldAsOf(t *testing.T) {
	s := &stream{}
	s.declare(newsletter())
	s.add(subj, day(0), consent(useMail))
	s.addRecorded(subj, day(3), day(8), withdraw(useMail))
	s.add(subj, day(10), &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ACCESS})
	res, err := state.Replay(s.recs, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []model.AuditRow
	for _, r := range res.Audit {
		if r.SubjectRef == subj {
			rows = append(rows, r)
		}
	}
	tests := []struct {
		name       string
		at         time.Time
		axis       model.TimeAxis
		wantEvents int
		wantGiven  bool
		wantOpen   int
	}{
		{"occurred day 1", day(1), model.Occurred, 1, true, 0},
		{"occurred day 5", day(5), model.Occurred, 2, false, 0},
		{"recorded day 5", day(5), model.Recorded, 1, true, 0},
		{"recorded day 8", day(8), model.Recorded, 2, false, 0},
		{"all", time.Time{}, model.Occurred, 3, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := state.Fold(tenant, subj, rows, res.Catalogue, tt.at, tt.axis)
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != tt.wantEvents || st.Consents[useMail].Given != tt.wantGiven || len(st.OpenRequests) != tt.wantOpen {
				t.Errorf("events %d, given %v, open %v; want %d, %v, %d", st.Events, st.Consents[useMail].Given, st.OpenRequests,
					tt.wantEvents, tt.wantGiven, tt.wantOpen)
			}
		})
	}
	// Folding everything gives the projected state.
	st, err := state.Fold(tenant, subj, rows, res.Catalogue, time.Time{}, model.Recorded)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffJSON(t, res.Subject(tenant, subj), st); d != "" {
		t.Errorf("Fold of all rows differs from the replayed state (-replayed +folded):\n%s", d)
	}
	// A row whose data is another event is refused.
	bad := append([]model.AuditRow{}, rows...)
	bad[0].EventID = "ev-99"
	if _, err := state.Fold(tenant, subj, bad, res.Catalogue, time.Time{}, model.Occurred); err == nil {
		t.Error("Fold accepted a row whose data is another event")
	}
}
