package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/cli"
)

// The read side follows appends: `docket status` shows the lag close, and
// the appended subject can be read back.
func TestStatusShowsReadModelsCatchingUp(t *testing.T) {
	d := startDaemon(t)
	if code, _, errOut := run(t, "append", "--api", d.APIURL(), writeFile(t, line("s-1"), line("s-2"), line("s-1"))); code != 0 {
		t.Fatalf("append: %s", errOut)
	}
	var st map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out, errOut := run(t, "status", "--api", d.APIURL(), "--format", "json")
		if code != 0 {
			t.Fatalf("status exit %d: %s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatal(err)
		}
		if st["checkpoint"] == float64(3) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("read models did not catch up: %v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st["stream_last_sequence"] != float64(3) || st["lag_events"] != float64(0) || st["store"] != "sqlite" || st["generation"] != float64(1) {
		t.Fatalf("status = %v", st)
	}
	_, table, _ := run(t, "status", "--api", d.APIURL())
	if !strings.Contains(table, "checkpoint 3, lag 0 events") {
		t.Fatalf("status table:\n%s", table)
	}
	code, out, errOut := run(t, "subject", "--api", d.APIURL(), "--format", "json", "acme", "s-1")
	if code != 0 || !strings.Contains(out, `"s-1"`) {
		t.Fatalf("subject: exit %d, %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "status", "--format", "yaml"); code != cli.ExitFailure || !strings.Contains(errOut, "--format") {
		t.Fatalf("a bad --format: exit %d, %s", code, errOut)
	}
}
