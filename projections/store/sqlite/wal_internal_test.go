package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// TestReadersDuringWriteTransaction holds the writer's transaction open
// (as a long Apply does) and checks that every query answers at once, from
// the last commit.
func TestReadersDuringWriteTransaction(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "readmodels.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Apply(ctx, &model.Batch{From: 0, To: 1, Audit: []model.AuditRow{{Seq: 1, Tenant: "acme", SubjectRef: "s", Type: "x"}}}); err != nil {
		t.Fatal(err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE g1_checkpoint SET seq = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO g1_audit (seq, event_id, tenant, subject_ref, type, categories, purposes,
	legal_basis, recipient_id, occurred_at, recorded_at, source, actor_kind, actor_id) VALUES (2, '', 'acme', 's', 'x', '[]', '[]', '', '', 0, 0, '', '', '')`); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		cp, err := s.Checkpoint(qctx)
		if err == nil && cp != 1 {
			t.Errorf("Checkpoint during the write = %d, want 1 (the last commit)", cp)
		}
		if err == nil {
			var rows []model.AuditRow
			rows, err = s.History(qctx, "acme", "s", model.Page{})
			if err == nil && len(rows) != 1 {
				t.Errorf("History during the write: %d rows, want 1", len(rows))
			}
		}
		if err == nil {
			_, err = s.TenantExists(qctx, "acme")
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("query during the write: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("queries wait for the write transaction")
	}
}
