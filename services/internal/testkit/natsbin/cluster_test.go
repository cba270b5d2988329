package natsbin_test

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

// TestCluster starts three nodes of the generated configuration, stores
// messages in a stream of three replicas, kills the stream leader's node
// (SIGKILL), stores one more on the two left, restarts the node and
// checks that it rejoins as a current replica holding every message;
// then stops another node gracefully and restarts it too, and reads every
// message from the killed node once it leads again.
func TestCluster(t *testing.T) {
	c := natsbin.StartClusterT(t, natsbin.ClusterConfig{})
	if got := len(c.URLs()); got != 3 {
		t.Fatalf("%d client URLs, want 3", got)
	}
	nc, err := c.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	var stream jetstream.Stream
	natsbin.Eventually(t, 30*time.Second, "create a stream of three replicas", func(ctx context.Context) (err error) {
		stream, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Replicas: 3})
		return err
	})
	publish := func(id string) {
		natsbin.Eventually(t, 30*time.Second, "publish "+id, func(ctx context.Context) error {
			_, err := js.Publish(ctx, "t."+id, []byte(id), jetstream.WithMsgID(id))
			return err
		})
	}
	ids := []string{"a", "b", "c", "d"}
	for _, id := range ids[:3] {
		publish(id)
	}
	// info is the stream's cluster when it has a leader and every replica
	// of want (a node name) is current.
	info := func(ctx context.Context, want ...string) (*jetstream.StreamInfo, error) {
		si, err := stream.Info(ctx)
		if err != nil {
			return nil, err
		}
		if si.Cluster == nil || si.Cluster.Leader == "" {
			return nil, fmt.Errorf("no leader: %+v", si.Cluster)
		}
		for _, name := range want {
			current := name == si.Cluster.Leader
			for _, r := range si.Cluster.Replicas {
				current = current || r.Name == name && r.Current
			}
			if !current {
				return nil, fmt.Errorf("%s is neither the leader nor a current replica: %+v", name, si.Cluster)
			}
		}
		return si, nil
	}
	var si *jetstream.StreamInfo
	natsbin.Eventually(t, 30*time.Second, "a leader", func(ctx context.Context) (err error) { si, err = info(ctx); return err })
	leader := si.Cluster.Leader
	i := c.Index(leader)
	if i < 0 {
		t.Fatalf("the leader %q is none of the nodes %+v", leader, c.Nodes())
	}

	if err := c.Kill(i); err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(i); err == nil {
		t.Error("a killed node was killed again")
	}
	publish(ids[3])
	if err := c.Restart(i); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(i); err == nil {
		t.Error("a running node was started again")
	}
	natsbin.Eventually(t, time.Minute, leader+" a current replica again", func(ctx context.Context) (err error) {
		si, err = info(ctx, leader)
		return err
	})
	if si.State.Msgs != uint64(len(ids)) {
		t.Errorf("the stream holds %d messages, want %d", si.State.Msgs, len(ids))
	}

	// Another node stopped gracefully and restarted; then the killed
	// node leads, so that the messages read below are its own copy,
	// including the one stored while it was down.
	j := (i + 1) % 3
	other := c.Nodes()[j].Name
	if err := c.StopNode(j); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(j); err != nil {
		t.Fatal(err)
	}
	natsbin.Eventually(t, time.Minute, other+" a current replica again", func(ctx context.Context) error {
		_, err := info(ctx, leader, other)
		return err
	})
	natsbin.Eventually(t, time.Minute, leader+" leads", func(ctx context.Context) error {
		si, err := info(ctx)
		if err == nil && si.Cluster.Leader != leader {
			// Each step-down hands the leadership to one of the other
			// replicas at random.
			_, err = nc.RequestWithContext(ctx, "$JS.API.STREAM.LEADER.STEPDOWN.T", nil)
			if err == nil {
				err = fmt.Errorf("%s leads", si.Cluster.Leader)
			}
		}
		return err
	})
	for n, id := range ids {
		m, err := stream.GetMsg(context.Background(), uint64(n+1))
		if err != nil {
			t.Fatalf("message %d on %s: %v", n+1, leader, err)
		}
		if string(m.Data) != id {
			t.Errorf("message %d is %q on %s, want %q", n+1, m.Data, leader, id)
		}
	}
}

// TestClusterConfEnv runs three nodes of one configuration file that
// takes everything that differs between them from the environment, as
// deploy/nats/cluster does, with a password and a JetStream user.
func TestClusterConfEnv(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "node.conf")
	text := `server_name: $NAME
host: 127.0.0.1
port: $PORT
http_port: $MONITOR_PORT
jetstream { store_dir: $STORE }
accounts {
  A { jetstream: enabled, users: [{ user: op, password: $OP_PASS }] }
}
cluster {
  name: c
  host: 127.0.0.1
  port: $CLUSTER_PORT
  routes: [$ROUTE_1, $ROUTE_2, $ROUTE_3]
}
`
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(i int, nodes []natsbin.Node) []string {
		n := nodes[i]
		env := []string{"NAME=" + n.Name, fmt.Sprint("PORT=", n.ClientPort), fmt.Sprint("MONITOR_PORT=", n.MonitorPort),
			fmt.Sprint("CLUSTER_PORT=", n.ClusterPort), "STORE=" + n.Store, "OP_PASS=psecret"}
		for j, m := range nodes {
			env = append(env, fmt.Sprintf("ROUTE_%d=nats://127.0.0.1:%d", j+1, m.ClusterPort))
		}
		return env
	}
	c := natsbin.StartClusterT(t, natsbin.ClusterConfig{Conf: conf, Env: env, User: "op", Password: "psecret"})
	// The nodes formed as user op of $OP_PASS, with the cluster's name of
	// the file.
	if log := c.Log(0); !strings.Contains(log, "Cluster:  c\n") {
		t.Errorf("n1's log does not name cluster c:\n%s", log)
	}
	if nc, err := c.Connect(nats.UserInfo("op", "wrong"), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Error("connected with a wrong password")
	}

	// Without the environment a node refuses to start, and the error
	// shows why from its log.
	_, err := natsbin.StartCluster(natsbin.ClusterConfig{Bin: natsbin.Path(t), Dir: t.TempDir(), Conf: conf, Nodes: 1})
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "NAME") {
		t.Errorf("a node without its variables: %v", err)
	}
}

// TestClusterOneNode runs a single server of the generated configuration,
// as the benchmark compares with the cluster.
func TestClusterOneNode(t *testing.T) {
	c, err := natsbin.StartCluster(natsbin.ClusterConfig{Bin: natsbin.Path(t), Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(c.Nodes()[0].Store)
	nc, err := c.Connect()
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	if _, err := js.AccountInfo(context.Background()); err != nil {
		t.Error(err)
	}
	nc.Close()
	c.Stop()
	c.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Stop left its directory %s: %v", dir, err)
	}
}
