package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/source/corrupttest"
	"github.com/docketledger/docket/projections/state"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/cli"
)

// TestQuarantinedMessagesAreVisible puts every kind of bad message
// straight onto the stream (as an operator could) between two good
// appends, and shows that docketd's read side goes on, and that the
// quarantine is visible where an operator looks: docket status, /readyz
// (still 200), the metric, the tenant's findings and the console's
// integrity page — none of them with the plaintext value one message held.
func TestQuarantinedMessagesAreVisible(t *testing.T) {
	d := startDaemon(t, t.TempDir(), checkpointEvery(2))
	ctx := context.Background()
	appendOK := func(ref string) { appendTo(t, d, 1, func(int) string { return ref }) }
	appendOK("s-1")
	const plaintext = "quarantine-canary-9e0c@example.org"
	bad := corrupttest.Messages("acme", "s-1", plaintext)
	for _, m := range bad {
		if _, err := d.JetStream().PublishMsg(ctx, m.Msg); err != nil {
			t.Fatalf("publish %s: %v", m.Name, err)
		}
	}
	appendOK("s-2")
	info, err := d.Stream().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := info.State.LastSeq
	d.projected(t, last)
	if st, err := d.ReadModels().Reader().Subject(ctx, "acme", "s-2"); err != nil || st == nil {
		t.Fatalf("the event after the bad messages is not applied: %v", err)
	}
	n := len(bad)
	var leaks []string
	leak := func(where, s string) {
		if strings.Contains(s, plaintext) {
			leaks = append(leaks, where)
		}
	}

	// docket status.
	t.Setenv("DOCKET_TOKEN", d.readTok)
	var out, errOut bytes.Buffer
	if err := cli.Exec(ctx, []string{"status", "--api", d.APIURL()}, &out, &errOut); err != nil {
		t.Fatalf("docket status: %v: %s", err, errOut.String())
	}
	wantLine := fmt.Sprintf("quarantined  %d stored messages", n)
	if !strings.Contains(out.String(), wantLine) || !strings.Contains(out.String(), fmt.Sprint(last-1)) {
		t.Errorf("docket status says\n%s\nwant a line %q naming sequence %d", out.String(), wantLine, last-1)
	}
	leak("docket status", out.String())
	st, err := d.read.Status.GetStatus(ctx, connect.NewRequest(&apiv1.GetStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if rm := st.Msg.GetReadModels(); rm.GetQuarantined() != uint64(n) || len(rm.GetQuarantinedSequences()) != 5 || rm.GetQuarantinedSequences()[0] != last-1 {
		t.Errorf("GetStatus: quarantined %d %v, want %d, latest first from %d", rm.GetQuarantined(), rm.GetQuarantinedSequences(), n, last-1)
	}

	// /readyz stays ready, and says it; the metric counts by reason.
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(d.APIURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get(http.DefaultClient, "/readyz")
	if want := fmt.Sprintf("%d messages quarantined", n); code != http.StatusOK || !strings.HasPrefix(body, "ready\n") || !strings.Contains(body, want) {
		t.Errorf("/readyz = %d %q, want 200, ready, %q", code, body, want)
	}
	leak("/readyz", body)
	_, metrics := get(http.DefaultClient, "/metrics")
	for _, want := range []string{`docket_projector_quarantined_total{reason="undecodable"} 2`, `docket_projector_quarantined_total{reason="plaintext_values"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	leak("/metrics", metrics)

	// The tenant's findings, one per message whose subject names it.
	fs, err := d.read.Query.ListFindings(ctx, connect.NewRequest(&apiv1.ListFindingsRequest{Tenant: "acme", Rule: state.RuleUnprojectable}))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(fs.Msg.GetFindings()); got != n-1 {
		t.Errorf("%d unprojectable_event findings for acme, want %d", got, n-1)
	}
	for _, f := range fs.Msg.GetFindings() {
		leak("finding "+f.GetFindingId(), f.String())
	}

	// The console's integrity page.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	req, _ := http.NewRequest(http.MethodPost, d.APIURL()+"/signin", strings.NewReader(url.Values{"token": {d.readTok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", d.APIURL())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, page := get(c, "/integrity?tenant=acme")
	if code != http.StatusOK || !strings.Contains(page, "Quarantined messages") || strings.Count(page, "quarantined, not projected") != n-1 {
		t.Errorf("the integrity page (%d) does not list the %d quarantined messages:\n%s", code, n-1, page)
	}
	leak("the integrity page", page)
	// The subject's timeline, and its findings page, still render.
	for _, path := range []string{"/subjects?tenant=acme&ref=s-1", "/findings?tenant=acme&rule=unprojectable_event"} {
		code, page := get(c, path)
		if code != http.StatusOK || !strings.Contains(page, "s-1") {
			t.Errorf("GET %s = %d", path, code)
		}
		leak(path, page)
	}
	// The notary signs the bad messages into the log like any other.
	eventually(t, fmt.Sprintf("the notary signs the whole log (%d events)", last), func() bool {
		st, err := d.read.Status.GetStatus(ctx, connect.NewRequest(&apiv1.GetStatusRequest{}))
		return err == nil && st.Msg.GetNotary().GetCheckpointSize() == last
	})
	if len(leaks) > 0 {
		t.Errorf("the plaintext value shows in %v", leaks)
	}
}
