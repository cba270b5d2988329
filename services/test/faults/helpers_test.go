package faults_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/docketledger/docket/services/internal/testkit/eventtest"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// scale is light in `make test`, heavy under -tags faults.
func scale[T any](light, heavyValue T) T {
	if heavy {
		return heavyValue
	}
	return light
}

// Tenant and source of every event the tests append.
const (
	tenant = "acme"
	source = "faults"
)

// newEvent is a valid DataCollected event with a fresh id and a plaintext
// value that docketd seals.
func newEvent(subjectRef string, i int) *eventsv1.Event {
	ev := eventtest.Collected(tenant, subjectRef, fmt.Sprintf("fault-%d@example.org", i))
	ev.OccurredAt, ev.Source = timestamppb.Now(), source
	return ev
}

// baseConfig is docketdtest's configuration (the embedded default with no
// NATS listener, the API on a random loopback port) with no rate limit in
// the way of the load, on data dir dir ("" for a fresh one).
func baseConfig(t *testing.T, dir string) config.Config {
	c := docketdtest.Config(t)
	if dir != "" {
		c.DataDir = dir
	}
	c.RateLimit, c.RateBurst = 1e6, 1e6
	return c
}

// docketd is an in-process docketd with an emitter token's API client.
type docketd struct {
	*docketdtest.Docketd
	token  string // the emitter token
	client apiv1connect.IngestServiceClient
	conns  *http.Transport // the client's

	mu      sync.Mutex
	stopped bool
}

// startDocketd starts docketd on cfg, makes an emitter token for tenant
// acme as source faults, and stops docketd when the test ends. Its log
// (from info up, the load is heavy) is shown if the test failed.
func startDocketd(t *testing.T, cfg config.Config) *docketd {
	t.Helper()
	dd := &docketd{Docketd: docketdtest.Start(t, cfg, docketdtest.WithLogLevel(slog.LevelInfo)),
		conns: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
	t.Cleanup(func() { dd.stop(t) })
	dd.token = dd.Token(t, auth.Spec{Name: "faults", Roles: []auth.Role{auth.Emitter}, Tenant: tenant, Source: source})
	dd.client = ingestClient(t, dd.APIURL(), dd.token, dd.conns)
	return dd
}

// newClients is n API clients with the emitter token, each on a
// connection of its own.
func (d *docketd) newClients(t *testing.T, n int) []apiv1connect.IngestServiceClient {
	clients := make([]apiv1connect.IngestServiceClient, n)
	for i := range clients {
		clients[i] = ingestClient(t, d.APIURL(), d.token, &http.Transport{})
	}
	return clients
}

// ingestClient is an Ingest API client of the API at url calling with
// token over tr (a pool of connections of its own, so that a load's
// connections are not the other calls' ones), closed when the test ends.
func ingestClient(t *testing.T, url, token string, tr *http.Transport) apiv1connect.IngestServiceClient {
	t.Cleanup(tr.CloseIdleConnections)
	return apiv1connect.NewIngestServiceClient(&http.Client{Transport: tr}, url, auth.Bearer(token))
}

// getStatus is the GetStatus answer of the API at url, asked with token.
func getStatus(ctx context.Context, url, token string) (*apiv1.GetStatusResponse, error) {
	resp, err := docketdtest.NewAPI(url, token).Status.GetStatus(ctx, connect.NewRequest(&apiv1.GetStatusRequest{}))
	if err != nil {
		return nil, err
	}
	return resp.Msg, nil
}

// stop shuts docketd down, failing the test if that takes over a minute.
// It is idempotent.
func (d *docketd) stop(t *testing.T) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	d.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Shutdown(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Logf("docketd shutdown: %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Errorf("docketd did not shut down in 90s")
	}
	d.conns.CloseIdleConnections()
}

// load appends batches of fresh events from several goroutines until
// stopped. A failed call is retried with the same batch (same event ids),
// as a client should: a batch stored before the failure then comes back
// as duplicates.
type load struct {
	client apiv1connect.IngestServiceClient
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	acked      map[string]uint64 // event id -> acknowledged sequence
	sent       int               // events of the batches tried (each once)
	calls      int
	failed     int            // calls that returned an error
	dupResults int            // results marked duplicate
	codes      map[string]int // error code -> calls
	samples    map[string]int // error messages (first 200 bytes) -> calls
	start      time.Time
	last       time.Time // last acknowledgement
	maxPause   time.Duration
	pauseFrom  time.Time
	stoppedAt  time.Time
	fatal      error
}

// startLoad starts workers goroutines appending batches of batch events,
// each on subjects of its own.
func startLoad(client apiv1connect.IngestServiceClient, workers, batch int) *load {
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now()
	l := &load{client: client, cancel: cancel, acked: map[string]uint64{}, codes: map[string]int{},
		samples: map[string]int{}, start: now, last: now, pauseFrom: now}
	for w := range workers {
		l.wg.Go(func() { l.worker(ctx, w, batch) })
	}
	return l
}

func (l *load) worker(ctx context.Context, w, size int) {
	for i := 0; ctx.Err() == nil; i++ {
		evs := make([]*eventsv1.Event, size)
		for j := range evs {
			evs[j] = newEvent(fmt.Sprintf("w%d-s%d", w, j%7), i*size+j)
		}
		l.mu.Lock()
		l.sent += size
		l.mu.Unlock()
		for ctx.Err() == nil {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			resp, err := l.client.Append(cctx, connect.NewRequest(&apiv1.AppendRequest{Events: evs}))
			cancel()
			if ctx.Err() != nil {
				return // stopped: the outcome of this call is not counted
			}
			if l.record(resp, err) {
				break
			}
			if connect.CodeOf(err) == connect.CodeInvalidArgument {
				return // the test's events are wrong: record() noted it
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// record notes a call's outcome; it reports whether the batch was stored.
func (l *load) record(resp *connect.Response[apiv1.AppendResponse], err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if err != nil {
		l.failed++
		l.codes[connect.CodeOf(err).String()]++
		msg := err.Error()
		if len(msg) > 200 {
			msg = msg[:200]
		}
		l.samples[msg]++
		if connect.CodeOf(err) == connect.CodeInvalidArgument && l.fatal == nil {
			l.fatal = err
		}
		return false
	}
	now := time.Now()
	if gap := now.Sub(l.last); gap > l.maxPause {
		l.maxPause, l.pauseFrom = gap, l.last
	}
	l.last = now
	for _, r := range resp.Msg.GetResults() {
		l.acked[r.GetEventId()] = r.GetSequence()
		if r.GetDuplicate() {
			l.dupResults++
		}
	}
	return true
}

// ackedN is how many distinct events were acknowledged so far.
func (l *load) ackedN() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// failedN is how many calls failed so far.
func (l *load) failedN() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// sinceLastAck is the time since the last acknowledgement.
func (l *load) sinceLastAck() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Since(l.last)
}

// waitAcked waits until n events are acknowledged; false on timeout.
func (l *load) waitAcked(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for l.ackedN() < n {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// stop ends the load and waits for its goroutines.
func (l *load) stop() {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stoppedAt.IsZero() {
		l.stoppedAt = time.Now()
	}
}

// pause is the longest time without an acknowledgement while the load
// ran, up to its stop, and when it began.
func (l *load) pause() (time.Duration, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, from := l.maxPause, l.pauseFrom
	if !l.stoppedAt.IsZero() && l.stoppedAt.Sub(l.last) > p {
		p, from = l.stoppedAt.Sub(l.last), l.last
	}
	return p, from
}

// ackedIDs is a copy of the acknowledged events and their sequences.
func (l *load) ackedIDs() map[string]uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]uint64, len(l.acked))
	for k, v := range l.acked {
		m[k] = v
	}
	return m
}

// summary is the load's numbers in one line, and its error messages.
func (l *load) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var codes []string
	for c, n := range l.codes {
		codes = append(codes, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(codes)
	var samples []string
	for m, n := range l.samples {
		samples = append(samples, fmt.Sprintf("  %d× %s", n, m))
	}
	sort.Strings(samples)
	if len(samples) > 8 {
		samples = append(samples[:8], fmt.Sprintf("  … and %d more distinct messages", len(samples)-8))
	}
	s := fmt.Sprintf("sent %d events, acknowledged %d, calls %d, failed calls %d %v, duplicate results (retries of stored batches) %d",
		l.sent, len(l.acked), l.calls, l.failed, codes, l.dupResults)
	if len(samples) > 0 {
		s += "\n" + strings.Join(samples, "\n")
	}
	return s
}

// checkFatal fails the test if the load's events were refused as invalid.
func (l *load) checkFatal(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fatal != nil {
		t.Fatalf("the test's events were refused: %v", l.fatal)
	}
}

// streamState is what the events stream holds, read back message by
// message.
type streamState struct {
	msgs  uint64
	last  uint64
	seqOf map[string]uint64 // Nats-Msg-Id (event id) -> first sequence holding it
	count map[string]int    // Nats-Msg-Id -> messages holding it
	idAt  map[uint64]string // sequence -> Nats-Msg-Id
}

// readStream reads the whole events stream through js with an ordered
// consumer.
func readStream(t *testing.T, js jetstream.JetStream) streamState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st := streamState{seqOf: map[string]uint64{}, count: map[string]int{}, idAt: map[uint64]string{}}
	var (
		s    jetstream.Stream
		info *jetstream.StreamInfo
		err  error
	)
	for attempt := 0; ; attempt++ { // a cluster may be electing a leader
		if s, err = js.Stream(ctx, events.DefaultStream); err == nil {
			if info, err = s.Info(ctx); err == nil {
				break
			}
		}
		if attempt == 30 {
			t.Fatalf("events stream: %v", err)
		}
		time.Sleep(time.Second)
	}
	// Appends cancelled by a stopped load may still land: wait until the
	// stream is still for half a second.
	for quiet := time.Now(); time.Since(quiet) < 30*time.Second; {
		time.Sleep(500 * time.Millisecond)
		again, err := s.Info(ctx)
		if err != nil {
			continue
		}
		if again.State.LastSeq == info.State.LastSeq {
			break
		}
		info = again
	}
	st.msgs, st.last = info.State.Msgs, info.State.LastSeq
	if st.msgs == 0 {
		return st
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("ordered consumer: %v", err)
	}
	var seen uint64
	for seen < st.last {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("reading the stream: at sequence %d of %d: %v", seen, st.last, err)
			}
			continue
		}
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			seq, id := meta.Sequence.Stream, m.Headers().Get(jetstream.MsgIDHeader)
			seen = max(seen, seq)
			st.idAt[seq] = id
			st.count[id]++
			if _, ok := st.seqOf[id]; !ok {
				st.seqOf[id] = seq
			}
		}
		if err := batch.Error(); err != nil && ctx.Err() != nil {
			t.Fatalf("reading the stream: %v", err)
		}
	}
	// What was read, should the stream have grown meanwhile.
	st.msgs, st.last = uint64(len(st.idAt)), seen
	return st
}

// duplicates is how many event ids the stream holds more than once.
func (st streamState) duplicates() (ids, extra int) {
	for _, n := range st.count {
		if n > 1 {
			ids++
			extra += n - 1
		}
	}
	return ids, extra
}

// checkAcked reports acknowledged events the stream lacks, and those stored
// at another sequence than acknowledged.
func (st streamState) checkAcked(acked map[string]uint64) (missing, moved []string) {
	for id, seq := range acked {
		got, ok := st.seqOf[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case got != seq:
			moved = append(moved, fmt.Sprintf("%s acknowledged at %d, stored at %d", id, seq, got))
		}
	}
	sort.Strings(missing)
	sort.Strings(moved)
	return missing, moved
}

// auditRow is one row of the read models' audit table.
type auditRow struct {
	seq     uint64
	eventID string
}

// auditReport compares the audit rows with the stream: every stream
// sequence must have exactly one row, with the stream's event id, and
// every event id exactly one row.
type auditReport struct {
	rows, missing, extra, wrongID, dupIDs int
	examples                              []string
}

func compareAudit(rows []auditRow, st streamState) auditReport {
	r := auditReport{rows: len(rows)}
	note := func(format string, args ...any) {
		if len(r.examples) < 10 {
			r.examples = append(r.examples, fmt.Sprintf(format, args...))
		}
	}
	bySeq := map[uint64]int{}
	byID := map[string]int{}
	for _, row := range rows {
		bySeq[row.seq]++
		byID[row.eventID]++
		want, ok := st.idAt[row.seq]
		switch {
		case !ok:
			r.extra++
			note("audit row at sequence %d (%s) that the stream does not hold", row.seq, row.eventID)
		case want != row.eventID:
			r.wrongID++
			note("audit row at sequence %d holds %s, the stream %s", row.seq, row.eventID, want)
		}
	}
	for seq, id := range st.idAt {
		if bySeq[seq] == 0 {
			r.missing++
			note("stream sequence %d (%s) has no audit row", seq, id)
		}
	}
	for id, n := range byID {
		if n > 1 {
			r.dupIDs++
			note("event %s has %d audit rows", id, n)
		}
	}
	return r
}

func (r auditReport) ok() bool {
	return r.missing == 0 && r.extra == 0 && r.wrongID == 0 && r.dupIDs == 0
}

func (r auditReport) String() string {
	s := fmt.Sprintf("audit rows %d: missing %d, extra %d, wrong event id %d, event ids with several rows %d", r.rows, r.missing, r.extra, r.wrongID, r.dupIDs)
	if len(r.examples) > 0 {
		s += "\n  " + strings.Join(r.examples, "\n  ")
	}
	return s
}

// waitProjected waits until the read models' checkpoint reaches seq and
// returns how long that took.
func waitProjected(t *testing.T, d *docketd, seq uint64, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		st := d.ReadModels().Status()
		if st.Checkpoint >= seq {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("the read models reached sequence %d of %d in %s (last error: %q)", st.Checkpoint, seq, timeout, st.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sqliteAudit reads the audit table of generation gen from the SQLite read
// models at path (docketd stopped). The driver is registered by the
// SQLite store docketd links.
func sqliteAudit(t *testing.T, path string, gen int) []auditRow {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(fmt.Sprintf("SELECT seq, event_id FROM g%d_audit ORDER BY seq", gen))
	if err != nil {
		t.Fatalf("read models: %v", err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.seq, &r.eventID); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// inCI reports whether CI is "true": there a test that cannot run fails
// instead of skipping.
func inCI() bool { return os.Getenv("CI") == "true" }

// cannotRun skips the test, or in CI fails it.
func cannotRun(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s (CI=true: a test that cannot run fails)", msg)
	}
	t.Skip(msg + " (with CI=true this fails)")
}

var errTimeout = errors.New("timed out")

// eventually polls cond every 50ms until it holds or timeout passes.
func eventually(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// status is docketd's GetStatus answer.
func (d *docketd) status(t *testing.T) *apiv1.GetStatusResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := getStatus(ctx, d.APIURL(), d.token)
	if err != nil {
		t.Fatalf("GetStatus: %v", err)
	}
	return s
}
