// Package ingest serves docket.api.v1.IngestService: the Append API through
// which clients record events, sealed on receipt.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Appender stores a validated batch; *events.Emitter is one.
type Appender interface {
	AppendWith(ctx context.Context, opts events.AppendOptions, evs ...*eventsv1.Event) ([]events.Result, error)
}

// Config configures the service.
type Config struct {
	// MaxBatch bounds the events of one request.
	MaxBatch int
	// Storage, when set, says what is wrong with the event store's
	// storage, or nil. While it reports a problem (checked at most every
	// storageEvery), appends are refused at once with resource_exhausted
	// rather than left to time out on a store that cannot write; and an
	// append that failed without a reason of its own (the server did not
	// answer, or refused a batch) gets it, so that a full disk is named as
	// such.
	Storage func() error
}

// storageEvery is how long a Storage answer is reused.
const storageEvery = 250 * time.Millisecond

// storageGate caches Config.Storage's answer for storageEvery.
type storageGate struct {
	check func() error
	mu    sync.Mutex
	at    time.Time
	err   error
}

func (g *storageGate) problem() error {
	if g.check == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := time.Now(); now.Sub(g.at) >= storageEvery {
		g.err, g.at = g.check(), now
	}
	return g.err
}

// Service implements apiv1connect.IngestServiceHandler.
type Service struct {
	app    Appender
	stream jetstream.Stream
	cfg    Config
	gate   storageGate

	appended *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

var _ apiv1connect.IngestServiceHandler = (*Service)(nil)

// New returns the service; reg receives its metrics.
func New(app Appender, stream jetstream.Stream, cfg Config, reg prometheus.Registerer) (*Service, error) {
	if app == nil || stream == nil || reg == nil {
		return nil, errors.New("ingest: New: nil dependency")
	}
	if cfg.MaxBatch < 1 {
		return nil, fmt.Errorf("ingest: max batch %d is less than 1", cfg.MaxBatch)
	}
	s := &Service{
		app:    app,
		stream: stream,
		cfg:    cfg,
		gate:   storageGate{check: cfg.Storage},
		appended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "docket_append_events_total",
			Help: "Events received by the Append API (transport api) or the NATS intake (transport nats), by outcome.",
		}, []string{"transport", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "docket_append_batch_seconds",
			Help:    "Time to validate, seal and store one Append batch, by transport.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"transport"}),
	}
	if err := reg.Register(s.appended); err != nil {
		return nil, err
	}
	if err := reg.Register(s.latency); err != nil {
		return nil, err
	}
	return s, nil
}

// Transports an Append arrives by; the label "transport" of the
// service's metrics.
const (
	// TransportAPI is the Connect Append API (HTTP).
	TransportAPI = "api"
	// TransportNATS is the NATS intake (package intake).
	TransportNATS = "nats"
)

// Append validates the whole batch, seals its values and stores it.
func (s *Service) Append(ctx context.Context, req *connect.Request[apiv1.AppendRequest]) (*connect.Response[apiv1.AppendResponse], error) {
	resp, err := s.AppendBatch(ctx, req.Msg, TransportAPI)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(resp), nil
}

// AppendBatch is what every door into the ledger does with a batch once
// its caller is known and bound (its tenant and source checked): it bounds
// the batch, refuses it at once while the store cannot write, appends it
// and counts the outcome under transport. An error is always a
// *connect.Error, whose code is the API's (invalid_argument with every
// field problem, aborted for a conflict, resource_exhausted, ...): a door
// that is not Connect translates it.
func (s *Service) AppendBatch(ctx context.Context, msg *apiv1.AppendRequest, transport string) (*apiv1.AppendResponse, error) {
	appended := s.appended.MustCurryWith(prometheus.Labels{"transport": transport})
	evs := msg.GetEvents()
	switch {
	case len(evs) == 0:
		appended.WithLabelValues("refused").Inc()
		return nil, apierr.InvalidEvents(&events.FieldError{Field: "events", Reason: "is empty"})
	case len(evs) > s.cfg.MaxBatch:
		appended.WithLabelValues("refused").Add(float64(len(evs)))
		return nil, apierr.InvalidEvents(&events.FieldError{Field: "events", Reason: fmt.Sprintf("holds %d events, more than the %d one request takes", len(evs), s.cfg.MaxBatch)})
	}
	if serr := s.gate.problem(); serr != nil {
		appended.WithLabelValues("refused").Add(float64(len(evs)))
		return nil, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("the event store cannot write, %w; nothing of this batch was stored", serr))
	}
	start := time.Now()
	results, err := s.app.AppendWith(ctx, events.AppendOptions{ExpectedLastSequence: msg.GetExpectedLastSequence()}, evs...)
	s.latency.WithLabelValues(transport).Observe(time.Since(start).Seconds())
	resp := &apiv1.AppendResponse{Results: make([]*apiv1.AppendResult, len(results))}
	for i, r := range results {
		resp.Results[i] = &apiv1.AppendResult{EventId: r.EventID, Sequence: r.Sequence, Duplicate: r.Duplicate}
		if r.Duplicate {
			appended.WithLabelValues("duplicate").Inc()
		} else {
			appended.WithLabelValues("stored").Inc()
		}
	}
	if err != nil {
		appended.WithLabelValues("refused").Add(float64(len(evs) - len(results)))
		ce := appendError(err)
		if c := ce.Code(); (c == connect.CodeUnavailable || c == connect.CodeDeadlineExceeded) && s.cfg.Storage != nil {
			if serr := s.cfg.Storage(); serr != nil {
				ce = connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("the event store cannot write, %w: %w", serr, err))
			}
		}
		return nil, ce
	}
	return resp, nil
}

// Head returns the newest stored event of a tenant or subject.
func (s *Service) Head(ctx context.Context, req *connect.Request[apiv1.HeadRequest]) (*connect.Response[apiv1.HeadResponse], error) {
	var ps apierr.Problems
	ps.CheckToken("tenant", req.Msg.GetTenant(), true)
	ps.CheckToken("subject_ref", req.Msg.GetSubjectRef(), false)
	if len(ps) > 0 {
		return nil, apierr.InvalidEvents(ps...)
	}
	var (
		seq   uint64
		id    string
		found bool
		err   error
	)
	if req.Msg.GetSkipDocketd() {
		seq, id, found, err = HeadSkipping(ctx, s.stream, req.Msg.GetTenant(), req.Msg.GetSubjectRef(), recordedByDocketd, maxHeadWalk)
	} else {
		seq, id, found, err = events.Head(ctx, s.stream, req.Msg.GetTenant(), req.Msg.GetSubjectRef())
	}
	if err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("head: %w", err))
	}
	return connect.NewResponse(&apiv1.HeadResponse{Found: found, Sequence: seq, EventId: id}), nil
}

// appendError maps an Append error to its Connect code. Messages hold field
// paths, ids and sequences only, never values.
func appendError(err error) *connect.Error {
	var ve *events.ValidationError
	var ce *events.ConflictError
	switch {
	case errors.As(err, &ve):
		return apierr.InvalidEvents(ve.Problems...)
	case errors.As(err, &ce), errors.Is(err, events.ErrConflict):
		return connect.NewError(connect.CodeAborted, err)
	case errors.Is(err, keys.ErrShredded):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	default:
		if ce := apierr.Context(err); ce != nil {
			return ce
		}
		return connect.NewError(connect.CodeUnavailable, err)
	}
}

// maxHeadWalk bounds how far HeadRequest.skip_docketd looks back.
const maxHeadWalk = 100_000

func recordedByDocketd(ev *eventsv1.Event) bool { return ev.GetSource() == events.RecordedBy }
