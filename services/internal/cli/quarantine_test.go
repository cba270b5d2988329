package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/docketledger/docket/projections/source/corrupttest"
)

// TestVerifyLogAndTailGoPastQuarantined: with every kind of bad message
// written straight onto the stream between good events, docket verify log
// still verifies the whole log (their hashes are in it) and lists each as
// quarantined, and docket tail prints every message, the bad ones marked
// with their reason — neither with the plaintext value one of them held.
func TestVerifyLogAndTailGoPastQuarantined(t *testing.T) {
	d := startDaemon(t, fastCheckpoints)
	c := d.Config
	api := d.APIURL()

	if code, _, errOut := run(t, "append", "--api", api, writeFile(t, line("s-1"))); code != 0 {
		t.Fatalf("append: %s", errOut)
	}
	const plaintext = "cli-quarantine-canary-31@example.org"
	bad := corrupttest.Messages("acme", "s-1", plaintext)
	for _, m := range bad {
		if _, err := d.JetStream().PublishMsg(context.Background(), m.Msg); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errOut := run(t, "append", "--api", api, writeFile(t, line("s-2"))); code != 0 {
		t.Fatalf("append: %s", errOut)
	}
	total := uint64(len(bad) + 2)
	cp := writeBytes(t, "cp", []byte(waitForCheckpoint(t, d, total).GetNote()))
	vkey := publicKey(t, d)

	code, out, errOut := run(t, "verify", "log", "--checkpoint", cp, "--key", vkey, "--nats-url", d.NATSURL(), "--data-dir", c.DataDir, "--quiet")
	if code != 0 || !strings.HasPrefix(out, "OK") || !strings.Contains(out, fmt.Sprintf("first %d events", total)) {
		t.Fatalf("verify log: exit %d: %s%s", code, out, errOut)
	}
	if n := strings.Count(out, "QUARANTINED: sequence "); n != len(bad) {
		t.Errorf("verify log lists %d quarantined messages, want %d:\n%s", n, len(bad), out)
	}
	if !strings.Contains(out, "QUARANTINED: sequence 2 is not a valid sealed event (undecodable") {
		t.Errorf("verify log does not name sequence 2 as undecodable:\n%s", out)
	}
	if strings.Contains(out+errOut, plaintext) {
		t.Error("verify log prints the plaintext value")
	}

	code, out, errOut = run(t, "tail", "--nats-url", d.NATSURL(), "--data-dir", c.DataDir, "--from", "1")
	if code != 0 {
		t.Fatalf("tail: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if uint64(len(lines)) != total {
		t.Fatalf("tail printed %d lines, want %d:\n%s", len(lines), total, out)
	}
	for i, l := range lines {
		var got struct {
			Seq         uint64 `json:"seq"`
			Quarantined string `json:"quarantined"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("tail line %d: %v", i, err)
		}
		want := ""
		if i >= 1 && i <= len(bad) {
			want = bad[i-1].Reason
		}
		if got.Seq != uint64(i+1) || got.Quarantined != want {
			t.Errorf("tail line %d: %s; want sequence %d quarantined %q", i, l, i+1, want)
		}
	}
	if strings.Contains(out, plaintext) {
		t.Error("tail prints the plaintext value")
	}
}
