package storetest

import (
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// testQuarantine: quarantine rows come back as written, in stream order,
// by tenant or all, paged; a second row at the same sequence fails its
// batch; the summary counts them all and gives the latest first.
func testQuarantine(t *testing.T, db Database) {
	ctx := t.Context()
	s := open(t, db, 1)
	if sum, err := s.QuarantineSummary(ctx, 5); err != nil || sum.Count != 0 || len(sum.Latest) != 0 {
		t.Fatalf("QuarantineSummary of an empty store = %+v, %v", sum, err)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.FixedZone("x", 3600))
	rows := []model.QuarantineRow{
		{Seq: 2, RecordedAt: at, Tenant: "acme", Reason: "undecodable"},
		{Seq: 5, RecordedAt: at.Add(time.Second), Tenant: "", Reason: "undecodable"},
		{Seq: 9, RecordedAt: at.Add(2 * time.Second), Tenant: "globex", Reason: "time_out_of_range", Field: "occurred_at"},
	}
	apply(t, s, 0, 4, model.Batch{Quarantined: rows[:1]})
	apply(t, s, 4, 9, model.Batch{Quarantined: rows[1:]})
	b := model.Batch{From: 9, To: 10, Quarantined: []model.QuarantineRow{{Seq: 9, RecordedAt: at, Reason: "invalid"}}}
	if err := s.Apply(ctx, &b); err == nil {
		t.Errorf("a second quarantine row at sequence 9 was stored")
	}
	if cp, err := s.Checkpoint(ctx); err != nil || cp != 9 {
		t.Errorf("checkpoint after the refused batch = %d, %v; want 9", cp, err)
	}

	for _, tc := range []struct {
		name   string
		tenant string
		page   model.Page
		want   []model.QuarantineRow
	}{
		{"all", "", model.Page{}, rows},
		{"one tenant", "globex", model.Page{}, rows[2:]},
		{"no such tenant", "initech", model.Page{}, nil},
		{"a page", "", model.Page{After: 2, Limit: 1}, rows[1:2]},
		{"after the last", "", model.Page{After: 9}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Quarantined(ctx, tc.tenant, tc.page)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(tc.want, got); d != "" {
				t.Errorf("Quarantined (-want +got):\n%s", d)
			}
			for _, r := range got {
				if r.RecordedAt.Location() != time.UTC {
					t.Errorf("recorded_at %v is not in UTC", r.RecordedAt)
				}
			}
		})
	}
	sum, err := s.QuarantineSummary(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := model.QuarantineSummary{Count: 3, Latest: []model.QuarantineRow{rows[2], rows[1]}}
	if d := diff(want, sum); d != "" {
		t.Errorf("QuarantineSummary (-want +got):\n%s", d)
	}
}

// testFindingCopies: findings with the same tenant and id — the copy of a
// stored event, re-addressed, has its event id and raises its finding ids
// — do not fail the batch: the one of lowest sequence is kept, whether the
// copies come in one batch or in several, in any order.
func testFindingCopies(t *testing.T, db Database) {
	ctx := t.Context()
	s := open(t, db, 1)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	f := func(id string, seq uint64, ref string) model.Finding {
		return model.Finding{ID: id, Tenant: "acme", Rule: "r", SubjectRef: ref, EventIDs: []string{"e"}, AroseAt: at.Add(time.Duration(seq)), Seq: seq, Detail: ref}
	}
	apply(t, s, 0, 5, model.Batch{Findings: []model.Finding{f("r:x", 5, "s-b")}})
	apply(t, s, 5, 12, model.Batch{Findings: []model.Finding{f("r:x", 9, "s-c"), f("r:y", 12, "s-c"), f("r:y", 11, "s-b"), f("r:x", 3, "s-a")}})
	apply(t, s, 12, 13, model.Batch{Findings: []model.Finding{f("r:y", 13, "s-d")}})
	got, err := s.Findings(ctx, model.FindingFilter{Tenant: "acme"}, model.Page{})
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Finding{f("r:x", 3, "s-a"), f("r:y", 11, "s-b")}
	if d := diff(want, got); d != "" {
		t.Errorf("Findings (-want +got):\n%s", d)
	}
}
