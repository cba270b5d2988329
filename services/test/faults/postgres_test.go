package faults_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/jackc/pgx/v5"
)

// restartedPostgres is the server process a test restarted in place of
// pgtest's (same data dir, port and options); TestMain stops it before
// pgtest.Stop removes the directory.
var restartedPostgres struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func stopRestartedPostgres() {
	restartedPostgres.mu.Lock()
	defer restartedPostgres.mu.Unlock()
	if restartedPostgres.cmd == nil {
		return
	}
	_ = restartedPostgres.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-restartedPostgres.done:
	case <-time.After(10 * time.Second):
		_ = restartedPostgres.cmd.Process.Kill()
		<-restartedPostgres.done
	}
	restartedPostgres.cmd = nil
}

// postmasterArgs is the command line the server of dir was started with,
// from the postmaster.opts file PostgreSQL writes at start:
// /path/postgres "-D" "/dir/data" "-p" "5432" ...
func postmasterArgs(data string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.opts"))
	if err != nil {
		return nil, err
	}
	line := strings.TrimSpace(string(b))
	bin, rest, _ := strings.Cut(line, " ")
	args := []string{bin}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		if rest[0] != '"' {
			return nil, fmt.Errorf("postmaster.opts: unquoted argument in %q", line)
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("postmaster.opts: unterminated quote in %q", line)
		}
		args = append(args, rest[1:end+1])
		rest = rest[end+2:]
	}
	return args, nil
}

// killPostgres kills pgtest's server (the postmaster and its backends,
// one process group) with SIGKILL: a crash, not a shutdown. It returns
// the function that starts it again on the same data dir and port with the
// same options; PostgreSQL then recovers from its WAL.
func killPostgres(t *testing.T) (restart func(t *testing.T)) {
	t.Helper()
	dir := pgtest.Dir()
	if dir == "" {
		t.Fatal("pgtest has no server")
	}
	data := filepath.Join(dir, "data")
	args, err := postmasterArgs(data)
	if err != nil {
		t.Fatal(err)
	}
	pidfile, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(pidfile), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	// pgtest (and restart below) start the postmaster as a process group
	// leader: its backends are in the group.
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 the postmaster's group %d: %v", pid, err)
	}
	if err := eventually(30*time.Second, func() bool {
		return errors.Is(syscall.Kill(-pid, 0), syscall.ESRCH) && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	}); err != nil {
		t.Fatalf("the postmaster %d and its backends are still there 30s after kill -9", pid)
	}
	return func(t *testing.T) {
		t.Helper()
		fi, err := os.Stat(data)
		if err != nil {
			t.Fatal(err)
		}
		attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT, Setpgid: true}
		if st := fi.Sys().(*syscall.Stat_t); os.Geteuid() == 0 && st.Uid != 0 {
			// postgres refuses root: run it as the data dir's owner, as pgtest does.
			attr.Credential = &syscall.Credential{Uid: st.Uid, Gid: st.Gid, NoSetGroups: true}
		}
		logf, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Stdout, cmd.Stderr, cmd.SysProcAttr = dir, logf, logf, attr
		if err := cmd.Start(); err != nil {
			t.Fatalf("restart postgres: %v", err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		restartedPostgres.mu.Lock()
		restartedPostgres.cmd, restartedPostgres.done = cmd, done
		restartedPostgres.mu.Unlock()
		port := ""
		for i, a := range args {
			if a == "-p" && i+1 < len(args) {
				port = args[i+1]
			}
		}
		dsn := "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable"
		if err := eventually(60*time.Second, func() bool {
			select {
			case <-done:
				return true
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			conn, err := pgx.Connect(ctx, dsn)
			if err == nil {
				conn.Close(ctx)
			}
			return err == nil
		}); err != nil {
			t.Fatal("the restarted postgres does not accept connections after 60s")
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			t.Fatalf("the restarted postgres exited:\n%s", b)
		default:
		}
	}
}

// pgQuery runs one query on dsn's database and scans its one row.
func pgQuery(ctx context.Context, dsn, sql string, dest ...any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.QueryRow(ctx, sql).Scan(dest...)
}

// pgAudit reads the audit table of generation gen.
func pgAudit(t *testing.T, dsn string, gen int) []auditRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "SELECT seq, event_id FROM "+postgres.Schema(gen)+".audit ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var (
			seq int64
			id  string
		)
		if err := rows.Scan(&seq, &id); err != nil {
			t.Fatal(err)
		}
		out = append(out, auditRow{seq: uint64(seq), eventID: id})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPostgresKilledWhileProjecting runs docketd with its read models in
// PostgreSQL under a continuous append load and kills PostgreSQL (kill -9
// of the postmaster and its backends) while the projector writes, then
// restarts it on the same port and data dir. Appends must go on meanwhile
// (they do not need the read models); the projector must notice, back off
// and resume by itself; and in the end the audit table must hold every
// stream sequence exactly once, with its event id: no gap, no duplicate.
func TestPostgresKilledWhileProjecting(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts PostgreSQL")
	}
	workers, batch := scale(3, 6), scale(20, 100)
	rounds := scale(1, 3)
	downFor := scale(3*time.Second, 8*time.Second)

	dsn := pgtest.Start(t)
	cfg := baseConfig(t, "")
	cfg.Store = dsn
	d := startDocketd(t, cfg)
	gen := d.ReadModels().Status().Generation
	checkpoint := func() (uint64, error) {
		var seq int64
		err := pgQuery(context.Background(), dsn, "SELECT seq FROM "+postgres.Schema(gen)+".checkpoint", &seq)
		return uint64(seq), err
	}

	l := startLoad(d.client, workers, batch)
	defer l.stop()
	inFlight := workers * batch
	for round := range rounds {
		if !l.waitAcked(l.ackedN()+scale(500, 5000), 2*time.Minute) {
			t.Fatalf("round %d: the load does not progress: %s", round, l.summary())
		}
		// Kill while the projector writes: it has committed batches and
		// has a statement or transaction open.
		var busy int
		var cpAtKill uint64
		_ = eventually(10*time.Second, func() bool {
			cp, err := checkpoint()
			if err != nil || cp == 0 {
				return false
			}
			err = pgQuery(context.Background(), dsn, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()
				AND state IN ('active', 'idle in transaction')`, &busy)
			cpAtKill = cp
			return err == nil && busy > 0
		})
		stats := d.ReadModels().Status()
		before := l.ackedN()
		killedAt := time.Now()
		restart := killPostgres(t)

		if !l.waitAcked(before+inFlight+1, 30*time.Second) {
			t.Errorf("round %d: appends stopped with PostgreSQL down: %s", round, l.summary())
		}
		var lastErr string
		if err := eventually(30*time.Second, func() bool {
			lastErr = d.ReadModels().Status().LastError
			return lastErr != "" && lastErr != stats.LastError
		}); err != nil {
			t.Errorf("round %d: the projector reports no error 30s after PostgreSQL died", round)
		}
		if rest := downFor - time.Since(killedAt); rest > 0 {
			time.Sleep(rest)
		}
		whileDown, down := l.ackedN()-before, time.Since(killedAt)
		failedBatches := d.Logs.Count("projector: batch failed")

		restart(t)
		restartedAt := time.Now()
		cpAtRestart, err := checkpoint()
		if err != nil {
			t.Fatalf("round %d: checkpoint after the restart: %v", round, err)
		}
		var resumed time.Duration
		if err := eventually(2*time.Minute, func() bool {
			cp, err := checkpoint()
			return err == nil && cp > cpAtRestart
		}); err != nil {
			t.Errorf("round %d: the projector did not resume within 2 min of the restart (last error %q)", round, d.ReadModels().Status().LastError)
		} else {
			resumed = time.Since(restartedAt)
		}
		if len(lastErr) > 160 {
			lastErr = lastErr[:160] + "…"
		}
		t.Logf("round %d: killed PostgreSQL (%d statements/transactions of docketd open) at checkpoint %d (projector's own %d), stream head %d; "+
			"%d events acknowledged during the %s it was down; projector error: %q, failed batches logged so far %d; "+
			"restarted: checkpoint %d in the database after recovery (pgtest runs synchronous_commit=off: the last commits may be lost, and re-applied), advancing again %s after the restart",
			round, busy, cpAtKill, stats.Checkpoint, stats.Head, whileDown, down.Round(time.Millisecond), lastErr, failedBatches,
			cpAtRestart, resumed.Round(time.Millisecond))
	}
	if !l.waitAcked(l.ackedN()+scale(300, 3000), 2*time.Minute) {
		t.Errorf("the load does not progress after the restart: %s", l.summary())
	}
	l.stop()
	l.checkFatal(t)

	st := readStream(t, d.JetStream())
	missing, moved := st.checkAcked(l.ackedIDs())
	dupIDs, _ := st.duplicates()
	start := time.Now()
	if err := eventually(3*time.Minute, func() bool {
		cp, err := checkpoint()
		return err == nil && cp >= st.last
	}); err != nil {
		cp, _ := checkpoint()
		t.Fatalf("the read models reached sequence %d of %d in 3 min (last error %q)", cp, st.last, d.ReadModels().Status().LastError)
	}
	caughtUp := time.Since(start)
	audit := compareAudit(pgAudit(t, dsn, gen), st)
	t.Logf("%d workers × batches of %d, %d PostgreSQL kill(s): %s", workers, batch, rounds, l.summary())
	t.Logf("stream: %d messages, acknowledged events missing %d, moved %d, ids stored twice %d; read models caught up %s after the load stopped; %s",
		st.msgs, len(missing), len(moved), dupIDs, caughtUp.Round(time.Millisecond), audit)
	if len(missing)+len(moved)+dupIDs > 0 {
		t.Errorf("stream: missing %v, moved %v, %d ids stored twice", head(missing), head(moved), dupIDs)
	}
	if !audit.ok() {
		t.Errorf("read models after PostgreSQL was killed: %s", audit)
	}
}
