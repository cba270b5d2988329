package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"golang.org/x/time/rate"
	"google.golang.org/protobuf/proto"
)

// Rule is who may call one RPC.
type Rule struct {
	Roles []Role
	// Tenant: the request's tenant field names the tenant the call is
	// about, and the token must cover it.
	Tenant bool
	// Global: the call reaches across tenants (an event by its stream
	// sequence), so only a token bound to every tenant may make it.
	Global bool
}

var (
	readers  = []Role{Auditor, Legal, DPO}
	everyone = []Role{Emitter, Auditor, Legal, DPO, Admin}
)

// Policy is the rule of every RPC, by procedure. An RPC without one is
// denied.
var Policy = map[string]Rule{
	apiv1connect.IngestServiceAppendProcedure: {Roles: []Role{Emitter}, Tenant: false}, // each event's tenant is checked
	apiv1connect.IngestServiceHeadProcedure:   {Roles: []Role{Emitter}, Tenant: true},

	apiv1connect.QueryServiceGetSubjectProcedure:                     {Roles: readers, Tenant: true},
	apiv1connect.QueryServiceListHistoryProcedure:                    {Roles: readers, Tenant: true},
	apiv1connect.QueryServiceListDisclosuresProcedure:                {Roles: readers, Tenant: true},
	apiv1connect.QueryServiceGetRecordOfProcessingProcedure:          {Roles: readers, Tenant: true},
	apiv1connect.QueryServiceListFindingsProcedure:                   {Roles: readers, Tenant: true},
	apiv1connect.QueryServiceListRequestsProcedure:                   {Roles: readers, Tenant: true},
	apiv1connect.QueryServiceListTenantsProcedure:                    {Roles: readers, Tenant: false}, // the service lists the tenants the token covers
	apiv1connect.QueryServiceGetStatisticsProcedure:                  {Roles: readers, Tenant: true},
	apiv1connect.RightsServiceExportSubjectProcedure:                 {Roles: []Role{Legal, DPO}, Tenant: true},
	apiv1connect.RightsServiceShredKeysProcedure:                     {Roles: []Role{DPO}, Tenant: true},
	apiv1connect.RightsServiceGetConsentReceiptProcedure:             {Roles: readers, Tenant: true},
	apiv1connect.RightsServiceProveErasureProcedure:                  {Roles: readers, Tenant: true},
	apiv1connect.AuditServiceGetLatestCheckpointProcedure:            {Roles: readers},
	apiv1connect.AuditServiceGetCheckpointProcedure:                  {Roles: readers},
	apiv1connect.AuditServiceGetInclusionProofProcedure:              {Roles: readers},
	apiv1connect.AuditServiceGetConsistencyProofProcedure:            {Roles: readers},
	apiv1connect.AuditServiceGetEventProcedure:                       {Roles: readers, Global: true},
	apiv1connect.AuditServiceAddCosignatureProcedure:                 {Roles: []Role{Auditor}},
	apiv1connect.StatusServiceGetStatusProcedure:                     {Roles: everyone},
	apiv1connect.TokenServiceCreateTokenProcedure:                    {Roles: []Role{Admin}},
	apiv1connect.TokenServiceListTokensProcedure:                     {Roles: []Role{Admin}},
	apiv1connect.TokenServiceRevokeTokenProcedure:                    {Roles: []Role{Admin}},
	apiv1connect.TokenServiceWhoAmIProcedure:                         {Roles: everyone},
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {Roles: everyone},
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {Roles: everyone},
}

type ctxKey struct{}

// From returns the token a call was made with; nil outside a call.
func From(ctx context.Context) *Token {
	t, _ := ctx.Value(ctxKey{}).(*Token)
	return t
}

// WithToken returns ctx carrying t (for in-process callers and tests).
func WithToken(ctx context.Context, t *Token) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// Guard authenticates every API call and applies Policy. Its Handler
// runs before Connect decodes a request: a call without a usable token, or
// to an RPC its roles may not call, is refused before its body is read.
// Its interceptor then checks what needs the decoded request: the tenant,
// and an Append's events.
type Guard struct {
	Store *Store
	Now   func() time.Time
	// Rate and Burst limit each token's calls (per second, and at once);
	// a token over its limit gets resource_exhausted. Rate 0: no limit.
	Rate  float64
	Burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// ErrRateLimited: the token made too many calls.
var ErrRateLimited = errors.New("too many calls with this token: slow down and retry")

// limited tells whether the token is over its rate.
func (g *Guard) limited(id string) bool {
	if g.Rate <= 0 {
		return false
	}
	g.mu.Lock()
	if g.buckets == nil {
		g.buckets = map[string]*rate.Limiter{}
	}
	l := g.buckets[id]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(g.Rate), max(g.Burst, 1))
		g.buckets[id] = l
	}
	g.mu.Unlock()
	return !l.Allow()
}

var _ connect.Interceptor = (*Guard)(nil)

// Handler wraps the API's handler.
func (g *Guard) Handler(next http.Handler) http.Handler {
	ew := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rule, ok := Policy[r.URL.Path]
		if !ok {
			next.ServeHTTP(w, r) // not an RPC: health, metrics, or Connect's 404
			return
		}
		t, err := g.authenticate(r)
		switch {
		case err != nil:
		case !slices.ContainsFunc(rule.Roles, t.Has):
			err = denied("a token with roles %s may not call %s", roleList(t.Roles), r.URL.Path)
		case g.limited(t.ID):
			err = connect.NewError(connect.CodeResourceExhausted, ErrRateLimited)
		}
		if err != nil {
			_ = ew.Write(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithToken(r.Context(), t)))
	})
}

// authenticate finds the call's token: from its bearer header, or else
// from a client certificate the TLS handshake verified (mutual TLS).
func (g *Guard) authenticate(r *http.Request) (*Token, error) {
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	var t *Token
	var err error
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		t, err = g.Store.Authenticate(strings.TrimSpace(bearer), now)
	} else if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		t, err = g.Store.ByClientCert(r.TLS.VerifiedChains[0][0].Subject.CommonName, now)
	} else {
		err = ErrUnauthenticated
	}
	if err != nil {
		return nil, connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	}
	return t, nil
}

// WrapUnary checks a unary call against its decoded request.
func (g *Guard) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		t := From(ctx)
		if t == nil {
			return nil, connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
		}
		if err := Allow(t, req.Spec().Procedure, req.Any()); err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient leaves client streams alone.
func (g *Guard) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler checks a streaming call; no request message is
// seen, so only a rule without a tenant can admit it.
func (g *Guard) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		t := From(ctx)
		if t == nil {
			return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
		}
		if err := Allow(t, conn.Spec().Procedure, nil); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

// Allow applies Policy: nil when t may make this call with this request
// (msg may be nil for a streaming call), else permission_denied saying why.
// For Append it also fixes each event's source to the emitter's: an empty
// one is filled in, another one is refused.
func Allow(t *Token, procedure string, msg any) error {
	rule, ok := Policy[procedure]
	if !ok {
		return denied("%s is not open to any token", procedure)
	}
	if !slices.ContainsFunc(rule.Roles, t.Has) {
		return denied("a token with roles %s may not call %s", roleList(t.Roles), procedure)
	}
	if rule.Global && t.Tenant != AllTenants {
		return denied("%s reaches across tenants; this token is bound to tenant %s", procedure, t.Tenant)
	}
	if rule.Tenant {
		m, ok := msg.(proto.Message)
		if !ok {
			return denied("%s needs its request to check the tenant", procedure)
		}
		f := m.ProtoReflect().Descriptor().Fields().ByName("tenant")
		if f == nil {
			return denied("%s has no tenant field", procedure)
		}
		if tenant := m.ProtoReflect().Get(f).String(); !t.Covers(tenant) {
			return denied("this token is bound to tenant %s", t.Tenant)
		}
	}
	if procedure == apiv1connect.IngestServiceAppendProcedure {
		req, ok := msg.(*apiv1.AppendRequest)
		if !ok {
			return denied("%s needs its request to check the events", procedure)
		}
		var errs []error
		for i, ev := range req.GetEvents() {
			if ev.GetSubjectDataExported() != nil || ev.GetRecipientNotificationDue() != nil {
				errs = append(errs, fmt.Errorf("events[%d]: %s is recorded by docketd itself, never appended", i, events.TypeToken(ev)))
			}
			if !t.Covers(ev.GetTenant()) {
				errs = append(errs, fmt.Errorf("events[%d].tenant: this token appends to tenant %s", i, t.Tenant))
			}
			switch src := ev.GetSource(); {
			case t.Source == AnySource && src == "":
				errs = append(errs, fmt.Errorf("events[%d].source: is required with an importer token", i))
			case t.Source == AnySource && src == events.RecordedBy:
				errs = append(errs, fmt.Errorf("events[%d].source: %s is docketd's own", i, src))
			case t.Source == AnySource:
			case src == "":
				ev.Source = t.Source
			case src != t.Source:
				errs = append(errs, fmt.Errorf("events[%d].source: this token appends as %s", i, t.Source))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return connect.NewError(connect.CodePermissionDenied, err)
		}
	}
	return nil
}

func denied(format string, args ...any) error {
	return connect.NewError(connect.CodePermissionDenied, fmt.Errorf(format, args...))
}

func roleList(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
