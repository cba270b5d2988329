package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

func TestAppendTail(t *testing.T) {
	d := startDaemon(t)
	file := writeFile(t, line("s-1"), "", "# a comment", line("s-2"), line("s-1"))
	code, out, errOut := run(t, "append", "--api", d.APIURL(), file)
	if code != 0 {
		t.Fatalf("append exit %d: %s", code, errOut)
	}
	var results []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	if len(results) != 3 || results[0]["line"] != float64(1) || results[1]["line"] != float64(4) || results[2]["sequence"] != float64(3) {
		t.Fatalf("append printed %v", results)
	}
	// The same file again: stored once.
	_, out, _ = run(t, "append", "--api", d.APIURL(), file)
	if strings.Count(out, `"duplicate":true`) != 3 {
		t.Fatalf("second append printed %s, want 3 duplicates", out)
	}

	code, out, errOut = run(t, "tail", "--nats-url", d.NATSURL(), "--data-dir", d.DataDir(), "--from", "1")
	if code != 0 {
		t.Fatalf("tail exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Fatalf("tail printed %d lines, want 3:\n%s", n, out)
	}
	if strings.Contains(out, canary) || !strings.Contains(out, `"sealed":true`) || !strings.Contains(out, `"type":"docket.events.v1.DataCollected"`) {
		t.Fatalf("tail output: %s", out)
	}
	code, out, _ = run(t, "tail", "--nats-url", d.NATSURL(), "--data-dir", d.DataDir(), "--from", "1", "--tenant", "acme", "--subject", "s-2")
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("tail of one subject: exit %d, %s", code, out)
	}
}

func TestAppendRefusesFileWithBadLine(t *testing.T) {
	d := startDaemon(t)
	bad := strings.Replace(line("s-2"), `"legalBasis":"LEGAL_BASIS_ART6_1_B_CONTRACT",`, "", 1)
	for _, tc := range []struct {
		name      string
		lines     []string
		wantInErr []string
	}{
		{"missing basis", []string{line("s-1"), bad}, []string{"line 2: data_collected.legal_basis"}},
		{"not json", []string{line("s-1"), `{"tenant": "` + canary}, []string{"line 2: not a valid docket.events.v1.Event"}},
		{"unknown field", []string{`{"tenant":"acme","emailAddress":"` + canary + `"}`}, []string{"line 1:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, "append", "--api", d.APIURL(), writeFile(t, tc.lines...))
			if code != cli.ExitFailure {
				t.Fatalf("exit %d, want %d", code, cli.ExitFailure)
			}
			for _, want := range tc.wantInErr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr %q does not contain %q", errOut, want)
				}
			}
			if strings.Contains(errOut, canary) {
				t.Errorf("stderr quotes a value: %s", errOut)
			}
		})
	}
	info, err := d.Stream().Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 0 {
		t.Fatalf("stream holds %d events after refused files", info.State.Msgs)
	}
}

func TestFlagsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"append", "--batch", "0", "x.jsonl"}, 2, "--batch"},
		{[]string{"append", "--api", "localhost:7070", "x.jsonl"}, 2, "--api"},
		{[]string{"append"}, 2, "usage: docket append [flags] FILE.jsonl"},
		{[]string{"append", "--batch", "many", "x.jsonl"}, 2, `invalid argument "many" for "--batch"`},
		{[]string{"append", "-api", "http://127.0.0.1:7070", "x.jsonl"}, 2, "unknown shorthand flag: 'a' in -api"},
		{[]string{"append", "--frob", "x.jsonl"}, 2, "unknown flag: --frob"},
		{[]string{"append", "--frob", "x.jsonl"}, 2, "usage: docket append [flags] FILE.jsonl"},
		{[]string{"tail", "--subject", "s-1"}, 2, "--subject needs --tenant"},
		{[]string{"tail", "--tenant", "a.b"}, 2, "--tenant"},
		{[]string{"tail", "extra"}, 2, "usage: docket tail"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"verify", "frobnicate"}, 2, "unknown command"},
		{[]string{"verify"}, 2, "give a command: consistency, event, log, receipt"},
		{[]string{"verify", "event", "b.json"}, 2, `required flag(s) "key" not set`},
		{[]string{}, 2, "give a command"},
	} {
		code, _, errOut := run(t, tc.args...)
		if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("docket %v: exit %d, stderr %q; want %d containing %q", tc.args, code, errOut, tc.wantCode, tc.wantErr)
		}
	}
}

func TestDemoTwiceAddsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo data set twice")
	}
	d := startDaemon(t)
	code, out, errOut := run(t, "demo", "--api", d.APIURL(), "--subjects", "1000")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, errOut)
	}
	var first map[string]int
	if err := json.Unmarshal([]byte(out), &first); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "demo", "--api", d.APIURL(), "--subjects", "1000")
	if code != 0 {
		t.Fatalf("second demo exit %d: %s", code, errOut)
	}
	var second map[string]int
	if err := json.Unmarshal([]byte(out), &second); err != nil {
		t.Fatal(err)
	}
	if first["appended"] != first["events"] || second["appended"] != 0 || second["already_stored"] != first["events"] {
		t.Fatalf("first %v, second %v: want everything appended once", first, second)
	}
	// The stream holds the demo once, plus the Art. 19 notices docketd's
	// saga recorded for its erasures, rectifications and restrictions.
	bySource := map[bool]int{}
	cons, err := d.Stream().OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := d.Stream().Info(context.Background())
	for n := uint64(0); n < info.State.Msgs; {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			n++
			ev := &eventsv1.Event{}
			if err := proto.Unmarshal(m.Data(), ev); err != nil {
				t.Fatal(err)
			}
			docketd := ev.GetSource() == events.RecordedBy
			if docketd && ev.GetRecipientNotificationDue() == nil {
				t.Fatalf("docketd recorded a %s during a demo load", events.TypeName(ev))
			}
			bySource[docketd]++
		}
	}
	if bySource[false] != first["events"] {
		t.Fatalf("stream holds %d demo events (and %d of docketd's), want %d", bySource[false], bySource[true], first["events"])
	}
}

// TestDemoWithFirstAdminToken: `docket demo` with the first admin token
// docketd writes (no emitter role) loads the demo through an importer
// token it makes for the demo tenant and revokes once done.
func TestDemoWithFirstAdminToken(t *testing.T) {
	d := startDaemon(t) // DOCKET_TOKEN_FILE: the first admin token
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"demo", "--api", d.APIURL(), "--subjects", "30"}, &out, &errb); code != 0 {
		t.Fatalf("demo with the first admin token: exit %d: %s", code, errb.String())
	}
	var got map[string]int
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["events"] == 0 || got["appended"] != got["events"] {
		t.Fatalf("demo: %v, want every event appended", got)
	}
	// The importer token it made is revoked; the one the test made is not.
	list, _ := wantRun(t, cli.ExitOK, "tokens", "list", "--api", d.APIURL())
	loaders, revoked := 0, 0
	for row := range strings.Lines(list) {
		// id, name, roles, tenant, source, created, expires, revoked
		if f := strings.Fields(row); len(f) == 8 && f[1] == "demo-loader" {
			loaders++
			if f[7] != "-" {
				revoked++
			}
		}
	}
	if loaders != 2 || revoked != 1 {
		t.Errorf("%d importer tokens, %d revoked; want the test's and the one docket demo made and revoked", loaders, revoked)
	}
	// A token that neither appends nor administers tokens is told what it
	// takes.
	os.Setenv("DOCKET_TOKEN", dpoToken)
	defer os.Unsetenv("DOCKET_TOKEN")
	errb.Reset()
	if code := cli.Run(context.Background(), []string{"demo", "--api", d.APIURL(), "--subjects", "30"}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "importer token") {
		t.Errorf("demo with a dpo token: exit %d, stderr %q", code, errb.String())
	}
}
