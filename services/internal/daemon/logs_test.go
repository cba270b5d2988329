package daemon_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
)

// TestDemoLogsHoldNoSecrets runs docketd on the demo data set with debug
// logging, its sagas and retention scheduler, token calls, an export and a
// refused append, then searches the whole log for every plaintext value the
// demo plants and for every token's secret: none may appear.
func TestDemoLogsHoldNoSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo data set")
	}
	c := docketdtest.Config(t)
	c.Demo = true
	d := docketdtest.Start(t, c)
	ctx := context.Background()
	adminTok := d.Admin(t)
	admin := d.API(adminTok)
	made, err := admin.Tokens.CreateToken(ctx, connect.NewRequest(&apiv1.CreateTokenRequest{Name: "crm", Roles: []string{"emitter"}, Tenant: "harbourline", Source: "crm"}))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := demo.Generate(demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var subject string
	values := map[string]bool{}
	for _, ev := range ds.Events {
		for _, v := range events.Values(ev) {
			if p := v.Value.GetPlaintext(); len(p) >= 6 {
				values[p] = true
				if subject == "" {
					subject = ev.GetSubjectRef()
				}
			}
		}
	}
	if len(values) < 1000 {
		t.Fatalf("the demo plants only %d values", len(values))
	}
	if _, err := admin.Rights.ExportSubject(ctx, connect.NewRequest(&apiv1.ExportSubjectRequest{Tenant: "harbourline", SubjectRef: subject,
		Format: eventsv1.ExportFormat_EXPORT_FORMAT_JSON, Justification: "log test"})); err != nil {
		t.Fatal(err)
	}
	// A refused append that names a value: refusals are logged too.
	var leaked string
	for v := range values {
		leaked = v
		break
	}
	_, _ = d.API(made.Msg.GetToken()).Ingest.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: []*eventsv1.Event{{Tenant: leaked, SubjectRef: leaked}}}))
	time.Sleep(500 * time.Millisecond) // the sagas' and scheduler's first work

	logged := []byte(d.Logs.String())
	if !bytes.Contains(logged, []byte("demo data set loaded")) {
		t.Fatalf("the log lacks the demo load: %d bytes", len(logged))
	}
	for _, tok := range []string{adminTok, made.Msg.GetToken()} {
		if bytes.Contains(logged, []byte(tok[len("dkt_")+21:])) {
			t.Errorf("the log holds a token's secret")
		}
	}
	found := 0
	for v := range values {
		if bytes.Contains(logged, []byte(v)) {
			found++
		}
	}
	if found > 0 {
		t.Errorf("the log (%d bytes) holds %d of the demo's %d plaintext values", len(logged), found, len(values))
	}
}
