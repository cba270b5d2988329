package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/config"
	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestVerifiableLedger goes through what an auditor and a witness do: a
// checkpoint is published, `docket prove` writes a bundle that `docket
// verify event` checks offline, `docket verify log` recomputes the tree
// from the stream, a witness cosigns and later refuses a split view.
func TestVerifiableLedger(t *testing.T) {
	dir := t.TempDir()
	wkeyFile := filepath.Join(dir, "witness.key")
	code, wvkeyOut, errOut := run(t, "keys", "generate", "--witness", "--name", "witness.test", "--out", wkeyFile)
	if code != 0 {
		t.Fatalf("keys generate --witness: exit %d: %s", code, errOut)
	}
	wvkey := strings.TrimSpace(wvkeyOut)
	if _, err := checkpoint.LoadWitnessSigner(wkeyFile); err != nil {
		t.Fatalf("keys generate --witness wrote no witness key: %v", err)
	}
	if code, out, errOut := run(t, "keys", "public", "--key-file", wkeyFile); code != 0 || strings.TrimSpace(out) != wvkey {
		t.Fatalf("keys public of the witness key: exit %d: %q%s, want %q", code, out, errOut, wvkey)
	}
	d := startDaemon(t, fastCheckpoints, func(c *config.Config) {
		c.WitnessKeys = []string{wvkey}
	})
	c := d.Config
	api := d.APIURL()

	if code, _, errOut := run(t, "append", "--api", api, writeFile(t, line("s-1"), line("s-2"), line("s-1"))); code != 0 {
		t.Fatalf("append: %s", errOut)
	}
	latest := waitForCheckpoint(t, d, 3)
	cp1 := filepath.Join(dir, "cp1")
	if err := os.WriteFile(cp1, []byte(latest.GetNote()), 0o600); err != nil {
		t.Fatal(err)
	}

	vkey := publicKey(t, d)
	if strings.Contains(vkey, "PRIVATE") {
		t.Fatal("keys public printed the private key")
	}

	// A bundle, checked offline; a tampered one is refused.
	code, bundle, errOut := run(t, "prove", "--api", api, "--seq", "2")
	if code != 0 {
		t.Fatalf("prove: %s", errOut)
	}
	if strings.Contains(bundle, canary) {
		t.Fatal("the bundle holds plaintext personal data")
	}
	bf := filepath.Join(dir, "bundle.json")
	if err := os.WriteFile(bf, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "verify", "event", bf, "--key", vkey); code != 0 || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify event: exit %d: %s%s", code, out, errOut)
	}
	forged := strings.Replace(bundle, `"sequence": 2`, `"sequence": 1`, 1)
	if forged == bundle {
		t.Fatalf("bundle has no sequence field to forge:\n%s", bundle)
	}
	if err := os.WriteFile(bf, []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	wantRun(t, cli.ExitMismatch, "verify", "event", bf, "--key", vkey)
	// A file that is no bundle is not checked at all.
	wantRun(t, cli.ExitFailure, "verify", "event", cp1, "--key", vkey)

	// The whole log, recomputed from the stream.
	if code, out, errOut := run(t, "verify", "log", "--checkpoint", cp1, "--key", vkey, "--nats-url", d.NATSURL(), "--data-dir", d.DataDir(), "--api", api, "--quiet"); code != 0 || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify log: exit %d: %s%s", code, out, errOut)
	}

	// A witness cosigns, and the cosignature is served and verifiable.
	state := filepath.Join(dir, "witness.state")
	wargs := []string{"witness", "--once", "--api", api, "--log-key", vkey, "--origin", c.LogOrigin, "--key", wkeyFile, "--state", state}
	if code, out, errOut := run(t, wargs...); code != 0 || !strings.Contains(out, "cosigned") {
		t.Fatalf("witness: exit %d: %s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, "append", "--api", api, writeFile(t, line("s-3"))); code != 0 {
		t.Fatalf("append: %s%s", out, errOut)
	}
	second := waitForCheckpoint(t, d, 4)
	if code, out, errOut := run(t, wargs...); code != 0 || !strings.Contains(out, "previous view: 3") {
		t.Fatalf("witness, second checkpoint: exit %d: %s%s", code, out, errOut)
	}
	cosigned, err := latestCheckpoint(t, d)
	if err != nil {
		t.Fatal(err)
	}
	if got := cosigned.GetCosigners(); len(got) != 1 || got[0] != "witness.test" {
		t.Fatalf("cosigners %v, want [witness.test]", got)
	}
	// The witness's cosignature is a timestamped C2SP cosignature/v1.
	lv, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	wv, err := checkpoint.NewVerifier(wvkey)
	if err != nil {
		t.Fatal(err)
	}
	served, err := checkpoint.Open([]byte(cosigned.GetNote()), lv, []note.Verifier{wv})
	if err != nil {
		t.Fatal(err)
	}
	if cs := served.Cosignatures; len(cs) != 1 || cs[0].Time.IsZero() || time.Since(cs[0].Time) > time.Minute {
		t.Fatalf("served cosignatures %+v, want one cosignature/v1 of the last minute", cs)
	}
	// Code Docket did not write verifies it: transparency-dev/formats'
	// cosignature/v1 verifier, through x/mod's note.Open.
	fv, err := fnote.NewVerifierForCosignatureV1(wvkey)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := note.Open([]byte(cosigned.GetNote()), note.VerifierList(lv, fv)); err != nil || len(n.Sigs) != 2 {
		t.Fatalf("formats' cosignature/v1 verifier: %v", err)
	}
	code, bundle, errOut = run(t, "prove", "--api", api, "--seq", "4")
	if code != 0 {
		t.Fatalf("prove: %s", errOut)
	}
	if err := os.WriteFile(bf, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "verify", "event", bf, "--key", vkey, "--witness-key", wvkey, "--min-cosigners", "1"); code != 0 || !strings.Contains(out, "witness.test") {
		t.Fatalf("verify event with a cosigner: exit %d: %s%s", code, out, errOut)
	}

	// The second checkpoint extends the first.
	cp2 := filepath.Join(dir, "cp2")
	if err := os.WriteFile(cp2, []byte(second.GetNote()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "verify", "consistency", cp1, cp2, "--key", vkey, "--api", api); code != 0 || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify consistency: exit %d: %s%s", code, out, errOut)
	}

	// Split view: the log shows the witness a checkpoint of the size it
	// cosigned with another root (signed with the log's real key).
	skey, err := os.ReadFile(filepath.Join(c.DataDir, "keys", "notary.key"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := checkpoint.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		t.Fatal(err)
	}
	fork := checkpoint.Checkpoint{Origin: c.LogOrigin, Size: 4, Root: tlog.RecordHash([]byte("another history"))}
	forkNote, err := checkpoint.Sign(fork, signer)
	if err != nil {
		t.Fatal(err)
	}
	// The stream does not match a checkpoint of another history: a
	// verification that found a difference.
	out, _ := wantRun(t, cli.ExitMismatch, "verify", "log", "--checkpoint", writeBytes(t, "fork", forkNote), "--key", vkey,
		"--nats-url", d.NATSURL(), "--data-dir", d.DataDir(), "--quiet")
	if !strings.HasPrefix(out, "DIVERGED: ") {
		t.Errorf("verify log of a forked checkpoint: %s", out)
	}
	if err := os.WriteFile(state, forkNote, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, wargs...)
	if code != cli.ExitMismatch || !strings.Contains(errOut, "split view") {
		t.Fatalf("witness facing a split view: exit %d: %s", code, errOut)
	}
}
