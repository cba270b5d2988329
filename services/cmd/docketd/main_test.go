package main_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events/taxonomy"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// buildDocketd compiles the real binary for the test.
func buildDocketd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "docketd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var (
	apiLine  = regexp.MustCompile(`API .* on (http://\S+)`)
	natsLine = regexp.MustCompile(`NATS on (nats://\S+)`)
)

// startDocketd runs the binary on dir and returns its API and NATS URLs.
func startDocketd(t *testing.T, bin, dir string, args ...string) (cmd *exec.Cmd, api, natsURL string) {
	t.Helper()
	cmd = exec.Command(bin, append([]string{"--data-dir", dir, "--api-listen", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	deadline := time.After(30 * time.Second)
	found := make(chan [2]string, 1)
	go func() {
		var a, n string
		for lines.Scan() {
			if m := apiLine.FindStringSubmatch(lines.Text()); m != nil {
				a = m[1]
			}
			if m := natsLine.FindStringSubmatch(lines.Text()); m != nil {
				n = m[1]
			}
			if a != "" && n != "" {
				found <- [2]string{a, n}
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case urls := <-found:
		return cmd, urls[0], urls[1]
	case <-deadline:
		t.Fatal("docketd did not print its URLs in 30s")
	}
	return nil, "", ""
}

func event(ref string, i int) *eventsv1.Event {
	return &eventsv1.Event{
		EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: ref,
		OccurredAt: timestamppb.Now(), Source: "crash-test", TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Values: []*eventsv1.DataValue{{Category: "user.contact.email",
				Value: &eventsv1.DataValue_Plaintext{Plaintext: fmt.Sprintf("crash-%d@example.org", i)}}},
		}},
	}
}

// Every acknowledged append survives kill -9 of docketd, with fsync before
// the acknowledgement (the default) and without it: either way the store
// has handed the write to the operating system before it acknowledges.
func TestAcknowledgedEventsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildDocketd(t)
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"default: atomic batches, fsync always", nil},
		{"async publish, fsync every 2m", []string{"--sync", "2m", "--atomic-append=false"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			killAndCount(t, bin, append(mode.args, "--rate-limit", "1000000", "--rate-burst", "1000000"))
		})
	}
}

func killAndCount(t *testing.T, bin string, args []string) {
	dir := t.TempDir()
	cmd, api, _ := startDocketd(t, bin, dir, args...)
	client := apiv1connect.NewIngestServiceClient(http.DefaultClient, api, bearer(emitterToken(t, api, dir)))

	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		sent  int
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				batch := make([]*eventsv1.Event, 25)
				for j := range batch {
					batch[j] = event(fmt.Sprintf("w%d-s%d", w, j%5), i*25+j)
				}
				mu.Lock()
				sent += len(batch)
				mu.Unlock()
				resp, err := client.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: batch}))
				if err != nil {
					return // the process is gone
				}
				mu.Lock()
				for _, r := range resp.Msg.GetResults() {
					acked[r.GetEventId()] = true
				}
				mu.Unlock()
			}
		}()
	}
	// Kill while appends are in flight, once a few thousand are acknowledged.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 3000 || ctx.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	cancel()
	wg.Wait()

	_, _, natsURL := startDocketd(t, bin, dir, args...)
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	cons, err := js.OrderedConsumer(context.Background(), "DOCKET", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for {
		msgs, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range msgs.Messages() {
			stored[m.Headers().Get(jetstream.MsgIDHeader)] = true
			n++
		}
		if n == 0 {
			break
		}
	}
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	if len(acked) == 0 {
		t.Fatal("no append was acknowledged before the kill")
	}
	t.Logf("kill -9: sent %d, acknowledged %d, found after restart %d (of them acknowledged: %d), missing %d", sent, len(acked), len(stored), len(acked)-missing, missing)
	if missing > 0 {
		t.Fatalf("%d acknowledged events are missing after kill -9", missing)
	}
}

// emitterToken makes, with the first admin token docketd wrote into dir,
// an emitter token for tenant acme as crash-test.
func emitterToken(t *testing.T, api, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "keys", "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := apiv1connect.NewTokenServiceClient(http.DefaultClient, api, bearer(strings.TrimSpace(string(b))))
	resp, err := tokens.CreateToken(context.Background(), connect.NewRequest(&apiv1.CreateTokenRequest{
		Name: "crash-test", Roles: []string{"emitter"}, Tenant: "acme", Source: "crash-test"}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetToken()
}

func bearer(tok string) connect.ClientOption { return auth.Bearer(tok) }
