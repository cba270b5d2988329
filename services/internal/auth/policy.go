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

// Rule is who may call one RPC, and how the call is bound to a tenant.
type Rule struct {
	Roles []Role
	// Tenant is how the call is bound to a tenant. Every rule sets it: its
	// zero value is invalid, and Allow denies a rule that leaves it unset.
	Tenant TenantRule
}

// TenantRule says how an RPC is bound to a tenant: where the tenant a call
// is about comes from, and who checks that the token covers it.
type TenantRule int

// The tenant rules. The zero value is no rule: a procedure whose rule
// does not say how it is bound to a tenant is denied.
const (
	_ TenantRule = iota // the zero value: no rule
	// TenantFromRequest: the request's tenant field names the tenant the
	// call is about, and the token must cover it (checked here).
	TenantFromRequest
	// TenantOfEachEvent: every event of the request names its tenant, and
	// the token must cover each (Append; checked here).
	TenantOfEachEvent
	// TenantsOfToken: the call is about the tenants the token covers, and
	// the service answers about those only (ListTenants, WhoAmI).
	TenantsOfToken
	// TenantOfStoredEvent: the call names a stored event (by sequence, or
	// by id), and the service checks that the event it found belongs to a
	// tenant the token covers (CoversStoredEvent), answering not_found
	// otherwise: the answer for a sequence that does not exist, so that a
	// token learns nothing of another tenant's events.
	TenantOfStoredEvent
	// EveryTenant: the call reaches every tenant (token administration:
	// a token made can be bound to any tenant), so only a token bound to
	// every tenant may make it (checked here).
	EveryTenant
	// NoTenant: the answer holds nothing of any tenant (checkpoints and
	// proofs between tree sizes: hashes and sizes of the whole log; the
	// stream's counters; the API's schema). Each entry says why it is safe.
	NoTenant
)

var tenantRuleNames = map[TenantRule]string{
	TenantFromRequest: "TenantFromRequest", TenantOfEachEvent: "TenantOfEachEvent", TenantsOfToken: "TenantsOfToken",
	TenantOfStoredEvent: "TenantOfStoredEvent", EveryTenant: "EveryTenant", NoTenant: "NoTenant",
}

func (r TenantRule) String() string {
	if n, ok := tenantRuleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("TenantRule(%d): unset", int(r))
}

// Valid tells whether r is one of the tenant rules.
func (r TenantRule) Valid() bool { _, ok := tenantRuleNames[r]; return ok }

var (
	readers  = []Role{Auditor, Legal, DPO}
	everyone = []Role{Emitter, Auditor, Legal, DPO, Admin}
)

// Policy is the rule of every RPC, by procedure. An RPC without one, or
// whose rule does not say how it is bound to a tenant, is denied.
var Policy = map[string]Rule{
	apiv1connect.IngestServiceAppendProcedure: {Roles: []Role{Emitter}, Tenant: TenantOfEachEvent},
	apiv1connect.IngestServiceHeadProcedure:   {Roles: []Role{Emitter}, Tenant: TenantFromRequest},

	apiv1connect.QueryServiceGetSubjectProcedure:            {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceListHistoryProcedure:           {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceListDisclosuresProcedure:       {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceGetRecordOfProcessingProcedure: {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceListFindingsProcedure:          {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceGetFindingProcedure:            {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceListFindingGroupsProcedure:     {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceListRequestsProcedure:          {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceListTenantsProcedure:           {Roles: readers, Tenant: TenantsOfToken},
	apiv1connect.QueryServiceGetStatisticsProcedure:         {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.QueryServiceListBreachesProcedure:          {Roles: readers, Tenant: TenantFromRequest},

	apiv1connect.RightsServiceExportSubjectProcedure:     {Roles: []Role{Legal, DPO}, Tenant: TenantFromRequest},
	apiv1connect.RightsServiceShredKeysProcedure:         {Roles: []Role{DPO}, Tenant: TenantFromRequest},
	apiv1connect.RightsServiceGetConsentReceiptProcedure: {Roles: readers, Tenant: TenantFromRequest},
	apiv1connect.RightsServiceProveErasureProcedure:      {Roles: readers, Tenant: TenantFromRequest},

	// Checkpoints and consistency proofs are sizes and hashes of the whole
	// log: no event, subject or tenant name is in them.
	apiv1connect.AuditServiceGetLatestCheckpointProcedure: {Roles: readers, Tenant: NoTenant},
	apiv1connect.AuditServiceGetCheckpointProcedure:       {Roles: readers, Tenant: NoTenant},
	apiv1connect.AuditServiceGetConsistencyProofProcedure: {Roles: readers, Tenant: NoTenant},
	// An inclusion proof carries the stored event it proves.
	apiv1connect.AuditServiceGetInclusionProofProcedure: {Roles: readers, Tenant: TenantOfStoredEvent},
	apiv1connect.AuditServiceGetEventProcedure:          {Roles: readers, Tenant: TenantOfStoredEvent},
	// A witness adds its signature to a checkpoint already published.
	apiv1connect.AuditServiceAddCosignatureProcedure: {Roles: []Role{Auditor}, Tenant: NoTenant},

	// The stream's and the read side's counters and positions: no tenant's
	// rows, ids or subjects.
	apiv1connect.StatusServiceGetStatusProcedure: {Roles: everyone, Tenant: NoTenant},

	apiv1connect.TokenServiceCreateTokenProcedure: {Roles: []Role{Admin}, Tenant: EveryTenant},
	apiv1connect.TokenServiceListTokensProcedure:  {Roles: []Role{Admin}, Tenant: EveryTenant},
	apiv1connect.TokenServiceRevokeTokenProcedure: {Roles: []Role{Admin}, Tenant: EveryTenant},
	apiv1connect.TokenServiceWhoAmIProcedure:      {Roles: everyone, Tenant: TenantsOfToken}, // the calling token's own record

	// Reflection describes the API's schema, nothing stored.
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {Roles: everyone, Tenant: NoTenant},
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {Roles: everyone, Tenant: NoTenant},
}

// CoversStoredEvent tells whether the call ctx carries may see a stored
// event of tenant (the TenantOfStoredEvent rule): a call without a token
// is docketd itself. A service answers a stored event it may not see as
// not found, as if it did not exist.
func CoversStoredEvent(ctx context.Context, tenant string) bool {
	t := From(ctx)
	return t == nil || (tenant != "" && t.Covers(tenant))
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
	switch rule.Tenant {
	case TenantFromRequest:
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
	case EveryTenant:
		if t.Tenant != AllTenants {
			return denied("%s reaches every tenant; this token is bound to tenant %s", procedure, t.Tenant)
		}
	case TenantOfEachEvent, TenantsOfToken, TenantOfStoredEvent, NoTenant:
		// Checked below (Append), or by the service, or nothing to check.
	default:
		return denied("%s declares no tenant rule", procedure)
	}
	if rule.Tenant == TenantOfEachEvent {
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
