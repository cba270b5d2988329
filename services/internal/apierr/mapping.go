package apierr

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
)

// Store maps a read-model error to its Connect code: model.ErrNotFound is
// ErrSubjectNotFound, a cancelled or expired call keeps its code, anything
// else is unavailable. Store errors name tenants, subject references and
// taxonomy keys at most, never values.
func Store(err error) *connect.Error {
	switch {
	case errors.Is(err, model.ErrNotFound):
		return NotFound(ErrSubjectNotFound)
	default:
		if ce := Context(err); ce != nil {
			return ce
		}
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("read model: %w", err))
	}
}

// Checkpoint maps an error reading the published checkpoints to its
// Connect code: notary.ErrNoCheckpoint (none at all, or none at the size
// asked for) is not_found, "no checkpoint published yet", still matching
// notary.ErrNoCheckpoint; a cancelled or expired call keeps its code;
// anything else is unavailable.
func Checkpoint(err error) *connect.Error {
	switch {
	case errors.Is(err, notary.ErrNoCheckpoint):
		return NotFound(noCheckpoint{})
	default:
		if ce := Context(err); ce != nil {
			return ce
		}
		return connect.NewError(connect.CodeUnavailable, err)
	}
}

// noCheckpoint is notary.ErrNoCheckpoint in the words of the API.
type noCheckpoint struct{}

func (noCheckpoint) Error() string { return "no checkpoint published yet" }
func (noCheckpoint) Unwrap() error { return notary.ErrNoCheckpoint }

// Context is canceled or deadline_exceeded for an error of a call's
// context, nil for any other.
func Context(err error) *connect.Error {
	switch {
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, err)
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	default:
		return nil
	}
}
