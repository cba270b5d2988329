package cli_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"golang.org/x/mod/sumdb/tlog"
)

// TestExitCodes: 1 only for a verification that ran and found a
// difference; 2 for a usage error and for a check that could not run.
func TestExitCodes(t *testing.T) {
	signer, vkey := newLogKey(t, "log.test")
	signed := func(root string) string {
		return writeCheckpoint(t, signer, checkpoint.Checkpoint{Origin: "log.test", Size: 3, Root: tlog.RecordHash([]byte(root))})
	}
	a, b := signed("one history"), signed("another history")
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout and stderr
	}{
		{"the same checkpoint twice", []string{"verify", "consistency", a, a, "--key", vkey}, cli.ExitOK, "OK: the tree of 3 events extends the tree of 3 events"},
		{"two trees of one size", []string{"verify", "consistency", a, b, "--key", vkey}, cli.ExitMismatch, "INCONSISTENT"},
		{"a checkpoint that is no file", []string{"verify", "consistency", a, a + ".missing", "--key", vkey}, cli.ExitFailure, "no such file"},
		{"a bad key", []string{"verify", "consistency", a, b, "--key", "not-a-key"}, cli.ExitFailure, "--key:"},
		{"a missing argument", []string{"verify", "consistency", a, "--key", vkey}, cli.ExitFailure, "usage: docket verify consistency OLD NEW"},
		{"a bundle that is not one", []string{"verify", "event", a, "--key", vkey}, cli.ExitFailure, "malformed bundle"},
		{"a receipt that is not one", []string{"verify", "receipt", a, "--key", vkey}, cli.ExitFailure, "not a receipt file"},
		{"an unreachable API", []string{"status", "--api", "http://127.0.0.1:1"}, cli.ExitFailure, "docket status: unavailable"},
		{"an API that is no URL", []string{"checkpoint", "--api", "127.0.0.1:7070"}, cli.ExitFailure, "--api: \"127.0.0.1:7070\" must start with http:// or https://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			if code != tc.wantCode || !strings.Contains(out+errOut, tc.wantOut) {
				t.Errorf("docket %s: exit %d\nstdout: %s\nstderr: %s\nwant exit %d and %q", strings.Join(tc.args, " "), code, out, errOut, tc.wantCode, tc.wantOut)
			}
		})
	}
}

// TestAPIFromEnvironment: without --api the CLI calls $DOCKET_API; --api
// wins over it.
func TestAPIFromEnvironment(t *testing.T) {
	d := startDaemon(t)
	t.Setenv(cli.APIEnv, d.APIURL())
	if out, _ := wantRun(t, cli.ExitOK, "status", "--format", "json"); !strings.Contains(out, `"stream_events"`) {
		t.Errorf("status with $DOCKET_API: %s", out)
	}
	if _, errOut := wantRun(t, cli.ExitFailure, "status", "--api", "http://127.0.0.1:1"); !strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("--api did not win over $DOCKET_API: %s", errOut)
	}
	t.Setenv(cli.APIEnv, "http://127.0.0.1:1")
	if _, errOut := wantRun(t, cli.ExitFailure, "status"); !strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("status with an unreachable $DOCKET_API: %s", errOut)
	}
}

// TestVersionHelpCompletion: --version, -h on every command, and the
// completion scripts cobra writes.
func TestVersionHelpCompletion(t *testing.T) {
	out, _ := wantRun(t, cli.ExitOK, "--version")
	if !strings.HasPrefix(out, "docket ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("docket --version: %q, want the version and %s", out, runtime.Version())
	}
	for _, args := range [][]string{{"-h"}, {"verify", "event", "-h"}, {"tokens", "create", "--help"}, {"help", "tail"}} {
		out, _ := wantRun(t, cli.ExitOK, args...)
		if !strings.Contains(out, "Usage:") || !strings.Contains(out, "--api string") {
			t.Errorf("docket %s: no usage, or no --api in it:\n%s", strings.Join(args, " "), out)
		}
	}
	for shell, want := range map[string]string{"bash": "complete -o default -F __start_docket docket", "zsh": "#compdef docket", "fish": "complete -c docket"} {
		if out, _ := wantRun(t, cli.ExitOK, "completion", shell); !strings.Contains(out, want) {
			t.Errorf("docket completion %s lacks %q", shell, want)
		}
	}
}

// TestTailFollows: docket tail prints what is stored and exits; with -f
// it keeps printing what is appended until it is stopped.
func TestTailFollows(t *testing.T) {
	d := startDaemon(t)
	wantRun(t, cli.ExitOK, "append", "--api", d.APIURL(), writeFile(t, line("s-1")))
	nats := []string{"--nats-url", d.NATSURL(), "--data-dir", d.Config.DataDir}
	if out, _ := wantRun(t, cli.ExitOK, append([]string{"tail"}, nats...)...); strings.Count(out, "\n") != 1 {
		t.Fatalf("tail printed %q, want the one stored event", out)
	}

	ctx, stop := context.WithCancel(context.Background())
	var out, errOut docketdtest.Logs // safe to read while tail writes
	done := make(chan int)
	go func() { done <- cli.Run(ctx, append([]string{"tail", "-f", "--from", "1"}, nats...), &out, &errOut) }()
	lines := func(n int) func() bool { return func() bool { return strings.Count(out.String(), "\n") >= n } }
	waitFor(t, lines(1))
	wantRun(t, cli.ExitOK, "append", "--api", d.APIURL(), writeFile(t, line("s-2")))
	waitFor(t, lines(2))
	select {
	case code := <-done:
		t.Fatalf("tail -f exited (%d) while following: %s", code, errOut.String())
	case <-time.After(200 * time.Millisecond):
	}
	stop()
	if code := <-done; code != cli.ExitOK || !strings.Contains(out.String(), `"subject_ref":"s-2"`) {
		t.Fatalf("tail -f: exit %d, printed %q: %s", code, out.String(), errOut.String())
	}
}
