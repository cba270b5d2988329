package apierr_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/services/internal/apierr"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
)

// violations is the BadRequest detail of err, as "field: description".
func violations(t *testing.T, err *connect.Error) []string {
	t.Helper()
	var out []string
	for _, d := range err.Details() {
		v, derr := d.Value()
		if derr != nil {
			t.Fatalf("detail %s: %v", d.Type(), derr)
		}
		br, ok := v.(*errdetails.BadRequest)
		if !ok {
			t.Fatalf("detail %T, want *errdetails.BadRequest", v)
		}
		for _, fv := range br.GetFieldViolations() {
			out = append(out, fv.GetField()+": "+fv.GetDescription())
		}
	}
	return out
}

func TestInvalid(t *testing.T) {
	ps := []*events.FieldError{{Field: "tenant", Reason: "is empty"}, {Field: "events[2].subject_ref", Reason: "is too long"}}
	for _, tc := range []struct {
		name        string
		err         *connect.Error
		wantMessage string
		wantAs      func(error) bool
	}{
		{"request", apierr.Invalid(ps...), "invalid_argument: invalid request: tenant: is empty; events[2].subject_ref: is too long",
			func(err error) bool { var re *apierr.RequestError; return errors.As(err, &re) && len(re.Problems) == 2 }},
		{"events", apierr.InvalidEvents(ps...), "invalid_argument: invalid event: tenant: is empty; events[2].subject_ref: is too long",
			func(err error) bool {
				var ve *events.ValidationError
				return errors.As(err, &ve) && len(ve.Problems) == 2
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Code(); got != connect.CodeInvalidArgument {
				t.Errorf("code %v, want invalid_argument", got)
			}
			if got := tc.err.Error(); got != tc.wantMessage {
				t.Errorf("message %q, want %q", got, tc.wantMessage)
			}
			if !errors.Is(tc.err, events.ErrInvalid) {
				t.Error("errors.Is(err, events.ErrInvalid) = false")
			}
			if !tc.wantAs(tc.err) {
				t.Errorf("%v does not unwrap to its problems' type", tc.err)
			}
			got := violations(t, tc.err)
			want := []string{"tenant: is empty", "events[2].subject_ref: is too long"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("field violations %q, want %q", got, want)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	for _, tc := range []struct {
		name       string
		check      func(*apierr.Problems)
		wantFields []string // nil: Err is nil
	}{
		{"none", func(p *apierr.Problems) {}, nil},
		{"optional token absent", func(p *apierr.Problems) { p.CheckToken("request_id", "", false) }, nil},
		{"valid token", func(p *apierr.Problems) { p.CheckToken("tenant", "acme", true) }, nil},
		{"required token absent", func(p *apierr.Problems) { p.CheckToken("tenant", "", true) }, []string{"tenant"}},
		{"not a token, value not quoted", func(p *apierr.Problems) { p.CheckToken("subject_ref", "jane@example.org", false) }, []string{"subject_ref"}},
		{"every problem", func(p *apierr.Problems) {
			p.CheckToken("tenant", "", true)
			p.Add("page_size", "is negative")
		}, []string{"tenant", "page_size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ps apierr.Problems
			tc.check(&ps)
			err := ps.Err()
			if tc.wantFields == nil {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			var re *apierr.RequestError
			if connect.CodeOf(err) != connect.CodeInvalidArgument || !errors.As(err, &re) {
				t.Fatalf("Err() = %v, want invalid_argument with a *RequestError", err)
			}
			var got []string
			for _, p := range re.Problems {
				got = append(got, p.Field)
				if p.Reason == "" {
					t.Errorf("%s: empty reason", p.Field)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantFields) {
				t.Errorf("fields %q, want %q", got, tc.wantFields)
			}
			if msg := err.Error(); strings.Contains(msg, "jane") || strings.Contains(msg, "example.org") {
				t.Errorf("message %q quotes a value", msg)
			}
		})
	}
}

func TestMapping(t *testing.T) {
	down := errors.New("connection refused")
	for _, tc := range []struct {
		name        string
		err         *connect.Error
		wantCode    connect.Code
		wantMessage string
		wantIs      []error
	}{
		{"store: not found is the subject, whoever's it is", apierr.Store(fmt.Errorf("acme/s-1: %w", model.ErrNotFound)),
			connect.CodeNotFound, "not_found: subject not found", []error{apierr.ErrSubjectNotFound}},
		{"store: canceled", apierr.Store(fmt.Errorf("read: %w", context.Canceled)),
			connect.CodeCanceled, "canceled: read: context canceled", []error{context.Canceled}},
		{"store: deadline", apierr.Store(context.DeadlineExceeded),
			connect.CodeDeadlineExceeded, "deadline_exceeded: context deadline exceeded", []error{context.DeadlineExceeded}},
		{"store: down", apierr.Store(down),
			connect.CodeUnavailable, "unavailable: read model: connection refused", []error{down}},
		{"checkpoint: none yet", apierr.Checkpoint(notary.ErrNoCheckpoint),
			connect.CodeNotFound, "not_found: no checkpoint published yet", []error{notary.ErrNoCheckpoint}},
		{"checkpoint: none at a size, the size not repeated", apierr.Checkpoint(fmt.Errorf("size %d: %w", 7, notary.ErrNoCheckpoint)),
			connect.CodeNotFound, "not_found: no checkpoint published yet", []error{notary.ErrNoCheckpoint}},
		{"checkpoint: canceled", apierr.Checkpoint(context.Canceled),
			connect.CodeCanceled, "canceled: context canceled", []error{context.Canceled}},
		{"checkpoint: down", apierr.Checkpoint(down),
			connect.CodeUnavailable, "unavailable: connection refused", []error{down}},
		{"not found", apierr.NotFound(apierr.ErrEventNotFound),
			connect.CodeNotFound, "not_found: event not found", []error{apierr.ErrEventNotFound}},
		{"tenant not found", apierr.NotFound(apierr.ErrTenantNotFound),
			connect.CodeNotFound, "not_found: tenant not found", []error{apierr.ErrTenantNotFound}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Code(); got != tc.wantCode {
				t.Errorf("code %v, want %v", got, tc.wantCode)
			}
			if got := tc.err.Error(); got != tc.wantMessage {
				t.Errorf("message %q, want %q", got, tc.wantMessage)
			}
			for _, target := range tc.wantIs {
				if !errors.Is(tc.err, target) {
					t.Errorf("errors.Is(%v, %v) = false", tc.err, target)
				}
			}
		})
	}
	if got := apierr.Context(down); got != nil {
		t.Errorf("Context(%v) = %v, want nil", down, got)
	}
}
