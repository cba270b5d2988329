package apierr

import (
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
)

// RequestError lists every problem found in one request, by field path. Its
// reasons never quote the request's values.
type RequestError struct {
	Problems []*events.FieldError
}

func (e *RequestError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Error()
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Is reports whether target is events.ErrInvalid.
func (e *RequestError) Is(target error) bool { return target == events.ErrInvalid }

// Problems accumulates the problems of one request.
type Problems []*events.FieldError

// Add records that field is wrong for reason (which names no value).
func (p *Problems) Add(field, reason string) {
	*p = append(*p, &events.FieldError{Field: field, Reason: reason})
}

// CheckToken records a problem when s is not a NATS token (a tenant, a
// subject reference, an id); an empty s is one unless required is false.
func (p *Problems) CheckToken(field, s string, required bool) {
	if s == "" && !required {
		return
	}
	if err := events.CheckToken(s); err != nil {
		p.Add(field, err.Error())
	}
}

// Err is invalid_argument naming every problem (Invalid), or nil.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return Invalid(p...)
}

// Invalid is invalid_argument for a request, with every problem in the
// message ("invalid request: ...", a *RequestError) and as
// google.rpc.BadRequest field violations.
func Invalid(ps ...*events.FieldError) *connect.Error {
	return invalidArgument(&RequestError{Problems: ps}, ps)
}

// InvalidEvents is invalid_argument for the events a request carries (the
// Append API), with every problem in the message ("invalid event: ...", an
// *events.ValidationError) and as google.rpc.BadRequest field violations.
func InvalidEvents(ps ...*events.FieldError) *connect.Error {
	return invalidArgument(&events.ValidationError{Problems: ps}, ps)
}

func invalidArgument(cause error, ps []*events.FieldError) *connect.Error {
	err := connect.NewError(connect.CodeInvalidArgument, cause)
	br := &errdetails.BadRequest{}
	for _, p := range ps {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: p.Field, Description: p.Reason})
	}
	if d, derr := connect.NewErrorDetail(br); derr == nil {
		err.AddDetail(d)
	}
	return err
}
