package deploycheck_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/natsbin"
	"github.com/docketledger/docket/services/internal/testkit/tlstest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// deployDir is the repository's deploy/, relative to this package.
const deployDir = "../../../deploy"

func deployPath(parts ...string) string {
	return filepath.Join(append([]string{deployDir}, parts...)...)
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// docketdEnvNames is every environment variable docketd reads: config.Load
// asks its getenv for each (DOCKET_CONFIG, one per flag, and the secrets
// that come from the environment only), so the list follows the code.
func docketdEnvNames(t testing.TB) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	if _, err := config.Load(nil, func(k string) string { names[k] = true; return "" }, io.Discard); err != nil {
		t.Fatalf("docketd's defaults do not load: %v", err)
	}
	if len(names) < 10 || !names["DOCKET_NATS_URL"] || !names["DOCKET_KEK"] {
		t.Fatalf("config.Load asked for %d variables, not the expected ones: %v", len(names), slices.Sorted(maps.Keys(names)))
	}
	return names
}

// --- nats-server -t ---

// natsCheck runs nats-server -t -c conf with env as its whole environment
// (nothing of this process's) and returns an error unless the server
// reports the configuration valid.
func natsCheck(bin, conf string, env map[string]string) error {
	cmd := exec.Command(bin, "-t", "-c", conf)
	cmd.Env = envList(env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("nats-server -t -c %s: %v\n%s", conf, err, out)
	}
	if !bytes.Contains(out, []byte("is valid")) {
		return fmt.Errorf("nats-server -t -c %s did not report the configuration valid:\n%s", conf, out)
	}
	return nil
}

// envList is env as KEY=VALUE lines; never nil, since a nil Cmd.Env would
// be the parent's environment.
func envList(env map[string]string) []string {
	list := []string{}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

var (
	includeRe  = regexp.MustCompile(`(?m)^\s*include\s+["']?([^"'\s;]+)["']?`)
	varRefRe   = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)
	confKeyRe  = regexp.MustCompile(`(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[=:{]`)
	quotedRe   = regexp.MustCompile(`"[^"\n]*"`)
	commentRe  = regexp.MustCompile(`(?m)(^|\s)(#|//).*$`)
	routeVarRe = regexp.MustCompile(`^DOCKET_NATS_ROUTE_[0-9]+$`)
)

// confVars returns the environment variables a NATS configuration reads:
// the $NAME references in it and the files it includes, less the names
// those files define themselves (permission blocks). Quoted strings
// ("$JS.API.>") and comments hold no references.
func confVars(t testing.TB, conf string) []string {
	t.Helper()
	refs, keys, seen := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var walk func(string)
	walk = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		text := commentRe.ReplaceAllString(readFile(t, path), "$1")
		for _, m := range includeRe.FindAllStringSubmatch(text, -1) {
			walk(filepath.Join(filepath.Dir(path), m[1]))
		}
		text = quotedRe.ReplaceAllString(text, `""`)
		for _, m := range varRefRe.FindAllStringSubmatch(text, -1) {
			refs[m[1]] = true
		}
		for _, m := range confKeyRe.FindAllStringSubmatch(text, -1) {
			keys[m[1]] = true
		}
	}
	walk(conf)
	var vars []string
	for r := range refs {
		if !keys[r] {
			vars = append(vars, r)
		}
	}
	slices.Sort(vars)
	return vars
}

// dummyEnv gives each variable a value the configuration accepts: random
// passwords, loopback addresses, a store in dir, certificates of pki. A
// variable it does not know fails the test, so that a new one gets a value
// here rather than going unchecked.
func dummyEnv(t testing.TB, vars []string, dir string, pki *pkiFiles) map[string]string {
	t.Helper()
	env := map[string]string{}
	for i, v := range vars {
		switch {
		case strings.HasSuffix(v, "_PASS"):
			env[v] = natsbin.RandomPassword(t)
		case v == "DOCKET_NATS_STORE":
			env[v] = filepath.Join(dir, "store")
		case v == "DOCKET_NATS_NAME":
			env[v] = "n1"
		case v == "DOCKET_NATS_HOST":
			env[v] = "127.0.0.1"
		case strings.HasSuffix(v, "_PORT"):
			env[v] = strconv.Itoa(14000 + i)
		case routeVarRe.MatchString(v):
			env[v] = "nats://route:pdummy@127.0.0.1:" + strconv.Itoa(16000+i)
		case strings.HasSuffix(v, "_TLS_CERT"):
			env[v] = pki.cert
		case strings.HasSuffix(v, "_TLS_KEY"):
			env[v] = pki.key
		case strings.HasSuffix(v, "_TLS_CA"):
			env[v] = pki.ca
		default:
			t.Fatalf("a NATS configuration reads $%s, and deploycheck's dummyEnv has no value for it: add one", v)
		}
	}
	return env
}

// --- certificates ---

// pkiFiles are a CA, a node certificate and key in PEM files, and a
// client's TLS configuration (with its own certificate) trusting the CA.
type pkiFiles struct {
	ca, cert, key string
	client        *tls.Config
}

func writePKI(t testing.TB, dir string) *pkiFiles {
	t.Helper()
	ca := tlstest.NewCA(t)
	certPEM, keyPEM := ca.IssuePeer(t, "nats")
	clientCert, clientKey := ca.IssuePeer(t, "deploycheck client")
	pair, err := tls.X509KeyPair(clientCert, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.PEM)
	p := &pkiFiles{ca: filepath.Join(dir, "ca.pem"), cert: filepath.Join(dir, "node.pem"), key: filepath.Join(dir, "node-key.pem"),
		client: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS13}}
	for path, b := range map[string][]byte{p.ca: ca.PEM, p.cert: certPEM, p.key: keyPEM} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// --- every NATS configuration passes nats-server -t ---

// natsConfigs is every .conf under deploy/nats.
func natsConfigs(t testing.TB) []string {
	t.Helper()
	var confs []string
	err := filepath.WalkDir(deployPath("nats"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".conf") {
			confs = append(confs, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(confs) < 7 {
		t.Fatalf("found only %d NATS configurations under deploy/nats: %v", len(confs), confs)
	}
	return confs
}

// TestNATSConfigsValid runs nats-server -t on every NATS configuration
// under deploy/nats, each with the variables it reads set.
func TestNATSConfigsValid(t *testing.T) {
	bin := natsbin.Path(t)
	dir := t.TempDir()
	pki := writePKI(t, dir)
	for _, conf := range natsConfigs(t) {
		rel, _ := filepath.Rel(deployDir, conf)
		t.Run(rel, func(t *testing.T) {
			vars := confVars(t, conf)
			if err := natsCheck(bin, conf, dummyEnv(t, vars, dir, pki)); err != nil {
				t.Error(err)
			}
			// And each variable is needed: without it the server refuses.
			for _, v := range vars {
				env := dummyEnv(t, vars, dir, pki)
				delete(env, v)
				if err := natsCheck(bin, conf, env); err == nil {
					t.Errorf("%s is valid without $%s, which deploycheck thought it reads", rel, v)
				}
			}
		})
	}
}

// TestNATSCheckFails shows that the check above can fail: broken copies of
// the cluster configuration are refused, for the reason broken.
func TestNATSCheckFails(t *testing.T) {
	bin := natsbin.Path(t)
	dir := t.TempDir()
	pki := writePKI(t, dir)
	// A copy with the repository's layout: nats/accounts.conf, nats/tls.conf, nats/cluster/*.
	copyTo := func(name string, edit func(string) string) string {
		root := filepath.Join(dir, name)
		for _, rel := range []string{"accounts.conf", "tls.conf", "cluster/node.conf", "cluster/cluster.conf", "cluster/cluster-tls.conf"} {
			text := readFile(t, deployPath("nats", rel))
			if rel == "cluster/node.conf" && edit != nil {
				text = edit(text)
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(root, rel)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, rel), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return filepath.Join(root, "cluster", "cluster.conf")
	}
	good := copyTo("good", nil)
	vars := confVars(t, good)
	env := func() map[string]string { return dummyEnv(t, vars, dir, pki) }
	if err := natsCheck(bin, good, env()); err != nil {
		t.Fatalf("the unbroken copy: %v", err)
	}
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				t.Fatalf("node.conf has no %q to break", old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	noRoute := env()
	delete(noRoute, "DOCKET_NATS_ROUTE_3")
	tlsConf := filepath.Join(filepath.Dir(good), "cluster-tls.conf")
	badCert := dummyEnv(t, confVars(t, tlsConf), dir, pki)
	if err := natsCheck(bin, tlsConf, badCert); err != nil {
		t.Fatalf("the unbroken TLS copy: %v", err)
	}
	badCert["DOCKET_NATS_ROUTE_TLS_CERT"] = filepath.Join(dir, "missing.pem")
	for _, c := range []struct {
		name, conf string
		env        map[string]string
		want       string
	}{
		{"misspelt key", copyTo("misspelt", replace("jetstream {", "jetstrem {")), env(), "unknown field"},
		{"unbalanced brace", copyTo("brace", replace("jetstream {", "jetstream {{")), env(), ""},
		{"include missing", copyTo("include", replace("include ../accounts.conf", "include ../acounts.conf")), env(), "acounts.conf"},
		{"route variable unset", good, noRoute, "DOCKET_NATS_ROUTE_3"},
		{"route certificate missing", tlsConf, badCert, "missing.pem"},
	} {
		err := natsCheck(bin, c.conf, c.env)
		switch {
		case err == nil:
			t.Errorf("%s: nats-server -t accepted it", c.name)
		case !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: refused, but not for %q: %v", c.name, c.want, err)
		}
	}
}

// --- the loopback cluster ---

// readEnvFile reads KEY=VALUE lines (comments and blank lines skipped) and
// expands ${NAME} and ${NAME:?} as a shell sourcing it would, from the
// variables before it and lookup; an unset one is an error.
func readEnvFile(path string, lookup map[string]string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	var missing []string
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not KEY=VALUE", path, line)
		}
		env[k] = os.Expand(v, func(name string) string {
			name, _, _ = strings.Cut(name, ":")
			if x, ok := env[name]; ok {
				return x
			}
			if x, ok := lookup[name]; ok {
				return x
			}
			missing = append(missing, name)
			return ""
		})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s uses unset variables %v", path, missing)
	}
	return env, nil
}

// accountUsers maps each user of deploy/nats/accounts.conf to the variable
// holding its password.
func accountUsers(t testing.TB) map[string]string {
	t.Helper()
	return natsbin.Users(t, deployPath("nats", "accounts.conf"), "operator", "docketd")
}

// loopbackEnvs reads deploy/nats/cluster/n*.env with secrets and checks
// that they describe one cluster: names and ports unique, and the same
// route URLs on every node, one per node's route port.
func loopbackEnvs(t testing.TB, secrets map[string]string) []map[string]string {
	t.Helper()
	files, err := filepath.Glob(deployPath("nats", "cluster", "n*.env"))
	if err != nil || len(files) != 3 {
		t.Fatalf("deploy/nats/cluster/n*.env: %v %v, want three files", files, err)
	}
	slices.Sort(files)
	var envs []map[string]string
	names, ports := map[string]bool{}, map[string]bool{}
	clusterPorts := map[string]bool{}
	var routes []string
	for _, f := range files {
		env, err := readEnvFile(f, secrets)
		if err != nil {
			t.Fatal(err)
		}
		if names[env["DOCKET_NATS_NAME"]] {
			t.Errorf("%s: name %q is another node's", f, env["DOCKET_NATS_NAME"])
		}
		names[env["DOCKET_NATS_NAME"]] = true
		for _, k := range []string{"DOCKET_NATS_PORT", "DOCKET_NATS_CLUSTER_PORT", "DOCKET_NATS_MONITOR_PORT"} {
			if ports[env[k]] || env[k] == "" {
				t.Errorf("%s: %s=%q is empty or another's port", f, k, env[k])
			}
			ports[env[k]] = true
		}
		clusterPorts[env["DOCKET_NATS_CLUSTER_PORT"]] = true
		var rs []string
		for k, v := range env {
			if routeVarRe.MatchString(k) {
				rs = append(rs, v)
			}
		}
		slices.Sort(rs)
		if routes == nil {
			routes = rs
		} else if !slices.Equal(routes, rs) {
			t.Errorf("%s: routes %v differ from another node's %v", f, rs, routes)
		}
		envs = append(envs, env)
	}
	routePorts := map[string]bool{}
	for _, r := range routes {
		u, err := url.Parse(r)
		if err != nil {
			t.Fatalf("route %q: %v", r, err)
		}
		if p, _ := u.User.Password(); u.User.Username() != "route" || p != secrets["DOCKET_NATS_ROUTE_PASS"] {
			t.Errorf("route %q does not log in as route with $DOCKET_NATS_ROUTE_PASS", r)
		}
		routePorts[u.Port()] = true
	}
	if !maps.Equal(routePorts, clusterPorts) {
		t.Errorf("the routes go to ports %v, the nodes' route ports are %v", slices.Sorted(maps.Keys(routePorts)), slices.Sorted(maps.Keys(clusterPorts)))
	}
	return envs
}

// TestLoopbackEnvFiles checks that n1.env, n2.env and n3.env describe one
// cluster, and set every variable cluster.conf reads but the secrets.
func TestLoopbackEnvFiles(t *testing.T) {
	secrets := map[string]string{"DOCKET_NATS_ROUTE_PASS": "pr"}
	for _, v := range accountUsers(t) {
		secrets[v] = "px"
	}
	envs := loopbackEnvs(t, secrets)
	for _, env := range envs {
		for _, v := range confVars(t, deployPath("nats", "cluster", "cluster.conf")) {
			if _, ok := env[v]; !ok && secrets[v] == "" {
				t.Errorf("node %s: cluster.conf reads $%s, which its .env file does not set", env["DOCKET_NATS_NAME"], v)
			}
		}
	}
	if _, err := readEnvFile(deployPath("nats", "cluster", "n1.env"), nil); err == nil {
		t.Error("n1.env expands without $DOCKET_NATS_ROUTE_PASS")
	}
}

// natsCluster is natsbin's cluster of deploy/nats/cluster, with the
// passwords of accounts.conf's users and the clients' TLS.
type natsCluster struct {
	*natsbin.Cluster
	passwords map[string]string // by user
	tls       *tls.Config       // the clients' TLS, nil without
}

// urls is every node's client URL.
func (c *natsCluster) urls() []string { return c.URLs() }

func (c *natsCluster) connect(t testing.TB, user string) *nats.Conn {
	t.Helper()
	nc, err := c.Connect(nats.UserInfo(user, c.passwords[user]), nats.Name("deploycheck"))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// startCluster runs three nats-server processes (natsbin's cluster) with
// deploy/nats/cluster/<conf> and the environments of n1.env, n2.env and
// n3.env, with random passwords, the ports remapped to free ones and the
// stores in a temporary directory (with TLS: throw-away certificates), and
// waits until the cluster can place a stream of three replicas. They stop
// when the test ends; their logs are shown if it failed.
func startCluster(t *testing.T, conf string, withTLS bool) *natsCluster {
	t.Helper()
	confPath := deployPath("nats", "cluster", conf)
	c := &natsCluster{}
	var secrets map[string]string
	c.passwords, secrets = natsbin.RandomPasswords(t, accountUsers(t))
	secrets["DOCKET_NATS_ROUTE_PASS"] = natsbin.RandomPassword(t)
	envs := loopbackEnvs(t, secrets)
	if t.Failed() {
		t.FailNow()
	}
	var pki *pkiFiles
	if withTLS {
		pki = writePKI(t, t.TempDir())
		c.tls = pki.client
	}
	want := confVars(t, confPath)
	portVars := []string{"DOCKET_NATS_PORT", "DOCKET_NATS_CLUSTER_PORT", "DOCKET_NATS_MONITOR_PORT"}
	env := func(i int, nodes []natsbin.Node) []string {
		// Each file's ports, the route URLs' too, become the free ones
		// natsbin chose for that node.
		remap := map[string]string{}
		for j, e := range envs {
			for k, port := range []int{nodes[j].ClientPort, nodes[j].ClusterPort, nodes[j].MonitorPort} {
				remap[e[portVars[k]]] = strconv.Itoa(port)
			}
		}
		env := maps.Clone(envs[i])
		for _, k := range portVars {
			env[k] = remap[env[k]]
		}
		for k, v := range env {
			if !routeVarRe.MatchString(k) {
				continue
			}
			u, err := url.Parse(v)
			if err != nil {
				t.Fatal(err)
			}
			u.Host = net.JoinHostPort(u.Hostname(), remap[u.Port()])
			env[k] = u.String()
		}
		env["DOCKET_NATS_STORE"] = nodes[i].Store
		maps.Copy(env, secrets)
		if withTLS {
			for _, p := range []string{"DOCKET_NATS_TLS_", "DOCKET_NATS_ROUTE_TLS_"} {
				env[p+"CERT"], env[p+"KEY"], env[p+"CA"] = pki.cert, pki.key, pki.ca
			}
		}
		for _, v := range want {
			if _, ok := env[v]; !ok {
				t.Fatalf("%s reads $%s, which node %s's environment does not set", conf, v, env["DOCKET_NATS_NAME"])
			}
		}
		return envList(env)
	}
	c.Cluster = natsbin.StartClusterT(t, natsbin.ClusterConfig{Nodes: len(envs), Conf: confPath, Env: env,
		User: "operator", Password: c.passwords["operator"], TLS: c.tls})
	return c
}

// checkClusterWorks creates a stream with three replicas as the operator,
// writes to it, stops the node of the stream's leader, and shows the
// cluster goes on: a new leader, writes accepted, every message there.
func checkClusterWorks(t *testing.T, c *natsCluster) {
	nc := c.connect(t, "operator")
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	var stream jetstream.Stream
	natsbin.Eventually(t, 30*time.Second, "create a stream with three replicas", func(ctx context.Context) (err error) {
		stream, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "DEPLOYCHECK", Subjects: []string{"deploycheck.>"},
			Replicas: 3, Storage: jetstream.FileStorage})
		return err
	})
	var info *jetstream.StreamInfo
	current := func(ctx context.Context) (err error) {
		info, err = stream.Info(ctx)
		switch {
		case err != nil:
			return err
		case info.Cluster == nil || info.Cluster.Leader == "":
			return fmt.Errorf("no leader: %+v", info.Cluster)
		case len(info.Cluster.Replicas) != 2:
			return fmt.Errorf("%d replicas besides the leader, want 2", len(info.Cluster.Replicas))
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current {
				return fmt.Errorf("replica %s is not current", r.Name)
			}
		}
		return nil
	}
	natsbin.Eventually(t, 30*time.Second, "a leader and two current replicas", current)
	if info.Cluster.Name != "docket" {
		t.Errorf("cluster name %q, want docket", info.Cluster.Name)
	}
	peers := []string{info.Cluster.Leader}
	for _, r := range info.Cluster.Replicas {
		peers = append(peers, r.Name)
	}
	slices.Sort(peers)
	var names []string
	for _, n := range c.Nodes() {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	if !slices.Equal(peers, names) {
		t.Errorf("the stream is on %v, want every node %v", peers, names)
	}
	publish := func(id string) {
		natsbin.Eventually(t, 30*time.Second, "publish "+id, func(ctx context.Context) error {
			_, err := js.Publish(ctx, "deploycheck."+id, []byte(id), jetstream.WithMsgID(id))
			return err
		})
	}
	ids := []string{"a", "b", "c", "d"}
	for _, id := range ids[:3] {
		publish(id)
	}
	old := info.Cluster.Leader
	n := c.Index(old)
	if n < 0 {
		t.Fatalf("the leader %q is none of the nodes", old)
	}
	if err := c.StopNode(n); err != nil {
		t.Fatal(err)
	}
	publish(ids[3])
	natsbin.Eventually(t, 30*time.Second, "a new leader", func(ctx context.Context) (err error) {
		info, err = stream.Info(ctx)
		if err == nil && (info.Cluster == nil || info.Cluster.Leader == "" || info.Cluster.Leader == old) {
			err = fmt.Errorf("leader %+v", info.Cluster)
		}
		return err
	})
	if info.State.Msgs != uint64(len(ids)) {
		t.Errorf("the stream holds %d messages, want %d", info.State.Msgs, len(ids))
	}
	for i, id := range ids {
		natsbin.Eventually(t, 10*time.Second, "read message "+id, func(ctx context.Context) error {
			m, err := stream.GetMsg(ctx, uint64(i+1))
			if err == nil && string(m.Data) != id {
				t.Errorf("message %d is %q, want %q", i+1, m.Data, id)
			}
			return err
		})
	}
}

// TestCluster runs three nodes of deploy/nats/cluster/cluster.conf.
func TestCluster(t *testing.T) {
	checkClusterWorks(t, startCluster(t, "cluster.conf", false))
}

// TestClusterTLS runs three nodes of cluster-tls.conf: mutual TLS between
// the nodes, TLS and a client certificate for clients.
func TestClusterTLS(t *testing.T) {
	c := startCluster(t, "cluster-tls.conf", true)
	checkClusterWorks(t, c)
	// A client without a certificate is turned away.
	pool := c.tls.RootCAs
	nc, err := nats.Connect(strings.Join(c.urls(), ","), nats.UserInfo("operator", c.passwords["operator"]),
		nats.Secure(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}), nats.MaxReconnects(0))
	if err == nil {
		nc.Close()
		t.Error("a client without a certificate connected")
	}
}
