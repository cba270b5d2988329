package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/store/sqlite"
	"github.com/docketledger/docket/projections/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Database {
		path := filepath.Join(t.TempDir(), "readmodels.db")
		return storetest.Database{
			Open: func(t *testing.T, gen int) model.Store {
				t.Helper()
				s, err := sqlite.Open(t.Context(), path, gen)
				if err != nil {
					t.Fatalf("Open(%d): %v", gen, err)
				}
				return s
			},
			Generations: func(t *testing.T) model.Generations {
				t.Helper()
				g, err := sqlite.OpenGenerations(t.Context(), path)
				if err != nil {
					t.Fatalf("OpenGenerations: %v", err)
				}
				t.Cleanup(func() { g.Close() })
				return g
			},
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path string
		gen        int
		wantErr    string
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "readmodels.db"), 1, "no such file or directory"},
		{"parent is a file", filepath.Join(file, "readmodels.db"), 1, "is not a directory"},
		{"empty path", "", 1, "empty path"},
		{"generation 0", filepath.Join(dir, "readmodels.db"), 0, "must be at least 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), c.path, c.gen)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q, %d): no error", c.path, c.gen)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Open(%q, %d): %v, want an error saying %q", c.path, c.gen, err, c.wantErr)
			}
			if _, statErr := os.Stat(filepath.Join(dir, "no")); statErr == nil {
				t.Error("Open created the missing directory")
			}
		})
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd dir?#%", "read models?.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(t.Context(), path, 1)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Apply(t.Context(), &model.Batch{From: 0, To: 1}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at the path given: %v", err)
	}
}

func TestReopenKeepsRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "readmodels.db")
	s, err := sqlite.Open(t.Context(), path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(t.Context(), &model.Batch{From: 0, To: 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(t.Context(), path, 3) // migrations already applied: a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if cp, err := s.Checkpoint(t.Context()); err != nil || cp != 5 {
		t.Errorf("Checkpoint after reopening = %d, %v; want 5", cp, err)
	}
}

func TestSwitchToGenerationWithoutTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "readmodels.db")
	g, err := sqlite.OpenGenerations(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Switch(t.Context(), 1, 4); err == nil {
		t.Fatal("Switch to a generation without tables: no error")
	}
	if cur, err := g.Current(t.Context()); err != nil || cur != 1 {
		t.Errorf("Current = %d, %v; want 1", cur, err)
	}
}

// typicalBatch is what the projector writes for n events that each
// collect or disclose data: n audit rows, a disclosure for every fifth,
// and each subject's state once per batch.
func typicalBatch(from uint64, n int) *model.Batch {
	b := &model.Batch{From: from, To: from + uint64(n)}
	occurred := time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)
	for i := range n {
		seq := from + uint64(i) + 1
		subject := fmt.Sprintf("u-%08d", seq%50000)
		b.Audit = append(b.Audit, model.AuditRow{
			Seq: seq, EventID: fmt.Sprintf("01J%023d", seq), Tenant: "acme", SubjectRef: subject,
			Type:       "docket.events.v1.DataCollected",
			Categories: []string{"user.contact.email", "user.name"}, Purposes: []string{"essential.service"},
			LegalBasis: "LEGAL_BASIS_CONTRACT", OccurredAt: occurred, RecordedAt: occurred,
			Source: "svc-signup", ActorKind: "ACTOR_KIND_SYSTEM", ActorID: "signup",
			Data: make([]byte, 300),
		})
		if i%5 == 0 {
			b.Disclosures = append(b.Disclosures, model.DisclosureRow{
				Seq: seq, EventID: fmt.Sprintf("01J%023d", seq), Tenant: "acme", SubjectRef: subject,
				RecipientID: "rcp-mailer", RecipientName: "Mailer GmbH", RecipientKind: "RECIPIENT_KIND_PROCESSOR",
				Country: "DE", TransferMechanism: "TRANSFER_MECHANISM_ADEQUACY",
				Categories: []string{"user.contact.email"}, Purpose: "marketing.communications.email",
				LegalBasis: "LEGAL_BASIS_CONSENT", OccurredAt: occurred, RecordedAt: occurred,
			})
		}
	}
	return b
}

// BenchmarkApply reports audit rows written per second (rows/s), in
// batches of 500 typical audit rows and 100 disclosures, back to back;
// all-rows/s counts the disclosures too. The file grows as it runs: the
// longer the run, the more the WAL checkpoints cost (run with -benchtime
// 1000x for a sustained figure).
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), 1)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 500
	batches := make([]*model.Batch, 64)
	for i := range batches {
		batches[i] = typicalBatch(0, batch)
	}
	var next uint64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		bt := batches[i%len(batches)]
		// Renumber in place: sequences must keep growing.
		bt.From, bt.To = next, next+batch
		for j := range bt.Audit {
			bt.Audit[j].Seq = next + uint64(j) + 1
		}
		for j := range bt.Disclosures {
			bt.Disclosures[j].Seq = next + uint64(j*5) + 1
		}
		if err := s.Apply(ctx, bt); err != nil {
			b.Fatal(err)
		}
		next += batch
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.N*(batch+len(batches[0].Disclosures)))/b.Elapsed().Seconds(), "all-rows/s")
}
