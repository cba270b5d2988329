package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
)

// TestCanaries plants unique values for a subject, projects, exports and
// shreds them, and searches every byte docketd and PostgreSQL wrote (the
// JetStream store, the key bucket, SQLite, the log at debug level, the
// PostgreSQL data directory) for each value in plaintext, base64 and hex:
// no hit before the shred, none after, and after it no key that could
// decrypt them is left.
func TestCanaries(t *testing.T) { eachStore(t, fastCheckpoints, canaries) }

// atRest is a docketd for a canary test, and where it keeps what it
// stores: its data dir and, on PostgreSQL, the cluster's.
type atRest struct {
	*docketdtest.Docketd
	pgDSN string
	dirs  []string
}

// scan fails the test for each planted value found at rest (scanAtRest).
func (r atRest) scan(t *testing.T, when string, planted map[string]string) {
	t.Helper()
	scanAtRest(t, when, r.pgDSN, r.dirs, r.Logs.String(), planted)
}

// eachStore runs test on a docketd with each read-model store: SQLite,
// and a throw-away PostgreSQL.
func eachStore(t *testing.T, edit func(*config.Config), test func(t *testing.T, d atRest)) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			var pgDSN string
			if store == "postgres" {
				pgDSN = pgtest.Start(t)
			}
			d := startDaemon(t, edit, func(c *config.Config) {
				if pgDSN != "" {
					c.Store = pgDSN
				}
			})
			r := atRest{Docketd: d, pgDSN: pgDSN, dirs: []string{d.Config.DataDir}}
			if pgDSN != "" {
				r.dirs = append(r.dirs, pgtest.Dir())
			}
			test(t, r)
		})
	}
}

func canaries(t *testing.T, d atRest) {
	ctx := context.Background()
	c := d.Config
	api := d.APIURL()

	tag := make([]byte, 6)
	_, _ = rand.Read(tag)
	email := "canary-" + hex.EncodeToString(tag) + "@example.org"
	iban := "DE89CANARY" + strings.ToUpper(hex.EncodeToString(tag))
	lines := []string{
		`{"eventId":"` + newID() + `","tenant":"acme","subjectRef":"s-canary","occurredAt":"2026-04-01T08:00:00Z","taxonomyVersion":"fideslang-3.1",` +
			`"dataCollected":{"purposes":["essential.service"],"categories":["user.contact.email"],"legalBasis":"LEGAL_BASIS_ART6_1_B_CONTRACT",` +
			`"collectionSource":"data_subject","values":[{"category":"user.contact.email","plaintext":"` + email + `"}]}}`,
		`{"eventId":"` + newID() + `","tenant":"acme","subjectRef":"s-canary","occurredAt":"2026-04-02T08:00:00Z","taxonomyVersion":"fideslang-3.1",` +
			`"dataCollected":{"purposes":["essential.service.payment_processing"],"categories":["user.financial.bank_account"],"legalBasis":"LEGAL_BASIS_ART6_1_B_CONTRACT",` +
			`"values":[{"category":"user.financial.bank_account","keyGroup":"tax","plaintext":"` + iban + `"}]}}`,
	}
	if code, out, errOut := run(t, "append", "--api", api, writeFile(t, lines...)); code != 0 {
		t.Fatalf("append: %s%s", out, errOut)
	}
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 2 })
	// The export decrypts them: the only place they may appear.
	code, out, errOut := run(t, "export", "acme", "s-canary", "--api", api, "--justification", "test", "--format", "json")
	if code != 0 || !strings.Contains(out, email) || !strings.Contains(out, iban) {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 3 })

	scan := func(when string) {
		t.Helper()
		d.scan(t, when, map[string]string{email: "the email", iban: "the IBAN"})
	}
	scan("before the shred")

	if code, out, errOut := run(t, "shred", "acme", "s-canary", "--api", api, "--request-id", "req-erase", "--actor", "dpo-1"); code != 0 || !strings.Contains(out, "default, tax") {
		t.Fatalf("shred: exit %d: %s%s", code, out, errOut)
	}
	scan("after the shred")

	// No key that could decrypt them is left: the key ring refuses, and
	// the key bucket keeps only each key's tombstone.
	for _, g := range []string{"default", "tax"} {
		if _, err := d.Keyring.OpenKey(ctx, "acme", "s-canary", g, 1); !errors.Is(err, keys.ErrShredded) {
			t.Errorf("key group %s after the shred: %v, want ErrShredded", g, err)
		}
		kv, err := d.JetStream().KeyValue(ctx, keys.DefaultKVBucket)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := kv.History(ctx, "acme.s-canary."+g)
		if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Fatal(err)
		}
		if len(hist) != 1 {
			t.Errorf("key group %s: %d revisions left in the key bucket, want only the tombstone", g, len(hist))
		}
	}
	// The proof of erasure: the shred, a system's erasure and a recipient
	// notice, each proven against a signed checkpoint.
	more := []string{
		`{"eventId":"` + newID() + `","tenant":"acme","subjectRef":"s-canary","occurredAt":"2026-04-03T08:00:00Z","taxonomyVersion":"fideslang-3.1",` +
			`"source":"crm","erasureExecuted":{"requestId":"req-erase","system":"crm","recordsErased":3}}`,
		`{"eventId":"` + newID() + `","tenant":"acme","subjectRef":"s-canary","occurredAt":"2026-04-03T09:00:00Z","taxonomyVersion":"fideslang-3.1",` +
			`"recipientNotified":{"requestId":"req-erase","recipientId":"mailer","right":"RIGHT_ERASURE","channel":"CHANNEL_EMAIL"}}`,
	}
	if code, out, errOut := run(t, "append", "--api", api, writeFile(t, more...)); code != 0 {
		t.Fatalf("append: %s%s", out, errOut)
	}
	bundles := t.TempDir()
	var proofDoc erasure.Document
	deadline := time.Now().Add(10 * time.Second)
	for {
		proofDoc = erasure.Document{} // Unmarshal leaves omitted fields as they were
		code, out, errOut := run(t, "erasure-proof", "acme", "s-canary", "--api", api, "--request-id", "req-erase", "--bundles-dir", bundles)
		if code == 0 && json.Unmarshal([]byte(out), &proofDoc) == nil && proofDoc.Pending == 0 &&
			len(proofDoc.Shredded) == 1 && len(proofDoc.Erasures) == 1 && len(proofDoc.Notices) == 1 {
			break
		}
		if time.Now().After(deadline) {
			_, status, _ := run(t, "status", "--api", api)
			t.Fatalf("proof of erasure: exit %d, %s; pending %d, %d shredded, %d erasures, %d notices; checkpoint %q; status:\n%s",
				code, errOut, proofDoc.Pending, len(proofDoc.Shredded), len(proofDoc.Erasures), len(proofDoc.Notices), proofDoc.Checkpoint, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	vkey := publicKey(t, d.Docketd)
	files, _ := filepath.Glob(filepath.Join(bundles, "*.json"))
	if len(files) != 3 {
		t.Fatalf("%d bundles written, want 3", len(files))
	}
	for _, f := range files {
		if code, out, errOut := run(t, "verify", "event", f, "--key", vkey); code != 0 {
			t.Fatalf("verify %s: %s%s", filepath.Base(f), out, errOut)
		}
	}

	// The same proof in German; a language it does not speak is refused,
	// naming the flag.
	if code, out, errOut := run(t, "erasure-proof", "acme", "s-canary", "--api", api, "--request-id", "req-erase", "--language", "de"); code != 0 ||
		!strings.Contains(out, `"language": "de"`) || !strings.Contains(out, "Schlüssel der Schlüsselgruppen") {
		t.Fatalf("erasure-proof --language de: exit %d, %s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, "erasure-proof", "acme", "s-canary", "--api", api, "--language", "fr"); code == 0 || !strings.Contains(errOut, "--language: must be one of en, de") {
		t.Fatalf("erasure-proof --language fr: exit %d, %s", code, errOut)
	}

	code, out, _ = run(t, "export", "acme", "s-canary", "--api", api, "--justification", "test", "--format", "json")
	var r export.Report
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("export after the shred: exit %d:\n%s", code, out)
	}
	if strings.Contains(out, email) || strings.Contains(out, iban) || len(r.Data) != 2 || !r.Data[0].Erased || !r.Data[1].Erased {
		t.Fatalf("export after the shred shows a value:\n%s", out)
	}

	// No token's secret is in docketd's (debug) log: not the first admin
	// token it made, not the ones made since.
	admin, err := os.ReadFile(c.AdminTokenPath())
	if err != nil {
		t.Fatal(err)
	}
	logged := []byte(d.Logs.String())
	for _, tok := range []string{strings.TrimSpace(string(admin)), emitterToken, importerToken} {
		secret := tok[len("dkt_")+21:] // after the prefix and the id
		for _, enc := range encodings(secret) {
			if bytes.Contains(logged, enc) {
				t.Fatalf("docketd's log holds a token's secret")
			}
		}
	}
	if !bytes.Contains(logged, []byte("first admin token")) {
		t.Fatalf("the log does not say where the first admin token is")
	}
}

// encodings are the forms a leaked value could take: plaintext, base64
// (standard and URL alphabets, at each of the three alignments a value
// can have inside a longer encoded run) and hex.
func encodings(s string) [][]byte {
	out := [][]byte{[]byte(s), []byte(hex.EncodeToString([]byte(s))), []byte(strings.ToUpper(hex.EncodeToString([]byte(s))))}
	for i := range 3 {
		part := []byte(s[i:])
		part = part[:len(part)/3*3]
		out = append(out, []byte(base64.StdEncoding.EncodeToString(part)), []byte(base64.URLEncoding.EncodeToString(part)))
	}
	return out
}

func TestMain(m *testing.M) { pgtest.Main(m) }

// scanAtRest flushes PostgreSQL's dirty pages (pgDSN, when set) and reads
// every file under dirs, failing the test for each that holds a planted
// value (map key; its value names it in the error) in plaintext, base64 or
// hex; and when it read fewer than 10 files, which would mean the wrong
// dirs. It scans docketd's log, logs (at debug level), the same way.
func scanAtRest(t *testing.T, when, pgDSN string, dirs []string, logs string, planted map[string]string) {
	t.Helper()
	for value, what := range planted {
		for _, form := range encodings(value) {
			if strings.Contains(logs, string(form)) {
				t.Errorf("%s: docketd's log holds %s (as %q)", when, what, form)
				break
			}
		}
	}
	if pgDSN != "" {
		ctx := t.Context()
		conn, err := pgx.Connect(ctx, pgDSN)
		if err != nil {
			t.Fatal(err)
		}
		// Dirty pages to disk, so the files hold everything.
		if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
	}
	files := 0
	for _, dir := range dirs {
		err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
			if errors.Is(err, os.ErrNotExist) {
				return nil // a temporary file, removed meanwhile
			}
			if err != nil || !fi.Mode().IsRegular() {
				return err
			}
			b, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			files++
			for value, what := range planted {
				for _, form := range encodings(value) {
					if bytes.Contains(b, form) {
						t.Errorf("%s: %s holds %s (as %q)", when, path, what, form)
						break
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 10 {
		t.Fatalf("%s: only %d files scanned", when, files)
	}
}
