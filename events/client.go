package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docketledger/docket/events/keys"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// ErrNoIntake: no docketd answers on the intake subject (none is running,
// or the caller's NATS user may not publish to it).
var ErrNoIntake = errors.New("no docketd intake answers")

// IntakeError is an error reply of the intake that has no typed error of
// its own here: Code is the Append API's code name (permission_denied,
// resource_exhausted, unavailable, ...), Message its message, which names
// fields and ids, never values.
type IntakeError struct {
	Code    string
	Message string
}

func (e *IntakeError) Error() string { return "docketd intake: " + e.Code + ": " + e.Message }

// ClientConfig configures a Client.
type ClientConfig struct {
	// Tenant and Source are those the caller's NATS user may append as:
	// the client sends to IntakeSubject(Tenant, Source), the only intake
	// subject that user may publish to. Events without a source get
	// Source; events of another tenant or source are refused.
	Tenant string
	Source string
	// Timeout bounds the wait for docketd's answer to one Append, when ctx
	// has no earlier deadline; default 10s.
	Timeout time.Duration
}

func (c *ClientConfig) setDefaults() {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
}

// Validate reports every problem with the configuration.
func (c ClientConfig) Validate() error {
	var errs []error
	if err := CheckToken(c.Tenant); err != nil {
		errs = append(errs, fmt.Errorf("tenant: %w", err))
	}
	if err := CheckToken(c.Source); err != nil {
		errs = append(errs, fmt.Errorf("source: %w", err))
	} else if c.Source == RecordedBy {
		errs = append(errs, fmt.Errorf("source: %s is docketd's own", c.Source))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: %s is negative", c.Timeout))
	}
	return errors.Join(errs...)
}

// Client records events through the NATS door docketd serves: it sends each
// batch, as a docket.api.v1.AppendRequest, to the intake subject of its
// tenant and source, and docketd validates, seals and stores it, as the
// Append API does, and answers with where each event was stored. It is the
// way in for a service that emits over NATS; only docketd publishes into
// the events stream itself.
//
// Values travel in plaintext to docketd, which seals them on receipt: use
// a NATS connection protected by TLS (deploy/nats). Nothing durable holds
// a request. A retried Append (after a timeout, say) is stored once, as
// long as its events keep their ids. It is safe for concurrent use.
type Client struct {
	nc      *nats.Conn
	cfg     ClientConfig
	subject string
}

// NewClient returns a Client sending through nc.
func NewClient(nc *nats.Conn, cfg ClientConfig) (*Client, error) {
	if nc == nil {
		return nil, errors.New("events: NewClient: nil NATS connection")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("events: client config: %w", err)
	}
	return &Client{nc: nc, cfg: cfg, subject: IntakeSubject(cfg.Tenant, cfg.Source)}, nil
}

// Subject is the intake subject the client sends to.
func (c *Client) Subject() string { return c.subject }

// Append records events in order, as the Append API does. It fills empty
// sources with the client's and validates the batch before sending it: a
// batch with any invalid event is refused whole with a *ValidationError
// whose field paths start with "events[i]", and nothing of it is sent.
// docketd's answers come back as the Emitter's errors: *ValidationError,
// *ConflictError (ErrConflict), keys.ErrShredded; others as *IntakeError.
func (c *Client) Append(ctx context.Context, evs ...*eventsv1.Event) ([]Result, error) {
	return c.AppendWith(ctx, AppendOptions{}, evs...)
}

// AppendWith is Append with per-call options.
func (c *Client) AppendWith(ctx context.Context, opts AppendOptions, evs ...*eventsv1.Event) ([]Result, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	if err := c.Check(opts, evs...); err != nil {
		return nil, err
	}
	data, err := (&apiv1.AppendRequest{Events: evs, ExpectedLastSequence: opts.ExpectedLastSequence}).MarshalVT()
	if err != nil {
		return nil, fmt.Errorf("events: encode the request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	reply, err := c.nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: c.subject, Data: data})
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, fmt.Errorf("events: %s: %w", c.subject, ErrNoIntake)
	}
	if err != nil {
		return nil, fmt.Errorf("events: %s: %w", c.subject, err)
	}
	return DecodeIntakeReply(reply)
}

// Check validates a batch as Append does before sending it (filling empty
// sources with the client's), without sending anything.
func (c *Client) Check(opts AppendOptions, evs ...*eventsv1.Event) error {
	all, err := checkBatch(c.cfg.Source, time.Time{}, 0, opts, evs, func(prefix string, ev *eventsv1.Event) []*FieldError {
		if ev.GetTenant() != c.cfg.Tenant {
			return []*FieldError{{Field: prefix + ".tenant", Reason: "names another tenant than the client's"}}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(all) > 0 {
		return &ValidationError{Problems: all}
	}
	return nil
}

// DecodeIntakeReply turns the intake's reply to a binary request into the
// results of the batch, or into the error it reports.
func DecodeIntakeReply(reply *nats.Msg) ([]Result, error) {
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		return nil, intakeError(code, reply.Header.Get(micro.ErrorHeader), reply.Data)
	}
	var resp apiv1.AppendResponse
	if err := resp.UnmarshalVT(reply.Data); err != nil {
		return nil, fmt.Errorf("events: the intake's reply is not an AppendResponse: %w", err)
	}
	out := make([]Result, len(resp.GetResults()))
	for i, r := range resp.GetResults() {
		out[i] = Result{EventID: r.GetEventId(), Sequence: r.GetSequence(), Duplicate: r.GetDuplicate()}
	}
	return out, nil
}

// intakeError rebuilds the typed error of an error reply.
func intakeError(code, message string, body []byte) error {
	var d IntakeErrorDetail
	if len(body) > 0 {
		// A body that is not a detail leaves the generic error below.
		_ = json.Unmarshal(body, &d)
	}
	switch {
	case code == "invalid_argument" && len(d.FieldViolations) > 0:
		ve := &ValidationError{Problems: make([]*FieldError, len(d.FieldViolations))}
		for i, v := range d.FieldViolations {
			ve.Problems[i] = &FieldError{Field: v.Field, Reason: v.Description}
		}
		return ve
	case code == "aborted" && d.Conflict != nil:
		return &ConflictError{SubjectRef: d.Conflict.SubjectRef, Expected: d.Conflict.Expected, Actual: d.Conflict.Actual}
	case code == "aborted":
		return fmt.Errorf("docketd intake: %w: %s", ErrConflict, message)
	case code == "failed_precondition" && d.Shredded:
		return fmt.Errorf("docketd intake: %w: %s", keys.ErrShredded, message)
	}
	return &IntakeError{Code: code, Message: message}
}
