package cli_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/daemon"
)

func TestProjectionsRebuild(t *testing.T) {
	c := config.Defaults()
	c.DataDir = t.TempDir()
	c.NATSListen = "127.0.0.1:0"
	c.APIListen = "127.0.0.1:0"
	d, err := daemon.Start(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Shutdown(context.Background()) })
	authorize(t, d, c)
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
		{[]string{"projections"}, "usage: docket projections rebuild"},
		{[]string{"projections", "rebuild", "--store", "mysql://x"}, "--store: must be sqlite:PATH or a postgres:// URL"},
	} {
		code, _, errOut := run(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("docket %v: exit %d, stderr %q", tc.args, code, errOut)
		}
	}
}
