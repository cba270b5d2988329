package deploycheck_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/daemon"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/docketledger/docket/services/internal/testkit/eventtest"
	"github.com/docketledger/docket/services/internal/testkit/natsbin"
	"github.com/nats-io/nats.go/jetstream"
)

// TestDocketdOnCluster runs docketd as NATS user docketd on the three-node
// cluster of deploy/nats/cluster with stream_replicas 3, as
// deploy/compose.yaml and deploy/kubernetes configure it: it starts, every
// stream and bucket it makes has three replicas, it stores and projects an
// event, signs a checkpoint (holding the notary lease), and answers
// /healthz and /readyz, the probes' paths.
func TestDocketdOnCluster(t *testing.T) {
	c := startCluster(t, "cluster.conf", false)
	cfg := clusterConfig(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := docketdtest.Start(t, cfg, docketdtest.WithLogLevel(slog.LevelWarn), docketdtest.WithTimeout(60*time.Second))
	t.Cleanup(func() {
		if err := d.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})

	ev := eventtest.Collected("acme", "s-deploycheck", "jane.doe@example.com")
	ev.Source = "deploycheck"
	if _, err := d.Emitter.Append(ctx, ev); err != nil {
		t.Fatalf("append: %v", err)
	}
	natsbin.Eventually(t, 30*time.Second, "the read models apply the event", func(context.Context) error {
		if cp := d.ReadModels().Status().Checkpoint; cp < 1 {
			return fmt.Errorf("read models at %d", cp)
		}
		return nil
	})
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(d.APIURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, resp.Status)
		}
	}

	// As the operator: what docketd made.
	js, err := jetstream.New(c.connect(t, "operator"))
	if err != nil {
		t.Fatal(err)
	}
	natsbin.Eventually(t, 30*time.Second, "a signed checkpoint", func(ctx context.Context) error {
		s, err := js.Stream(ctx, notary.DefaultCheckpointStream)
		if err != nil {
			return err
		}
		info, err := s.Info(ctx)
		if err == nil && info.State.Msgs == 0 {
			err = fmt.Errorf("no checkpoint in %s yet", notary.DefaultCheckpointStream)
		}
		return err
	})
	want := map[string]bool{events.DefaultStream: false, notary.DefaultCheckpointStream: false,
		"KV_" + keys.DefaultKVBucket: false, "KV_" + auth.DefaultBucket: false, "KV_" + lease.Bucket: false}
	names := js.ListStreams(ctx)
	for info := range names.Info() {
		if _, ok := want[info.Config.Name]; ok {
			want[info.Config.Name] = true
		}
		if info.Config.Replicas != 3 {
			t.Errorf("docketd made stream %s with %d replicas, want 3 (stream_replicas)", info.Config.Name, info.Config.Replicas)
		}
	}
	if err := names.Err(); err != nil {
		t.Fatal(err)
	}
	for name, found := range want {
		if !found {
			t.Errorf("no stream %s on the cluster", name)
		}
	}
}

// clusterConfig is docketd as NATS user docketd on c with stream_replicas
// 3, its read models in SQLite.
func clusterConfig(t *testing.T, c *natsCluster) config.Config {
	t.Helper()
	skey, _, err := checkpoint.GenerateKey(config.Defaults().LogOrigin)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.NATSURL = strings.Join(c.urls(), ",")
	cfg.NATSUser, cfg.NATSPassword = "docketd", c.passwords["docketd"]
	cfg.StreamReplicas = 3
	cfg.KEK = randomHex(t, keys.KEKSize)
	cfg.NotaryKey = skey
	cfg.Store = "sqlite:" + filepath.Join(cfg.DataDir, "readmodels.db")
	cfg.APIListen = "127.0.0.1:0"
	cfg.Instance = "deploycheck"
	cfg.CheckpointEvery, cfg.CheckpointInterval = 1, config.Duration(100*time.Millisecond)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestDocketdWaitsForItsCluster starts docketd (stream_replicas 3) while
// two of the three nodes are down, as when docketd starts beside a
// cluster still coming up: the one node up cannot place its streams (it
// has no meta leader), so docketd waits, saying why in its log, and
// starts once the nodes are back.
func TestDocketdWaitsForItsCluster(t *testing.T) {
	c := startCluster(t, "cluster.conf", false)
	for _, i := range []int{1, 2} {
		if err := c.StopNode(i); err != nil {
			t.Fatal(err)
		}
	}
	cfg := clusterConfig(t, c)
	logs := &docketdtest.Logs{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type started struct {
		d   *daemon.Daemon
		err error
	}
	done := make(chan started, 1)
	go func() {
		d, err := daemon.Start(ctx, cfg, logs.Logger(slog.LevelWarn))
		done <- started{d, err}
	}()
	waiting := time.Now()
	for !strings.Contains(logs.String(), "NATS cluster not ready; retrying") {
		select {
		case r := <-done:
			if r.d != nil {
				_ = r.d.Shutdown(context.Background())
			}
			t.Fatalf("docketd did not wait for the node that is down: started with error %v\n%s", r.err, logs)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(waiting) > 30*time.Second {
			t.Fatalf("docketd does not say it waits for the cluster:\n%s", logs)
		}
	}
	back := time.Now()
	for _, i := range []int{1, 2} {
		if err := c.Restart(i); err != nil {
			t.Fatal(err)
		}
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("docketd did not start once the node was back: %v\n%s", r.err, logs)
	}
	t.Cleanup(func() {
		if err := r.d.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	first := logs.String()
	first = first[strings.Index(first, "NATS cluster not ready"):]
	first, _, _ = strings.Cut(first, "\n")
	t.Logf("docketd waited for the missing nodes (%d retries logged, the first: %s) and started %s after they came back",
		strings.Count(logs.String(), "NATS cluster not ready; retrying"), first, time.Since(back).Round(time.Millisecond))

}
