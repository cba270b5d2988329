package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/demo"
)

// TestConsole runs docketd on the demo data set and checks the console
// over HTTP (sessions, roles, bad input) and in a real browser.
func TestConsole(t *testing.T) {
	l := startLedger(t)
	t.Run("SignIn", func(t *testing.T) { testSignIn(t, l) })
	t.Run("CSRF", func(t *testing.T) { testCSRF(t, l) })
	t.Run("Roles", func(t *testing.T) { testRoles(t, l) })
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, l) })
	t.Run("CSV", func(t *testing.T) { testCSV(t, l) })
	t.Run("RecordDocument", func(t *testing.T) { testRecordDocument(t, l) })
	t.Run("Requests", func(t *testing.T) { testRequests(t, l) })
	t.Run("Browser", func(t *testing.T) { testBrowser(t, l) })
}

// testRequests: a request answered "no data held" shows so, not as a
// refusal, and deadlines are days in the controller's zone (the demo's
// profile: Europe/Dublin), with the exact instant and its offset in the
// title.
func testRequests(t *testing.T, l *ledger) {
	ds, err := demo.Generate(demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ref := ""
	for _, ev := range ds.Events {
		if ev.GetRightsRequestFulfilled().GetNoDataHeld() {
			ref = ev.GetSubjectRef()
			break
		}
	}
	if ref == "" {
		t.Fatal("the demo answers no request with no data held")
	}
	c := l.session(t, l.admin)
	code, body := l.get(t, c, "/requests?"+url.Values{"tenant": {tenant}, "subject": {ref}}.Encode())
	if code != http.StatusOK {
		t.Fatalf("requests of %s: %d", ref, code)
	}
	for _, want := range []string{"answered: no data held", "(Europe/Dublin)</td>", `title="20`} {
		if !strings.Contains(body, want) {
			t.Errorf("requests of %s: no %q in %q", ref, want, excerpt(body))
		}
	}
	if strings.Contains(body, "refused:") {
		t.Errorf("requests of %s: a request answered with no data held shows as refused", ref)
	}
}

func testSignIn(t *testing.T, l *ledger) {
	anon := noRedirects()
	for _, path := range []string{"/", "/subjects", "/disclosures.csv", "/integrity/bundle?event=x"} {
		resp, err := anon.Get(l.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?next=") {
			t.Errorf("GET %s without a session: %s to %q, want a redirect to the sign-in", path, resp.Status, loc)
		}
	}
	// Refusals say the same for every bad token and never echo it.
	bad := l.admin[:len(l.admin)-4] + "AAAA"
	for _, tok := range []string{bad, "dkt_nonsense", l.emitter} {
		resp := l.post(t, noRedirects(), "/signin", url.Values{"token": {tok}})
		body := readBody(t, resp)
		if resp.StatusCode == http.StatusSeeOther || len(resp.Cookies()) > 0 {
			t.Errorf("sign-in with a bad token: %s, cookies %v", resp.Status, resp.Cookies())
		}
		if strings.Contains(body, tok) {
			t.Errorf("the sign-in page echoes the token it refused")
		}
		if !strings.Contains(body, "token:") {
			t.Errorf("the refusal does not name the field: %q", excerpt(body))
		}
	}
	// A form from another site is refused even with a good token.
	req, _ := http.NewRequest(http.MethodPost, l.url+"/signin", strings.NewReader(url.Values{"token": {l.admin}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://attacker.example")
	resp, err := noRedirects().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) > 0 {
		t.Errorf("cross-site sign-in: %s", resp.Status)
	}
	// Next stays on the console.
	resp = l.post(t, noRedirects(), "/signin", url.Values{"token": {l.admin}, "next": {"//attacker.example/x"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("sign-in with an off-site next goes to %q", loc)
	}

	c := l.session(t, l.admin)
	code, body := l.get(t, c, "/subjects")
	if code != http.StatusOK || !strings.Contains(body, "Signed in as bootstrap-admin") {
		t.Fatalf("after sign-in: %d %q", code, excerpt(body))
	}
	resp, err = c.Get(l.url + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("page without %s", h)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("CSP %q", resp.Header.Get("Content-Security-Policy"))
	}
	// A post without the console's Origin (a cross-site form) is refused.
	req, _ = http.NewRequest(http.MethodPost, l.url+"/subjects/export", strings.NewReader("ref=x&format=json&justification=y"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("export without Origin: %s, want 403", resp.Status)
	}
	// Signing out ends the session.
	resp = l.post(t, c, "/signout", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %s", resp.Status)
	}
	c.Jar.SetCookies(nil, resp.Cookies())
	if code, _ := l.get(t, c, "/subjects"); code != http.StatusSeeOther {
		t.Errorf("after sign-out: %d, want a redirect", code)
	}
}

// testRoles: what a page shows follows the token; the API decides.
// testCSRF posts the sign-in form with each combination of the headers a
// browser sends: only a post that says it came from the console signs in,
// and one that says nothing is refused.
func testCSRF(t *testing.T, l *ledger) {
	u, _ := url.Parse(l.url)
	for _, tc := range []struct {
		name          string
		fetchSite     string
		origin        string
		wantForbidden bool
	}{
		{name: "same-origin", fetchSite: "same-origin"},
		{name: "same-origin, other Origin", fetchSite: "same-origin", origin: "https://attacker.example"},
		{name: "user-initiated", fetchSite: "none"},
		{name: "cross-site", fetchSite: "cross-site", wantForbidden: true},
		{name: "same-site", fetchSite: "same-site", wantForbidden: true},
		{name: "cross-site, console Origin", fetchSite: "cross-site", origin: l.url, wantForbidden: true},
		{name: "console Origin", origin: l.url},
		{name: "other Origin", origin: "https://attacker.example", wantForbidden: true},
		{name: "other port", origin: "http://" + u.Hostname() + ":1", wantForbidden: true},
		{name: "Origin null", origin: "null", wantForbidden: true},
		{name: "neither header", wantForbidden: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, l.url+"/signin", strings.NewReader(url.Values{"token": {l.admin}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.fetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tc.fetchSite)
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := noRedirects().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			forbidden := resp.StatusCode == http.StatusForbidden && len(resp.Cookies()) == 0 &&
				strings.Contains(body, "The form did not come from this console.")
			signedIn := resp.StatusCode == http.StatusSeeOther && len(resp.Cookies()) == 1
			if tc.wantForbidden && !forbidden || !tc.wantForbidden && !signedIn {
				t.Errorf("sign-in: %s, %d cookies, %q; want forbidden %v", resp.Status, len(resp.Cookies()), message(body), tc.wantForbidden)
			}
		})
	}
}

func testRoles(t *testing.T, l *ledger) {
	ctx := context.Background()
	ref := aSubject(t, l)
	legal, auditor := l.session(t, l.admin), l.session(t, l.auditor)

	_, body := l.get(t, legal, "/subjects?"+url.Values{"tenant": {tenant}, "ref": {ref}}.Encode())
	if !strings.Contains(body, `action="/subjects/export"`) {
		t.Error("legal sees no export form")
	}
	_, body = l.get(t, auditor, "/subjects?"+url.Values{"ref": {ref}}.Encode())
	if strings.Contains(body, `action="/subjects/export"`) {
		t.Error("an auditor sees the export form")
	}
	if !strings.Contains(body, "Tenant: <strong>"+tenant) {
		t.Errorf("a tenant-bound token's page does not settle on its tenant")
	}
	// The API refuses the auditor's export even when the page is skipped.
	resp := l.post(t, auditor, "/subjects/export", url.Values{"ref": {ref}, "format": {"json"}, "justification": {"curious"}})
	if b := readBody(t, resp); resp.StatusCode != http.StatusForbidden || strings.Contains(b, "\"subject_ref\"") {
		t.Errorf("auditor's export: %s %q", resp.Status, excerpt(b))
	}
	// Legal's export downloads, and is recorded under the token's name.
	resp = l.post(t, legal, "/subjects/export", url.Values{"tenant": {tenant}, "ref": {ref}, "format": {"json"}, "justification": {"console test"}})
	b := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(b, ref) {
		t.Fatalf("legal's export: %s %q %q", resp.Status, resp.Header.Get("Content-Disposition"), excerpt(b))
	}
	// The export's record, once projected, names the token.
	id := resp.Header.Get("X-Docket-Event-Id")
	var row *apiv1.AuditRow
	for deadline := time.Now().Add(20 * time.Second); row == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		h, err := l.d.API(l.admin).Query.ListHistory(ctx, connect.NewRequest(&apiv1.ListHistoryRequest{Tenant: tenant, SubjectRef: ref, PageSize: 1000}))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range h.Msg.GetRows() {
			if r.GetEventId() == id {
				row = r
			}
		}
	}
	if row == nil || row.GetType() != "docket.events.v1.SubjectDataExported" || row.GetActor().GetId() != "bootstrap-admin" {
		t.Errorf("the export %q is not recorded under the token's name: %v", id, row)
	}
	// A token of another tenant sees nothing of this one.
	other := l.session(t, l.other)
	if code, _ := l.get(t, other, "/disclosures?tenant="+tenant); code != http.StatusForbidden {
		t.Errorf("another tenant's token on %s's register: %d, want 403", tenant, code)
	}
	// The breach register is the auditor's to read too; not another tenant's.
	if code, body := l.get(t, auditor, "/breaches"); code != http.StatusOK || !strings.Contains(body, "br-2025-001") ||
		!strings.Contains(body, `aria-current="page">Breaches`) {
		t.Errorf("the auditor's breach register: %d %q", code, excerpt(body))
	}
	if code, _ := l.get(t, other, "/breaches?tenant="+tenant); code != http.StatusForbidden {
		t.Errorf("another tenant's token on %s's breaches: %d, want 403", tenant, code)
	}
	// Confidential disclosures: legal sees them marked, the auditor a count.
	_, body = l.get(t, legal, "/disclosures?"+url.Values{"tenant": {tenant}, "kind": {"RECIPIENT_KIND_PUBLIC_AUTHORITY"}}.Encode())
	_, abody := l.get(t, auditor, "/disclosures?"+url.Values{"kind": {"RECIPIENT_KIND_PUBLIC_AUTHORITY"}}.Encode())
	marked := strings.Count(body, `class="confidential"`)
	if marked > 0 {
		if strings.Contains(abody, `class="confidential"`) || !strings.Contains(abody, "withheld") {
			t.Errorf("the auditor's register shows confidential disclosures or no count of those withheld")
		}
	}
	t.Logf("%d confidential disclosures on the first page of public-authority disclosures", marked)
	// A subject with a confidential disclosure: its timeline shows legal
	// the row, and the auditor no row but a count of those withheld.
	var conf *apiv1.Disclosure
	for _, x := range apiDisclosures(t, l, l.admin, &apiv1.ListDisclosuresRequest{}) {
		if u := x.GetConfidentialUntil(); u != nil && u.AsTime().After(time.Now()) && len(apiHistory(t, l, x.GetSubjectRef())) <= 200 {
			conf = x
			break
		}
	}
	if conf == nil {
		t.Fatal("the demo holds no confidential disclosure of a subject with one page of history")
	}
	page := "/subjects?" + url.Values{"tenant": {tenant}, "ref": {conf.GetSubjectRef()}}.Encode()
	_, lbody := l.get(t, legal, page)
	_, abody = l.get(t, auditor, page)
	if !strings.Contains(lbody, "ev-"+conf.GetEventId()) {
		t.Errorf("legal's timeline of %s lacks the confidential disclosure", conf.GetSubjectRef())
	}
	if strings.Contains(abody, conf.GetEventId()) || !strings.Contains(abody, "confidential disclosure(s) on this page are withheld") {
		t.Errorf("the auditor's timeline of %s shows the confidential disclosure, or no count of those withheld", conf.GetSubjectRef())
	}
}

func testBadInput(t *testing.T, l *ledger) {
	c := l.session(t, l.admin)
	for path, want := range map[string]string{
		"/subjects?ref=a.b&tenant=" + tenant:                                 "subject reference:",
		"/subjects?ref=x&as_of=yesterday&tenant=" + tenant:                   "as of:",
		"/subjects?ref=x&axis=sideways&tenant=" + tenant:                     "clock:",
		"/disclosures?from=soon&tenant=" + tenant:                            "from:",
		"/disclosures?kind=RECIPIENT_KIND_FRIEND&tenant=" + tenant:           "recipient kind:",
		"/disclosures?basis=vibes&tenant=" + tenant:                          "legal basis:",
		"/record?as_of=2025-13-45&tenant=" + tenant:                          "as of:",
		"/integrity/bundle?event=&tenant=" + tenant:                          "event id:",
		"/subjects?ref=u_nobody&tenant=" + tenant:                            "not found",
		"/disclosures?page=garbage&tenant=" + tenant:                         "page",
		"/findings?rule=" + url.QueryEscape("no such") + "&tenant=" + tenant: "rule",
		"/findings?status=maybe&tenant=" + tenant:                            "status",
		"/finding?id=" + url.QueryEscape("a@b") + "&tenant=" + tenant:        "finding_id",
		"/finding?id=retention_exceeded:u_nobody/x&tenant=" + tenant:         "not found",
	} {
		code, body := l.get(t, c, path)
		if code < 400 || code >= 500 {
			t.Errorf("GET %s: %d, want a 4xx", path, code)
		}
		if msg := message(body); !strings.Contains(strings.ToLower(msg), want) {
			t.Errorf("GET %s: message %q, want it to say %q", path, msg, want)
		}
	}
	resp := l.post(t, c, "/subjects/export", url.Values{"tenant": {tenant}, "ref": {aSubject(t, l)}, "format": {"json"}})
	if b := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(message(b), "justification") {
		t.Errorf("export without a reason: %s %q", resp.Status, message(b))
	}
}

// testCSV: the download holds exactly the rows the filters match, as the
// API returns them to the same token.
func testCSV(t *testing.T, l *ledger) {
	c := l.session(t, l.admin)
	filter := url.Values{"tenant": {tenant}, "kind": {"RECIPIENT_KIND_PROCESSOR"}, "from": {"2025-03-01"}, "to": {"2025-06-30"}}
	code, body := l.get(t, c, "/disclosures.csv?"+filter.Encode())
	if code != http.StatusOK {
		t.Fatalf("CSV: %d %q", code, message(body))
	}
	got := readCSV(t, body)
	want := apiDisclosures(t, l, l.admin, &apiv1.ListDisclosuresRequest{RecipientKind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		From: mustTime(t, "2025-03-01T00:00:00Z"), To: mustTime(t, "2025-06-30T23:59:59.999999999Z")})
	if len(want) < 10 {
		t.Fatalf("the demo has only %d processor disclosures in the window", len(want))
	}
	compareCSV(t, got, want)
}

// message is the error message a page shows.
func message(body string) string {
	_, after, ok := strings.Cut(body, `class="message" role="alert">`)
	if !ok {
		return ""
	}
	msg, _, _ := strings.Cut(after, "</p>")
	return msg
}

func excerpt(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// testRecordDocument: the record page links to the record as a document;
// the HTML prints (its stylesheet allowed by hash, nothing else), in
// English and German, with the demo's profile: Harbourline, its security
// measures, no representative needed (Irish); CSV and JSON download; a
// bad format or language is refused naming the field.
func testRecordDocument(t *testing.T, l *ledger) {
	c := l.session(t, l.admin)
	code, page := l.get(t, c, "/record?tenant="+tenant+"&as_of=2025-06-01T00:00")
	_, link, _ := strings.Cut(page, `href="/record/document?`)
	link, _, _ = strings.Cut(link, `"`)
	if code != http.StatusOK || !strings.Contains(link, "as_of=2025-06-01T00") || !strings.Contains(link, "tenant="+tenant) ||
		!strings.Contains(link, "&amp;format=html&amp;lang=en") {
		t.Errorf("the record page does not link to its document: %d %q", code, link)
	}
	q := "/record/document?tenant=" + tenant + "&as_of=2025-06-01T00:00"
	resp, err := c.Get(l.url + q + "&format=html&lang=de")
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "style-src 'sha256-") {
		t.Fatalf("html: %s CSP %q", resp.Status, resp.Header.Get("Content-Security-Policy"))
	}
	for _, want := range []string{`<html lang="de">`, "Stand: 2025-06-01 00:00:00 UTC", "Harbourline Backup Ltd", "crypto-shredding",
		"Nicht erforderlich: der Verantwortliche ist in der Union niedergelassen", "@media print"} {
		if !strings.Contains(body, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	resp, err = c.Get(l.url + q + "&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	if rows := readCSV(t, body); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		len(rows) < 2 || strings.Join(rows[0], ",") != "section,id,field,value,label" || strings.Join(rows[1], ",") != "record,,as_of,2025-06-01T00:00:00Z," {
		t.Errorf("csv: %s %q %q", resp.Status, resp.Header.Get("Content-Disposition"), excerpt(body))
	}
	if code, body := l.get(t, c, q+"&format=json"); code != http.StatusOK || !strings.Contains(body, `"schema":"docket.ropa.v1"`) {
		t.Errorf("json: %d %q", code, excerpt(body))
	}
	if code, body := l.get(t, c, q+"&format=pdf&lang=de"); code != http.StatusOK || !strings.HasPrefix(body, "%PDF-") || !strings.Contains(body, "Harbourline Backup Ltd") {
		t.Errorf("pdf: %d %.40q", code, body)
	}
	for path, want := range map[string]string{q + "&format=docx": "format:", q + "&lang=fr": "language:"} {
		if code, body := l.get(t, c, path); code != http.StatusBadRequest || !strings.Contains(strings.ToLower(message(body)), want) {
			t.Errorf("GET %s: %d %q, want 400 saying %q", path, code, message(body), want)
		}
	}
}
