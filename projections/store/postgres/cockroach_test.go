//go:build cockroach

package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/cockroachdb/cockroach-go/v2/testserver"
	"github.com/jackc/pgx/v5"
)

// TestCockroachDB runs the store's conformance suite and the concurrent
// opening test on a real single-node CockroachDB, which cockroach-go's
// testserver starts from $COCKROACH_BINARY. No CockroachDB can be had on
// the machines this project is built on (see deploy/README.md), so the
// test is behind the build tag cockroach, and fails without the binary:
//
//	COCKROACH_BINARY=/path/to/cockroach go test -tags cockroach -run TestCockroachDB ./projections/store/postgres/
func TestCockroachDB(t *testing.T) {
	bin := os.Getenv("COCKROACH_BINARY")
	if bin == "" {
		t.Fatal("COCKROACH_BINARY is not set (testserver would otherwise download a binary from binaries.cockroachdb.com)")
	}
	ts, err := testserver.NewTestServer(testserver.CockroachBinaryPathOpt(bin), testserver.StoreOnDiskOpt())
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(ts.Stop)
	server := ts.PGURL()
	newDatabase := func(tb testing.TB) string {
		tb.Helper()
		var b [8]byte
		rand.Read(b[:])
		name := "t_" + hex.EncodeToString(b[:])
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, server.String())
		if err != nil {
			tb.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			tb.Fatal(err)
		}
		u := *server
		u.Path = "/" + name
		return u.String()
	}
	conn, err := pgx.Connect(context.Background(), server.String())
	if err != nil {
		t.Fatal(err)
	}
	var version string
	if err := conn.QueryRow(context.Background(), "SELECT version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
	t.Logf("server: %s", version)

	t.Run("Conformance", func(t *testing.T) { conformance(t, newDatabase) })
	t.Run("OpenAtOnce", func(t *testing.T) { openAtOnce(t, newDatabase(t)) })
}
