// Package tokens serves docket.api.v1.TokenService: an admin creates, lists
// and revokes API tokens, and any caller asks who it is. The tokens
// themselves, their store, roles and policy are package auth's.
package tokens

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/auth"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Service is the TokenService.
type Service struct {
	Store *auth.Store
	Log   *slog.Logger
	Now   func() time.Time
}

var _ apiv1connect.TokenServiceHandler = (*Service)(nil)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateToken makes a token.
func (s *Service) CreateToken(ctx context.Context, req *connect.Request[apiv1.CreateTokenRequest]) (*connect.Response[apiv1.CreateTokenResponse], error) {
	m := req.Msg
	ttl := time.Duration(m.GetTtlSeconds()) * time.Second
	if m.GetTtlSeconds() == 0 {
		ttl = auth.DefaultTTL
	}
	spec := auth.Spec{Name: m.GetName(), Tenant: m.GetTenant(), Source: m.GetSource(), TTL: ttl, ClientCert: m.GetClientCert()}
	if cn := m.GetClientCert(); cn != "" {
		if _, err := s.Store.ByClientCert(cn, s.now()); err == nil {
			return nil, connect.NewError(connect.CodeAlreadyExists, errors.New("client_cert: a valid token is bound to that certificate name already; revoke it first"))
		}
	}
	for _, r := range m.GetRoles() {
		spec.Roles = append(spec.Roles, auth.Role(r))
	}
	secret, t, err := auth.New(spec, s.now())
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if err := s.Store.Create(ctx, t); err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	info := Info(t)
	s.Log.Info("token created", "token_id", t.ID, "name", t.Name, "roles", strings.Join(info.GetRoles(), ","), "tenant", t.Tenant,
		"by", callerID(ctx))
	return connect.NewResponse(&apiv1.CreateTokenResponse{Token: secret, Info: info}), nil
}

// ListTokens lists the tokens.
func (s *Service) ListTokens(context.Context, *connect.Request[apiv1.ListTokensRequest]) (*connect.Response[apiv1.ListTokensResponse], error) {
	out := &apiv1.ListTokensResponse{}
	for _, t := range s.Store.List() {
		out.Tokens = append(out.Tokens, Info(t))
	}
	return connect.NewResponse(out), nil
}

// RevokeToken revokes a token.
func (s *Service) RevokeToken(ctx context.Context, req *connect.Request[apiv1.RevokeTokenRequest]) (*connect.Response[apiv1.RevokeTokenResponse], error) {
	t, err := s.Store.Revoke(ctx, req.Msg.GetId(), s.now())
	switch {
	case errors.Is(err, auth.ErrNoToken):
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("id: %w", err))
	case err != nil:
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	s.Log.Info("token revoked", "token_id", t.ID, "name", t.Name, "by", callerID(ctx))
	return connect.NewResponse(&apiv1.RevokeTokenResponse{Info: Info(t)}), nil
}

// WhoAmI describes the calling token.
func (s *Service) WhoAmI(ctx context.Context, _ *connect.Request[apiv1.WhoAmIRequest]) (*connect.Response[apiv1.WhoAmIResponse], error) {
	t := auth.From(ctx)
	if t == nil {
		return nil, connect.NewError(connect.CodeUnauthenticated, auth.ErrUnauthenticated)
	}
	return connect.NewResponse(&apiv1.WhoAmIResponse{Info: Info(t)}), nil
}

func callerID(ctx context.Context) string {
	if t := auth.From(ctx); t != nil {
		return t.ID
	}
	return "docketd"
}

// Info is a token's record for the API.
func Info(t *auth.Token) *apiv1.TokenInfo {
	i := &apiv1.TokenInfo{Id: t.ID, Name: t.Name, Tenant: t.Tenant, Source: t.Source, ClientCert: t.ClientCert,
		CreatedAt: timestamppb.New(t.CreatedAt), ExpiresAt: timestamppb.New(t.ExpiresAt)}
	for _, r := range t.Roles {
		i.Roles = append(i.Roles, string(r))
	}
	if t.RevokedAt != nil {
		i.RevokedAt = timestamppb.New(*t.RevokedAt)
	}
	return i
}
