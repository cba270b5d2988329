// Package console is docketd's web console for legal, DPOs and auditors:
// server-rendered pages over the same API every other client uses.
//
// The console holds no authority of its own. Signing in checks a token
// against the token store and keeps it in an HttpOnly, SameSite=Strict
// cookie; every page then calls the API in-process with that token as its
// bearer, through the same guard as a remote caller. What a page shows
// therefore follows the token's roles and tenant exactly as the API's
// policy says: an auditor's export is refused by the API, not only hidden
// by the page, and confidential disclosures reach the legal role only.
//
// Pages work without JavaScript. The scripts, served by docketd like the
// style sheet (no CDN), add one thing a server cannot do for its reader:
// verifying an event's inclusion proof against the signed checkpoint in the
// browser's own code (static/verify.js).
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/console/static"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config configures a Console.
type Config struct {
	// API is docketd's guarded API handler. The console calls it
	// in-process with the signed-in token; it never bypasses the guard.
	API http.Handler
	// Tokens authenticates sign-ins and session cookies.
	Tokens *auth.Store
	// LogKey is the log's note verifier key, offered to the browser to
	// check checkpoints with.
	LogKey string
	// WitnessKeys are the witnesses' verifier keys.
	WitnessKeys []string
	// Secure marks the session cookie Secure: set it when the API is
	// served over TLS.
	Secure bool
	// Log receives the console's errors; never a token or a query.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// SessionTTL bounds a console session; a token that expires sooner ends it
// sooner.
const SessionTTL = 12 * time.Hour

// cookieName names the session cookie.
const cookieName = "docket_session"

// Console serves the web console.
type Console struct {
	c     Config
	pages map[string]*template.Template
	api   apiClients
	mux   *http.ServeMux
}

// New returns a console.
func New(c Config) (*Console, error) {
	var errs []error
	if c.API == nil {
		errs = append(errs, errors.New("console: API handler is required"))
	}
	if c.Tokens == nil {
		errs = append(errs, errors.New("console: token store is required"))
	}
	if c.LogKey == "" {
		errs = append(errs, errors.New("console: the log's verifier key is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	cs := &Console{c: c, pages: pages, api: newAPIClients(c.API), mux: http.NewServeMux()}
	cs.routes()
	return cs, nil
}

// ServeHTTP serves the console's pages and files.
func (cs *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Only docketd's own files, no inline script or style, no framing.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // console URLs name subjects; no other site sees them
	h.Set("X-Frame-Options", "DENY")
	cs.mux.ServeHTTP(w, r)
}

func (cs *Console) routes() {
	files, _ := fs.Sub(static.FS, ".")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(files))
	cs.mux.Handle("GET /static/", cacheFor(time.Hour, fileServer))
	cs.mux.HandleFunc("GET /signin", cs.signinPage)
	cs.mux.HandleFunc("POST /signin", cs.signin)
	cs.mux.HandleFunc("POST /signout", cs.signout)
	cs.mux.HandleFunc("GET /{$}", cs.page(cs.home))
	cs.mux.HandleFunc("GET /subjects", cs.page(cs.subject))
	cs.mux.HandleFunc("POST /subjects/export", cs.page(cs.export))
	cs.mux.HandleFunc("GET /disclosures", cs.page(cs.disclosures))
	cs.mux.HandleFunc("GET /disclosures.csv", cs.page(cs.disclosuresCSV))
	cs.mux.HandleFunc("GET /record", cs.page(cs.record))
	cs.mux.HandleFunc("GET /record/document", cs.page(cs.recordDocument))
	cs.mux.HandleFunc("GET /findings", cs.page(cs.findings))
	cs.mux.HandleFunc("GET /finding", cs.page(cs.finding))
	cs.mux.HandleFunc("GET /requests", cs.page(cs.requests))
	cs.mux.HandleFunc("GET /breaches", cs.page(cs.breaches))
	cs.mux.HandleFunc("GET /integrity", cs.page(cs.integrity))
	cs.mux.HandleFunc("GET /integrity/bundle", cs.page(cs.bundle))
	cs.mux.HandleFunc("GET /charts", cs.page(cs.charts))
	cs.mux.HandleFunc("/", cs.notFound)
}

// cacheFor lets browsers keep the static files for d.
func cacheFor(d time.Duration, h http.Handler) http.Handler {
	v := "private, max-age=" + strconv.Itoa(int(d/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", v)
		h.ServeHTTP(w, r)
	})
}

// session is one signed-in request: the token and what it may see.
type session struct {
	token   *auth.Token
	tenant  string   // the tenant the page is about
	tenants []string // the tenants the token may choose from
}

// Tenant is the tenant the page is about.
func (s *session) Tenant() string { return s.tenant }

// Tenants are the tenants the token may choose from.
func (s *session) Tenants() []string { return s.tenants }

// Token is the signed-in token's record.
func (s *session) Token() *auth.Token { return s.token }

// canSeeValues tells whether the session may export values.
func (s *session) canSeeValues() bool { return s.token.Has(auth.Legal) || s.token.Has(auth.DPO) }

// readerRoles are the roles the console serves.
var readerRoles = []auth.Role{auth.Auditor, auth.Legal, auth.DPO}

// handler is a page handler of a signed-in session.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

// page authenticates the session cookie (else sends the browser to the
// sign-in page), checks that a form post comes from the console itself,
// settles the tenant and renders what the handler returns as an error.
func (cs *Console) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		c, err := r.Cookie(cookieName)
		var t *auth.Token
		if err == nil {
			t, err = cs.c.Tokens.Authenticate(c.Value, cs.c.Now())
		}
		if err != nil || !servesRoles(t) {
			if r.Method != http.MethodGet {
				cs.fail(w, r, nil, &pageError{Status: http.StatusUnauthorized, Message: "Your session has ended. Sign in again."})
				return
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !fromConsole(r) {
			cs.fail(w, r, nil, &pageError{Status: http.StatusForbidden, Message: "The form did not come from this console."})
			return
		}
		s := &session{token: t}
		ctx := withSecret(r.Context(), c.Value)
		r = r.WithContext(ctx)
		if err := cs.settleTenant(r, s); err != nil {
			cs.fail(w, r, s, err)
			return
		}
		if err := h(w, r, s); err != nil {
			cs.fail(w, r, s, err)
		}
	}
}

// servesRoles tells whether t holds a role the console serves.
func servesRoles(t *auth.Token) bool {
	for _, r := range readerRoles {
		if t.Has(r) {
			return true
		}
	}
	return false
}

// settleTenant picks the tenant the page is about: the "tenant" query
// parameter, else the token's own tenant, else the first the token covers.
func (cs *Console) settleTenant(r *http.Request, s *session) error {
	want := r.FormValue("tenant")
	if s.token.Tenant != auth.AllTenants {
		s.tenants = []string{s.token.Tenant}
	} else {
		ts, err := cs.api.tenants(r.Context())
		if err != nil {
			return err
		}
		s.tenants = ts
	}
	switch {
	case want != "" && !s.token.Covers(want):
		return &pageError{Status: http.StatusForbidden, Message: "Your token does not cover that tenant."}
	case want != "":
		s.tenant = want
	case len(s.tenants) > 0:
		s.tenant = s.tenants[0]
	}
	return nil
}

// secretKey carries the session's token to the in-process API calls.
type secretKey struct{}

func withSecret(ctx context.Context, secret string) context.Context {
	return context.WithValue(ctx, secretKey{}, secret)
}

// bearer sets the session's token on every API call.
func bearer() connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if s, ok := ctx.Value(secretKey{}).(string); ok {
				req.Header().Set("Authorization", "Bearer "+s)
			}
			return next(ctx, req)
		}
	})
}

// apiClients are the API's clients, calling the guarded handler in-process.
type apiClients struct {
	query  apiv1connect.QueryServiceClient
	audit  apiv1connect.AuditServiceClient
	rights apiv1connect.RightsServiceClient
}

// base is the in-process API's URL; no request leaves the process.
const base = "http://docketd.internal"

func newAPIClients(h http.Handler) apiClients {
	hc := &http.Client{Transport: inProcess{h}}
	opts := []connect.ClientOption{connect.WithInterceptors(bearer())}
	return apiClients{
		query:  apiv1connect.NewQueryServiceClient(hc, base, opts...),
		audit:  apiv1connect.NewAuditServiceClient(hc, base, opts...),
		rights: apiv1connect.NewRightsServiceClient(hc, base, opts...),
	}
}

// tenants lists the tenants with data that the session's token covers.
func (a apiClients) tenants(ctx context.Context) ([]string, error) {
	resp, err := a.query.ListTenants(ctx, connect.NewRequest(&apiv1.ListTenantsRequest{}))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetTenants(), nil
}
