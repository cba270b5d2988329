package console_test

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
)

// tenant is the demo data set's tenant.
const tenant = "harbourline"

// ledger is a docketd on the demo data set with its tokens.
type ledger struct {
	d       *docketdtest.Docketd
	url     string
	admin   string // the bootstrap token: admin, auditor, legal, dpo on *
	auditor string // auditor only, on the demo tenant
	emitter string
	other   string // legal on another tenant
}

// startLedger starts docketd with the demo data set and waits until the
// retention scheduler's first pass is stored and projected, so that what
// the API answers stays put while a test compares pages with it.
func startLedger(t *testing.T) *ledger {
	t.Helper()
	if testing.Short() {
		t.Skip("loads the demo data set")
	}
	c := docketdtest.Config(t)
	c.Demo = true
	d := docketdtest.Start(t, c, docketdtest.WithLogLevel(slog.LevelInfo))
	l := &ledger{d: d, url: d.APIURL(), admin: d.Admin(t)}
	l.auditor = d.Token(t, auth.Spec{Name: "auditor-ann", Roles: []auth.Role{auth.Auditor}, Tenant: tenant})
	l.emitter = d.Token(t, auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: tenant, Source: "crm"})
	l.other = d.Token(t, auth.Spec{Name: "legal-elsewhere", Roles: []auth.Role{auth.Legal}, Tenant: "elsewhere"})
	l.settle(t)
	return l
}

// settle waits until the stream has stopped growing for a while and the
// read models hold all of it.
func (l *ledger) settle(t *testing.T) {
	t.Helper()
	st := l.d.API(l.admin).Status
	var last uint64
	stable := 0
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		s, err := st.GetStatus(context.Background(), connect.NewRequest(&apiv1.GetStatusRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		seq := s.Msg.GetStreamLastSequence()
		if seq == last && s.Msg.GetReadModels().GetCheckpoint() == seq && s.Msg.GetNotary().GetCheckpointSize() == seq {
			if stable++; stable >= 12 { // 3 s without a new event
				return
			}
			continue
		}
		last, stable = seq, 0
	}
	t.Fatal("the ledger did not settle in 2 minutes")
}

// session signs in with tok over plain HTTP and returns a client that
// keeps the session cookie and does not follow redirects.
func (l *ledger) session(t *testing.T, tok string) *http.Client {
	t.Helper()
	c := noRedirects()
	resp := l.post(t, c, "/signin", url.Values{"token": {tok}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %s", resp.Status)
	}
	u, _ := url.Parse(l.url)
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("sign-in cookie: %+v", cookies)
	}
	c.Jar.SetCookies(u, cookies)
	return c
}

// post posts a form as a page of the console would (with its Origin).
func (l *ledger) post(t *testing.T, c *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, l.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", l.url)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// get fetches a page and returns its status and body.
func (l *ledger) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(l.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readBody(t, resp)
}

// readBody reads a response's body.
func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func noRedirects() *http.Client {
	jar := &cookieJar{}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// cookieJar keeps the cookies of one host: enough for one docketd.
type cookieJar struct{ cs []*http.Cookie }

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	for _, c := range cs {
		kept := j.cs[:0]
		for _, o := range j.cs {
			if o.Name != c.Name {
				kept = append(kept, o)
			}
		}
		j.cs = kept
		if c.MaxAge >= 0 && c.Value != "" {
			j.cs = append(j.cs, c)
		}
	}
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie { return j.cs }

// readCSV parses a CSV download.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return rows
}
