package apierr

import (
	"errors"

	"connectrpc.com/connect"
)

// What a service says inside a *connect.Error with code not_found. Each is
// the whole answer, whatever the reason: an unknown tenant and an unknown
// subject of a known tenant are the same error, and so are an event that
// does not exist and one the caller may not see (another tenant's, a
// disclosure still confidential), so that nobody learns what exists
// outside what they may see.
var (
	ErrSubjectNotFound = errors.New("subject not found")
	ErrTenantNotFound  = errors.New("tenant not found")
	// ErrEventNotFound: no stored event at that sequence or with that id,
	// or one the caller may not see.
	ErrEventNotFound = errors.New("event not found")
	// ErrFindingNotFound: no finding of that id (nor any status change
	// naming it), or one the caller may not see, or an unknown tenant.
	ErrFindingNotFound = errors.New("finding not found")
)

// NotFound is not_found carrying err, which must be one of the errors
// above (or reveal no more than they do).
func NotFound(err error) *connect.Error { return connect.NewError(connect.CodeNotFound, err) }
