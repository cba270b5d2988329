package auth

import (
	"context"
	"time"

	"connectrpc.com/connect"
)

// DefaultTTL is a new token's life when none is asked for.
const DefaultTTL = 90 * 24 * time.Hour

// Bearer is a client option that sends token with every call.
func Bearer(token string) connect.ClientOption {
	return connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer "+token)
			return next(ctx, req)
		}
	}))
}
