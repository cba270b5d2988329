package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/audit"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/console"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/docketledger/docket/services/internal/intake"
	"github.com/docketledger/docket/services/internal/query"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/docketledger/docket/services/internal/rights"
	"github.com/docketledger/docket/services/internal/status"
	"github.com/docketledger/docket/services/internal/tokens"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// apiDeps is what the API serves from.
type apiDeps struct {
	log      *eventLog
	tokens   *auth.Store
	sealing  *sealing
	read     *readSide
	notary   *notaryPart
	shredder *erasure.Shredder
	record   Recorder
	reg      *prometheus.Registry
	readyz   http.HandlerFunc
}

// apiServer is the Connect API (with the console, the health checks and
// the metrics) on its listener, and the NATS door, which appends by the
// same path.
type apiServer struct {
	http   *http.Server
	intake *intake.Service
	addr   net.Addr
	tls    bool
	served chan error // the server's end
}

// startAPI builds the services, listens and serves, and opens the NATS
// door.
func startAPI(cfg config.Config, p apiDeps, bg *background, log *slog.Logger) (_ *apiServer, err error) {
	icfg := ingest.Config{MaxBatch: cfg.MaxBatch}
	if p.log.ns != nil {
		icfg.Storage = p.log.ns.Health
	}
	ing, err := ingest.New(p.sealing.emitter, p.log.stream, icfg, p.reg)
	if err != nil {
		return nil, err
	}
	handler, err := routes(cfg, p, ing, log)
	if err != nil {
		return nil, err
	}
	a := &apiServer{served: make(chan error, 1)}
	ln, protocols, err := a.listen(cfg)
	if err != nil {
		return nil, err
	}
	a.http = &http.Server{
		Handler:           handler,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	bg.g.Go(func() error {
		a.served <- a.http.Serve(ln)
		return nil
	})
	// The NATS door: services that emit over NATS append through it, by
	// the same path as the Append API.
	a.intake, err = intake.Start(p.log.nc, ing, intake.Config{MaxRequestBytes: cfg.MaxRequestBytes, Rate: cfg.RateLimit, Burst: cfg.RateBurst}, p.reg, log)
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// routes is the guarded handler of every path: the Connect services, gRPC
// reflection, health, readiness, metrics, and the console.
func routes(cfg config.Config, p apiDeps, ing *ingest.Service, log *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	guard := &auth.Guard{Store: p.tokens, Rate: cfg.RateLimit, Burst: cfg.RateBurst}
	opts := []connect.HandlerOption{connect.WithReadMaxBytes(cfg.MaxRequestBytes), connect.WithCodec(ingest.JSONCodec{}),
		connect.WithInterceptors(guard)}
	if err := mountServices(mux, cfg, p, ing, log, opts); err != nil {
		return nil, err
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", p.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET "+export.SchemaPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/schema+json")
		_, _ = w.Write(export.PortabilitySchema)
	})
	api := guard.Handler(mux)
	// The console calls the API in-process through the same guard, with
	// the signed-in token: it holds no authority of its own.
	cons, err := console.New(console.Config{API: api, Tokens: p.tokens, LogKey: p.notary.publicKey, WitnessKeys: cfg.WitnessKeys,
		Secure: cfg.APITLSCert != "", Log: log})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", cons)
	return api, nil
}

// mountServices builds the Connect services and mounts them, with gRPC
// reflection, on mux.
func mountServices(mux *http.ServeMux, cfg config.Config, p apiDeps, ing *ingest.Service, log *slog.Logger,
	opts []connect.HandlerOption) error {
	reader := p.read.models.Reader()
	qs, err := query.New(reader, query.Options{Keys: p.sealing.keyring})
	if err != nil {
		return err
	}
	as, err := audit.New(audit.Config{
		Tree: p.notary.tree, Events: p.log.stream, Checkpoints: p.notary.checkpoints, JetStream: p.log.js,
		Reader: reader, Log: p.notary.verifier, Witnesses: p.notary.witnesses,
	})
	if err != nil {
		return err
	}
	rs, err := rightsService(cfg, p)
	if err != nil {
		return err
	}
	st, err := status.New(p.log.stream, p.read.models, p.notary.notary, p.read.models.Kind())
	if err != nil {
		return err
	}
	mux.Handle(apiv1connect.NewTokenServiceHandler(&tokens.Service{Store: p.tokens, Log: log}, opts...))
	mux.Handle(apiv1connect.NewIngestServiceHandler(ing, opts...))
	mux.Handle(apiv1connect.NewQueryServiceHandler(qs, opts...))
	mux.Handle(apiv1connect.NewStatusServiceHandler(st, opts...))
	mux.Handle(apiv1connect.NewAuditServiceHandler(as, opts...))
	mux.Handle(apiv1connect.NewRightsServiceHandler(rs, opts...))
	reflector := grpcreflect.NewStaticReflector(apiv1connect.IngestServiceName, apiv1connect.QueryServiceName,
		apiv1connect.StatusServiceName, apiv1connect.AuditServiceName, apiv1connect.RightsServiceName, apiv1connect.TokenServiceName)
	mux.Handle(grpcreflect.NewHandlerV1(reflector, opts...))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, opts...))
	return nil
}

// rightsService answers data-subject requests: exports decrypt with the
// key ring, prove with the notary's tree and record through the Recorder;
// shreds go through the one Shredder.
func rightsService(cfg config.Config, p apiDeps) (*rights.Service, error) {
	reader, tree, cps := p.read.models.Reader(), p.notary.tree, p.notary.checkpoints
	x, err := export.New(export.Config{Reader: reader, Keys: p.sealing.keyring, Tree: tree, Checkpoints: cps, Record: p.record})
	if err != nil {
		return nil, err
	}
	rm, err := receipt.New(receipt.Config{Reader: reader, Keys: p.sealing.keyring, Tree: tree, Checkpoints: cps, Signer: p.notary.signer,
		PublicKey: p.notary.publicKey})
	if err != nil {
		return nil, err
	}
	pv, err := erasure.NewProver(erasure.ProverConfig{Reader: reader, Tree: tree, Checkpoints: cps})
	if err != nil {
		return nil, err
	}
	return rights.New(x, p.shredder, rm, pv)
}

// listen opens the API's listener, with TLS when configured, and says
// which protocols it serves: HTTP/1.1, and HTTP/2 in clear or over TLS.
func (a *apiServer) listen(cfg config.Config) (net.Listener, *http.Protocols, error) {
	ln, err := net.Listen("tcp", cfg.APIListen)
	if err != nil {
		return nil, nil, fmt.Errorf("api_listen: %w", err)
	}
	a.addr = ln.Addr()
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	if cfg.APITLSCert != "" {
		tc, err := apiTLS(cfg)
		if err != nil {
			_ = ln.Close()
			return nil, nil, err
		}
		ln = tls.NewListener(ln, tc)
		a.tls = true
		protocols.SetUnencryptedHTTP2(false)
		protocols.SetHTTP2(true)
	}
	return ln, protocols, nil
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

// url is the API's base URL.
func (a *apiServer) url() string {
	if a.tls {
		return "https://" + a.addr.String()
	}
	return "http://" + a.addr.String()
}

// Shutdown stops taking requests, lets running ones finish, then closes
// the NATS door.
func (a *apiServer) Shutdown(ctx context.Context) error {
	var errs []error
	if err := a.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("api: %w", err))
	}
	if a.intake != nil {
		if err := a.intake.Stop(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes the server and its connections at once, and the NATS door.
func (a *apiServer) Close() {
	_ = a.http.Close()
	if a.intake != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.intake.Stop(ctx)
		cancel()
	}
}
