package pgtest_test

import (
	"context"
	"testing"

	"github.com/docketledger/docket/projections/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestStart(t *testing.T) {
	ctx := context.Background()
	query := func(t *testing.T, dsn, sql string) string {
		t.Helper()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var s string
		if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	a, b := pgtest.Start(t), pgtest.Start(t)
	if a == b {
		t.Fatalf("two calls gave the same database %s", a)
	}
	dbA := query(t, a, "SELECT current_database()")
	dbB := query(t, b, "SELECT current_database()")
	if dbA == dbB {
		t.Fatalf("both DSNs reach database %s", dbA)
	}
	if v := query(t, a, "SHOW server_version_num"); v < "150000" {
		t.Errorf("server_version_num = %s, want PostgreSQL 15 or later", v)
	}
	if got := query(t, a, "SHOW fsync"); got != "off" {
		t.Errorf("fsync = %s, want off", got)
	}

	// A database is dropped when its test ends.
	var inner string
	t.Run("cleanup", func(t *testing.T) {
		inner = query(t, pgtest.Start(t), "SELECT current_database()")
	})
	if got := query(t, a, "SELECT count(*)::text FROM pg_database WHERE datname = '"+inner+"'"); got != "0" {
		t.Errorf("database %s of a finished test still exists", inner)
	}
}
