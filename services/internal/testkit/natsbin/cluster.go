package natsbin

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ClusterConfig says how StartCluster runs a cluster of nats-server
// processes on loopback. Its zero value is three nodes of a generated
// configuration in a temporary directory.
type ClusterConfig struct {
	// Bin is the nats-server binary; empty means Build's.
	Bin string
	// Nodes is how many nodes run; zero means three. One node runs
	// without a cluster block in the generated configuration.
	Nodes int
	// Dir holds every node's store (Dir/<name>), log (Dir/<name>.log) and
	// generated configuration (Dir/<name>.conf), and is the nodes' working
	// directory, so relative paths in a configuration land there. Empty
	// means a new temporary directory, which Stop removes.
	Dir string
	// Conf is the configuration file every node runs: one that reads what
	// differs between the nodes from the environment ($VAR), as
	// deploy/nats/cluster/cluster.conf does, with Env giving each node its
	// values. Empty means a configuration generated per node: its name and
	// ports on 127.0.0.1, the monitoring port, JetStream with its store in
	// Dir and fixed limits, and routes to every node without
	// authentication; no accounts, no TLS.
	Conf string
	// Env returns node i's environment (KEY=VALUE, as exec.Cmd.Env)
	// given every node's name, ports and store. A node's environment is
	// exactly this, nothing of this process's, so that a configuration
	// reads only what the caller gives it. StartCluster calls Env once for
	// every node before it starts any, and a restart reuses what it
	// returned. The configuration must make nodes[i].Name node i's
	// server_name: StartCluster checks it, since callers find a stream's
	// leader by it.
	Env func(i int, nodes []Node) []string
	// User and Password log in the connection that checks the cluster
	// formed, and are Connect's defaults: a user allowed to create and
	// delete streams. Empty means no authentication.
	User, Password string
	// TLS is the clients' TLS configuration (with a client certificate if
	// the servers ask for one), for the same connections; nil means plain
	// TCP.
	TLS *tls.Config
	// Timeout bounds the wait for the cluster to form and for a restarted
	// node to become healthy; zero means a minute.
	Timeout time.Duration
}

// Node is one node's name, ports on 127.0.0.1 and JetStream store
// directory, chosen before it first starts and kept across restarts.
type Node struct {
	Name        string // n1, n2, ...: its server_name
	ClientPort  int
	ClusterPort int // routes
	MonitorPort int // /healthz, /varz
	Store       string
}

// ClientURL is the node's client URL, nats://127.0.0.1:<ClientPort>.
func (n Node) ClientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.ClientPort) }

// MonitorURL is the node's monitoring endpoint, http://127.0.0.1:<MonitorPort>.
func (n Node) MonitorURL() string { return fmt.Sprintf("http://127.0.0.1:%d", n.MonitorPort) }

// Cluster is nats-server processes started by StartCluster. Its methods
// may be called from several goroutines.
type Cluster struct {
	cfg    ClusterConfig
	dir    string
	ownDir bool
	nodes  []*node

	mu      sync.Mutex // guards each node's process fields and removed
	removed bool
}

// node is one process slot: what runs it, and the process while it runs.
type node struct {
	Node
	conf, log string
	env       []string

	cmd     *exec.Cmd     // nil before the first start
	exited  chan struct{} // closed when cmd has exited
	waitErr error         // cmd.Wait's, once exited is closed
}

// errNotRunning is what Kill and StopNode return for a node that is not
// running.
var errNotRunning = errors.New("not running")

// monitor asks the nodes' monitoring endpoints; a hung server must not
// hang the wait.
var monitor = &http.Client{Timeout: 2 * time.Second}

// StartCluster starts cfg.Nodes nats-server processes on free loopback
// ports and returns once the cluster has formed: every node healthy
// (/healthz: JetStream up and current with the meta leader) and a stream
// with a replica on every node (at most five) placed and deleted again,
// since every /healthz can be up while the meta leader does not yet count
// all peers. The processes get SIGKILL if this process dies (on Linux).
// On failure nothing is left running and the error ends with the tail of
// every node's log.
func StartCluster(cfg ClusterConfig) (_ *Cluster, err error) {
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.Nodes < 0 {
		return nil, fmt.Errorf("natsbin: %d nodes", cfg.Nodes)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Bin == "" {
		if cfg.Bin, err = Build(); err != nil {
			return nil, err
		}
	}
	if cfg.Conf != "" {
		if cfg.Conf, err = filepath.Abs(cfg.Conf); err != nil {
			return nil, err
		}
	}
	c := &Cluster{cfg: cfg, dir: cfg.Dir}
	if c.dir == "" {
		if c.dir, err = os.MkdirTemp("", "natsbin-cluster-"); err != nil {
			return nil, err
		}
		c.ownDir = true
	} else if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	if c.dir, err = filepath.Abs(c.dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("natsbin: %w%s", err, c.logTails(40))
			c.Stop()
		}
	}()

	ports, err := freePorts(3 * cfg.Nodes)
	if err != nil {
		return nil, err
	}
	nodes := make([]Node, cfg.Nodes)
	for i := range nodes {
		name := fmt.Sprintf("n%d", i+1)
		nodes[i] = Node{Name: name, ClientPort: ports[3*i], ClusterPort: ports[3*i+1], MonitorPort: ports[3*i+2],
			Store: filepath.Join(c.dir, name)}
	}
	for i, n := range nodes {
		nd := &node{Node: n, conf: cfg.Conf, log: filepath.Join(c.dir, n.Name+".log"), env: []string{}}
		if nd.conf == "" {
			nd.conf = filepath.Join(c.dir, n.Name+".conf")
			if err := os.WriteFile(nd.conf, []byte(generatedConf(n, nodes)), 0o600); err != nil {
				return nil, err
			}
		}
		if cfg.Env != nil {
			nd.env = append(nd.env, cfg.Env(i, slices.Clone(nodes))...)
		}
		c.nodes = append(c.nodes, nd)
	}
	for i := range c.nodes {
		if err := c.start(i); err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(cfg.Timeout)
	for i := range c.nodes {
		if err := c.waitHealthy(i, deadline); err != nil {
			return nil, err
		}
		if err := c.checkName(i); err != nil {
			return nil, err
		}
	}
	if err := c.waitPlacement(deadline); err != nil {
		return nil, err
	}
	return c, nil
}

// StartClusterT is StartCluster for tests: Bin defaults to Path's (which
// skips the test when there is no nats-server) and Dir to a temporary
// directory of the test. It fails the test if the cluster does not form,
// and stops the nodes when the test ends, logging the tail of each node's
// log if the test failed.
func StartClusterT(t testing.TB, cfg ClusterConfig) *Cluster {
	t.Helper()
	if cfg.Bin == "" {
		cfg.Bin = Path(t)
	}
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	c, err := StartCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Log(strings.TrimPrefix(c.logTails(60), "\n"))
		}
	})
	return c
}

// Eventually calls f, giving each try 5 seconds, until it succeeds, and
// fails the test when it still fails after d: a cluster answers only
// once it has elected its leaders, and again after one is lost.
func Eventually(t testing.TB, d time.Duration, what string, f func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := f(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %s: %v", what, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// generatedConf is node n's configuration when ClusterConfig.Conf is
// empty. The fixed JetStream limits make stream placement independent of
// the machine's memory and free disk (JetStream's defaults derive from
// them).
func generatedConf(n Node, nodes []Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: %s\nhost: 127.0.0.1\nport: %d\nhttp_port: %d\n", n.Name, n.ClientPort, n.MonitorPort)
	fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n  max_memory_store: 256MB\n  max_file_store: 64GB\n}\n", n.Store)
	if len(nodes) > 1 {
		var routes []string
		for _, m := range nodes {
			routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", m.ClusterPort))
		}
		// Every node lists itself too; the server recognises and skips it.
		fmt.Fprintf(&b, "cluster {\n  name: natsbin\n  host: 127.0.0.1\n  port: %d\n  routes: [%s]\n}\n",
			n.ClusterPort, strings.Join(routes, ", "))
	}
	return b.String()
}

// Nodes is every node's name, ports and store, in order.
func (c *Cluster) Nodes() []Node {
	var nodes []Node
	for _, n := range c.nodes {
		nodes = append(nodes, n.Node)
	}
	return nodes
}

// Index is the index of the node with server_name name, as JetStream
// reports a stream's leader and replicas, or -1 for none.
func (c *Cluster) Index(name string) int {
	return slices.IndexFunc(c.nodes, func(n *node) bool { return n.Name == name })
}

// URLs is every node's client URL.
func (c *Cluster) URLs() []string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, n.ClientURL())
	}
	return urls
}

// URL is every node's client URL separated by commas, as nats.Connect and
// docketd's nats_url take them.
func (c *Cluster) URL() string { return strings.Join(c.URLs(), ",") }

// Connect connects to the cluster (any node) as ClusterConfig.User with
// its TLS, reconnecting without end to whichever node is up, and then
// applies opts, which may log in as another user.
func (c *Cluster) Connect(opts ...nats.Option) (*nats.Conn, error) {
	all := []nats.Option{nats.Name("natsbin"), nats.MaxReconnects(-1), nats.ReconnectWait(100 * time.Millisecond)}
	if c.cfg.User != "" {
		all = append(all, nats.UserInfo(c.cfg.User, c.cfg.Password))
	}
	if c.cfg.TLS != nil {
		all = append(all, nats.Secure(c.cfg.TLS.Clone()))
	}
	return nats.Connect(c.URL(), append(all, opts...)...)
}

// Kill sends node i SIGKILL and waits until it has exited: a crash, with
// whatever the server had not yet written lost.
func (c *Cluster) Kill(i int) error {
	n := c.nodes[i]
	cmd, exited, ok := c.running(i)
	if !ok {
		return fmt.Errorf("natsbin: kill %s: %w", n.Name, errNotRunning)
	}
	if err := cmd.Process.Kill(); err != nil {
		return fmt.Errorf("natsbin: kill %s: %w", n.Name, err)
	}
	<-exited
	return nil
}

// StopNode stops node i as an operator would (SIGTERM: the server shuts
// down cleanly), and kills it if it is still running 10 seconds later.
func (c *Cluster) StopNode(i int) error {
	cmd, exited, ok := c.running(i)
	if !ok {
		return fmt.Errorf("natsbin: stop %s: %w", c.nodes[i].Name, errNotRunning)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	return nil
}

// Restart starts node i again after Kill or StopNode, on the same ports,
// store, configuration and environment, appending to the same log, and
// waits (ClusterConfig.Timeout at most) until it is healthy: JetStream up
// and current with the meta leader. Whether it has caught up with each
// stream is the caller's to check (the stream's replica info).
func (c *Cluster) Restart(i int) error {
	if _, _, ok := c.running(i); ok {
		return fmt.Errorf("natsbin: restart %s: it is running", c.nodes[i].Name)
	}
	if err := c.start(i); err != nil {
		return fmt.Errorf("natsbin: %w", err)
	}
	if err := c.waitHealthy(i, time.Now().Add(c.cfg.Timeout)); err != nil {
		return fmt.Errorf("natsbin: %w%s", err, c.logTail(i, 40))
	}
	return nil
}

// Stop stops every running node as StopNode does, all at once, and
// removes the directory StartCluster made when ClusterConfig.Dir was
// empty. It may be called more than once.
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for i := range c.nodes {
		wg.Go(func() { _ = c.StopNode(i) })
	}
	wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ownDir && !c.removed {
		_ = os.RemoveAll(c.dir)
		c.removed = true
	}
}

// Log is node i's log (its stdout and stderr) since it first started.
func (c *Cluster) Log(i int) string {
	b, _ := os.ReadFile(c.nodes[i].log)
	return string(b)
}

// start runs node i's process; it does not wait for anything.
func (c *Cluster) start(i int) error {
	n := c.nodes[i]
	logf, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(c.cfg.Bin, "-c", n.conf)
	cmd.Dir, cmd.Env = c.dir, n.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start nats-server %s: %w", n.Name, err)
	}
	exited := make(chan struct{})
	c.mu.Lock()
	n.cmd, n.exited = cmd, exited
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		n.waitErr = err
		c.mu.Unlock()
		close(exited)
	}()
	return nil
}

// running is node i's process and the channel closed when it exits, or
// false when the node is not running.
func (c *Cluster) running(i int) (*exec.Cmd, chan struct{}, bool) {
	n := c.nodes[i]
	c.mu.Lock()
	cmd, exited := n.cmd, n.exited
	c.mu.Unlock()
	if cmd == nil {
		return nil, nil, false
	}
	select {
	case <-exited:
		return nil, nil, false
	default:
		return cmd, exited, true
	}
}

// exitErr says that node i exited, and how (cmd.Wait's error).
func (c *Cluster) exitErr(i int) error {
	n := c.nodes[i]
	c.mu.Lock()
	err := n.waitErr
	c.mu.Unlock()
	return fmt.Errorf("nats-server %s exited: %v", n.Name, err)
}

// waitHealthy waits until node i's /healthz answers 200 (JetStream up and
// current with the meta leader), the node exits, or deadline passes.
func (c *Cluster) waitHealthy(i int, deadline time.Time) error {
	n := c.nodes[i]
	c.mu.Lock()
	exited := n.exited
	c.mu.Unlock()
	var last string
	for {
		select {
		case <-exited:
			return c.exitErr(i)
		default:
		}
		resp, err := monitor.Get(n.MonitorURL() + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nats-server %s is not healthy after %s (/healthz: %s)", n.Name, c.cfg.Timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkName checks that node i calls itself by its Node.Name (/varz).
func (c *Cluster) checkName(i int) error {
	n := c.nodes[i]
	resp, err := monitor.Get(n.MonitorURL() + "/varz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var varz struct {
		ServerName string `json:"server_name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&varz); err != nil {
		return fmt.Errorf("nats-server %s: /varz: %w", n.Name, err)
	}
	if varz.ServerName != n.Name {
		return fmt.Errorf("node %d calls itself %q, not %q: its configuration must take server_name from Node.Name", i, varz.ServerName, n.Name)
	}
	return nil
}

// waitPlacement creates and deletes a memory stream with a replica on
// every node (at most five), retrying until deadline: then the meta
// leader counts every peer.
func (c *Cluster) waitPlacement(deadline time.Time) error {
	nc, err := c.Connect(nats.Name("natsbin formed"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	replicas := min(len(c.nodes), 5)
	for {
		for i := range c.nodes {
			if _, _, ok := c.running(i); !ok {
				return c.exitErr(i)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "NATSBIN_FORMED", Subjects: []string{"natsbin.formed"},
			Replicas: replicas, Storage: jetstream.MemoryStorage})
		if err == nil {
			err = js.DeleteStream(ctx, "NATSBIN_FORMED")
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the cluster cannot place a stream of %d replicas after %s: %w", replicas, c.cfg.Timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logTail is "\n" and the last lines of node i's log, headed by its name.
func (c *Cluster) logTail(i, lines int) string {
	log := strings.Split(strings.TrimRight(c.Log(i), "\n"), "\n")
	if len(log) > lines {
		log = log[len(log)-lines:]
	}
	return fmt.Sprintf("\nnats-server %s log (tail):\n%s", c.nodes[i].Name, strings.Join(log, "\n"))
}

// logTails is logTail of every node.
func (c *Cluster) logTails(lines int) string {
	var b strings.Builder
	for i := range c.nodes {
		b.WriteString(c.logTail(i, lines))
	}
	return b.String()
}

// freePorts returns n distinct loopback ports that were free a moment
// ago. The listeners stay open until all n are found, so no port comes
// twice.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
