package query

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
)

// Errors the service returns inside a *connect.Error with code not_found.
// An unknown tenant and an unknown subject of a known tenant are the same
// error, so that nobody learns whether another tenant holds a subject.
var (
	ErrSubjectNotFound = errors.New("subject not found")
	ErrTenantNotFound  = errors.New("tenant not found")
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

// problems accumulates the problems of one request.
type problems []*events.FieldError

func (p *problems) add(field, reason string) {
	*p = append(*p, &events.FieldError{Field: field, Reason: reason})
}

// err is invalid_argument naming every problem, or nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return invalid(p...)
}

// invalid is invalid_argument with every problem in the message and as
// google.rpc.BadRequest field violations.
func invalid(ps ...*events.FieldError) *connect.Error {
	err := connect.NewError(connect.CodeInvalidArgument, &RequestError{Problems: ps})
	br := &errdetails.BadRequest{}
	for _, p := range ps {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: p.Field, Description: p.Reason})
	}
	if d, derr := connect.NewErrorDetail(br); derr == nil {
		err.AddDetail(d)
	}
	return err
}

func notFound(err error) *connect.Error { return connect.NewError(connect.CodeNotFound, err) }

// storeError maps a read-model error to its Connect code. Store errors name
// tenants, subject references and taxonomy keys at most, never values.
func storeError(err error) *connect.Error {
	switch {
	case errors.Is(err, model.ErrNotFound):
		return notFound(ErrSubjectNotFound)
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, err)
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	default:
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("read model: %w", err))
	}
}

// foldError maps an error of the projection logic: stored rows it cannot
// fold are an internal problem, not the caller's.
func foldError(err error) *connect.Error {
	return connect.NewError(connect.CodeInternal, fmt.Errorf("fold: %w", err))
}

func errorsIsNotFound(err error) bool { return errors.Is(err, model.ErrNotFound) }
