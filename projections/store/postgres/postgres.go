// Package postgres is the read-model store on PostgreSQL (and, through the
// same wire protocol, CockroachDB), with pgx.
//
// # Layout
//
// Each generation of the read models lives in its own schema, docket_g<N>
// (docket_g1, docket_g2, ...): a Store opened for generation N sets the
// search_path of its connections to that schema, so its SQL names tables
// without a schema. The shared table public.docket_generation records which
// generation is current (see Generations). Every generation's schema has a
// migrations table; Open applies the versions it lacks.
//
// # Encodings
//
// Every timestamp is a BIGINT of Unix nanoseconds, UTC: timestamptz would
// keep microseconds only, and the SQLite store, which must give the same
// answers, keeps nanoseconds. As in the SQLite store, a zero time.Time is
// math.MinInt64, a nil *time.Time NULL, and times outside what int64
// nanoseconds hold (years 1678 to 2262) are refused.
// A SubjectState is one JSON document (encoding/json, which keeps
// nanoseconds) in a TEXT column: the exact bytes come back, and unlike
// JSONB it takes any string, "\u0000" included. String lists are text[],
// so that a category filter matches one element exactly (= ANY); bytes
// are bytea. Text columns that order results are COLLATE "C" (byte order,
// as SQLite).
//
// # Generations
//
// OpenGenerations gives the model.Generations of a database: Current reads
// public.docket_generation (created with generation 1 by Open or
// OpenGenerations), Switch moves it, Drop drops schema docket_g<N>.
//
// # Transactions
//
// Every write runs in a SERIALIZABLE transaction that InTx re-runs whole,
// from BEGIN to COMMIT, while it fails with a serialization failure. Not
// crdb.ExecuteTx: on PostgreSQL its savepoint retry never succeeds, and it
// ignores the error of the final COMMIT, where PostgreSQL may report a
// serialization failure: a lost write.
//
// The one exception is the Apply of a partition's view (see Partition),
// which runs READ COMMITTED, re-run the same way: views of several
// partitions apply at once, on their own connections, and merge into the
// same observed rows. Serializable, each such pair of transactions would
// conflict and one re-run from the start; read committed, the upsert of
// an observed row waits for the other's lock and then merges into the row
// as committed (ON CONFLICT DO UPDATE is atomic per row), which is all a
// partition's Apply needs: it reads nothing but its own checkpoint, which
// its first statement moves (compare-and-swap in one UPDATE, re-checked on
// the newest row), and every other row it writes is keyed by its own
// partition's subjects or events. CockroachDB, unless read committed is
// enabled there, runs them SERIALIZABLE, and they are re-run on conflict.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/cockroachdb/cockroach-go/v2/crdb"
	"github.com/docketledger/docket/projections/model"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the read models of one generation in one PostgreSQL or
// CockroachDB database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	gen  int
}

var _ model.Store = (*Store)(nil)

// Schema is the name of the schema that holds generation gen's tables.
func Schema(gen int) string { return fmt.Sprintf("docket_g%d", gen) }

// Open connects to the database dsn names (a postgres:// URL or a
// key=value string), creates generation's schema if needed and applies
// its missing migrations. Close the Store when done.
func Open(ctx context.Context, dsn string, generation int) (*Store, error) {
	if generation < 1 {
		return nil, fmt.Errorf("postgres store: generation %d: must be 1 or more", generation)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included.
		return nil, errors.New("postgres store: cannot parse the DSN")
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = Schema(generation)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	if err := migrate(ctx, pool, generation); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: generation %d: %w", generation, err)
	}
	return &Store{pool: pool, gen: generation}, nil
}

// Generation is the generation whose tables s reads and writes.
func (s *Store) Generation() int { return s.gen }

// Close closes the connections, waiting for those in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// maxRetries bounds how often InTx re-runs a transaction.
const maxRetries = 100

// InTx runs fn in a SERIALIZABLE transaction on pool and commits it. While
// the transaction fails with a serialization failure (SQLSTATE 40001) —
// in any statement or in the COMMIT — it rolls back and runs the whole
// transaction again, BEGIN to COMMIT, after a short random pause, up to
// 100 times. fn may therefore run more than once: it must have no effect
// but through tx, and must wrap errors with %w so that a serialization
// failure stays recognisable. Any other error ends the loop and is
// returned as fn or pgx returned it.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return inTx(ctx, pool, pgx.Serializable, fn)
}

// inTx is InTx at another isolation level.
func inTx(ctx context.Context, pool *pgxpool.Pool, iso pgx.TxIsoLevel, fn func(pgx.Tx) error) error {
	pauses := retryPauses()
	first := true
	return crdb.ExecuteCtx(crdb.WithMaxRetries(ctx, maxRetries), func(ctx context.Context, _ ...any) error {
		if !first {
			if err := sleep(ctx, pauses.NextBackOff()); err != nil {
				return err
			}
		}
		first = false
		return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: iso}, fn)
	})
}

// retryPauses are the pauses before the retries of a transaction, so that
// transactions that conflicted do not meet again at once: before retry n a
// random time up to 1ms·2^n, at most 100ms. (A randomization factor of 1
// around 1ms·2^(n-1), capped at 50ms, draws from 0 to twice that.)
func retryPauses() *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{InitialInterval: time.Millisecond, RandomizationFactor: 1, Multiplier: 2, MaxInterval: 50 * time.Millisecond}
	b.Reset()
	return b
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
