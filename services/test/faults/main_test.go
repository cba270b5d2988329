package faults_test

import (
	"os"
	"testing"

	"github.com/docketledger/docket/projections/pgtest"
)

// TestMain stops the PostgreSQL server a test restarted, then pgtest's
// (and removes its directory).
func TestMain(m *testing.M) {
	code := m.Run()
	stopRestartedPostgres()
	pgtest.Stop()
	os.Exit(code)
}
