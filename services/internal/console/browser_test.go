package console_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/docketledger/docket/events/checkpoint"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/testkit/browsertest"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// testBrowser walks the console in headless Chromium as legal and as an
// auditor would: sign in, search a subject and read its timeline, filter
// the register to public authorities and download its CSV, open a finding,
// verify an event, read the charts; every page is checked for keyboard
// navigation and contrast, and photographed.
func testBrowser(t *testing.T, l *ledger) {
	ctx := browsertest.New(t)
	pa := apiDisclosures(t, l, l.admin, &apiv1.ListDisclosuresRequest{RecipientKind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY})
	if len(pa) == 0 {
		t.Fatal("the demo has no public-authority disclosure")
	}
	police := pa[0]
	ref := police.GetSubjectRef()

	// Sign in: the console sends an anonymous reader to the sign-in page.
	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	checkPage(t, ctx, "signin")
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#token"), l.admin), chromedp.Click(chromedp.CSS("form.signin button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#ref")))
	if who := browsertest.Text(t, ctx, ".signed-in"); !strings.Contains(who, "bootstrap-admin") {
		t.Fatalf("after sign-in the header says %q", who)
	}

	// Search the subject and read its timeline.
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#ref"), ref), chromedp.Submit(chromedp.CSS("#ref")),
		chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	rows := evaluate[[]timelineRow](t, ctx, `Array.from(document.querySelectorAll("table.timeline tbody tr")).map(tr => ({
		id: tr.id.replace(/^ev-/, ""), type: tr.cells[1].innerText, occurred: tr.cells[6].innerText, recorded: tr.cells[7].innerText}))`)
	history := apiHistory(t, l, ref)
	if len(rows) != len(history) {
		t.Fatalf("the timeline shows %d events, the API %d", len(rows), len(history))
	}
	for i, h := range history {
		if rows[i].ID != h.GetEventId() || "docket.events.v1."+rows[i].Type != h.GetType() ||
			rows[i].Occurred != h.GetOccurredAt().AsTime().UTC().Format("2006-01-02 15:04:05 UTC") {
			t.Errorf("timeline row %d is %+v, the API's %s %s at %s", i, rows[i], h.GetEventId(), h.GetType(), h.GetOccurredAt().AsTime())
		}
	}
	if !slices.ContainsFunc(rows, func(r timelineRow) bool { return r.ID == police.GetEventId() }) {
		t.Errorf("the timeline lacks the disclosure %s", police.GetEventId())
	}
	checkPage(t, ctx, "subject")

	// As of the day before the disclosure, the timeline ends before it.
	before := police.GetOccurredAt().AsTime().UTC().Add(-24 * time.Hour)
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#as_of"), before.Format("2006-01-02T15:04")),
		chromedp.Submit(chromedp.CSS("#as_of")), chromedp.WaitVisible(chromedp.CSS("#state-h")))
	if h := browsertest.Text(t, ctx, "#state-h"); !strings.Contains(h, "as of "+before.Format("2006-01-02T15:04")) {
		t.Errorf("the state heading says %q", h)
	}
	ids := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("table.timeline tbody tr")).map(tr => tr.id)`)
	if slices.Contains(ids, "ev-"+police.GetEventId()) || len(ids) >= len(rows) {
		t.Errorf("as of %s the timeline still shows the later disclosure (%d of %d rows)", before, len(ids), len(rows))
	}
	browsertest.Screenshot(t, ctx, "subject-as-of")

	// Disclosures to public authorities, then the CSV of exactly those.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href^="/disclosures"]`)), chromedp.WaitVisible(chromedp.CSS("#f-kind")),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "RECIPIENT_KIND_PUBLIC_AUTHORITY"), chromedp.Submit(chromedp.CSS("#f-kind")),
		chromedp.WaitVisible(chromedp.CSS("table.register")))
	kinds := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("table.register tbody tr")).map(tr => tr.cells[4].innerText)`)
	if len(kinds) == 0 || len(kinds) != min(len(pa), 50) {
		t.Errorf("the filtered register shows %d rows, the API has %d", len(kinds), len(pa))
	}
	for _, k := range kinds {
		if k != "public authority" {
			t.Errorf("a row of kind %q under the public-authority filter", k)
		}
	}
	// Labels, not raw names: the kind's words carry its enum name in the
	// title, the purpose's words its fideslang key.
	labelled := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("table.register tbody tr")).map(tr =>
		[tr.cells[4].querySelector("span").title, tr.cells[6].innerText, tr.cells[6].querySelector("span").title].join("|"))`)
	for _, row := range labelled {
		p := strings.Split(row, "|")
		if len(p) != 3 || p[0] != "RECIPIENT_KIND_PUBLIC_AUTHORITY" || p[2] == "" || p[1] == p[2] {
			t.Errorf("a row's kind and purpose read %q: want words, with the enum name and the key in the titles", row)
		}
	}
	confidential := 0
	for _, d := range pa {
		if d.GetConfidentialUntil() != nil && d.GetConfidentialUntil().AsTime().After(time.Now()) {
			confidential++
		}
	}
	marked := evaluate[int](t, ctx, `document.querySelectorAll("table.register tr.confidential .tag.secret").length`)
	if confidential > 0 && marked == 0 {
		t.Errorf("%d disclosures are still confidential, none is marked", confidential)
	}
	checkPage(t, ctx, "disclosures-public-authorities")
	dir := t.TempDir()
	browsertest.Download(t, ctx, dir)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/disclosures.csv"]`)))
	b, err := os.ReadFile(browsertest.WaitForFile(t, dir, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	compareCSV(t, readCSV(t, string(b)), pa)

	// Open a finding: its event link leads to the event in the timeline.
	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/findings?"+url.Values{"tenant": {tenant}, "rule": {"processing_after_consent_withdrawn"}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS("table.findings")))
	checkPage(t, ctx, "findings")
	link := evaluate[string](t, ctx, `(document.querySelector('table.findings tbody td:last-child a[href^="/subjects"]') || {}).href || ""`)
	if link == "" {
		t.Fatal("no finding links to its events")
	}
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`table.findings tbody td:last-child a[href^="/subjects"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	// The browser sets :target once it has scrolled to the fragment, which
	// may come after the table is visible on a loaded machine.
	var target string
	for deadline := time.Now().Add(10 * time.Second); target == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		target = evaluate[string](t, ctx, `(document.querySelector("tr:target") || {}).id || ""`)
	}
	if u, _ := url.Parse(link); target == "" || "#"+target != u.Fragment && target != u.Fragment {
		t.Errorf("the finding's link %s shows no highlighted event (target %q)", link, target)
	}
	browsertest.Screenshot(t, ctx, "finding-event")

	// Findings by status: the risks accepted, each marked closed; one opens
	// on its history, the group decision with its words sealed.
	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/findings?"+url.Values{"tenant": {tenant}}.Encode()),
		chromedp.WaitVisible(chromedp.CSS("#status")),
		chromedp.SetValue(chromedp.CSS("#status"), "FINDING_STATUS_RISK_ACCEPTED"), chromedp.Submit(chromedp.CSS("#status")),
		chromedp.WaitVisible(chromedp.CSS("table.findings")))
	statuses := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("table.findings tbody tr.closed")).map(tr => tr.cells[1].innerText + " " + tr.cells[0].innerText)`)
	if len(statuses) == 0 || evaluate[int](t, ctx, `document.querySelectorAll("table.findings tbody tr.open").length`) != 0 {
		t.Fatalf("findings accepted as a risk: %q, and open rows among them", statuses)
	}
	for _, st := range statuses {
		if !strings.HasPrefix(st, "risk accepted retention_exceeded\nretention_exceeded:web-enquiries") {
			t.Errorf("a row under the risk-accepted filter reads %q", st)
		}
	}
	checkPage(t, ctx, "findings-risk-accepted")
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`table.findings tbody td:first-child a[href^="/finding?"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.finding-history")))
	steps := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("table.finding-history tbody tr")).map(tr =>
		[tr.cells[1].innerText, tr.cells[2].innerText, tr.cells[4].innerText, tr.cells[6].innerText].join("|"))`)
	if want := []string{"risk accepted|staff-dpo-01|(sealed)|retention_exceeded:web-enquiries"}; !slices.Equal(steps, want) {
		t.Errorf("the finding's history reads %q, want %q", steps, want)
	}
	if st := browsertest.Text(t, ctx, "dl.finding dd.status"); st != "risk accepted" {
		t.Errorf("the finding's status reads %q", st)
	}
	checkPage(t, ctx, "finding")

	// Verify an event in the browser, then with a key the log did not use.
	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/integrity?"+url.Values{"tenant": {tenant}, "event": {police.GetEventId()}}.Encode()))
	verdict := waitText(t, ctx, "#verify-result h3", "Verified", "Not verified", "Could not")
	if !strings.HasPrefix(verdict, "Verified") {
		t.Fatalf("verifying %s: %q: %s", police.GetEventId(), verdict, browsertest.Text(t, ctx, "#verify-result"))
	}
	if seq := browsertest.Text(t, ctx, "#verify-result dl"); !strings.Contains(seq, strconv.FormatUint(police.GetSeq(), 10)) {
		t.Errorf("the verification does not name the event's sequence %d: %q", police.GetSeq(), seq)
	}
	checkPage(t, ctx, "integrity-verified")
	_, wrong, err := checkpoint.GenerateKey(strings.SplitN(evaluate[string](t, ctx, `document.getElementById("log-key").value`), "+", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#log-key"), wrong), chromedp.Click(chromedp.CSS(`#verify button[type=submit]`)))
	if verdict := waitText(t, ctx, "#verify-result h3", "Not verified", "Verified:"); verdict != "Not verified" {
		t.Errorf("verifying against another key: %q", verdict)
	}
	browsertest.Screenshot(t, ctx, "integrity-wrong-key")

	// The record of processing, the requests and the charts.
	for _, p := range []struct{ path, name, sel string }{
		{"/record?tenant=" + tenant, "record", "#acts-h"},
		{"/requests?" + url.Values{"tenant": {tenant}, "subject": {ref}}.Encode(), "requests", "#closed-h"},
		{"/charts?tenant=" + tenant, "charts", "section.chart svg"},
		{"/no-such-page", "not-found", "p.message"},
	} {
		browsertest.Do(t, ctx, chromedp.Navigate(l.url+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)))
		checkPage(t, ctx, p.name)
	}
	// The record of processing fits the 1280 px window: its widest table
	// wraps or scrolls inside the page, nothing runs off it (issue 18).
	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/record?tenant="+tenant), chromedp.WaitVisible(chromedp.CSS("#acts-h")))
	if w := evaluate[[]int](t, ctx, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("the record of processing is %d px wide in a %d px window", w[0], w[1])
	}
	// The breach register: the rows, their order and their standing are
	// the API's; late and untold breaches are marked.
	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/record?tenant="+tenant), chromedp.WaitVisible(chromedp.CSS("#acts-h")),
		chromedp.Click(chromedp.CSS(`nav a[href^="/breaches"]`)), chromedp.WaitVisible(chromedp.CSS("table.breaches")))
	checkPage(t, ctx, "breaches")
	shown := evaluate[[]breachCells](t, ctx, `Array.from(document.querySelectorAll("table.breaches tbody tr")).map(tr => ({
		id: tr.cells[0].innerText, late: !!tr.cells[5].querySelector(".tag.warn"), untold: !!tr.cells[7].querySelector(".tag.warn"),
		status: tr.cells[8].innerText}))`)
	register := apiBreaches(t, l, l.admin)
	if len(register) < 12 || len(shown) != len(register) {
		t.Fatalf("the page shows %d breaches, the API %d (the demo records 12)", len(shown), len(register))
	}
	lateN, untoldN := 0, 0
	for i, b := range register {
		g := shown[i]
		closed := strings.HasPrefix(g.Status, "closed ")
		if g.ID != b.GetBreachId() || g.Late != b.GetNotifiedLate() ||
			g.Untold != b.GetSubjectsLate() || closed != (b.GetClosedAt() != nil) {
			t.Errorf("breach row %d is %+v, the API's %s late %v subjects late %v closed %v", i, g, b.GetBreachId(), b.GetNotifiedLate(), b.GetSubjectsLate(), b.GetClosedAt() != nil)
		}
		if g.Late {
			lateN++
		}
		if g.Untold {
			untoldN++
		}
	}
	// Four of each rule are planted, and marked.
	if lateN != 4 || untoldN != 4 {
		t.Errorf("%d breaches marked late and %d untold, want 4 and 4", lateN, untoldN)
	}

	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/charts?tenant="+tenant), chromedp.WaitVisible(chromedp.CSS("section.chart svg")))
	total := evaluate[int](t, ctx, `Array.from(document.querySelectorAll("section.chart")[0].querySelectorAll("table.numbers tbody tr td:last-child")).reduce((s, td) => s + Number(td.textContent), 0)`)
	if all := apiDisclosures(t, l, l.admin, &apiv1.ListDisclosuresRequest{}); total != len(all) {
		t.Errorf("the disclosures chart counts %d, the register holds %d", total, len(all))
	}

	// An auditor: no export, confidential disclosures withheld.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), l.auditor), chromedp.Click(chromedp.CSS("form.signin button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#ref")),
		chromedp.Navigate(l.url+"/subjects?"+url.Values{"ref": {ref}}.Encode()), chromedp.WaitVisible(chromedp.CSS("table.timeline")))
	if n := evaluate[int](t, ctx, `document.querySelectorAll('form[action="/subjects/export"]').length`); n != 0 {
		t.Error("the auditor is offered an export")
	}
	checkPage(t, ctx, "auditor-subject")
	browsertest.Do(t, ctx, chromedp.Navigate(l.url+"/disclosures?kind=RECIPIENT_KIND_PUBLIC_AUTHORITY"), chromedp.WaitVisible(chromedp.CSS("table.register")))
	if n := evaluate[int](t, ctx, `document.querySelectorAll("table.register tr.confidential").length`); n != 0 {
		t.Errorf("the auditor sees %d confidential disclosures", n)
	}
	checkPage(t, ctx, "auditor-disclosures")
}

type breachCells struct {
	ID     string `json:"id"`
	Late   bool   `json:"late"`
	Untold bool   `json:"untold"`
	Status string `json:"status"`
}

// apiBreaches is the breach register as the API returns it to tok.
func apiBreaches(t *testing.T, l *ledger, tok string) []*apiv1.Breach {
	t.Helper()
	resp, err := l.d.API(tok).Query.ListBreaches(context.Background(), connect.NewRequest(&apiv1.ListBreachesRequest{Tenant: tenant, PageSize: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetBreaches()
}

type timelineRow struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Occurred string `json:"occurred"`
	Recorded string `json:"recorded"`
}

// checkPage checks keyboard navigation and contrast and takes a picture.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browsertest.CheckContrast(t, ctx)
	browsertest.CheckKeyboard(t, ctx)
	browsertest.Screenshot(t, ctx, name)
}

// evaluate runs a JavaScript expression in the page.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", excerpt(expr), err)
	}
	return v
}

// waitText waits until the element's text starts with one of prefixes and
// returns the one it starts with.
func waitText(t *testing.T, ctx context.Context, sel string, prefixes ...string) string {
	t.Helper()
	js, _ := json.Marshal(sel)
	var text string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		text = evaluate[string](t, ctx, `(document.querySelector(`+string(js)+`) || {}).textContent || ""`)
		for _, p := range prefixes {
			if strings.HasPrefix(text, p) {
				return p
			}
		}
	}
	t.Fatalf("%s still says %q after 30 s", sel, text)
	return ""
}

// aSubject is a demo subject with a disclosure to a public authority.
func aSubject(t *testing.T, l *ledger) string {
	t.Helper()
	ds := apiDisclosures(t, l, l.admin, &apiv1.ListDisclosuresRequest{RecipientKind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY})
	if len(ds) == 0 {
		t.Fatal("the demo has no public-authority disclosure")
	}
	return ds[0].GetSubjectRef()
}

// apiDisclosures pages through the register as the API returns it to tok.
func apiDisclosures(t *testing.T, l *ledger, tok string, req *apiv1.ListDisclosuresRequest) []*apiv1.Disclosure {
	t.Helper()
	req.Tenant, req.PageSize = tenant, 1000
	var out []*apiv1.Disclosure
	for {
		resp, err := l.d.API(tok).Query.ListDisclosures(context.Background(), connect.NewRequest(req))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, resp.Msg.GetDisclosures()...)
		if req.PageToken = resp.Msg.GetNextPageToken(); req.PageToken == "" {
			return out
		}
	}
}

// apiHistory is a subject's whole audit trail from the API.
func apiHistory(t *testing.T, l *ledger, ref string) []*apiv1.AuditRow {
	t.Helper()
	resp, err := l.d.API(l.admin).Query.ListHistory(context.Background(), connect.NewRequest(&apiv1.ListHistoryRequest{Tenant: tenant, SubjectRef: ref, PageSize: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetRows()
}

// compareCSV checks a CSV download against the API's rows.
func compareCSV(t *testing.T, got [][]string, want []*apiv1.Disclosure) {
	t.Helper()
	if len(got) == 0 || strings.Join(got[0], ",") != "seq,event_id,occurred_at,recorded_at,subject_ref,recipient_id,recipient_name,recipient_kind,recipient_country,categories,purpose,legal_basis,special_category_condition,legal_instrument_ref,confidential_until,activity_id" {
		t.Fatalf("CSV header %v", got)
	}
	got = got[1:]
	if len(got) != len(want) {
		t.Fatalf("the CSV has %d rows, the API %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g[0] != strconv.FormatUint(w.GetSeq(), 10) || g[1] != w.GetEventId() || g[4] != w.GetSubjectRef() ||
			g[5] != w.GetRecipient().GetId() || g[7] != w.GetRecipient().GetKind().String() || g[10] != w.GetPurpose() ||
			g[11] != w.GetLegalBasis().String() || g[9] != strings.Join(w.GetCategories(), " ") ||
			g[2] != w.GetOccurredAt().AsTime().UTC().Format(time.RFC3339Nano) {
			t.Errorf("CSV row %d is %v, the API's %v", i, g, w)
		}
	}
}

func mustTime(t *testing.T, s string) *timestamppb.Timestamp {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return timestamppb.New(v)
}
