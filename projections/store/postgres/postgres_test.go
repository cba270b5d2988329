package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/docketledger/docket/projections/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t testing.TB, dsn string, gen int) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, gen)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ts is a time with nanoseconds, which timestamptz would round.
func ts(sec int64) time.Time { return time.Unix(1_700_000_000+sec, 123456789).UTC() }

// TestEncodings checks what is particular to PostgreSQL beyond the
// conformance suite: a NUL in a subject's state (JSONB would refuse it),
// array literals of awkward strings, nanoseconds through BIGINT, and a
// stale checkpoint.
func TestEncodings(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Start(t), 1)
	withdrawn := ts(5).In(time.FixedZone("X", 3600)) // stored in UTC
	odd := []string{`a"b`, `c\d`, `e,f`, `{g}`, `NULL`, ``, `ü`}
	state := &model.SubjectState{
		Tenant: "t1", SubjectRef: "s1", FirstSeen: ts(1), LastSeen: ts(2), FirstSeq: 1, LastSeq: 2, Events: 2,
		Consents: map[string]*model.Consent{"marketing": {Purpose: "marketing", WithdrawnAt: &withdrawn, EventID: "e2"}},
		Erasures: map[string]time.Time{"crm": ts(3)},
		// JSONB would refuse \u0000; text keeps it.
		OpenRequests: []string{"r\x001"},
	}
	until := ts(100)
	verified := ts(4)
	b := &model.Batch{From: 0, To: 3,
		Audit: []model.AuditRow{
			{Seq: 1, EventID: "e1", Tenant: "t1", SubjectRef: "s1", Type: "docket.events.v1.DataCollected",
				Categories: odd, Purposes: []string{"p"}, OccurredAt: ts(1), RecordedAt: ts(2), Source: "svc", Data: []byte{0, 1, 2}},
			{Seq: 2, EventID: "e2", Tenant: "t1", SubjectRef: "s1", Type: "x", OccurredAt: ts(2), RecordedAt: ts(3), Source: "svc"},
			{Seq: 3, EventID: "e3", Tenant: "t1", SubjectRef: "s1", Type: "x"}, // zero times
		},
		Disclosures: []model.DisclosureRow{{Seq: 2, EventID: "e2", Tenant: "t1", SubjectRef: "s1", RecipientID: "r1",
			Categories: []string{"user.contact.email", "user.name"}, Purpose: "p", ConfidentialUntil: &until,
			OccurredAt: ts(2), RecordedAt: ts(3)}},
		Subjects: []*model.SubjectState{state},
		Requests: []*model.RequestRow{{Tenant: "t1", RequestID: "q1", SubjectRef: "s1", Right: "RIGHT_ACCESS",
			ReceivedAt: ts(1), VerifiedAt: &verified, DueAt: ts(50), Status: model.RequestOpen, ReceivedSeq: 1, EventIDs: []string{"e1"}}},
		Activities: []model.ActivityRow{{Seq: 3, EventID: "e3", Tenant: "t1", ActivityID: "a1", OccurredAt: ts(3), RecordedAt: ts(4), Activity: []byte("x")}},
		Observed: []model.ObservedRow{
			{Tenant: "t1", Kind: model.ObservedPurpose, Key: "p", Count: 1, FirstSeq: 2, FirstEventID: "e2", FirstOccurred: ts(2), LastOccurred: ts(2)},
			{Tenant: "t1", Kind: model.ObservedPurpose, Key: "p", Count: 1, FirstSeq: 1, FirstEventID: "e1", FirstOccurred: ts(1), LastOccurred: ts(1)},
		},
		Findings: []model.Finding{{ID: "r:e2", Tenant: "t1", Rule: "r", SubjectRef: "s1", EventIDs: []string{"e2"}, AroseAt: ts(2), Seq: 2, Detail: "d"}},
	}
	if err := s.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	if cp, err := s.Checkpoint(ctx); err != nil || cp != 3 {
		t.Fatalf("Checkpoint = %d, %v; want 3", cp, err)
	}
	if err := s.Apply(ctx, &model.Batch{From: 0, To: 4}); !errors.Is(err, model.ErrCheckpointMoved) {
		t.Fatalf("Apply from a stale checkpoint: %v, want ErrCheckpointMoved", err)
	}

	got, err := s.Subject(ctx, "t1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	want := *state
	w := withdrawn.UTC()
	want.Consents = map[string]*model.Consent{"marketing": {Purpose: "marketing", WithdrawnAt: &w, EventID: "e2"}}
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("Subject = %+v, want %+v", got, &want)
	}
	if _, err := s.Subject(ctx, "t2", "s1"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Subject of another tenant: %v, want ErrNotFound", err)
	}

	hist, err := s.History(ctx, "t1", "s1", model.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(hist, b.Audit) {
		t.Errorf("History =\n%+v\nwant\n%+v", hist, b.Audit)
	}
	if page, _ := s.History(ctx, "t1", "s1", model.Page{After: 1, Limit: 1}); len(page) != 1 || page[0].Seq != 2 {
		t.Errorf("History after 1, limit 1 = %+v", page)
	}

	for _, tc := range []struct {
		name string
		f    model.DisclosureFilter
		want int
	}{
		{"all", model.DisclosureFilter{Tenant: "t1"}, 1},
		{"category element", model.DisclosureFilter{Tenant: "t1", Category: "user.name"}, 1},
		{"category prefix", model.DisclosureFilter{Tenant: "t1", Category: "user"}, 0},
		{"occurred inclusive", model.DisclosureFilter{Tenant: "t1", Time: model.TimeRange{From: ts(2), To: ts(2)}}, 1},
		{"occurred 1ns before", model.DisclosureFilter{Tenant: "t1", Time: model.TimeRange{To: ts(2).Add(-1)}}, 0},
		{"recorded", model.DisclosureFilter{Tenant: "t1", Time: model.TimeRange{Axis: model.Recorded, From: ts(3)}}, 1},
		{"other tenant", model.DisclosureFilter{Tenant: "t2"}, 0},
	} {
		got, err := s.Disclosures(ctx, tc.f, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d disclosures, want %d", tc.name, len(got), tc.want)
		}
		if len(got) == 1 && !reflect.DeepEqual(got[0], b.Disclosures[0]) {
			t.Errorf("%s: %+v, want %+v", tc.name, got[0], b.Disclosures[0])
		}
	}

	reqs, err := s.Requests(ctx, "t1", []string{"q1", "q2"})
	if err != nil || len(reqs) != 1 || !reflect.DeepEqual(reqs["q1"], b.Requests[0]) {
		t.Errorf("Requests = %+v, %v", reqs, err)
	}
	acts, err := s.AllActivities(ctx)
	if err != nil || !reflect.DeepEqual(acts, b.Activities) {
		t.Errorf("AllActivities = %+v, %v", acts, err)
	}
	obs, err := s.Observed(ctx, "t1")
	wantObs := []model.ObservedRow{{Tenant: "t1", Kind: model.ObservedPurpose, Key: "p", Count: 2, FirstSeq: 1, FirstEventID: "e1", FirstOccurred: ts(1), LastOccurred: ts(2)}}
	if err != nil || !reflect.DeepEqual(obs, wantObs) {
		t.Errorf("Observed = %+v, %v; want %+v", obs, err, wantObs)
	}
	fs, err := s.Findings(ctx, model.FindingFilter{Tenant: "t1"}, model.Page{})
	if err != nil || !reflect.DeepEqual(fs, b.Findings) {
		t.Errorf("Findings = %+v, %v", fs, err)
	}
	if ok, err := s.TenantExists(ctx, "t1"); err != nil || !ok {
		t.Errorf("TenantExists(t1) = %v, %v", ok, err)
	}
	if ok, err := s.TenantExists(ctx, "t2"); err != nil || ok {
		t.Errorf("TenantExists(t2) = %v, %v", ok, err)
	}
}

// TestInTxLosesNoWrite runs concurrent serializable read-modify-write
// transactions through postgres.InTx and checks that every one of them
// landed exactly once. Each case also checks that transactions really
// conflicted and were retried, or it would prove nothing.
func TestInTxLosesNoWrite(t *testing.T) {
	const workers, perWorker = 8, 50
	for _, tc := range []struct {
		name  string
		setup string
		// txn reads, then writes what it read plus one.
		txn func(ctx context.Context, tx pgx.Tx) error
		// count is how many transactions landed; check finds any anomaly.
		count string
		check string
	}{
		{
			// One row: the loser of each race fails at its UPDATE
			// ("could not serialize access due to concurrent update").
			name:  "counter",
			setup: `CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL); INSERT INTO counter VALUES (1, 0)`,
			txn: func(ctx context.Context, tx pgx.Tx) error {
				var n int64
				if err := tx.QueryRow(ctx, `SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
					return fmt.Errorf("read: %w", err)
				}
				time.Sleep(100 * time.Microsecond) // widen the window between read and write
				if _, err := tx.Exec(ctx, `UPDATE counter SET n = $1 WHERE id = 1`, n+1); err != nil {
					return fmt.Errorf("write: %w", err)
				}
				return nil
			},
			count: `SELECT n FROM counter WHERE id = 1`,
			check: `SELECT 0`,
		},
		{
			// Inserts after reading a count: no row conflicts, only
			// predicate (SSI) ones, which PostgreSQL may report at COMMIT
			// — where crdb.ExecuteTx would drop them.
			name:  "sequence",
			setup: `CREATE TABLE seqs (n bigint NOT NULL)`,
			txn: func(ctx context.Context, tx pgx.Tx) error {
				var n int64
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM seqs`).Scan(&n); err != nil {
					return fmt.Errorf("read: %w", err)
				}
				time.Sleep(100 * time.Microsecond)
				if _, err := tx.Exec(ctx, `INSERT INTO seqs (n) VALUES ($1)`, n+1); err != nil {
					return fmt.Errorf("write: %w", err)
				}
				return nil
			},
			count: `SELECT count(*) FROM seqs`,
			// Serializable: the values are exactly 1..count.
			check: `SELECT count(*) FROM (SELECT n FROM seqs GROUP BY n HAVING count(*) > 1
				UNION ALL SELECT max(n) FROM seqs HAVING max(n) <> count(*)) AS bad`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, err := pgxpool.ParseConfig(pgtest.Start(t))
			if err != nil {
				t.Fatal(err)
			}
			cfg.MaxConns = workers // every worker in a transaction at once
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			if _, err := pool.Exec(ctx, tc.setup); err != nil {
				t.Fatal(err)
			}

			var attempts, atCommit, failures atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for range perWorker {
						bodyDone := false
						err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
							attempts.Add(1)
							if bodyDone {
								// The last attempt's statements all
								// succeeded: its COMMIT failed.
								atCommit.Add(1)
							}
							bodyDone = false
							if err := tc.txn(ctx, tx); err != nil {
								return err
							}
							bodyDone = true
							return nil
						})
						if err != nil {
							failures.Add(1)
							t.Error(err)
						}
					}
				}()
			}
			close(start)
			wg.Wait()

			var n, bad int64
			if err := pool.QueryRow(ctx, tc.count).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if want := int64(workers*perWorker) - failures.Load(); n != want {
				t.Errorf("%d transactions committed, %d landed: %d writes lost", want, n, want-n)
			}
			if err := pool.QueryRow(ctx, tc.check).Scan(&bad); err != nil {
				t.Fatal(err)
			}
			if bad != 0 {
				t.Errorf("not serializable: %d anomalies", bad)
			}
			retries := attempts.Load() - workers*perWorker
			t.Logf("%d transactions; %d retries after serialization failures, %d of them at COMMIT",
				workers*perWorker, retries, atCommit.Load())
			if retries == 0 {
				t.Error("no transaction was retried: the test did not exercise serialization conflicts")
			}
		})
	}
}

// BenchmarkApply measures Apply of batches of 500 audit rows (the
// projector's batch size), reported as rows/s.
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	s := open(b, pgtest.Start(b), 1)
	const batch = 500
	cats := []string{"user.contact.email", "user.name"}
	data := make([]byte, 200)
	seq := uint64(0)
	b.ResetTimer()
	for b.Loop() {
		bt := &model.Batch{From: seq, To: seq + batch, Audit: make([]model.AuditRow, batch)}
		for i := range bt.Audit {
			seq++
			bt.Audit[i] = model.AuditRow{Seq: seq, EventID: fmt.Sprintf("ev-%d", seq), Tenant: "t1",
				SubjectRef: fmt.Sprintf("subj-%d", seq%1000), Type: "docket.events.v1.DataCollected",
				Categories: cats, Purposes: []string{"essential.service"}, LegalBasis: "LEGAL_BASIS_CONTRACT",
				OccurredAt: ts(int64(seq)), RecordedAt: ts(int64(seq)), Source: "svc", Data: data}
		}
		if err := s.Apply(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "rows/s")
}

func TestConformance(t *testing.T) { conformance(t, pgtest.Start) }

// conformance runs the store's conformance suite on fresh databases that
// newDatabase makes (PostgreSQL here; CockroachDB in cockroach_test.go).
func conformance(t *testing.T, newDatabase func(testing.TB) string) {
	storetest.Run(t, func(t *testing.T) storetest.Database {
		dsn := newDatabase(t)
		return storetest.Database{
			Open: func(t *testing.T, gen int) model.Store {
				s, err := postgres.Open(t.Context(), dsn, gen)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Generations: func(t *testing.T) model.Generations {
				g, err := postgres.OpenGenerations(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { g.Close() })
				return g
			},
		}
	})
}

// Processes that open a new database at once take turns creating its
// tables (the DDL lock): none fails on another's CREATE ... IF NOT EXISTS,
// and each gets the same generation, migrated once.
func TestOpenAtOnce(t *testing.T) { openAtOnce(t, pgtest.Start(t)) }

func openAtOnce(t *testing.T, dsn string) {
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), dsn, 1)
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Open at once: %v", err)
		}
	}
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var versions, applied int
	if err := pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT version) FROM docket_g1.migrations`).Scan(&applied, &versions); err != nil {
		t.Fatal(err)
	}
	if applied != versions {
		t.Errorf("migrations recorded %d times for %d versions", applied, versions)
	}
}

func TestIsCockroachDB(t *testing.T) {
	for v, want := range map[string]bool{
		"CockroachDB CCL v25.2.0 (x86_64-pc-linux-gnu, built 2025/05/12 00:00:00, go1.23.7 X:nocoverageredesign)":     true,
		"PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0": false,
	} {
		if got := postgres.IsCockroachDB(v); got != want {
			t.Errorf("IsCockroachDB(%q) = %v", v, got)
		}
	}
}
