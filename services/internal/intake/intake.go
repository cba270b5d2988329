// Package intake serves the NATS door into the ledger: a request/reply
// service (nats.go's micro, service "docket-intake") on the intake subjects
// docketd.intake.<tenant>.<source> (events.IntakeSubject), through which a
// service that emits over NATS appends events without publishing into the
// events stream, which only docketd may do.
//
// The NATS server binds a caller to its own intake subjects (deploy/nats
// permissions; on the embedded server, an emitter's API token), so the
// subject says who is calling: the door takes tenant and source from it,
// binds every event of the batch to them as the API's guard binds an
// emitter token's (auth.Allow), and appends through the Append API's own
// path (ingest.Service.AppendBatch): same validation, sealing, storage
// gate, metrics (transport "nats"), results and error codes. The request is
// a docket.api.v1.AppendRequest in binary protobuf, or in protojson with a
// "Content-Type: application/json" header; the answer, an AppendResponse
// encoded as the request was, or a micro error: the Append API's code name
// in the Nats-Service-Error-Code header, its message (fields and ids,
// never values) in Nats-Service-Error, and an events.IntakeErrorDetail in
// JSON as the body.
//
// Nothing durable holds a request: there is no intake stream, so values
// travel in plaintext only over the NATS connection (TLS in deploy/) and
// are sealed before anything stores them.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ServiceName is the micro service's name; it is also the queue group that
// several docketd replicas share the requests in.
const ServiceName = "docket-intake"

// Version is the micro service's version.
const Version = "1.0.0"

// Appender appends a bound batch; *ingest.Service is one.
type Appender interface {
	AppendBatch(ctx context.Context, msg *apiv1.AppendRequest, transport string) (*apiv1.AppendResponse, error)
}

// Config configures the intake. Its zero value works.
type Config struct {
	// MaxRequestBytes bounds one request's body; default 8 MiB, as the
	// API's max_request_bytes. (The NATS server's max_payload, 1 MB by
	// default, bounds it too.) The batch is bounded by the Appender.
	MaxRequestBytes int
	// Concurrency bounds the requests appended at once; default 64. The
	// rest wait in the subscription's buffer.
	Concurrency int
	// Timeout bounds one append; default 30s.
	Timeout time.Duration
	// Rate and Burst limit each caller's requests (per second, and at
	// once), as the API's rate_limit and rate_burst limit each token's
	// calls; a caller is an intake subject (a tenant and a source). A
	// caller over its limit gets resource_exhausted. Rate 0: no limit.
	Rate  float64
	Burst int
}

func (c *Config) setDefaults() {
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = 8 << 20
	}
	if c.Concurrency == 0 {
		c.Concurrency = 64
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.MaxRequestBytes < 0 {
		errs = append(errs, fmt.Errorf("max request bytes: %d is negative", c.MaxRequestBytes))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency: %d is negative", c.Concurrency))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: %s is negative", c.Timeout))
	}
	if c.Rate < 0 {
		errs = append(errs, fmt.Errorf("rate: %g is negative", c.Rate))
	}
	if c.Burst < 0 {
		errs = append(errs, fmt.Errorf("burst: %d is negative", c.Burst))
	}
	return errors.Join(errs...)
}

// Service is a running intake.
type Service struct {
	nc       *nats.Conn
	app      Appender
	cfg      Config
	log      *slog.Logger
	svc      micro.Service
	slots    chan struct{}
	inflight sync.WaitGroup
	requests *prometheus.CounterVec

	mu      sync.Mutex
	buckets map[string]*rate.Limiter // by subject
	stopped bool                     // set by Stop, under mu
}

// maxBuckets bounds the rate limiters kept; past it they start afresh.
// The NATS server's permissions bound the subjects a deployment's users
// can send to far below it.
const maxBuckets = 10_000

// ErrRateLimited: the caller sent too many requests.
var ErrRateLimited = errors.New("too many requests to this intake subject: slow down and retry")

// limited tells whether the caller of subject is over its rate.
func (s *Service) limited(subject string) bool {
	if s.cfg.Rate <= 0 {
		return false
	}
	s.mu.Lock()
	l := s.buckets[subject]
	if l == nil {
		if s.buckets == nil || len(s.buckets) >= maxBuckets {
			s.buckets = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(rate.Limit(s.cfg.Rate), max(s.cfg.Burst, 1))
		s.buckets[subject] = l
	}
	s.mu.Unlock()
	return !l.Allow()
}

// Start serves the intake on nc until Stop; reg receives its metrics.
func Start(nc *nats.Conn, app Appender, cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Service, error) {
	if nc == nil || app == nil || reg == nil || log == nil {
		return nil, errors.New("intake: Start: nil dependency")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("intake: config: %w", err)
	}
	s := &Service{nc: nc, app: app, cfg: cfg, log: log, slots: make(chan struct{}, cfg.Concurrency),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "docket_intake_requests_total",
			Help: "Requests to the NATS intake, by the code of the answer (ok, or the Append API's error code).",
		}, []string{"code"}),
	}
	if err := reg.Register(s.requests); err != nil {
		return nil, err
	}
	svc, err := micro.AddService(nc, micro.Config{
		Name:        ServiceName,
		Version:     Version,
		Description: "Appends batches of Docket events (docket.api.v1.AppendRequest) for the tenant and source of the subject.",
		QueueGroup:  ServiceName,
		Endpoint: &micro.EndpointConfig{
			Subject: events.IntakePrefix + ".*.*",
			Handler: micro.HandlerFunc(s.dispatch),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	s.svc = svc
	// The server has the subscriptions once it answered a ping: a request
	// sent after Start returns finds the intake.
	if err := nc.FlushTimeout(10 * time.Second); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("intake: subscribe: %w", err)
	}
	return s, nil
}

// Stop stops taking requests and waits, until ctx ends, for those being
// appended.
func (s *Service) Stop(ctx context.Context) error {
	err := s.svc.Stop() // drains: requests already received still arrive
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return errors.Join(err, fmt.Errorf("intake: requests still being appended: %w", ctx.Err()))
	}
	return err
}

// dispatch hands the request to a goroutine of its own, at most
// Concurrency at a time: micro calls handlers one at a time, and the
// Emitter overlaps the appends of several batches. The goroutine answers
// on the connection itself, not through req, which micro reads once the
// handler returns (its stats count dispatches; the intake's metrics count
// answers).
func (s *Service) dispatch(req micro.Request) {
	subject, reply, data := req.Subject(), req.Reply(), req.Data()
	if reply == "" || strings.HasPrefix(reply, "$JS.") {
		// Not a request: a publish no one waits for, or a message a
		// JetStream consumer delivered here (its reply acknowledges it),
		// which the server sends on no client's behalf. Nothing of it is
		// appended.
		s.requests.WithLabelValues("not_a_request").Inc()
		s.log.Warn("intake: refused a message that is not a request (no reply subject, or a JetStream delivery)", "subject", subject)
		return
	}
	isJSON := req.Headers().Get(events.HeaderContentType) == events.ContentTypeJSON
	s.slots <- struct{}{}
	s.mu.Lock()
	stopped := s.stopped
	if !stopped {
		s.inflight.Add(1)
	}
	s.mu.Unlock()
	if stopped {
		<-s.slots
		// Nothing of it was appended: the client may retry at once, and
		// another replica answers.
		s.answer(subject, reply, nil, connect.NewError(connect.CodeUnavailable, errors.New("docketd is shutting down: nothing of this batch was stored")), false)
		return
	}
	go func() {
		defer func() { <-s.slots; s.inflight.Done() }()
		s.handle(subject, reply, data, isJSON)
	}()
}

func (s *Service) handle(subject, reply string, data []byte, isJSON bool) {
	resp, err := s.serve(subject, data, isJSON)
	s.answer(subject, reply, resp, err, isJSON)
}

// answer sends resp, or err (a *connect.Error) as micro.Request.Error
// does, to reply, and counts it.
func (s *Service) answer(subject, reply string, resp *apiv1.AppendResponse, err error, isJSON bool) {
	code := "ok"
	answer := &nats.Msg{Subject: reply, Header: nats.Header{}}
	if err == nil {
		if isJSON {
			answer.Data, err = protojson.Marshal(resp)
			answer.Header.Set(events.HeaderContentType, events.ContentTypeJSON)
		} else {
			answer.Data, err = resp.MarshalVT()
		}
		if err != nil {
			err = connect.NewError(connect.CodeInternal, fmt.Errorf("encode the response: %w", err))
		}
	}
	if err != nil {
		var ce *connect.Error
		if !errors.As(err, &ce) {
			ce = connect.NewError(connect.CodeInternal, err)
		}
		code = ce.Code().String()
		// One header line: joined errors (errors.Join) are separated as a
		// ValidationError's problems are.
		msg := strings.ReplaceAll(strings.TrimSpace(ce.Message()), "\n", "; ")
		if msg == "" {
			msg = code
		}
		detail, _ := json.Marshal(Detail(ce))
		answer.Header = nats.Header{micro.ErrorCodeHeader: {code}, micro.ErrorHeader: {msg}}
		answer.Data = detail
	}
	s.requests.WithLabelValues(code).Inc()
	if err := s.nc.PublishMsg(answer); err != nil {
		s.log.Warn("intake: cannot answer", "subject", subject, "code", code, "err", err)
	}
}

// serve decodes, binds and appends one request. Its errors are
// *connect.Error.
func (s *Service) serve(subject string, data []byte, isJSON bool) (*apiv1.AppendResponse, error) {
	tenant, source, err := ParseSubject(subject)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if s.limited(subject) {
		return nil, connect.NewError(connect.CodeResourceExhausted, ErrRateLimited)
	}
	if len(data) > s.cfg.MaxRequestBytes {
		return nil, connect.NewError(connect.CodeResourceExhausted,
			fmt.Errorf("the request holds %d bytes, more than the %d one request takes (max_request_bytes)", len(data), s.cfg.MaxRequestBytes))
	}
	msg, err := DecodeRequest(data, isJSON)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	// The caller is bound as an emitter token of this tenant and source:
	// the API guard's own rule fills empty sources and refuses events of
	// another tenant or source, or of a type only docketd records.
	caller := &auth.Token{Roles: []auth.Role{auth.Emitter}, Tenant: tenant, Source: source}
	if err := auth.Allow(caller, apiv1connect.IngestServiceAppendProcedure, msg); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	return s.app.AppendBatch(ctx, msg, ingest.TransportNATS)
}

// ParseSubject returns the tenant and source of an intake subject,
// docketd.intake.<tenant>.<source>.
func ParseSubject(subject string) (tenant, source string, err error) {
	rest, ok := strings.CutPrefix(subject, events.IntakePrefix+".")
	parts := strings.Split(rest, ".")
	if !ok || len(parts) != 2 {
		return "", "", errors.New("subject: not " + events.IntakePrefix + ".<tenant>.<source>")
	}
	tenant, source = parts[0], parts[1]
	var errs []error
	if err := events.CheckToken(tenant); err != nil {
		errs = append(errs, fmt.Errorf("subject: tenant %w", err))
	}
	switch err := events.CheckToken(source); {
	case err != nil:
		errs = append(errs, fmt.Errorf("subject: source %w", err))
	case source == auth.AnySource:
		errs = append(errs, errors.New("subject: source * is not a source"))
	case source == events.RecordedBy:
		errs = append(errs, fmt.Errorf("subject: source %s is docketd's own", source))
	}
	return tenant, source, errors.Join(errs...)
}

// appendRequestName names the request type in decoding errors.
const appendRequestName = "docket.api.v1.AppendRequest"

// DecodeRequest decodes an intake request's body: binary protobuf, or
// protojson (isJSON), with the API's strictness (strings must be UTF-8;
// in JSON, unknown fields are refused).
// Its errors never quote the body, which can hold personal data.
func DecodeRequest(data []byte, isJSON bool) (*apiv1.AppendRequest, error) {
	msg := &apiv1.AppendRequest{}
	if isJSON {
		if err := (ingest.JSONCodec{}).Unmarshal(data, msg); err != nil {
			return nil, err
		}
		return msg, nil
	}
	// proto.Unmarshal, as the API's binary codec: it refuses strings that
	// are not UTF-8, which UnmarshalVT lets through.
	if err := proto.Unmarshal(data, msg); err != nil {
		return nil, errors.New("not a valid " + appendRequestName + " in protobuf (send Content-Type: " + events.ContentTypeJSON + " for JSON)")
	}
	return msg, nil
}

// Detail is the body of an error reply: what a client needs to rebuild the
// typed error behind ce.
func Detail(ce *connect.Error) events.IntakeErrorDetail {
	var d events.IntakeErrorDetail
	err := ce.Unwrap()
	var ve *events.ValidationError
	var cf *events.ConflictError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			d.FieldViolations = append(d.FieldViolations, events.IntakeFieldViolation{Field: p.Field, Description: p.Reason})
		}
	}
	if errors.As(err, &cf) {
		d.Conflict = &events.IntakeConflict{SubjectRef: cf.SubjectRef, Expected: cf.Expected, Actual: cf.Actual}
	}
	d.Shredded = errors.Is(err, keys.ErrShredded)
	return d
}
