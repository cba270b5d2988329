// Package golden compares a test's output with a file under testdata/,
// byte for byte, and rewrites the file instead when the test runs with
// -update.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Check compares got with the golden file at path. With update, it writes
// got to path instead (creating testdata/ if needed) and passes.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the output differs from %s (-want +got; run with -update to accept it):\n%s",
			path, cmp.Diff(string(want), string(got)))
	}
}
