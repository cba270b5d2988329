package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/services/internal/testkit/natsbin"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// RunCluster measures the same append load against one nats-server
// process (stream R1) and a three-node cluster of nats-server processes
// on loopback (stream R3): raw JetStream publishing, and the Append API of
// a docketd connected to the servers. Every scenario gets fresh processes
// and store directories.
func RunCluster(ctx context.Context, cfg Config, w io.Writer) error {
	began := time.Now()
	bin, err := natsbin.Build()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "docket-bench-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(w, "\ndocket append on nats-server processes (%s): one server, stream R1, vs three servers on loopback, stream R3\n"+
		"%d events per scenario, batches of %d, %d subjects, file storage, nats-server's default fsync (every 2m), GOMAXPROCS=%d\n\n",
		natsbin.Version, cfg.Events, cfg.Batch, cfg.Subjects, runtime.GOMAXPROCS(0))

	type scenario struct {
		name string
		run  func(dir, url string, replicas int) (Result, error)
	}
	scenarios := []scenario{
		{"raw JetStream PublishAsync + MsgID", func(_, url string, replicas int) (Result, error) {
			nc, err := nats.Connect(url, nats.Name("docket-bench"))
			if err != nil {
				return Result{}, err
			}
			defer nc.Close()
			js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
			if err != nil {
				return Result{}, err
			}
			stream, err := events.EnsureStream(ctx, js, events.StreamConfig{Replicas: replicas})
			if err != nil {
				return Result{}, err
			}
			return rawOn(ctx, js, stream, cfg, cfg.Events)
		}},
		{"Append API (Connect, " + fmt.Sprint(cfg.Clients) + " clients), async publish", func(dir, url string, replicas int) (Result, error) {
			c := daemonConfig(filepath.Join(dir, "docketd"))
			off := false
			c.AtomicAppend = &off
			c.NATSURL, c.StreamReplicas = url, replicas
			if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
				return Result{}, err
			}
			// With an external NATS docketd never creates the
			// key-encryption key: make one.
			c.KEKFile = filepath.Join(dir, "kek")
			if _, err := keys.LoadKEKFile(c.KEKFile, true); err != nil {
				return Result{}, err
			}
			return apiOn(ctx, c, cfg, cfg.Events)
		}},
	}
	type row struct {
		name            string
		single, cluster Result
	}
	var rows []row
	for i, s := range scenarios {
		r := row{name: s.name}
		for _, nodes := range []int{1, 3} {
			sub := filepath.Join(dir, fmt.Sprintf("%d-%d", i, nodes))
			res, err := func() (Result, error) {
				// natsbin's generated configuration: routes without
				// authentication, JetStream with nats-server's default
				// fsync.
				cl, err := natsbin.StartCluster(natsbin.ClusterConfig{Bin: bin, Nodes: nodes, Dir: sub})
				if err != nil {
					return Result{}, err
				}
				defer cl.Stop()
				return s.run(sub, cl.URL(), nodes)
			}()
			if err != nil {
				return fmt.Errorf("%s, %d server(s): %w", s.name, nodes, err)
			}
			if nodes == 1 {
				r.single = res
			} else {
				r.cluster = res
			}
			os.RemoveAll(sub)
		}
		rows = append(rows, r)
	}
	base := rows[0].single.PerSecond()
	fmt.Fprintf(w, "%-52s %12s %12s %10s %10s %10s\n", "scenario", "1 server/s", "3 servers/s", "3 vs 1", "1 vs raw", "3 vs raw")
	for _, r := range rows {
		s, c := r.single.PerSecond(), r.cluster.PerSecond()
		fmt.Fprintf(w, "%-52s %12.0f %12.0f %10.2f %10.2f %10.2f\n", r.name, s, c, c/s, s/base, c/base)
	}
	fmt.Fprintln(w, "3 vs 1: cluster (R3) / single server (R1) events/s; vs raw: to raw publishing to the single server, this run.")
	fmt.Fprintln(w, "The servers, the client and docketd share the same cores: on a small machine the cluster's cost is mostly CPU, not the network.")
	fmt.Fprintf(w, "cluster part: %s\n", time.Since(began).Round(time.Second))
	return nil
}
