// Package docketdtest starts docketd in process for a test: on a fresh
// data dir and free loopback ports, with its log kept in memory (shown
// when the test fails) and a shutdown when the test ends.
//
//	c := docketdtest.Config(t)
//	c.CheckpointEvery = 2
//	d := docketdtest.Start(t, c)
//	crm := d.Token(t, auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: "crm"})
package docketdtest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/daemon"
	"google.golang.org/protobuf/proto"
)

// StartTimeout bounds how long Start waits for docketd to be ready,
// unless WithTimeout says otherwise.
const StartTimeout = 90 * time.Second

// An Option changes how Start runs docketd.
type Option func(*options)

type options struct {
	level   slog.Level
	timeout time.Duration
}

// WithLogLevel keeps docketd's log from level up (default debug): a test
// under heavy load keeps less.
func WithLogLevel(level slog.Level) Option { return func(o *options) { o.level = level } }

// WithTimeout bounds how long Start waits for docketd to be ready (default
// StartTimeout).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// Config is docketd's default configuration for a test: a fresh data
// dir, the API on a free loopback port, and the embedded NATS server in
// process only (set NATSListen to "127.0.0.1:0" for a client port).
func Config(t testing.TB) config.Config {
	t.Helper()
	c := config.Defaults()
	c.DataDir = t.TempDir()
	c.NATSListen = "off"
	c.APIListen = "127.0.0.1:0"
	return c
}

// Docketd is a docketd started for a test.
type Docketd struct {
	*daemon.Daemon
	Config config.Config
	// Logs holds everything docketd logged, as JSON lines at debug level:
	// the canary tests scan it for plaintext.
	Logs *Logs
}

// Start starts docketd on c and shuts it down when the test ends. A
// failed start ends the test, showing the log.
func Start(t testing.TB, c config.Config, opts ...Option) *Docketd {
	t.Helper()
	d, err := TryStart(t, c, opts...)
	if err != nil {
		t.Fatalf("daemon.Start: %v\nlog (tail):\n%s", err, d.Logs.Tail(40))
	}
	return d
}

// TryStart is Start for a test that expects docketd may refuse c: it
// returns the error, with the log in the returned Docketd.
func TryStart(t testing.TB, c config.Config, opts ...Option) (*Docketd, error) {
	t.Helper()
	o := options{level: slog.LevelDebug, timeout: StartTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	logs := &Logs{}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	d, err := daemon.Start(ctx, c, logs.Logger(o.level))
	dd := &Docketd{Daemon: d, Config: c, Logs: logs}
	if err != nil {
		return dd, err
	}
	t.Cleanup(func() {
		_ = d.Shutdown(context.Background()) // a test may have shut it down already
		if t.Failed() {
			t.Logf("docketd log (tail):\n%s", logs.Tail(60))
		}
	})
	return dd, nil
}

// Token makes an API token for spec.
func (d *Docketd) Token(t testing.TB, spec auth.Spec) string {
	t.Helper()
	tok, err := d.NewToken(context.Background(), spec)
	if err != nil {
		t.Fatalf("token %q: %v", spec.Name, err)
	}
	return tok
}

// API is one client of each of docketd's API services, all calling with
// one token.
type API struct {
	Ingest apiv1connect.IngestServiceClient
	Query  apiv1connect.QueryServiceClient
	Audit  apiv1connect.AuditServiceClient
	Rights apiv1connect.RightsServiceClient
	Tokens apiv1connect.TokenServiceClient
	Status apiv1connect.StatusServiceClient
}

// API is the clients of d's API services calling with token ("" for none).
func (d *Docketd) API(token string) API {
	return NewAPI(d.APIURL(), token)
}

// NewAPI is the clients of the API at url (a docketd of this process or
// another) calling with token ("" for none).
func NewAPI(url, token string) API {
	var opts []connect.ClientOption
	if token != "" {
		opts = append(opts, auth.Bearer(token))
	}
	hc := http.DefaultClient
	return API{
		Ingest: apiv1connect.NewIngestServiceClient(hc, url, opts...),
		Query:  apiv1connect.NewQueryServiceClient(hc, url, opts...),
		Audit:  apiv1connect.NewAuditServiceClient(hc, url, opts...),
		Rights: apiv1connect.NewRightsServiceClient(hc, url, opts...),
		Tokens: apiv1connect.NewTokenServiceClient(hc, url, opts...),
		Status: apiv1connect.NewStatusServiceClient(hc, url, opts...),
	}
}

// Admin is the first admin token docketd wrote to its data dir.
func (d *Docketd) Admin(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(d.Config.AdminTokenPath())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// StoredEvent is the event stored at seq in the events stream.
func (d *Docketd) StoredEvent(t testing.TB, seq uint64) *eventsv1.Event {
	t.Helper()
	m, err := d.Stream().GetMsg(context.Background(), seq)
	if err != nil {
		t.Fatalf("stored event %d: %v", seq, err)
	}
	ev := &eventsv1.Event{}
	if err := proto.Unmarshal(m.Data, ev); err != nil {
		t.Fatalf("stored event %d: %v", seq, err)
	}
	return ev
}

// Logs is a log buffer safe for docketd's goroutines (or a process's
// output); the zero value is empty and ready.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Logger logs to l, as JSON lines from level up.
func (l *Logs) Logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: level}))
}

// String is the whole log.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Tail is the log's last n lines.
func (l *Logs) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Count is how many times s appears in the log.
func (l *Logs) Count(s string) int { return strings.Count(l.String(), s) }
