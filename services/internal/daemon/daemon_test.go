package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	demodata "github.com/docketledger/docket/services/internal/demo"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
)

// testd is a docketd started for a test, with two tokens and the API
// clients calling with each: an emitter's (tenant acme, source crm) and a
// reader's (auditor, legal and DPO of every tenant).
type testd struct {
	*docketdtest.Docketd
	emitTok, readTok string
	emit, read       docketdtest.API
}

// startDaemon starts docketd on dir, with the configuration edit makes.
func startDaemon(t *testing.T, dir string, edit ...func(*config.Config)) *testd {
	t.Helper()
	c := docketdtest.Config(t)
	c.DataDir = dir
	for _, e := range edit {
		e(&c)
	}
	d := &testd{Docketd: docketdtest.Start(t, c)}
	d.emitTok = d.Token(t, auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: "crm"})
	d.readTok = d.Token(t, auth.Spec{Name: "reader", Roles: []auth.Role{auth.Auditor, auth.Legal, auth.DPO}, Tenant: auth.AllTenants})
	d.emit, d.read = d.API(d.emitTok), d.API(d.readTok)
	return d
}

// post posts a JSON request to procedure with tok ("" for none); the
// response's body is closed when the test ends, if not before.
func (d *testd) post(t *testing.T, procedure, tok, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.APIURL()+procedure, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// postAppend posts a JSON Append request with d's emitter token.
func postAppend(t *testing.T, d *testd, body string) *http.Response {
	t.Helper()
	return d.post(t, apiv1connect.IngestServiceAppendProcedure, d.emitTok, body)
}

// appendTo appends n events through d, the i-th about subject ref(i), and
// returns their ids.
func appendTo(t *testing.T, d *testd, n int, ref func(int) string) []string {
	t.Helper()
	ids := make([]string, n)
	var body strings.Builder
	body.WriteString(`{"events":[`)
	for i := range n {
		ids[i] = uuid.Must(uuid.NewV7()).String()
		if i > 0 {
			body.WriteString(",")
		}
		body.WriteString(jsonEvent(ids[i], ref(i)))
	}
	body.WriteString(`]}`)
	resp := postAppend(t, d, body.String())
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("append through %s: HTTP %d", d.APIURL(), resp.StatusCode)
	}
	return ids
}

const canary = "daemon-canary-5521@example.net"

func jsonEvent(id, ref string) string {
	return `{"eventId":"` + id + `","tenant":"acme","subjectRef":"` + ref + `","occurredAt":"2026-02-03T10:00:00Z",` +
		`"source":"crm","taxonomyVersion":"fideslang-3.0","dataCollected":{"purposes":["essential.service"],` +
		`"categories":["user.contact.email"],"legalBasis":"LEGAL_BASIS_ART6_1_B_CONTRACT",` +
		`"values":[{"category":"user.contact.email","plaintext":"` + canary + `"}]}}`
}

func storedBytes(t *testing.T, d *testd) (n uint64, all []byte) {
	t.Helper()
	ctx := context.Background()
	info, err := d.Stream().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := d.Stream().GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, m.Data...)
		all = append(all, m.Subject...)
		for _, v := range m.Header {
			all = append(all, strings.Join(v, "")...)
		}
	}
	return info.State.Msgs, all
}

func TestAppendOverHTTPJSON(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	id := uuid.Must(uuid.NewV7()).String()
	body := `{"events":[` + jsonEvent(id, "cust-1") + `]}`
	post := func(body string) (int, map[string]any) {
		resp := postAppend(t, d, body)
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out
	}
	code, out := post(body)
	if code != 200 {
		t.Fatalf("status %d: %v", code, out)
	}
	results := out["results"].([]any)
	first := results[0].(map[string]any)
	if first["eventId"] != id || first["sequence"] != "1" {
		t.Fatalf("result = %v", first)
	}
	code, out = post(body)
	if code != 200 || out["results"].([]any)[0].(map[string]any)["duplicate"] != true {
		t.Fatalf("retry: status %d, %v; want a duplicate", code, out)
	}
	n, all := storedBytes(t, d)
	if n != 1 {
		t.Fatalf("stream holds %d events, want 1", n)
	}
	if bytes.Contains(all, []byte(canary)) {
		t.Fatal("the stream holds the plaintext value")
	}
}

func TestAppendRefusesBadBatchWhole(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	good := jsonEvent(uuid.Must(uuid.NewV7()).String(), "cust-1")
	bad := strings.Replace(jsonEvent(uuid.Must(uuid.NewV7()).String(), "cust-2"), `"legalBasis":"LEGAL_BASIS_ART6_1_B_CONTRACT",`, "", 1)
	for _, tc := range []struct {
		name      string
		body      string
		wantField string
	}{
		{"missing legal basis", `{"events":[` + good + `,` + bad + `]}`, "events[1].data_collected.legal_basis"},
		{"empty batch", `{"events":[]}`, "events"},
		{"unknown category", `{"events":[` + strings.ReplaceAll(good, "user.contact.email", "user.contact.emali") + `]}`, "events[0].data_collected.categories[0]"},
		{"malformed JSON quoting a value", `{"events":[{"subjectRef":{"x":"` + canary + `"}}]}`, ""},
		{"wrong type", `{"events":[{"tenant":["` + canary + `"]}]}`, ""},
		{"email as subject", `{"events":[` + strings.Replace(good, `"cust-1"`, `"`+canary+`"`, 1) + `]}`, "events[0].subject_ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := postAppend(t, d, tc.body)
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var out struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(raw, &out)
			if resp.StatusCode != 400 || out.Code != "invalid_argument" {
				t.Fatalf("status %d code %q, want 400 invalid_argument", resp.StatusCode, out.Code)
			}
			if tc.wantField != "" && !strings.Contains(out.Message, tc.wantField+":") {
				t.Errorf("message %q does not name %s", out.Message, tc.wantField)
			}
			if strings.Contains(string(raw), canary) {
				t.Errorf("the error quotes the value: %s", raw)
			}
		})
	}
	if n, _ := storedBytes(t, d); n != 0 {
		t.Fatalf("stream holds %d events after refused batches, want 0", n)
	}
}

// h2cClient speaks HTTP/2 without TLS, as gRPC clients do on loopback.
func h2cClient() *http.Client {
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: protocols}}
}

func TestAppendOverGRPCAndReflection(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	ctx := context.Background()
	client := apiv1connect.NewIngestServiceClient(h2cClient(), d.APIURL(), connect.WithGRPC(), auth.Bearer(d.emitTok))
	ev := &eventsv1.Event{}
	if err := protojson.Unmarshal([]byte(jsonEvent(uuid.Must(uuid.NewV7()).String(), "cust-9")), ev); err != nil {
		t.Fatal(err)
	}
	resp, err := client.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: []*eventsv1.Event{ev}}))
	if err != nil {
		t.Fatalf("gRPC Append: %v", err)
	}
	if r := resp.Msg.GetResults(); len(r) != 1 || r[0].GetSequence() != 1 {
		t.Fatalf("results = %v", r)
	}
	head, err := client.Head(ctx, connect.NewRequest(&apiv1.HeadRequest{Tenant: "acme", SubjectRef: "cust-9"}))
	if err != nil || !head.Msg.GetFound() || head.Msg.GetEventId() != ev.GetEventId() {
		t.Fatalf("Head = %v, %v", head, err)
	}
	_, err = client.Head(ctx, connect.NewRequest(&apiv1.HeadRequest{Tenant: "a.b"}))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("Head with a tenant not the token's: %v, want permission_denied", err)
	}

	rc := grpcreflect.NewClient(h2cClient(), d.APIURL())
	stream := rc.NewStream(ctx, grpcreflect.WithRequestHeaders(http.Header{"Authorization": {"Bearer " + d.readTok}}))
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatalf("reflection: %v", err)
	}
	found := false
	for _, n := range names {
		found = found || n == apiv1connect.IngestServiceName
	}
	if !found {
		t.Fatalf("reflection lists %v, not %s", names, apiv1connect.IngestServiceName)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "docket_append_events_total"} {
		if path == "/metrics" {
			// A counter appears once it has a value.
			postAppend(t, d, `{"events":[]}`)
		}
		resp, err := http.Get(d.APIURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", path, resp.StatusCode, body, want)
		}
	}
}

func TestDemoLoadIsIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo data set")
	}
	dir := t.TempDir()
	demo := func(c *config.Config) { c.Demo = true }
	d := startDaemon(t, dir, demo)
	n1, all := storedBytes(t, d)
	if n1 < 20000 {
		t.Fatalf("demo stored %d events, want tens of thousands", n1)
	}
	for _, planted := range []string{"@example.com", "@example.org", "@example.net"} {
		if bytes.Contains(all, []byte(planted)) {
			t.Fatalf("the stream holds a plaintext demo email (%s)", planted)
		}
	}
	// docketd's Art. 19 saga records notices of its own as it goes: count
	// the demo's events.
	m1 := demoEvents(t, d)
	// After the demo, an event of another source lands in its tenant (as
	// one appended through the API would): a restart resumes the demo
	// past it, adding nothing.
	other := collected(demodata.DefaultTenant, "s-after-demo", time.Now().Add(-time.Minute))
	if _, err := d.Emitter.Append(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	d2 := startDaemon(t, dir, demo)
	if m2 := demoEvents(t, d2); m2 != m1+1 {
		t.Fatalf("second start holds %d events not docketd's, first %d and one more: the demo load is not idempotent", m2, m1)
	}
	if fi, err := os.Stat(filepath.Join(dir, "keys", "kek")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key-encryption key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
}

// demoEvents counts the stored events not recorded by docketd itself.
func demoEvents(t *testing.T, d *testd) int {
	t.Helper()
	ctx := context.Background()
	info, err := d.Stream().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		if d.StoredEvent(t, seq).GetSource() != events.RecordedBy {
			n++
		}
	}
	return n
}
