package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProjectionsRebuild(t *testing.T) {
	d := startDaemon(t)
	c := d.Config
	if code, _, errOut := run(t, "append", "--api", d.APIURL(), writeFile(t, line("s-1"), line("s-2"))); code != 0 {
		t.Fatalf("append: %s", errOut)
	}
	store := "sqlite:" + filepath.Join(c.DataDir, "readmodels.db")
	code, out, errOut := run(t, "projections", "rebuild", "--store", store, "--nats-url", d.NATSURL(), "--data-dir", d.DataDir(), "--quiet")
	if code != 0 || !strings.Contains(out, "generation 2") {
		t.Fatalf("rebuild: exit %d, %s %s", code, out, errOut)
	}
	deadline := time.Now().Add(20 * time.Second)
	for d.ReadModels().Status().Generation != 2 {
		if time.Now().After(deadline) {
			t.Fatal("docketd did not switch to generation 2")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, out, _ := run(t, "history", "--api", d.APIURL(), "--format", "csv", "acme", "s-2"); code != 0 || strings.Count(out, "\n") != 2 {
		t.Fatalf("history after the rebuild: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"projections"}, "docket projections: give a command: rebuild"},
		{[]string{"projections", "rebuild", "--store", "mysql://x"}, "--store: must be sqlite:PATH or a postgres:// URL"},
	} {
		code, _, errOut := run(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("docket %v: exit %d, stderr %q", tc.args, code, errOut)
		}
	}
}
