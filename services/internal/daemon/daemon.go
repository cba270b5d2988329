// Package daemon is docketd's composition root: it builds the whole graph
// (NATS, the events stream, the key ring, the Emitter, the API) from a
// config.Config, runs it, and shuts it down in order.
package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"github.com/cenkalti/backoff/v5"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/art19"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/console"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/docketledger/docket/services/internal/intake"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/docketledger/docket/services/internal/loader"
	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/docketledger/docket/services/internal/query"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/docketledger/docket/services/internal/retention"
	"github.com/docketledger/docket/services/internal/rights"
	"github.com/docketledger/docket/services/internal/status"
	"github.com/docketledger/docket/services/internal/tokens"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/mod/sumdb/note"
)

// Daemon is a running docketd.
type Daemon struct {
	cfg        config.Config
	log        *slog.Logger
	ns         *natsembed.Server // nil with an external NATS
	nc         *nats.Conn
	js         jetstream.JetStream
	stream     jetstream.Stream
	Keyring    *keys.Keyring
	Emitter    *events.Emitter
	read       *readmodels.Manager
	backend    readmodels.Backend
	stopRead   context.CancelFunc
	readDone   chan struct{}
	tree       *merkle.Tree
	notary     *notary.Notary
	stopNotary context.CancelFunc
	notaryDone chan struct{}
	signer     note.Signer // the log's key
	publicKey  string      // its verifier key
	apiTLS     bool
	tokens     *auth.Store
	leases     jetstream.KeyValue // package lease's bucket
	notaryLead atomic.Bool        // this replica holds the notary lease
	stopSaga   context.CancelFunc
	sagaDone   chan struct{}
	http       *http.Server
	intake     *intake.Service // the NATS door
	apiAddr    net.Addr
	ready      atomic.Bool
	served     chan error
}

// Start builds and starts everything cfg describes and returns once the API
// accepts requests. On error, whatever was started is stopped.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *Daemon, err error) {
	if log == nil {
		return nil, errors.New("daemon: nil logger")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	d := &Daemon{cfg: cfg, log: log, served: make(chan error, 1)}
	defer func() {
		if err != nil {
			d.close()
		}
	}()

	url := cfg.NATSURL
	if cfg.Embedded() {
		always, every, _ := cfg.SyncPolicy()
		listen := cfg.NATSListen
		if listen == "off" {
			listen = ""
		}
		d.ns, err = natsembed.Start(natsembed.Config{Dir: cfg.DataDir, Listen: listen, SyncAlways: always, SyncInterval: every, Log: log,
			Private: []string{art19.DefaultDurable, erasure.DefaultDurable, notaryDurable(cfg)}})
		if err != nil {
			return nil, err
		}
		url = ""
	}
	natsOpts := []nats.Option{nats.Name("docketd"), nats.MaxReconnects(-1)}
	if d.ns != nil {
		natsOpts = append(natsOpts, d.ns.ConnectOptions()...)
	} else if cfg.NATSUser != "" {
		natsOpts = append(natsOpts, nats.UserInfo(cfg.NATSUser, cfg.NATSPassword))
	}
	if cfg.NATSCAFile != "" {
		natsOpts = append(natsOpts, nats.RootCAs(cfg.NATSCAFile))
	}
	if cfg.NATSCertFile != "" {
		natsOpts = append(natsOpts, nats.ClientCert(cfg.NATSCertFile, cfg.NATSKeyFile))
	}
	d.nc, err = nats.Connect(url, natsOpts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	d.js, err = jetstream.New(d.nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := d.placed(ctx, "events stream", func(ctx context.Context) (err error) {
		d.stream, err = events.EnsureStream(ctx, d.js, events.StreamConfig{
			Replicas:        cfg.StreamReplicas,
			DuplicateWindow: time.Duration(cfg.DuplicateWindow),
		})
		return err
	}); err != nil {
		return nil, err
	}

	if err := d.placed(ctx, "token bucket", func(ctx context.Context) (err error) {
		d.tokens, err = auth.OpenStore(ctx, d.js, "", cfg.StreamReplicas)
		return err
	}); err != nil {
		return nil, err
	}
	if err := d.bootstrapToken(ctx, cfg); err != nil {
		return nil, err
	}
	if d.ns != nil {
		// An emitter may log in to the embedded server with its API token,
		// to send batches to its intake door (events.IntakeSubject).
		tokens := d.tokens
		d.ns.AcceptTokens(func(secret string) (natsembed.Emitter, bool) {
			t, err := tokens.Authenticate(secret, time.Now())
			if err != nil || !t.Has(auth.Emitter) || t.Tenant == auth.AllTenants {
				return natsembed.Emitter{}, false
			}
			return natsembed.Emitter{ID: t.ID, Tenant: t.Tenant, Source: t.Source, Expires: t.ExpiresAt}, true
		})
	}

	var kek keys.KEK
	if cfg.KEK != "" {
		kek, err = keys.KEKFromEnv(cfg.KEK)
	} else {
		kek, err = keys.LoadKEKFile(cfg.KEKPath(), cfg.Embedded())
	}
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	var previous keys.KEK
	if cfg.PreviousKEKFile != "" {
		if previous, err = keys.LoadKEKFile(cfg.PreviousKEKFile, false); err != nil {
			return nil, fmt.Errorf("previous_kek_file: %w", err)
		}
	}
	var store keys.Store
	if err := d.placed(ctx, "key bucket", func(ctx context.Context) (err error) {
		store, err = keys.NewKVStore(ctx, d.js, keys.KVConfig{Replicas: cfg.StreamReplicas})
		return err
	}); err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	d.Keyring, err = keys.NewKeyring(store, kek, keys.KeyringConfig{PreviousKEK: previous})
	if err != nil {
		return nil, err
	}
	d.Emitter, err = events.NewEmitter(d.js, events.EmitterConfig{Keys: d.Keyring, Atomic: cfg.Atomic(), MaxClockSkew: time.Duration(cfg.MaxClockSkew)})
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	icfg := ingest.Config{MaxBatch: cfg.MaxBatch}
	if cfg.Embedded() {
		icfg.Storage = d.ns.Health
	}
	ing, err := ingest.New(d.Emitter, d.stream, icfg, reg)
	if err != nil {
		return nil, err
	}
	d.backend, err = readmodels.OpenBackend(ctx, cfg.StoreDSN())
	if err != nil {
		return nil, err
	}
	// Jobs one replica at a time runs take a lease (package lease).
	if err := d.placed(ctx, "lease bucket", func(ctx context.Context) (err error) {
		d.leases, err = lease.OpenBucket(ctx, d.js, cfg.StreamReplicas, lease.DefaultTTL)
		return err
	}); err != nil {
		return nil, err
	}
	pcfg := projector.Config{Partitions: cfg.ProjectorPartitions}
	if d.backend.Kind() == "sqlite" {
		pcfg.Instance = cfg.Instance // a store of this replica's own
	}
	d.read, err = readmodels.NewManager(ctx, d.backend, d.js, pcfg, log)
	if err != nil {
		return nil, err
	}
	if d.backend.Kind() != "sqlite" {
		// A shared store: one replica at a time projects each partition
		// into it, under a lease per partition, spread over the replicas.
		d.read.ShareStore(func(ctx context.Context, gen, parts int, project func(context.Context, int)) {
			names := []string{"projector-g" + strconv.Itoa(gen)}
			if parts > 1 {
				names = names[:0]
				for k := range parts {
					names = append(names, "projector-g"+strconv.Itoa(gen)+"-p"+strconv.Itoa(k))
				}
			}
			if err := lease.Share(ctx, d.lease(""), names, project); err != nil {
				log.Error("projector leases", "err", err)
			}
		})
	}
	if err := d.read.Register(reg); err != nil {
		return nil, err
	}
	qs, err := query.New(d.read.Reader(), query.Options{})
	if err != nil {
		return nil, err
	}
	audit, err := d.startNotary(ctx)
	if err != nil {
		return nil, err
	}
	rights, err := d.rightsService(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st, err := status.New(d.stream, d.read, d.notary, d.read.Kind())
	if err != nil {
		return nil, err
	}
	readCtx, stopRead := context.WithCancel(context.Background())
	d.stopRead, d.readDone = stopRead, make(chan struct{})
	go func() {
		defer close(d.readDone)
		d.read.Run(readCtx)
	}()
	saga, err := art19.New(ctx, art19.Config{
		JetStream: d.js, Stream: d.stream, Reader: d.read.Reader(),
		ReadPosition: func() uint64 { return d.read.Status().Checkpoint },
		Record: func(ctx context.Context, ev *eventsv1.Event) error {
			_, err := d.Emitter.Append(ctx, ev)
			return err
		},
		DueIn: time.Duration(cfg.Art19Due), Log: log,
	})
	if err != nil {
		return nil, err
	}
	record := func(ctx context.Context, ev *eventsv1.Event) error {
		_, err := d.Emitter.Append(ctx, ev)
		return err
	}
	shredder, err := erasure.New(erasure.Config{Reader: d.read.Reader(), Keys: d.Keyring, Record: record})
	if err != nil {
		return nil, err
	}
	erasureSaga, err := erasure.NewSaga(ctx, erasure.SagaConfig{
		JetStream: d.js, Stream: d.stream, Reader: d.read.Reader(),
		ReadPosition: func() uint64 { return d.read.Status().Checkpoint },
		Shredder:     shredder, Record: record, Log: log,
	})
	if err != nil {
		return nil, err
	}
	scheduler, err := retention.New(retention.Config{
		Stream: d.stream, Reader: d.read.Reader(), ReadPosition: func() uint64 { return d.read.Status().Checkpoint },
		Shredder: shredder, Record: record, Every: time.Duration(cfg.RetentionEvery), Lead: time.Duration(cfg.RetentionLead), Log: log,
	})
	if err != nil {
		return nil, err
	}
	// The scheduler's first pass waits until the demo data is stored.
	started := make(chan struct{})
	sagaCtx, stopSaga := context.WithCancel(context.Background())
	d.stopSaga, d.sagaDone = stopSaga, make(chan struct{})
	go func() {
		defer close(d.sagaDone)
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := erasureSaga.Run(sagaCtx); err != nil {
				log.Error("erasure saga stopped", "err", err)
			}
		})
		wg.Go(func() {
			select {
			case <-started:
			case <-sagaCtx.Done():
				return
			}
			err := lease.Run(sagaCtx, d.lease("retention"), func(ctx context.Context) {
				if err := scheduler.Run(ctx); err != nil {
					log.Error("retention scheduler stopped", "err", err)
				}
			})
			if err != nil {
				log.Error("retention lease", "err", err)
			}
		})
		if err := saga.Run(sagaCtx); err != nil {
			log.Error("Art. 19 saga stopped", "err", err)
		}
		wg.Wait()
	}()

	mux := http.NewServeMux()
	guard := &auth.Guard{Store: d.tokens, Rate: cfg.RateLimit, Burst: cfg.RateBurst}
	handlerOpts := []connect.HandlerOption{connect.WithReadMaxBytes(cfg.MaxRequestBytes), connect.WithCodec(ingest.JSONCodec{}),
		connect.WithInterceptors(guard)}
	mux.Handle(apiv1connect.NewTokenServiceHandler(&tokens.Service{Store: d.tokens, Log: log}, handlerOpts...))
	mux.Handle(apiv1connect.NewIngestServiceHandler(ing, handlerOpts...))
	mux.Handle(apiv1connect.NewQueryServiceHandler(qs, handlerOpts...))
	mux.Handle(apiv1connect.NewStatusServiceHandler(st, handlerOpts...))
	mux.Handle(apiv1connect.NewAuditServiceHandler(audit, handlerOpts...))
	mux.Handle(apiv1connect.NewRightsServiceHandler(rights, handlerOpts...))
	reflector := grpcreflect.NewStaticReflector(apiv1connect.IngestServiceName, apiv1connect.QueryServiceName,
		apiv1connect.StatusServiceName, apiv1connect.AuditServiceName, apiv1connect.RightsServiceName, apiv1connect.TokenServiceName)
	mux.Handle(grpcreflect.NewHandlerV1(reflector, handlerOpts...))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, handlerOpts...))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", d.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	api := guard.Handler(mux)
	// The console calls the API in-process through the same guard, with
	// the signed-in token: it holds no authority of its own.
	cons, err := console.New(console.Config{API: api, Tokens: d.tokens, LogKey: d.publicKey, WitnessKeys: cfg.WitnessKeys,
		Secure: cfg.APITLSCert != "", Log: log})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", cons)

	ln, err := net.Listen("tcp", cfg.APIListen)
	if err != nil {
		return nil, fmt.Errorf("api_listen: %w", err)
	}
	d.apiAddr = ln.Addr()
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	if cfg.APITLSCert != "" {
		tc, err := apiTLS(cfg)
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, tc)
		d.apiTLS = true
		protocols.SetUnencryptedHTTP2(false)
		protocols.SetHTTP2(true)
	}
	d.http = &http.Server{
		Handler:           api,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { d.served <- d.http.Serve(ln) }()
	// The NATS door: services that emit over NATS append through it, by
	// the same path as the Append API.
	d.intake, err = intake.Start(d.nc, ing, intake.Config{MaxRequestBytes: cfg.MaxRequestBytes, Rate: cfg.RateLimit, Burst: cfg.RateBurst}, reg, log)
	if err != nil {
		return nil, err
	}

	if cfg.Demo {
		if err := d.loadDemo(ctx); err != nil {
			return nil, err
		}
	}
	close(started)
	d.ready.Store(true)
	log.Info("docketd ready", "api", d.APIURL(), "nats", d.NATSURL(), "embedded", cfg.Embedded(), "sync", cfg.Sync, "atomic_append", cfg.Atomic(), "data_dir", cfg.DataDir)
	return d, nil
}

func (d *Daemon) readyz(w http.ResponseWriter, r *http.Request) {
	if !d.ready.Load() || !d.nc.IsConnected() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if d.ns != nil {
		// The embedded store: a full or read-only disk, or a store being
		// restarted after a failed write, takes no appends.
		if err := d.ns.Health(); err != nil {
			http.Error(w, "the event store cannot write: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	if _, err := d.stream.Info(r.Context()); err != nil {
		http.Error(w, "events stream unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
	// Quarantined messages do not stop the read side, so they do not make
	// docketd unready; the body says so, for whoever looks.
	if q, err := d.read.QuarantineSummary(r.Context(), 0); err == nil && q.Count > 0 {
		fmt.Fprintf(w, "%d messages quarantined: stored messages that are not valid events, passed over (docket status)\n", q.Count)
	}
}

// APIURL is the base URL of the Connect API.
func (d *Daemon) APIURL() string {
	if d.apiTLS {
		return "https://" + d.apiAddr.String()
	}
	return "http://" + d.apiAddr.String()
}

// apiTLS is the API's TLS configuration: its certificate, and with
// api_client_ca the CA whose client certificates are verified (a client
// may still come with a bearer token instead).
func apiTLS(cfg config.Config) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(cfg.APITLSCert, cfg.APITLSKey)
	if err != nil {
		return nil, fmt.Errorf("api_tls_cert: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	if cfg.APIClientCA != "" {
		pem, err := os.ReadFile(cfg.APIClientCA)
		if err != nil {
			return nil, fmt.Errorf("api_client_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("api_client_ca: no PEM certificate in the file")
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return tc, nil
}

// NATSURL is where NATS clients (docket tail) connect; empty when the
// embedded server accepts no network clients.
func (d *Daemon) NATSURL() string {
	if d.ns == nil {
		return d.cfg.NATSURL
	}
	if d.cfg.NATSListen == "off" {
		return ""
	}
	return d.ns.ClientURL()
}

// DataDir is docketd's data dir: its keys (the NATS passwords of the
// embedded server's users among them), and in the embedded mode its
// stores.
func (d *Daemon) DataDir() string { return d.cfg.DataDir }

// JetStream is the daemon's JetStream context.
func (d *Daemon) JetStream() jetstream.JetStream { return d.js }

// Embedded is the embedded NATS server, or nil with an external NATS.
func (d *Daemon) Embedded() *natsembed.Server { return d.ns }

// ReadModels is the read side: projector and query store.
func (d *Daemon) ReadModels() *readmodels.Manager { return d.read }

// Stream is the events stream.
func (d *Daemon) Stream() jetstream.Stream { return d.stream }

// Served reports the API server's end.
func (d *Daemon) Served() <-chan error { return d.served }

// Shutdown stops taking requests, lets running ones finish, then drains NATS
// and stops the embedded server.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.ready.Store(false)
	var errs []error
	if d.http != nil {
		if err := d.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("api: %w", err))
		}
	}
	if d.intake != nil {
		if err := d.intake.Stop(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	d.stopReadSide()
	d.stopNotaryAndTree()
	if d.tokens != nil {
		_ = d.tokens.Close()
	}
	if d.nc != nil {
		if err := d.nc.Drain(); err != nil {
			errs = append(errs, fmt.Errorf("nats drain: %w", err))
		}
		for d.nc.IsDraining() {
			select {
			case <-ctx.Done():
				d.nc.Close()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	if d.ns != nil {
		d.ns.Shutdown()
		d.ns.WaitForShutdown()
	}
	return errors.Join(errs...)
}

// stopReadSide stops the Art. 19 saga and the projector and closes the
// read-model store.
func (d *Daemon) stopReadSide() {
	if d.stopSaga != nil {
		d.stopSaga()
		<-d.sagaDone
		d.stopSaga = nil
	}
	if d.stopRead != nil {
		d.stopRead()
		<-d.readDone
		d.stopRead = nil
	} else if d.read != nil {
		_ = d.read.Close()
	}
	d.read = nil
	if d.backend != nil {
		_ = d.backend.Close()
		d.backend = nil
	}
}

func (d *Daemon) close() {
	if d.http != nil {
		_ = d.http.Close()
	}
	if d.intake != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = d.intake.Stop(ctx)
		cancel()
	}
	d.stopReadSide()
	d.stopNotaryAndTree()
	if d.nc != nil {
		d.nc.Close()
	}
	if d.ns != nil {
		d.ns.Shutdown()
		d.ns.WaitForShutdown()
	}
}

// NewToken makes and stores a token, as TokenService.CreateToken does, and
// returns it: for programs that embed docketd (tests, benchmarks).
func (d *Daemon) NewToken(ctx context.Context, s auth.Spec) (string, error) {
	if s.TTL == 0 {
		s.TTL = auth.DefaultTTL
	}
	secret, t, err := auth.New(s, time.Now())
	if err != nil {
		return "", err
	}
	return secret, d.tokens.Create(ctx, t)
}

// bootstrapToken: with no token at all, nobody could call the API, so
// docketd makes the first one, writes it to AdminTokenPath (mode 0600)
// and logs where, never the token. It holds every role but emitter's, on
// every tenant: use it to create narrower tokens, then revoke it.
func (d *Daemon) bootstrapToken(ctx context.Context, cfg config.Config) error {
	if !d.tokens.Empty() {
		return nil
	}
	secret, t, err := auth.New(auth.Spec{Name: "bootstrap-admin", Roles: []auth.Role{auth.Admin, auth.Auditor, auth.Legal, auth.DPO},
		Tenant: auth.AllTenants, TTL: auth.DefaultTTL}, time.Now())
	if err != nil {
		return err
	}
	path := cfg.AdminTokenPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := os.WriteFile(path+".tmp", []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := d.tokens.Create(ctx, t); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	d.log.Warn("no API token existed: the first admin token is written to a file; create narrower tokens with it, then revoke it",
		"path", path, "token_id", t.ID)
	return nil
}

// loadDemo appends the demo data set through the in-process Emitter.
func (d *Daemon) loadDemo(ctx context.Context) error {
	ds, err := demo.Generate(demo.Config{})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	start := time.Now()
	st, err := loader.Load(ctx, emitterTarget{d}, ds.Events, 500)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.log.Info("demo data set loaded", "events", st.Total, "appended", st.Appended, "already_stored", st.Skipped+st.Duplicates, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// emitterTarget loads through the daemon's own Emitter.
type emitterTarget struct{ d *Daemon }

// Head walks the stream back from its end to the newest event of the
// tenant that is ours, past any other (events appended through the API
// after the demo, docketd's own records), as far as the stream's start:
// found false then means that the tenant holds none of ours.
func (t emitterTarget) Head(ctx context.Context, tenant string, ours func(string) bool) (string, bool, error) {
	_, id, found, err := events.HeadSkipping(ctx, t.d.stream, tenant, "",
		func(ev *eventsv1.Event) bool { return !ours(ev.GetEventId()) }, math.MaxUint64)
	return id, found, err
}

func (t emitterTarget) Append(ctx context.Context, evs []*eventsv1.Event) ([]events.Result, error) {
	return t.d.Emitter.Append(ctx, evs...)
}

// rightsService answers data-subject requests: exports decrypt with the
// key ring, prove with the notary's tree and record through the Emitter.
func (d *Daemon) rightsService(ctx context.Context, cfg config.Config) (*rights.Service, error) {
	cps, err := d.js.Stream(ctx, notary.DefaultCheckpointStream)
	if err != nil {
		return nil, fmt.Errorf("checkpoint stream: %w", err)
	}
	record := func(ctx context.Context, ev *eventsv1.Event) error {
		_, err := d.Emitter.Append(ctx, ev)
		return err
	}
	x, err := export.New(export.Config{Reader: d.read.Reader(), Keys: d.Keyring, Tree: d.tree, Checkpoints: cps, Record: record})
	if err != nil {
		return nil, err
	}
	sh, err := erasure.New(erasure.Config{Reader: d.read.Reader(), Keys: d.Keyring, Record: record})
	if err != nil {
		return nil, err
	}
	controllers := maps.Clone(cfg.Controllers)
	if cfg.Demo {
		if _, ok := controllers[demo.DefaultTenant]; !ok {
			if controllers == nil {
				controllers = map[string]receipt.Controller{}
			}
			controllers[demo.DefaultTenant] = demo.Controller()
		}
	}
	rm, err := receipt.New(receipt.Config{Reader: d.read.Reader(), Tree: d.tree, Checkpoints: cps, Signer: d.signer,
		Controllers: controllers, PublicKey: d.publicKey})
	if err != nil {
		return nil, err
	}
	pv, err := erasure.NewProver(erasure.ProverConfig{Reader: d.read.Reader(), Tree: d.tree, Checkpoints: cps})
	if err != nil {
		return nil, err
	}
	return rights.New(x, sh, rm, pv)
}

// lease is this replica's candidacy for the lease of a job.
func (d *Daemon) lease(name string) lease.Config {
	return lease.Config{KV: d.leases, Name: name, Holder: d.cfg.Instance, TTL: lease.DefaultTTL, Log: d.log}
}

// placeFor bounds how long placed waits for a JetStream cluster, and
// placeAttempt one attempt.
const (
	placeFor     = 2 * time.Minute
	placeAttempt = 5 * time.Second
)

// placed runs fn, which creates or looks up a stream or bucket, again
// while a JetStream cluster cannot place or serve it yet — a cluster still
// forming, a node restarting, no meta leader (the request then goes
// unanswered: each attempt has placeAttempt): in Kubernetes docketd may
// start before or beside its NATS nodes. It pauses longer each time, for
// up to placeFor in all. Any other error, or the last one, is returned.
func (d *Daemon) placed(ctx context.Context, what string, fn func(context.Context) error) error {
	deadline := time.Now().Add(placeFor)
	pauses := &backoff.ExponentialBackOff{InitialInterval: 250 * time.Millisecond, Multiplier: 2, MaxInterval: 5 * time.Second}
	pauses.Reset()
	for {
		pause := pauses.NextBackOff()
		actx, cancel := context.WithTimeout(ctx, placeAttempt)
		err := fn(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !clusterNotReady(err) || time.Now().Add(pause).After(deadline) {
			return err
		}
		d.log.Warn("NATS cluster not ready; retrying", "for", what, "err", err, "pause", pause.String())
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// clusterNotReady reports whether err says that a JetStream cluster cannot
// do a request now, though it may soon: no suitable peers (one offline,
// 10005), the system temporarily unavailable (10008), the cluster unable
// to handle the request (10009), or no answer in time (no meta leader).
func clusterNotReady(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return true
	}
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode {
	case 10005, 10008, 10009:
		return true
	}
	return false
}
