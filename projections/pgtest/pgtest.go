// Package pgtest gives tests a throw-away PostgreSQL database.
//
// The first call to Start in a test binary runs initdb into a fresh
// directory under os.TempDir() and starts one postgres server on a random
// port of 127.0.0.1 (fsync off, trust authentication); every call then
// creates a database with a random name on that server and drops it when
// the test ends. Call Main from TestMain to stop the server and remove its
// directory when the tests are done; without it the server still dies with
// the test process (it is started with a parent-death signal) but its
// directory stays behind until a later run sweeps it.
//
// initdb and postgres refuse to run as root: when the test runs as root,
// pgtest runs them as the "postgres" user in a directory that user owns.
//
// When the PostgreSQL binaries are missing, Start skips the test, unless
// the environment variable CI is "true": in CI a skip would hide a test
// that never ran, so Start fails it instead. PGTEST_BINDIR names the
// folder of the binaries when neither `pg_config --bindir` nor the usual
// Debian folders find them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// errNoBinaries is matched by the start error when PostgreSQL is not
// installed: the one failure that may skip a test outside CI.
var errNoBinaries = errors.New("PostgreSQL binaries not found")

var (
	once    sync.Once
	shared  *cluster
	initErr error
)

// Start returns the DSN of a new, empty database on this process's
// throw-away PostgreSQL server, starting the server on first use. The
// database is dropped when t ends.
func Start(t testing.TB) (dsn string) {
	t.Helper()
	once.Do(func() { shared, initErr = startCluster() })
	if initErr != nil {
		if errors.Is(initErr, errNoBinaries) && os.Getenv("CI") != "true" {
			t.Skipf("pgtest: %v (install PostgreSQL 15, or set PGTEST_BINDIR; with CI=true this fails)", initErr)
		}
		t.Fatalf("pgtest: %v", initErr)
	}
	name, err := shared.createDatabase()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := shared.dropDatabase(name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return shared.dsn(name)
}

// NewDatabase is Start for programs that are not tests (benchmarks): it
// returns the DSN of a new, empty database on the process's throw-away
// server, which Stop removes.
func NewDatabase() (string, error) {
	once.Do(func() { shared, initErr = startCluster() })
	if initErr != nil {
		return "", fmt.Errorf("pgtest: %w", initErr)
	}
	name, err := shared.createDatabase()
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	return shared.dsn(name), nil
}

// Main runs the tests and then stops the server, if any was started, and
// removes its directory. Use it as the body of TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := func() int {
		defer Stop() // also when a test panics
		return m.Run()
	}()
	os.Exit(code)
}

// Dir is the directory of this process's throw-away server, holding its
// data/ and its log, for tests that check what PostgreSQL wrote; "" before
// the first Start.
func Dir() string {
	if shared == nil {
		return ""
	}
	return shared.dir
}

// Stop stops the server and removes its directory. Start must not be
// called afterwards. Main calls it; it is safe to call more than once.
func Stop() {
	if shared != nil {
		shared.stop()
	}
}

type cluster struct {
	dir     string // owned by the server's user; holds data/, the socket and the log
	port    int
	cmd     *exec.Cmd
	done    chan struct{} // closed when the server process has exited
	mu      sync.Mutex
	stopped bool
}

func (c *cluster) dsn(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

func startCluster() (*cluster, error) {
	bindir, err := findBindir()
	if err != nil {
		return nil, err
	}
	cred, owner, err := serverUser()
	if err != nil {
		return nil, err
	}
	sweepStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	// os.TempDir() is world-searchable (1777); the new directory is 0700
	// and root's: hand it over to the server's user.
	if owner != nil {
		if err := os.Chown(dir, owner.uid, owner.gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	c := &cluster{dir: dir}
	if err := c.initdb(bindir, cred); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A free port can be taken between our probe and the server's bind:
	// try a few.
	for attempt := 0; ; attempt++ {
		err = c.startServer(bindir, cred)
		if err == nil {
			return c, nil
		}
		if attempt == 4 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (c *cluster) initdb(bindir string, cred *syscall.Credential) error {
	cmd := exec.Command(filepath.Join(bindir, "initdb"),
		"-D", filepath.Join(c.dir, "data"),
		"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions")
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	return nil
}

func (c *cluster) startServer(bindir string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logPath := filepath.Join(c.dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	// postgres directly, not pg_ctl: pg_ctl would detach it, and then the
	// parent-death signal could not stop it when the test binary dies.
	// SIGQUIT is PostgreSQL's immediate shutdown: children and shared
	// memory are cleaned up.
	cmd := exec.Command(filepath.Join(bindir, "postgres"),
		"-D", filepath.Join(c.dir, "data"),
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+c.dir,
		"-c", "fsync=off",
		"-c", "full_page_writes=off",
		"-c", "synchronous_commit=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=64MB",
		"-c", "max_parallel_workers_per_gather=0",
	)
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	c.port, c.cmd, c.done = port, cmd, done

	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.dsn("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-done:
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres exited at start-up: %v\n%s", cmd.ProcessState, out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.kill()
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres not ready after 30s: %v\n%s", err, out)
		}
	}
}

func (c *cluster) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

func (c *cluster) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.stopped = true
	c.kill()
	os.RemoveAll(c.dir)
}

func (c *cluster) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, c.dsn("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func (c *cluster) createDatabase() (string, error) {
	var b [8]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.admin(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return name, nil
}

func (c *cluster) dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// FORCE: a test may leave a pool open; its connections are cut.
	if err := c.admin(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// findBindir finds the folder of initdb and postgres.
func findBindir() (string, error) {
	var candidates []string
	if d := os.Getenv("PGTEST_BINDIR"); d != "" {
		candidates = append(candidates, d)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	candidates = append(candidates, "/usr/lib/postgresql/15/bin")
	others, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(others)))
	candidates = append(candidates, others...)
	for _, d := range candidates {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w (looked in PGTEST_BINDIR, `pg_config --bindir`, PATH, /usr/lib/postgresql/*/bin)", errNoBinaries)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

type ids struct{ uid, gid int }

// serverUser says whom initdb and postgres run as: nil (ourselves) unless
// we are root, which they refuse; then the "postgres" user.
func serverUser() (*syscall.Credential, *ids, error) {
	if os.Geteuid() != 0 {
		return nil, nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, nil, fmt.Errorf("running as root, and initdb/postgres refuse root: need a \"postgres\" user to run them as: %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return nil, nil, fmt.Errorf("user postgres: %w", err)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
	return cred, &ids{uid, gid}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

const dirPrefix = "docket-pgtest-"

// sweepStale removes the directories of servers of earlier test processes
// that ended without Main: directories older than a minute whose server is
// gone.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if pidfile, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			line, _, _ := strings.Cut(string(pidfile), "\n")
			if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && alive(pid) {
				continue
			}
		}
		os.RemoveAll(d)
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
