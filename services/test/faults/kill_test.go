package faults_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestDocketdKilledUnderLoad runs the docketd binary on the embedded
// default under append load from several clients, kills it with SIGKILL
// and starts it again on the same data dir and ports while the clients
// retry their batches (one kill in `make test`; three per mode, also with
// `--sync 2m --atomic-append=false`, under -tags faults). Then every
// acknowledged event must be in the stream, once and with no hole, and
// the read models, once caught up, must equal a rebuild from the stream
// (`docket projections rebuild`) table by table, row by row.
func TestDocketdKilledUnderLoad(t *testing.T) {
	bins := buildBinaries(t)
	modes := []struct {
		name string
		args []string
	}{
		{"default: atomic batches, fsync always", nil},
		{"async publish, fsync every 2m", []string{"--sync", "2m", "--atomic-append=false"}},
	}
	for _, m := range scale(modes[:1], modes) {
		t.Run(m.name, func(t *testing.T) { killUnderLoad(t, bins, m.args, scale(1, 3)) })
	}
}

func killUnderLoad(t *testing.T, bins binaries, args []string, kills int) {
	dir := t.TempDir()
	args = append([]string{"--data-dir", dir, "--rate-limit", "1000000", "--rate-burst", "1000000"}, args...)
	p := startProcess(t, bins.docketd, append(args, "--api-listen", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0"))
	// Later starts take the same ports, so that the clients' retries reach
	// the new process.
	args = append(args, "--api-listen", hostPort(p.api), "--nats-listen", hostPort(p.nats))
	admin := adminToken(t, dir)
	token := newEmitterToken(t, p.api, admin)
	client := ingestClient(t, p.api, token, &http.Transport{MaxIdleConnsPerHost: 16})

	workers, batch, every := scale(4, 6), 25, scale(1500, 3000)
	l := startLoad(client, workers, batch)
	defer l.stop()
	var killedAt []int
	for k := range kills {
		if !l.waitAcked((k+1)*every, 2*time.Minute) {
			t.Fatalf("kill %d: the load does not progress: %s", k+1, l.summary())
		}
		killedAt = append(killedAt, l.ackedN())
		p.kill(t)
		down := time.Now()
		p = startProcess(t, bins.docketd, args)
		n := l.ackedN()
		if !l.waitAcked(n+workers*batch, time.Minute) {
			t.Fatalf("after restart %d the load does not resume: %s", k+1, l.summary())
		}
		t.Logf("kill %d of %d at %d acknowledged; restarted, appends acknowledged again %s after the kill",
			k+1, kills, killedAt[k], time.Since(down).Round(time.Millisecond))
	}
	l.stop()
	l.checkFatal(t)
	acked := l.ackedIDs()

	st := readStream(t, jetStreamAt(t, p.nats, readerLogin(t, dir)...))
	checkStreamWhole(t, st, acked)
	t.Logf("%s; stream holds %d messages, all %d acknowledged events present, none twice, no hole", l.summary(), st.msgs, len(acked))

	// The read models catch up with the stream, then a rebuild replays it
	// into the next generation beside them.
	var cp uint64
	if err := eventually(2*time.Minute, func() bool {
		s, err := getStatus(context.Background(), p.api, admin)
		if err != nil {
			return false
		}
		cp = s.GetReadModels().GetCheckpoint()
		return cp >= s.GetStreamLastSequence() && cp >= st.last
	}); err != nil {
		t.Fatalf("the read models did not catch up with the stream in 2m: at %d of %d", cp, st.last)
	}
	out, err := exec.Command(bins.docket, "projections", "rebuild", "--quiet",
		"--store", "sqlite:"+filepath.Join(dir, "readmodels.db"), "--nats-url", p.nats, "--data-dir", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "generation 2") {
		t.Fatalf("docket projections rebuild: %v\n%s", err, out)
	}
	p.stop(t)

	cmp := compareGenerations(t, filepath.Join(dir, "readmodels.db"), 1, 2)
	t.Logf("read models after %d kills against a rebuild: %s", kills, cmp)
	if !cmp.ok() {
		t.Errorf("the read models after the kills differ from a rebuild: %s", cmp)
	}
}

// jetStreamAt connects to the NATS server at url, with opts, until the
// test ends.
func jetStreamAt(t *testing.T, url string, opts ...nats.Option) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, append([]nats.Option{nats.Name("faults")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// readerLogin logs in to the embedded server of the docketd whose data
// dir is dataDir as its read-only user, as docket tail does.
func readerLogin(t *testing.T, dataDir string) []nats.Option {
	t.Helper()
	p, err := natsembed.ReadPassword(natsembed.PasswordFile(dataDir, natsembed.ReaderUser))
	if err != nil {
		t.Fatal(err)
	}
	return []nats.Option{nats.UserInfo(natsembed.ReaderUser, p), nats.CustomInboxPrefix(natsembed.ReaderInbox)}
}

// binaries are docketd and docket, built for the test.
type binaries struct{ docketd, docket string }

// buildBinaries compiles docketd and docket (without the race detector:
// the test is about the process, not its goroutines).
func buildBinaries(t *testing.T) binaries {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator),
		"github.com/docketledger/docket/services/cmd/docketd", "github.com/docketledger/docket/services/cmd/docket")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return binaries{docketd: filepath.Join(dir, "docketd"), docket: filepath.Join(dir, "docket")}
}

// process is a docketd process and the URLs it printed.
type process struct {
	cmd       *exec.Cmd
	api, nats string
	log       *docketdtest.Logs
	done      chan struct{}
}

var (
	apiLine  = regexp.MustCompile(`API .* on (http://\S+)`)
	natsLine = regexp.MustCompile(`NATS on (nats://\S+)`)
)

// startProcess runs bin with args and waits until it prints its API and
// NATS URLs. Its stderr (the log) is shown if the test fails.
func startProcess(t *testing.T, bin string, args []string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), log: &docketdtest.Logs{}, done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("docketd log (tail):\n%s", p.log.Tail(40))
		}
	})
	urls := make(chan [2]string, 1)
	go func() {
		var api, nurl string
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if m := apiLine.FindStringSubmatch(lines.Text()); m != nil {
				api = m[1]
			}
			if m := natsLine.FindStringSubmatch(lines.Text()); m != nil {
				nurl = m[1]
			}
			if api != "" && nurl != "" {
				urls <- [2]string{api, nurl}
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-urls:
		p.api, p.nats = u[0], u[1]
		return p
	case <-p.done:
		t.Fatalf("docketd exited before printing its URLs:\n%s", p.log.Tail(40))
	case <-time.After(90 * time.Second):
		t.Fatalf("docketd did not print its URLs in 90s:\n%s", p.log.Tail(40))
	}
	return nil
}

// kill sends SIGKILL and waits for the process to end.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// stop sends SIGTERM and waits up to a minute for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("docketd exited with %d after SIGTERM:\n%s", code, p.log.Tail(20))
		}
	case <-time.After(time.Minute):
		t.Fatalf("docketd did not stop within a minute of SIGTERM")
	}
}

// hostPort is the host:port of a URL such as http://127.0.0.1:7070.
func hostPort(url string) string {
	_, hp, _ := strings.Cut(url, "://")
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return hp
	}
	return net.JoinHostPort(host, port)
}

// adminToken is the first admin token docketd wrote into its data dir.
func adminToken(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "keys", "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// newEmitterToken makes an emitter token for the test's tenant and source.
func newEmitterToken(t *testing.T, api, admin string) string {
	t.Helper()
	resp, err := docketdtest.NewAPI(api, admin).Tokens.CreateToken(context.Background(), connect.NewRequest(&apiv1.CreateTokenRequest{
		Name: "faults-kill", Roles: []string{"emitter"}, Tenant: tenant, Source: source}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetToken()
}

// generationDiff is how two generations of the SQLite read models compare.
type generationDiff struct {
	tables, rows int
	checkpoints  [2]int64
	differences  []string
}

func (d generationDiff) ok() bool {
	return len(d.differences) == 0 && d.checkpoints[0] == d.checkpoints[1] && d.rows > 0
}

func (d generationDiff) String() string {
	s := fmt.Sprintf("%d tables, %d rows compared, checkpoints %d and %d", d.tables, d.rows, d.checkpoints[0], d.checkpoints[1])
	if len(d.differences) == 0 {
		return s + ", every row the same"
	}
	return s + ", differences:\n  " + strings.Join(d.differences[:min(len(d.differences), 10)], "\n  ")
}

// compareGenerations compares, table by table, generations a and b of the
// SQLite read models at path (docketd stopped): every row of every table
// but the migrations record, in the order of all its columns.
func compareGenerations(t *testing.T, path string, a, b int) generationDiff {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var d generationDiff
	for i, g := range []int{a, b} {
		if err := db.QueryRow(fmt.Sprintf("SELECT seq FROM g%d_checkpoint", g)).Scan(&d.checkpoints[i]); err != nil {
			t.Fatalf("generation %d: %v", g, err)
		}
	}
	tables := tablesOf(t, db, a)
	if other := tablesOf(t, db, b); !slices.Equal(tables, other) {
		d.differences = append(d.differences, fmt.Sprintf("tables: generation %d has %v, %d has %v", a, tables, b, other))
		return d
	}
	for _, name := range tables {
		if name == "schema_migrations" {
			continue
		}
		d.table(name, dumpTable(t, db, fmt.Sprintf("g%d_%s", a, name)), dumpTable(t, db, fmt.Sprintf("g%d_%s", b, name)))
	}
	return d
}

// table compares the rows of table name in the two generations, each
// rendered as a string and in the same order.
func (d *generationDiff) table(name string, ra, rb []string) {
	d.tables++
	d.rows += len(ra)
	if diff := cmp.Diff(ra, rb, cmpopts.EquateEmpty()); diff != "" {
		d.differences = append(d.differences, fmt.Sprintf("%s, %d rows against %d (-first +second):\n%s", name, len(ra), len(rb), diff))
	}
}

// tablesOf lists generation g's tables, without the g<N>_ prefix.
func tablesOf(t *testing.T, db *sql.DB, g int) []string {
	t.Helper()
	prefix := fmt.Sprintf("g%d_", g)
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ORDER BY name`, prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimPrefix(n, prefix))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dumpTable is every row of table, each rendered as one string, ordered
// by all columns.
func dumpTable(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	cols, err := columnsOf(db, table)
	if err != nil {
		t.Fatal(err)
	}
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	rows, err := db.Query(fmt.Sprintf("SELECT * FROM %s ORDER BY %s", table, strings.Join(order, ", ")))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%#v", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func columnsOf(db *sql.DB, table string) ([]string, error) {
	rows, err := db.Query("SELECT * FROM " + table + " LIMIT 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}
