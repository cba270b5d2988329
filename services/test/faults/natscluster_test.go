package faults_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/testkit/natsbin"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsCluster is three nodes of deploy/nats/cluster/cluster.conf on
// loopback, with random passwords.
type natsCluster struct {
	*natsbin.Cluster
	passwords map[string]string // user of accounts.conf -> password
}

// deployNATS is the repository's deploy/nats, relative to this package.
const deployNATS = "../../../deploy/nats"

// startNATSCluster runs three nats-server processes (natsbin's cluster)
// with the repository's deploy/nats/cluster/cluster.conf (JetStream with
// fsync before every acknowledgement, accounts.conf's users and
// permissions, routes with a password), each with the variables its nN.env
// sets but on free ports, its store in a temporary directory and random
// passwords. It waits until the cluster can place a stream of three
// replicas; a restarted node gets two minutes to become healthy. The
// nodes stop when the test ends; their logs are shown if it failed.
func startNATSCluster(t *testing.T) *natsCluster {
	t.Helper()
	c := &natsCluster{}
	routePass := natsbin.RandomPassword(t)
	var env map[string]string
	c.passwords, env = natsbin.RandomPasswords(t, natsbin.Users(t, filepath.Join(deployNATS, "accounts.conf"), "operator", "docketd"))
	secrets := []string{"DOCKET_NATS_ROUTE_PASS=" + routePass}
	for v, pass := range env {
		secrets = append(secrets, v+"="+pass)
	}
	c.Cluster = natsbin.StartClusterT(t, natsbin.ClusterConfig{
		Conf: filepath.Join(deployNATS, "cluster", "cluster.conf"),
		Env: func(i int, nodes []natsbin.Node) []string {
			n := nodes[i]
			env := []string{
				"DOCKET_NATS_NAME=" + n.Name,
				"DOCKET_NATS_HOST=127.0.0.1",
				fmt.Sprintf("DOCKET_NATS_PORT=%d", n.ClientPort),
				fmt.Sprintf("DOCKET_NATS_CLUSTER_PORT=%d", n.ClusterPort),
				fmt.Sprintf("DOCKET_NATS_MONITOR_PORT=%d", n.MonitorPort),
				"DOCKET_NATS_STORE=" + n.Store,
			}
			for j, m := range nodes {
				env = append(env, fmt.Sprintf("DOCKET_NATS_ROUTE_%d=nats://route:%s@127.0.0.1:%d", j+1, routePass, m.ClusterPort))
			}
			return append(env, secrets...)
		},
		User: "operator", Password: c.passwords["operator"],
		Timeout: 2 * time.Minute,
	})
	return c
}

// connect logs in to the cluster as a user of accounts.conf.
func (c *natsCluster) connect(t *testing.T, user string) *nats.Conn {
	t.Helper()
	nc, err := c.Connect(nats.UserInfo(user, c.passwords[user]))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc
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
	cfg := baseConfig(t, filepath.Join(dir, "data"))
	cfg.NATSURL, cfg.StreamReplicas, cfg.KEKFile = cl.URL(), 3, kek
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
		node := cl.Index(leader)
		if node < 0 {
			t.Fatalf("stream leader %q is none of the cluster's nodes", leader)
		}
		before, failedBefore := l.ackedN(), l.failedN()
		killedAt := time.Now()
		if err := cl.Kill(node); err != nil {
			t.Fatal(err)
		}

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

		restartedAt := time.Now()
		if err := cl.Restart(node); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		healthy := time.Since(restartedAt)
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
