package faults_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/natsbin"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsNode is one nats-server process of a test cluster, restartable on
// the same ports and store.
type natsNode struct {
	name        string
	bin         string
	conf        string
	env         []string
	logPath     string
	clientPort  int
	monitorPort int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// natsCluster is three nodes of deploy/nats/cluster/cluster.conf on
// loopback, with random passwords.
type natsCluster struct {
	nodes     []*natsNode
	passwords map[string]string // user of accounts.conf -> password
}

// freePorts returns n distinct free loopback ports.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// deployNATS is the repository's deploy/nats, relative to this package.
const deployNATS = "../../../deploy/nats"

// accountUsers maps each user of deploy/nats/accounts.conf to the
// variable holding its password.
func accountUsers(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployNATS, "accounts.conf"))
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]string{}
	for _, m := range regexp.MustCompile(`\{\s*user:\s*([\w-]+)\s*,\s*password:\s*\$(\w+)`).FindAllStringSubmatch(string(b), -1) {
		users[m[1]] = m[2]
	}
	if users["operator"] == "" || users["docketd"] == "" {
		t.Fatalf("accounts.conf: no operator or docketd user found (%v)", users)
	}
	return users
}

// startNATSCluster runs three nats-server processes with the
// repository's deploy/nats/cluster/cluster.conf (JetStream with fsync
// before every acknowledgement, accounts.conf's users and permissions,
// routes with a password), each with the variables its nN.env sets but on
// free ports, its store in a temporary directory and random passwords. It
// waits until every node is healthy (JetStream current). The nodes stop
// when the test ends; their logs are shown if it failed.
func startNATSCluster(t *testing.T) *natsCluster {
	t.Helper()
	bin := natsbin.Path(t)
	conf, err := filepath.Abs(filepath.Join(deployNATS, "cluster", "cluster.conf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &natsCluster{passwords: map[string]string{}}
	secrets := []string{"DOCKET_NATS_ROUTE_PASS=p" + randomHex(t)}
	routePass := strings.TrimPrefix(secrets[0], "DOCKET_NATS_ROUTE_PASS=")
	for user, v := range accountUsers(t) {
		// A letter first: the config parser reads a value of digits as a number.
		c.passwords[user] = "p" + randomHex(t)
		secrets = append(secrets, v+"="+c.passwords[user])
	}
	ports := freePorts(t, 9)
	var routes []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("DOCKET_NATS_ROUTE_%d=nats://route:%s@127.0.0.1:%d", i+1, routePass, ports[3*i+1]))
	}
	for i := range 3 {
		name := fmt.Sprintf("n%d", i+1)
		env := append([]string{
			"DOCKET_NATS_NAME=" + name,
			"DOCKET_NATS_HOST=127.0.0.1",
			fmt.Sprintf("DOCKET_NATS_PORT=%d", ports[3*i]),
			fmt.Sprintf("DOCKET_NATS_CLUSTER_PORT=%d", ports[3*i+1]),
			fmt.Sprintf("DOCKET_NATS_MONITOR_PORT=%d", ports[3*i+2]),
			"DOCKET_NATS_STORE=" + filepath.Join(dir, name),
		}, routes...)
		env = append(env, secrets...)
		c.nodes = append(c.nodes, &natsNode{name: name, bin: bin, conf: conf, env: env,
			logPath: filepath.Join(dir, name+".log"), clientPort: ports[3*i], monitorPort: ports[3*i+2]})
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.stop()
		}
		if t.Failed() {
			for _, n := range c.nodes {
				b, _ := os.ReadFile(n.logPath)
				lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
				if len(lines) > 40 {
					lines = lines[len(lines)-40:]
				}
				t.Logf("%s log (tail):\n%s", n.name, strings.Join(lines, "\n"))
			}
		}
	})
	for _, n := range c.nodes {
		n.start(t)
	}
	for _, n := range c.nodes {
		if _, err := n.waitHealthy(60 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func randomHex(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// connect logs in to the cluster as a user of accounts.conf.
func (c *natsCluster) connect(t *testing.T, user string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(c.url(), nats.UserInfo(user, c.passwords[user]), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// url lists every node's client URL, as nats_url does.
func (c *natsCluster) url() string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", n.clientPort))
	}
	return strings.Join(urls, ",")
}

func (c *natsCluster) node(name string) *natsNode {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// start runs the node (on its ports and store, also after a kill).
func (n *natsNode) start(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(n.bin, "-c", n.conf)
	cmd.Env = append(os.Environ(), n.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", n.name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	n.mu.Lock()
	n.cmd, n.exited = cmd, exited
	n.mu.Unlock()
}

// waitHealthy waits until the node's /healthz says it is healthy (its
// JetStream up and current with the cluster) and returns how long that
// took.
func (n *natsNode) waitHealthy(timeout time.Duration) (time.Duration, error) {
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	start := time.Now()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", n.monitorPort)
	for {
		select {
		case <-exited:
			b, _ := os.ReadFile(n.logPath)
			return 0, fmt.Errorf("nats-server %s exited:\n%s", n.name, b)
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			ok := resp.StatusCode == http.StatusOK
			resp.Body.Close()
			if ok {
				return time.Since(start), nil
			}
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("nats-server %s is not healthy after %s (%v)", n.name, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to end.
func (n *natsNode) kill(t *testing.T) {
	t.Helper()
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %s: %v", n.name, err)
	}
	<-exited
}

// stop ends the node gracefully, or kills it after 10s.
func (n *natsNode) stop() {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// streamCluster is the events stream's leader and replicas as the
// cluster reports them; it retries while the cluster elects a leader.
func streamCluster(t *testing.T, d *docketd) *jetstream.ClusterInfo {
	t.Helper()
	var last error
	for range 60 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		info, err := d.Stream().Info(ctx)
		cancel()
		if err == nil && info.Cluster != nil && info.Cluster.Leader != "" {
			return info.Cluster
		}
		last = err
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("the events stream has no leader after 30s: %v", last)
	return nil
}

// TestNATSNodeKilledUnderLoad runs docketd, logged in as user docketd, on
// a three-node JetStream cluster of deploy/nats/cluster/cluster.conf
// (stream_replicas 3) under a continuous append load, kills the
// events stream's leader with SIGKILL, keeps appending on the two nodes
// left, and restarts it. Every acknowledged event must be in the stream,
// once, at its acknowledged sequence, read both from the leader at the
// end and after a leader step-down (so from another replica's copy);
// appends must go on while the node is down; and the longest time without
// an acknowledgement must stay under 30s.
func TestNATSNodeKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-node NATS cluster")
	}
	const maxPause = 30 * time.Second
	workers, batch := scale(4, 8), scale(10, 50)
	rounds := scale(1, 3)
	downFor := scale(3*time.Second, 8*time.Second)

	cl := startNATSCluster(t)
	dir := t.TempDir()
	kek := filepath.Join(dir, "kek") // external NATS: the operator provides the key
	if err := os.WriteFile(kek, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(filepath.Join(dir, "data"))
	cfg.NATSURL, cfg.StreamReplicas, cfg.KEKFile = cl.url(), 3, kek
	cfg.NATSUser, cfg.NATSPassword = "docketd", cl.passwords["docketd"]
	d := startDocketd(t, cfg)
	operator, err := jetstream.New(cl.connect(t, "operator"))
	if err != nil {
		t.Fatal(err)
	}

	l := startLoad(d.client, workers, batch)
	defer l.stop()
	inFlight := workers * batch // acknowledgements a kill can still let through
	for round := range rounds {
		if !l.waitAcked(l.ackedN()+scale(300, 3000), 2*time.Minute) {
			t.Fatalf("round %d: the load does not progress before the kill: %s", round, l.summary())
		}
		leader := streamCluster(t, d).Leader
		node := cl.node(leader)
		if node == nil {
			t.Fatalf("stream leader %q is none of the cluster's nodes", leader)
		}
		before, failedBefore := l.ackedN(), l.failedN()
		killedAt := time.Now()
		node.kill(t)

		// Appends continue on the other two nodes.
		var resumed time.Duration
		if l.waitAcked(before+inFlight+1, time.Minute) {
			resumed = time.Since(killedAt)
		} else {
			t.Errorf("round %d: no append was acknowledged in the minute after %s was killed: %s", round, leader, l.summary())
		}
		newLeader := streamCluster(t, d).Leader
		if rest := downFor - time.Since(killedAt); rest > 0 {
			time.Sleep(rest)
		}
		whileDown := l.ackedN() - before
		down := time.Since(killedAt)

		node.start(t)
		restartedAt := time.Now()
		healthy, err := node.waitHealthy(2 * time.Minute)
		if err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		var caughtUp time.Duration
		if err := eventually(2*time.Minute, func() bool {
			for _, p := range streamCluster(t, d).Replicas {
				if p.Name == leader && p.Current {
					return true
				}
			}
			return false
		}); err != nil {
			t.Errorf("round %d: %s is not a current replica 2 min after its restart", round, leader)
		} else {
			caughtUp = time.Since(restartedAt)
		}
		t.Logf("round %d: killed stream leader %s with %d events acknowledged; appends acknowledged again %s after the kill "+
			"(new leader %s), %d acknowledged during the %s it was down (%d failed calls); restarted: healthy after %s, a current replica of the stream after %s",
			round, leader, before, resumed.Round(time.Millisecond), newLeader, whileDown, down.Round(time.Millisecond),
			l.failedN()-failedBefore, healthy.Round(time.Millisecond), caughtUp.Round(time.Millisecond))
	}
	if !l.waitAcked(l.ackedN()+scale(300, 3000), 2*time.Minute) {
		t.Errorf("the load does not progress after the restart: %s", l.summary())
	}
	l.stop()
	l.checkFatal(t)
	pause, pauseFrom := l.pause()
	acked := l.ackedIDs()

	// Read back as the operator, a client of its own.
	st := readStream(t, operator)
	missing, moved := st.checkAcked(acked)
	dupIDs, extra := st.duplicates()

	// Once more from another replica: the leader steps down first (only the
	// operator may ask that).
	old := streamCluster(t, d).Leader
	if _, err := operator.Conn().Request("$JS.API.STREAM.LEADER.STEPDOWN.DOCKET", nil, 10*time.Second); err != nil {
		t.Fatalf("leader step-down: %v", err)
	}
	var stepped string
	if err := eventually(time.Minute, func() bool {
		stepped = streamCluster(t, d).Leader
		return stepped != old
	}); err != nil {
		t.Fatalf("the stream leader is still %s a minute after stepping down", old)
	}
	st2 := readStream(t, operator)
	missing2, moved2 := st2.checkAcked(acked)

	t.Logf("%d workers × batches of %d, %d leader kill(s): %s", workers, batch, rounds, l.summary())
	t.Logf("stream (leader %s): %d messages, acknowledged events missing %d, at another sequence %d, event ids stored more than once %d (%d extra); "+
		"after step-down (leader %s): %d messages, missing %d, moved %d; longest pause in acknowledgements %s (from %s after the load began)",
		old, st.msgs, len(missing), len(moved), dupIDs, extra, stepped, st2.msgs, len(missing2), len(moved2),
		pause.Round(time.Millisecond), pauseFrom.Sub(l.start).Round(time.Millisecond))
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged")
	}
	if len(missing)+len(moved)+len(missing2)+len(moved2) > 0 {
		t.Errorf("acknowledged events lost or moved: missing %v, moved %v; after step-down missing %v, moved %v",
			head(missing), head(moved), head(missing2), head(moved2))
	}
	if dupIDs > 0 {
		t.Errorf("%d event ids are stored more than once", dupIDs)
	}
	if pause > maxPause {
		t.Errorf("no acknowledgement for %s, more than %s", pause, maxPause)
	}
}

// head is the first ten of a list, for messages.
func head(s []string) []string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}
