package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events/checkpoint"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
)

// What the cli tests share: a docketd with a NATS client port and the
// tokens the commands run with, running the command line in process,
// and event files.

// startDaemon starts docketd for a test, with a NATS client port and
// each edit applied to its configuration, and authorizes the CLI.
func startDaemon(t *testing.T, edits ...func(*config.Config)) *docketdtest.Docketd {
	t.Helper()
	c := docketdtest.Config(t)
	c.NATSListen = "127.0.0.1:0"
	for _, edit := range edits {
		edit(&c)
	}
	d := docketdtest.Start(t, c)
	authorize(t, d)
	return d
}

// fastCheckpoints has the notary sign a checkpoint every two events.
func fastCheckpoints(c *config.Config) {
	c.CheckpointEvery = 2
	c.CheckpointInterval = config.Duration(100 * time.Millisecond)
}

// emitterToken is the emitter token (tenant acme, source crm) of the
// daemon the running test started; run uses it for append, the importer
// token for demo and the dpo token for export and shred.
var emitterToken, importerToken, dpoToken string

// authorize points the CLI at the daemon's first admin token and makes
// the tokens run uses.
func authorize(t *testing.T, d *docketdtest.Docketd) {
	t.Helper()
	t.Setenv("DOCKET_TOKEN_FILE", d.Config.AdminTokenPath())
	emitterToken = d.Token(t, auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: "crm"})
	dpoToken = d.Token(t, auth.Spec{Name: "dpo-1", Roles: []auth.Role{auth.DPO}, Tenant: auth.AllTenants})
	importerToken = d.Token(t, auth.Spec{Name: "demo-loader", Roles: []auth.Role{auth.Emitter}, Tenant: "harbourline", Source: auth.AnySource})
}

// appendAPI appends evs through d's Append API, with token.
func appendAPI(ctx context.Context, d *docketdtest.Docketd, token string, evs ...*eventsv1.Event) error {
	_, err := d.API(token).Ingest.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: evs}))
	return err
}

// run runs the command line args in process, with the token its command
// takes.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb strings.Builder
	if tok := map[string]string{"append": emitterToken, "demo": importerToken, "export": dpoToken, "shred": dpoToken}[first(args)]; tok != "" {
		os.Setenv("DOCKET_TOKEN", tok)
		defer os.Unsetenv("DOCKET_TOKEN")
	}
	code = cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func first(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// wantRun runs args and ends the test unless it exits with wantCode.
func wantRun(t *testing.T, wantCode int, args ...string) (stdout, stderr string) {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != wantCode {
		t.Fatalf("docket %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, out, errOut)
	}
	return out, errOut
}

const canary = "cli-canary-9090@example.org"

// line is an event of subject ref, in protojson, that holds canary.
func line(ref string) string {
	return `{"eventId":"` + newID() + `","tenant":"acme","subjectRef":"` + ref + `",` +
		`"occurredAt":"2026-04-01T08:00:00Z","taxonomyVersion":"fideslang-3.0","dataCollected":{` +
		`"purposes":["essential.service"],"categories":["user.contact.email"],"legalBasis":"LEGAL_BASIS_ART6_1_B_CONTRACT",` +
		`"values":[{"category":"user.contact.email","plaintext":"` + canary + `"}]}}`
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// writeFile writes lines to a new file and returns its path.
func writeFile(t *testing.T, lines ...string) string {
	t.Helper()
	return writeBytes(t, "events.jsonl", []byte(strings.Join(lines, "\n")+"\n"))
}

// writeBytes writes b to a new file named name and returns its path.
func writeBytes(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// publicKey is the log's public key, as docket keys public prints it.
func publicKey(t *testing.T, d *docketdtest.Docketd) string {
	t.Helper()
	out, _ := wantRun(t, 0, "keys", "public", "--key-file", d.Config.NotaryKeyPath())
	return strings.TrimSpace(out)
}

// newLogKey is a new signing key of the log origin, and its public key.
func newLogKey(t *testing.T, origin string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := checkpoint.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := checkpoint.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return signer, vkey
}

// writeCheckpoint signs cp with signer and writes it to a new file: its
// path.
func writeCheckpoint(t *testing.T, signer note.Signer, cp checkpoint.Checkpoint) string {
	t.Helper()
	n, err := checkpoint.Sign(cp, signer)
	if err != nil {
		t.Fatal(err)
	}
	return writeBytes(t, "checkpoint", n)
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// latestCheckpoint is d's latest signed checkpoint, asked with its first
// admin token.
func latestCheckpoint(t *testing.T, d *docketdtest.Docketd) (*apiv1.SignedCheckpoint, error) {
	t.Helper()
	r, err := d.API(d.Admin(t)).Audit.GetLatestCheckpoint(context.Background(), connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
	if err != nil {
		return nil, err
	}
	return r.Msg.GetCheckpoint(), nil
}

// waitForCheckpoint waits for d to sign a checkpoint of size events or
// more, and returns it.
func waitForCheckpoint(t *testing.T, d *docketdtest.Docketd, size uint64) *apiv1.SignedCheckpoint {
	t.Helper()
	var cp *apiv1.SignedCheckpoint
	waitFor(t, func() bool {
		var err error
		cp, err = latestCheckpoint(t, d)
		return err == nil && cp.GetTreeSize() >= size
	})
	return cp
}
