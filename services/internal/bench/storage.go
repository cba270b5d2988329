package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
)

// storageSizes are the bytes the events and their read models take.
type storageSizes struct {
	stream     uint64 // the events stream's State.Bytes (JetStream's accounting)
	streamDisk int64  // the events stream's directory on disk; -1 if not found
	sqlite     int64  // the SQLite file, after a WAL checkpoint
	sqliteWAL  int64  // what is left in its WAL
	sqliteNote string // when the checkpoint could not copy the whole WAL
	pg         int64  // -1 without PostgreSQL
	pgSchema   string
	notary     int64 // the notary's tree on disk; -1 if not measured
}

// storage measures the events stream of js (its directory found under
// natsDir), the SQLite file at sqlitePath (after PRAGMA
// wal_checkpoint(TRUNCATE)) and, with a dsn, generation gen's schema in
// PostgreSQL (pg_total_relation_size, so with indexes and TOAST, summed
// over its tables).
func storage(ctx context.Context, js jetstream.JetStream, natsDir, sqlitePath, dsn string, gen int) (storageSizes, error) {
	sz := storageSizes{streamDisk: -1, pg: -1, notary: -1}
	s, err := js.Stream(ctx, events.DefaultStream)
	if err != nil {
		return sz, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return sz, err
	}
	sz.stream = info.State.Bytes
	_ = filepath.WalkDir(natsDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == events.DefaultStream && filepath.Base(filepath.Dir(path)) == "streams" {
			sz.streamDisk = dirBytes(path)
			return filepath.SkipAll
		}
		return nil
	})
	if sz.sqlite, sz.sqliteWAL, sz.sqliteNote, err = sqliteBytes(ctx, sqlitePath); err != nil {
		return sz, err
	}
	if dsn != "" {
		sz.pgSchema = postgres.Schema(gen)
		if sz.pg, err = pgSchemaBytes(ctx, dsn, sz.pgSchema); err != nil {
			return sz, err
		}
	}
	return sz, nil
}

// print writes the sizes scaled to bytes per million of n events.
func (sz storageSizes) print(w io.Writer, n int) {
	per := func(b int64) string {
		return fmt.Sprintf("%14s %10.0f", mib(float64(b)*1e6/float64(n)), float64(b)/float64(n))
	}
	fmt.Fprintf(w, "%-52s %s\n", "JetStream events stream (stream info State.Bytes)", per(int64(sz.stream)))
	if sz.streamDisk >= 0 {
		fmt.Fprintf(w, "%-52s %s\n", "JetStream events stream, its directory on disk", per(sz.streamDisk))
	}
	fmt.Fprintf(w, "%-52s %s\n", "SQLite read models (file + WAL, after checkpoint)", per(sz.sqlite+sz.sqliteWAL))
	if sz.sqliteNote != "" {
		fmt.Fprintf(w, "  %s\n", sz.sqliteNote)
	}
	if sz.pg >= 0 {
		fmt.Fprintf(w, "%-52s %s\n", "PostgreSQL read models (schema "+sz.pgSchema+")", per(sz.pg))
	}
	if sz.notary >= 0 {
		fmt.Fprintf(w, "%-52s %s\n", "notary's Merkle tree on disk", per(sz.notary))
	}
	fmt.Fprintln(w, "SQLite: the database file plus its WAL after PRAGMA wal_checkpoint(TRUNCATE), one generation per file;")
	fmt.Fprintln(w, "PostgreSQL: pg_total_relation_size (heap, indexes, TOAST) summed over the generation schema's tables.")
}

// mib formats a byte count.
func mib(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", b/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", b/(1<<10))
	}
}

// dirBytes is the size of the regular files under dir.
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// sqliteBytes copies the WAL of the SQLite file at path back into it
// (TRUNCATE) and returns the sizes of the file and of what is left in the
// WAL, with a note when a reader kept the checkpoint from finishing.
func sqliteBytes(ctx context.Context, path string) (file, wal int64, note string, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, 0, "", err
	}
	db, err := sql.Open("sqlite", "file:"+abs+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, 0, "", err
	}
	defer db.Close()
	var busy, logFrames, done int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return 0, 0, "", fmt.Errorf("sqlite checkpoint: %w", err)
	}
	if busy != 0 {
		note = fmt.Sprintf("(the checkpoint was blocked: %d of %d WAL frames copied)", done, logFrames)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return 0, 0, "", err
	}
	if wi, err := os.Stat(abs + "-wal"); err == nil {
		wal = wi.Size()
	}
	return fi.Size(), wal, note, nil
}

// pgSchemaBytes sums pg_total_relation_size over the tables of schema.
func pgSchemaBytes(ctx context.Context, dsn, schema string) (int64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = $1 AND c.relkind IN ('r', 'm')`, strings.ToLower(schema)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres size of %s: %w", schema, err)
	}
	return n, nil
}
