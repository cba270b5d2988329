// Package natsbin provides a nats-server binary for tests (Path) and
// programs (Build) that run real server processes (permissions, clusters,
// faults, benchmarks): $NATS_SERVER_BIN, or nats-server built from the Go
// module proxy at the version the services module requires, cached in the
// user cache directory.
//
// StartCluster runs such a binary as a JetStream cluster on loopback (of a
// configuration file and environment per node, or of a generated
// configuration), waits until it can place a replicated stream, and kills,
// stops and restarts single nodes; StartClusterT is the same for tests.
package natsbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Version is the nats-server the services module requires.
const Version = "v2.15.2"

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Path is $NATS_SERVER_BIN, or a nats-server built from the module proxy
// into the user cache. When none can be had the test is skipped, unless
// CI is "true", where it fails.
func Path(t testing.TB) string {
	t.Helper()
	bin, err := Build()
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("%v (set NATS_SERVER_BIN; with CI=true this fails)", err)
		}
		t.Fatal(err)
	}
	return bin
}

// Build is Path for programs that are not tests (benchmarks): the path of
// $NATS_SERVER_BIN, or of nats-server built into the user cache (once per
// process), or why none can be had. It needs the go command and this
// package's source tree (go run, not a copied binary) to build.
func Build() (string, error) {
	if p := os.Getenv("NATS_SERVER_BIN"); p != "" {
		return p, nil
	}
	buildOnce.Do(func() { builtBin, buildErr = build() })
	if buildErr != nil {
		return "", fmt.Errorf("natsbin: no nats-server: %w", buildErr)
	}
	return builtBin, nil
}

// build builds nats-server in the services module (so at the version its
// go.mod requires) into os.UserCacheDir()/docket/nats-server-<version>,
// unless it is there already.
func build() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "docket", "nats-server-"+Version)
	bin := filepath.Join(dir, "nats-server")
	if versionIs(bin) {
		return bin, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(goBin, "build", "-o", filepath.Join(tmp, "nats-server"), "github.com/nats-io/nats-server/v2")
	cmd.Dir = moduleDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build nats-server: %w\n%s", err, out)
	}
	if !versionIs(filepath.Join(tmp, "nats-server")) {
		return "", fmt.Errorf("services/go.mod requires another nats-server than %s: update natsbin.Version", Version)
	}
	if err := os.Rename(filepath.Join(tmp, "nats-server"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// moduleDir is the services module's directory, found from this file.
func moduleDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func versionIs(bin string) bool {
	out, err := exec.Command(bin, "--version").Output()
	return err == nil && strings.TrimSpace(string(out)) == "nats-server: "+Version
}
