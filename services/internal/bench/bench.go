// Package bench measures append throughput on this machine: the Emitter,
// the Append API and the NATS door (the SDK Client) next to raw JetStream
// publishing of the same bytes, measured in the same run, printed as
// ratios.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/taxonomy"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/daemon"
	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Config sizes a run.
type Config struct {
	Events     int // events per fast scenario
	SyncEvents int // events per fsync-always scenario
	Batch      int
	Subjects   int
	Clients    int // concurrent Append API clients
	// DoorOnly runs the raw baseline, the Append API and the NATS door
	// only.
	DoorOnly bool
}

// Result is one scenario's measurement.
type Result struct {
	Name     string
	Events   int
	Duration time.Duration
	Bytes    int
	Baseline string
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 { return float64(r.Events) / r.Duration.Seconds() }

// Run measures every scenario and writes the table to w.
func Run(ctx context.Context, cfg Config, w io.Writer) error {
	dir, err := os.MkdirTemp("", "docket-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(w, "docket append throughput: batches of %d, %d subjects, embedded NATS with file storage in %s, GOMAXPROCS=%d\n\n",
		cfg.Batch, cfg.Subjects, os.TempDir(), runtime.GOMAXPROCS(0))

	var results []Result
	run := func(name string, fn func(dir string) (Result, error)) error {
		sub := filepath.Join(dir, strconv.Itoa(len(results)))
		r, err := fn(sub)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r.Name = name
		results = append(results, r)
		os.RemoveAll(sub)
		return nil
	}
	fast := []struct {
		name string
		fn   func(string) (Result, error)
		door bool // run with Config.DoorOnly
	}{
		{"raw JetStream PublishAsync + MsgID", func(d string) (Result, error) { return raw(ctx, d, cfg, cfg.Events, false) }, true},
		{"Emitter.Append (async publish)", func(d string) (Result, error) { return emit(ctx, d, cfg, cfg.Events, false, false) }, false},
		{"Emitter.Append (atomic batch)", func(d string) (Result, error) { return emit(ctx, d, cfg, cfg.Events, true, false) }, false},
		{"Append API (Connect, " + strconv.Itoa(cfg.Clients) + " clients), sync 2m", func(d string) (Result, error) { return api(ctx, d, cfg, cfg.Events, false) }, true},
		{"NATS door (SDK Client, " + strconv.Itoa(cfg.Clients) + " clients), sync 2m", func(d string) (Result, error) { return door(ctx, d, cfg, cfg.Events, false) }, true},
		{"Append API, embedded default (atomic, fsync always)", func(d string) (Result, error) { return api(ctx, d, cfg, cfg.Events/2, true) }, true},
		{"NATS door, embedded default (atomic, fsync always)", func(d string) (Result, error) { return door(ctx, d, cfg, cfg.Events/2, true) }, true},
		{"raw, fsync always", func(d string) (Result, error) { return raw(ctx, d, cfg, cfg.SyncEvents, true) }, false},
		{"Emitter async, fsync always", func(d string) (Result, error) { return emit(ctx, d, cfg, cfg.SyncEvents, false, true) }, false},
		{"Emitter atomic batch, fsync always", func(d string) (Result, error) { return emit(ctx, d, cfg, cfg.SyncEvents, true, true) }, false},
	}
	for _, s := range fast {
		if cfg.DoorOnly && !s.door {
			continue
		}
		if err := run(s.name, s.fn); err != nil {
			return err
		}
	}
	base := results[0].PerSecond()
	cores := float64(runtime.NumCPU())
	fmt.Fprintf(w, "%-52s %9s %12s %10s %11s %8s\n", "scenario", "events", "events/s", "ev/s/core", "stored B/ev", "vs raw")
	for _, r := range results {
		fmt.Fprintf(w, "%-52s %9d %12.0f %10.0f %11d %8.2f\n", r.Name, r.Events, r.PerSecond(), r.PerSecond()/cores, r.Bytes/max(r.Events, 1), r.PerSecond()/base)
	}
	fmt.Fprintln(w, "\nvs raw: ratio to the first row (raw JetStream, default fsync every 2m), measured in this run.")
	fmt.Fprintf(w, "ev/s/core: events/s / runtime.NumCPU() (%d); client, API and NATS share the cores.\n", runtime.NumCPU())
	return nil
}

// startNATS runs an embedded server in dir.
func startNATS(dir string, syncAlways bool) (*server.Server, jetstream.JetStream, jetstream.Stream, error) {
	s, err := natsembed.Start(natsembed.Config{Dir: dir, SyncAlways: syncAlways})
	if err != nil {
		return nil, nil, nil, err
	}
	nc, err := nats.Connect("", s.ConnectOptions()...)
	if err != nil {
		s.Shutdown()
		return nil, nil, nil, err
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return nil, nil, nil, err
	}
	stream, err := events.EnsureStream(context.Background(), js, events.StreamConfig{})
	if err != nil {
		return nil, nil, nil, err
	}
	return s.Server, js, stream, nil
}

func keyring() (*keys.Keyring, error) {
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		return nil, err
	}
	return keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
}

// makeEvents builds n DataCollected events of about 500 bytes once sealed,
// three values each.
func makeEvents(n, subjects int) []*eventsv1.Event {
	out := make([]*eventsv1.Event, n)
	for i := range out {
		out[i] = makeEvent(i, subjects)
	}
	return out
}

// benchEpoch is the first event's time of occurrence.
var benchEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// makeEvent is makeEvents' event number i, with a new event id.
func makeEvent(i, subjects int) *eventsv1.Event {
	val := func(cat, s string) *eventsv1.DataValue {
		return &eventsv1.DataValue{Category: cat, Value: &eventsv1.DataValue_Plaintext{Plaintext: s}}
	}
	return &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          "benchco",
		SubjectRef:      fmt.Sprintf("customer-%06d", i%subjects),
		OccurredAt:      timestamppb.New(benchEpoch.Add(time.Duration(i) * time.Second)),
		Source:          "signup-service",
		Actor:           &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "web-frontend"},
		CorrelationId:   "c0a80101-0000-7000-8000-000000000000",
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			ActivityId: "account-and-contract",
			Purposes:   []string{"essential.service", "essential.service.payment_processing"},
			Categories: []string{"user.name.last", "user.contact.email", "user.contact.phone_number"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Values: []*eventsv1.DataValue{
				val("user.name.last", fmt.Sprintf("Testperson-%06d", i)),
				val("user.contact.email", fmt.Sprintf("bench-%06d@example.com", i)),
				val("user.contact.phone_number", fmt.Sprintf("+44 20 7946 %04d", i%10000)),
			},
			CollectionSource: "data_subject",
			CollectionPoint:  "web.signup_form",
		}},
	}
}

func raw(ctx context.Context, dir string, cfg Config, n int, syncAlways bool) (Result, error) {
	s, js, stream, err := startNATS(dir, syncAlways)
	if err != nil {
		return Result{}, err
	}
	defer s.Shutdown()
	return rawOn(ctx, js, stream, cfg, n)
}

// rawOn publishes n sealed events to stream with PublishAsync and MsgID,
// cfg.Batch outstanding at a time.
func rawOn(ctx context.Context, js jetstream.JetStream, stream jetstream.Stream, cfg Config, n int) (Result, error) {
	// The same bytes the Emitter stores: seal once outside the clock.
	evs := makeEvents(n, cfg.Subjects)
	kr, err := keyring()
	if err != nil {
		return Result{}, err
	}
	sealer, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		return Result{}, err
	}
	msgs, err := sealer.Encode(ctx, evs...)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	futures := make([]jetstream.PubAckFuture, 0, cfg.Batch)
	for i := 0; i < n; i += cfg.Batch {
		futures = futures[:0]
		for j := i; j < min(i+cfg.Batch, n); j++ {
			f, err := js.PublishMsgAsync(msgs[j], jetstream.WithMsgID(evs[j].GetEventId()))
			if err != nil {
				return Result{}, err
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return Result{}, err
			}
		}
	}
	return measured(ctx, stream, n, time.Since(start))
}

func emit(ctx context.Context, dir string, cfg Config, n int, atomic, syncAlways bool) (Result, error) {
	evs := makeEvents(n, cfg.Subjects)
	kr, err := keyring()
	if err != nil {
		return Result{}, err
	}
	s, js, stream, err := startNATS(dir, syncAlways)
	if err != nil {
		return Result{}, err
	}
	defer s.Shutdown()
	e, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr, Atomic: atomic})
	if err != nil {
		return Result{}, err
	}
	// Warm the key cache as a running service's would be.
	for i := 0; i < cfg.Subjects && i < n; i++ {
		if _, err := kr.DataKey(ctx, "benchco", evs[i].GetSubjectRef(), events.DefaultKeyGroup); err != nil {
			return Result{}, err
		}
	}
	start := time.Now()
	for i := 0; i < n; i += cfg.Batch {
		if _, err := e.Append(ctx, evs[i:min(i+cfg.Batch, n)]...); err != nil {
			return Result{}, err
		}
	}
	return measured(ctx, stream, n, time.Since(start))
}

// api measures the Append API, with docketd's default durability or
// without (see durability).
func api(ctx context.Context, dir string, cfg Config, n int, defaultDurability bool) (Result, error) {
	return apiOn(ctx, durability(daemonConfig(dir), defaultDurability), cfg, n)
}

// durability is c with docketd's embedded default durability (atomic
// batches, fsync always), or without: async publishing with JetStream's
// default fsync every 2 minutes.
func durability(c config.Config, defaultDurability bool) config.Config {
	if !defaultDurability {
		off := false
		c.AtomicAppend = &off
		c.Sync = "2m"
	}
	return c
}

// startEmitting starts docketd with c and makes an emitter token for the
// tenant and source of evs.
func startEmitting(ctx context.Context, c config.Config, name string, evs []*eventsv1.Event) (*daemon.Daemon, string, error) {
	d, err := daemon.Start(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, "", err
	}
	tok, err := d.NewToken(ctx, auth.Spec{Name: name, Roles: []auth.Role{auth.Emitter}, Tenant: evs[0].GetTenant(), Source: evs[0].GetSource()})
	if err != nil {
		_ = d.Shutdown(context.Background())
		return nil, "", err
	}
	return d, tok, nil
}

// daemonConfig is docketd's default configuration in dir, the embedded
// NATS without a network listener, the API on a free loopback port, and
// rate limits out of the way: the benchmark measures the API, not its
// limits.
func daemonConfig(dir string) config.Config {
	c := config.Defaults()
	c.DataDir = dir
	c.RateLimit, c.RateBurst = 1e6, 1e6
	c.NATSListen = "off"
	c.APIListen = "127.0.0.1:0"
	return c
}

// apiOn starts docketd with c and appends n events through the Append API
// from cfg.Clients clients, in batches of cfg.Batch.
func apiOn(ctx context.Context, c config.Config, cfg Config, n int) (Result, error) {
	evs := makeEvents(n, cfg.Subjects)
	d, tok, err := startEmitting(ctx, c, "bench", evs)
	if err != nil {
		return Result{}, err
	}
	defer d.Shutdown(context.Background())
	client := apiv1connect.NewIngestServiceClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients}}, d.APIURL(), auth.Bearer(tok))
	send := func(ctx context.Context, b []*eventsv1.Event) error {
		_, err := client.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: b}))
		return err
	}
	senders := make([]func(context.Context, []*eventsv1.Event) error, cfg.Clients)
	for i := range senders {
		senders[i] = send
	}
	return drive(ctx, d, evs, cfg.Batch, senders)
}

// drive appends evs in batches of batch, each sender (a client of its
// own) taking the next batch until none is left, and checks that the
// stream holds them all.
func drive(ctx context.Context, d *daemon.Daemon, evs []*eventsv1.Event, batch int, senders []func(context.Context, []*eventsv1.Event) error) (Result, error) {
	n := len(evs)
	batches := make(chan []*eventsv1.Event, n/batch+1)
	for i := 0; i < n; i += batch {
		batches <- evs[i:min(i+batch, n)]
	}
	close(batches)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(senders))
	for _, send := range senders {
		wg.Go(func() {
			for b := range batches {
				if err := send(ctx, b); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	dur := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return Result{}, err
	}
	return measured(ctx, d.Stream(), n, dur)
}

// measured is the result of storing n events in stream in d, once the
// stream is seen to hold them all.
func measured(ctx context.Context, stream jetstream.Stream, n int, d time.Duration) (Result, error) {
	info, err := stream.Info(ctx)
	if err != nil {
		return Result{}, err
	}
	if info.State.Msgs != uint64(n) {
		return Result{}, fmt.Errorf("stream holds %d events, want %d", info.State.Msgs, n)
	}
	return Result{Events: n, Duration: d, Bytes: int(info.State.Bytes)}, nil
}

// door measures the NATS door: docketd as api() starts it, and
// cfg.Clients SDK Clients, each on its own NATS connection, sending
// batches of cfg.Batch to the intake.
func door(ctx context.Context, dir string, cfg Config, n int, defaultDurability bool) (Result, error) {
	evs := makeEvents(n, cfg.Subjects)
	d, tok, err := startEmitting(ctx, durability(daemonConfig(dir), defaultDurability), "bench-door", evs)
	if err != nil {
		return Result{}, err
	}
	defer d.Shutdown(context.Background())
	login, err := events.TokenLogin(tok)
	if err != nil {
		return Result{}, err
	}
	senders := make([]func(context.Context, []*eventsv1.Event) error, cfg.Clients)
	for i := range senders {
		nc, err := nats.Connect("", append(login, nats.InProcessServer(d.Embedded()), nats.Name("docket-bench-door"))...)
		if err != nil {
			return Result{}, err
		}
		defer nc.Close()
		client, err := events.NewClient(nc, events.ClientConfig{Tenant: evs[0].GetTenant(), Source: evs[0].GetSource(), Timeout: time.Minute})
		if err != nil {
			return Result{}, err
		}
		senders[i] = func(ctx context.Context, b []*eventsv1.Event) error {
			_, err := client.Append(ctx, b...)
			return err
		}
	}
	return drive(ctx, d, evs, cfg.Batch, senders)
}
