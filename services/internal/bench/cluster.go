package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/services/internal/natsbin"
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
				procs, err := startNATSProcs(bin, sub, nodes)
				if err != nil {
					return Result{}, err
				}
				defer procs.stop()
				return s.run(sub, procs.url(), nodes)
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

// natsProcs are nats-server processes on loopback, with JetStream in
// their own store directories: one server, or a cluster whose nodes route
// to each other.
type natsProcs struct {
	ports []int // client ports
	cmds  []*exec.Cmd
	done  []chan struct{}
	logs  []string
}

const natsProcConf = `server_name: %s
listen: 127.0.0.1:%d
jetstream {
  store_dir: %q
  max_memory_store: 256MB
  max_file_store: 64GB
}
`

const natsProcCluster = `cluster {
  name: docket-bench
  listen: 127.0.0.1:%d
  routes: [%s]
}
`

// startNATSProcs starts nodes nats-server processes with their
// configuration, store and log in dir, and returns once JetStream answers
// (a cluster has elected its meta leader). They die with this process.
func startNATSProcs(bin, dir string, nodes int) (_ *natsProcs, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ports, err := freePorts(2 * nodes)
	if err != nil {
		return nil, err
	}
	var routes []string
	for i := range nodes {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[nodes+i]))
	}
	p := &natsProcs{ports: ports[:nodes]}
	defer func() {
		if err != nil {
			p.stop()
		}
	}()
	for i := range nodes {
		name := fmt.Sprintf("n%d", i+1)
		conf := fmt.Sprintf(natsProcConf, name, ports[i], filepath.Join(dir, name))
		if nodes > 1 {
			conf += fmt.Sprintf(natsProcCluster, ports[nodes+i], strings.Join(routes, ", "))
		}
		confPath := filepath.Join(dir, name+".conf")
		if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		logPath := filepath.Join(dir, name+".log")
		logf, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "-c", confPath)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		err = cmd.Start()
		logf.Close()
		if err != nil {
			return nil, fmt.Errorf("start nats-server %s: %w", name, err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		p.cmds, p.done, p.logs = append(p.cmds, cmd), append(p.done, done), append(p.logs, logPath)
	}
	nc, err := nats.Connect(p.url(), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		for i, d := range p.done {
			select {
			case <-d:
				b, _ := os.ReadFile(p.logs[i])
				return nil, fmt.Errorf("nats-server n%d exited at start:\n%s", i+1, b)
			default:
			}
		}
		actx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(actx)
		cancel()
		if err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("nats-server: JetStream not ready after 60s: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// url lists every node's client URL.
func (p *natsProcs) url() string {
	var urls []string
	for _, port := range p.ports {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", port))
	}
	return strings.Join(urls, ",")
}

// stop asks every server to stop (SIGTERM), and kills those still running
// after 10 seconds.
func (p *natsProcs) stop() {
	for _, c := range p.cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	for i, d := range p.done {
		select {
		case <-d:
		case <-time.After(10 * time.Second):
			_ = p.cmds[i].Process.Kill()
			<-d
		}
	}
}

// freePorts returns n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, errors.Join(errors.New("free port"), err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
