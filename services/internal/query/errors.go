package query

import (
	"fmt"

	"connectrpc.com/connect"
)

// The service's errors are apierr's: invalid_argument with field
// violations, not_found that reveals nothing (apierr.ErrSubjectNotFound,
// apierr.ErrTenantNotFound), and the read model's errors (apierr.Store).

// foldError maps an error of the projection logic: stored rows it cannot
// fold are an internal problem, not the caller's.
func foldError(err error) *connect.Error {
	return connect.NewError(connect.CodeInternal, fmt.Errorf("fold: %w", err))
}
