package deploycheck_test

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/natsbin"
	"go.yaml.in/yaml/v3"
)

// --- YAML, as parsed: maps, lists, scalars ---

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }

// asString is a scalar as text ("" for anything else).
func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// dig follows keys through nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		v = asMap(v)[k]
	}
	return v
}

// yamlDocs parses every document of a YAML file.
func yamlDocs(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// --- compose ---

// interpolate expands compose's variables: ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR and $$ (a "$").
func interpolate(s string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '$':
			b.WriteByte('$')
			i++
		case i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unclosed ${ in %q", s)
			}
			expr := s[i+2 : i+end]
			i += end
			n := 0
			for n < len(expr) && isNameByte(expr[n]) {
				n++
			}
			name, op := expr[:n], expr[n:]
			v, set := lookup(name)
			switch {
			case op == "":
			case strings.HasPrefix(op, ":-"):
				if v == "" {
					v = op[2:]
				}
			case strings.HasPrefix(op, "-"):
				if !set {
					v = op[1:]
				}
			case strings.HasPrefix(op, ":?"), strings.HasPrefix(op, "?"):
				if !set || (v == "" && op[0] == ':') {
					return "", fmt.Errorf("required variable %s is not set: %s", name, strings.TrimLeft(op, ":?"))
				}
			default:
				return "", fmt.Errorf("unknown interpolation ${%s}", expr)
			}
			b.WriteString(v)
		default:
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			if j == i+1 {
				b.WriteByte('$')
				continue
			}
			v, _ := lookup(s[i+1 : j])
			b.WriteString(v)
			i = j - 1
		}
	}
	return b.String(), nil
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// requiredVars are the variables a compose file requires (${VAR:?...}).
func requiredVars(text string) []string {
	re := regexp.MustCompile(`(^|[^$])\$\{([A-Za-z_][A-Za-z0-9_]*):?\?`)
	set := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		set[m[2]] = true
	}
	return slices.Sorted(maps.Keys(set))
}

type composeMount struct {
	source, target string
	bind           bool
}

type composeService struct {
	name string
	raw  map[string]any
	env  map[string]string // interpolated
}

func (s composeService) image() string { return asString(s.raw["image"]) }

// command is the service's command as a list.
func (s composeService) command() []string {
	if c, ok := s.raw["command"].(string); ok {
		return strings.Fields(c)
	}
	var out []string
	for _, a := range asList(s.raw["command"]) {
		out = append(out, asString(a))
	}
	return out
}

// dependsOn maps each dependency to its condition.
func (s composeService) dependsOn() map[string]string {
	deps := map[string]string{}
	for _, d := range asList(s.raw["depends_on"]) {
		deps[asString(d)] = "service_started"
	}
	for d, v := range asMap(s.raw["depends_on"]) {
		deps[d] = asString(dig(v, "condition"))
		if deps[d] == "" {
			deps[d] = "service_started"
		}
	}
	return deps
}

func (s composeService) mounts() []composeMount {
	var ms []composeMount
	for _, v := range asList(s.raw["volumes"]) {
		parts := strings.Split(asString(v), ":")
		if len(parts) < 2 {
			continue
		}
		ms = append(ms, composeMount{source: parts[0], target: parts[1],
			bind: strings.HasPrefix(parts[0], ".") || strings.HasPrefix(parts[0], "/")})
	}
	return ms
}

// local is where a path in the container is in the repository, through
// a bind mount of the service ("" if none).
func (s composeService) local(p string) string {
	for _, m := range s.mounts() {
		if rel, ok := strings.CutPrefix(p, m.target+"/"); ok && m.bind {
			return filepath.Join(deployDir, m.source, filepath.FromSlash(rel))
		}
	}
	return ""
}

// flagValue is the value of --name=V or --name V in args.
func flagValue(args []string, names ...string) string {
	for i, a := range args {
		for _, n := range names {
			if v, ok := strings.CutPrefix(a, n+"="); ok {
				return v
			}
			if a == n && i+1 < len(args) {
				return args[i+1]
			}
		}
	}
	return ""
}

// dummySecret is a value a required secret might have.
func dummySecret(name string) string {
	if strings.Contains(name, "KEK") {
		return strings.Repeat("ab", 32)
	}
	return "p" + strings.ToLower(strings.ReplaceAll(name, "_", ""))
}

// loadCompose parses deploy/compose.yaml and interpolates every
// service's environment, each required variable given a dummy value.
func loadCompose(t testing.TB) (map[string]any, map[string]composeService, string) {
	t.Helper()
	path := deployPath("compose.yaml")
	text := readFile(t, path)
	docs := yamlDocs(t, path)
	if len(docs) != 1 {
		t.Fatalf("compose.yaml has %d documents", len(docs))
	}
	vals := map[string]string{}
	for _, v := range requiredVars(text) {
		vals[v] = dummySecret(v)
	}
	lookup := func(n string) (string, bool) { v, ok := vals[n]; return v, ok }
	services := map[string]composeService{}
	for name, raw := range asMap(docs[0]["services"]) {
		s := composeService{name: name, raw: asMap(raw), env: map[string]string{}}
		add := func(k, v string) {
			x, err := interpolate(v, lookup)
			if err != nil {
				t.Errorf("service %s, %s: %v", name, k, err)
			}
			s.env[k] = x
		}
		for k, v := range asMap(s.raw["environment"]) {
			add(k, asString(v))
		}
		for _, kv := range asList(s.raw["environment"]) {
			k, v, _ := strings.Cut(asString(kv), "=")
			add(k, v)
		}
		services[name] = s
	}
	return docs[0], services, text
}

// TestCompose checks deploy/compose.yaml: references, images, the NATS
// nodes' configuration through nats-server -t, docketd's environment
// through its config package, CockroachDB's secure start.
func TestCompose(t *testing.T) {
	file, services, text := loadCompose(t)
	if len(services) == 0 {
		t.Fatal("compose.yaml has no services")
	}
	readme := readFile(t, deployPath("README.md"))
	for _, v := range requiredVars(text) {
		if !strings.Contains(readme, v) {
			t.Errorf("compose.yaml requires $%s, which deploy/README.md does not mention", v)
		}
	}
	volumes := asMap(file["volumes"])
	used := map[string]bool{}
	var natsNodes, docketds, crdbNodes []composeService
	for _, name := range slices.Sorted(maps.Keys(services)) {
		s := services[name]
		build := asMap(s.raw["build"])
		if s.image() == "" && build == nil {
			t.Errorf("service %s has neither image nor build", name)
		}
		for dep, cond := range s.dependsOn() {
			target, ok := services[dep]
			switch {
			case !ok:
				t.Errorf("service %s depends on %s, which is no service", name, dep)
			case cond == "service_healthy" && target.raw["healthcheck"] == nil:
				t.Errorf("service %s waits for %s to be healthy, which has no healthcheck", name, dep)
			case cond == "service_completed_successfully" && target.raw["restart"] != nil:
				t.Errorf("service %s waits for %s to complete, which restarts (%v)", name, dep, target.raw["restart"])
			case cond != "service_started" && cond != "service_healthy" && cond != "service_completed_successfully":
				t.Errorf("service %s: unknown depends_on condition %q", name, cond)
			}
		}
		for _, m := range s.mounts() {
			if m.bind {
				if _, err := os.Stat(deployPath(m.source)); err != nil {
					t.Errorf("service %s mounts %s: %v", name, m.source, err)
				}
				continue
			}
			used[m.source] = true
			if _, ok := volumes[m.source]; !ok {
				t.Errorf("service %s mounts volume %s, which is not declared", name, m.source)
			}
		}
		if build != nil {
			ctx := deployPath(asString(build["context"]))
			df := filepath.Join(ctx, asString(build["dockerfile"]))
			if _, err := os.Stat(df); err != nil {
				t.Errorf("service %s builds with %v", name, err)
			}
			if abs, _ := filepath.Abs(df); abs != mustAbs(t, deployPath("docker", "Dockerfile")) {
				t.Errorf("service %s builds with %s, not deploy/docker/Dockerfile", name, df)
			} else {
				docketds = append(docketds, s)
			}
		}
		switch {
		case strings.HasPrefix(s.image(), "nats:"):
			natsNodes = append(natsNodes, s)
		case strings.HasPrefix(s.image(), "cockroachdb/cockroach:") && slices.Contains(s.command(), "start"):
			crdbNodes = append(crdbNodes, s)
		}
	}
	for v := range volumes {
		if !used[v] {
			t.Errorf("volume %s is declared but no service mounts it", v)
		}
	}
	if strings.Contains(text, "--insecure") {
		t.Error("compose.yaml runs CockroachDB --insecure")
	}
	checkComposeNATS(t, natsNodes)
	checkComposeCockroach(t, crdbNodes)
	checkComposeDocketd(t, docketds, natsNodes, crdbNodes, services)
}

func mustAbs(t testing.TB, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// natsImage is the image of the nats-server version the tests run.
func natsImageOK(image string) bool {
	want := "nats:" + strings.TrimPrefix(natsbin.Version, "v")
	return image == want || strings.HasPrefix(image, want+"-")
}

// checkNATSEnv checks a NATS node's environment against the configuration
// it runs: every variable it reads is set, every DOCKET variable set is
// read, and the routes go to every node's route port, logging in as route.
func checkNATSEnv(t testing.TB, where, conf string, env map[string]string, routeHosts []string) {
	t.Helper()
	vars := confVars(t, conf)
	for _, v := range vars {
		if _, ok := env[v]; !ok {
			t.Errorf("%s: %s reads $%s, which is not set", where, filepath.Base(conf), v)
		}
	}
	for k := range env {
		if strings.HasPrefix(k, "DOCKET") && !slices.Contains(vars, k) {
			t.Errorf("%s: sets %s, which %s does not read", where, k, filepath.Base(conf))
		}
	}
	var hosts []string
	for k, v := range env {
		if !routeVarRe.MatchString(k) {
			continue
		}
		u, err := url.Parse(v)
		if err != nil {
			t.Errorf("%s: %s: %v", where, k, err)
			continue
		}
		hosts = append(hosts, u.Hostname())
		if u.Port() != env["DOCKET_NATS_CLUSTER_PORT"] {
			t.Errorf("%s: %s goes to port %s, the route port is %s", where, k, u.Port(), env["DOCKET_NATS_CLUSTER_PORT"])
		}
		if p, _ := u.User.Password(); u.User.Username() != "route" || p != env["DOCKET_NATS_ROUTE_PASS"] {
			t.Errorf("%s: %s does not log in as route with DOCKET_NATS_ROUTE_PASS", where, k)
		}
	}
	slices.Sort(hosts)
	routeHosts = slices.Sorted(slices.Values(routeHosts))
	if !slices.Equal(hosts, routeHosts) {
		t.Errorf("%s: routes to %v, want every node %v", where, hosts, routeHosts)
	}
}

// namesOf3 checks that nodes are three (what they are: "NATS services"),
// and returns their service names.
func namesOf3(t *testing.T, what string, nodes []composeService) []string {
	t.Helper()
	if len(nodes) != 3 {
		t.Fatalf("%d %s, want 3", len(nodes), what)
	}
	var names []string
	for _, n := range nodes {
		names = append(names, n.name)
	}
	return names
}

func checkComposeNATS(t *testing.T, nodes []composeService) {
	names := namesOf3(t, "NATS services", nodes)
	seen := map[string]bool{}
	for _, n := range nodes {
		if !natsImageOK(n.image()) {
			t.Errorf("%s: image %s, want nats-server %s (natsbin.Version, what the tests run)", n.name, n.image(), natsbin.Version)
		}
		if seen[n.env["DOCKET_NATS_NAME"]] {
			t.Errorf("%s: DOCKET_NATS_NAME %q is another node's", n.name, n.env["DOCKET_NATS_NAME"])
		}
		seen[n.env["DOCKET_NATS_NAME"]] = true
		confPath := flagValue(n.command(), "--config", "-c")
		conf := n.local(confPath)
		if conf == "" {
			t.Errorf("%s: its configuration %q is not in a mounted directory", n.name, confPath)
			continue
		}
		if _, err := os.Stat(conf); err != nil {
			t.Errorf("%s: %v", n.name, err)
			continue
		}
		checkNATSEnv(t, "compose "+n.name, conf, n.env, names)
		t.Run("nats-server -t "+n.name, func(t *testing.T) {
			if err := natsCheck(natsbin.Path(t), conf, n.env); err != nil {
				t.Error(err)
			}
		})
	}
}

func checkComposeCockroach(t *testing.T, nodes []composeService) {
	names := namesOf3(t, "CockroachDB nodes", nodes)
	for _, n := range nodes {
		if n.image() != nodes[0].image() {
			t.Errorf("%s runs %s, %s runs %s", n.name, n.image(), nodes[0].name, nodes[0].image())
		}
		var joins []string
		for _, hp := range strings.Split(flagValue(n.command(), "--join"), ",") {
			host, _, _ := net.SplitHostPort(hp)
			joins = append(joins, host)
		}
		slices.Sort(joins)
		if !slices.Equal(joins, names) {
			t.Errorf("%s joins %v, want every node %v", n.name, joins, names)
		}
		if flagValue(n.command(), "--certs-dir") == "" {
			t.Errorf("%s starts without --certs-dir", n.name)
		}
	}
}

func checkComposeDocketd(t *testing.T, docketds, natsNodes, crdbNodes []composeService, services map[string]composeService) {
	if len(docketds) < 2 {
		t.Fatalf("%d docketd services, want at least 2", len(docketds))
	}
	names := docketdEnvNames(t)
	users := accountUsers(t)
	instances := map[string]bool{}
	natsPorts := map[string]string{}
	for _, n := range natsNodes {
		natsPorts[n.name] = n.env["DOCKET_NATS_PORT"]
	}
	crdb := map[string]bool{}
	for _, n := range crdbNodes {
		crdb[n.name] = true
	}
	for _, s := range docketds {
		for k := range s.env {
			if !names[k] {
				t.Errorf("%s: sets %s, which docketd does not read", s.name, k)
			}
		}
		cfg, err := config.Load(nil, func(k string) string { return s.env[k] }, io.Discard)
		if err != nil {
			t.Errorf("%s: docketd refuses its configuration: %v", s.name, err)
			continue
		}
		if instances[cfg.Instance] || s.env["DOCKET_INSTANCE"] == "" {
			t.Errorf("%s: instance %q is unset or another replica's", s.name, cfg.Instance)
		}
		instances[cfg.Instance] = true
		if cfg.Embedded() || cfg.StreamReplicas != 3 {
			t.Errorf("%s: embedded %v, stream_replicas %d; want the cluster and 3", s.name, cfg.Embedded(), cfg.StreamReplicas)
		}
		// NATS: every node, at its client port, as a user of accounts.conf
		// with the password the nodes give that user.
		hosts := map[string]bool{}
		for _, u := range strings.Split(cfg.NATSURL, ",") {
			pu, err := url.Parse(u)
			if err != nil {
				t.Errorf("%s: nats_url %q: %v", s.name, u, err)
				continue
			}
			hosts[pu.Hostname()] = true
			if port, ok := natsPorts[pu.Hostname()]; !ok || port != pu.Port() {
				t.Errorf("%s: nats_url %s is no NATS node's client port", s.name, u)
			}
		}
		if len(hosts) != len(natsNodes) {
			t.Errorf("%s: nats_url names %d nodes, want all %d", s.name, len(hosts), len(natsNodes))
		}
		if v, ok := users[cfg.NATSUser]; !ok || natsNodes[0].env[v] != cfg.NATSPassword {
			t.Errorf("%s: nats_user %q is not a user of accounts.conf with the password the NATS nodes give it", s.name, cfg.NATSUser)
		}
		// The store: PostgreSQL protocol to the CockroachDB nodes, TLS
		// verified with a CA the service mounts, the init job's password.
		kind, _, _ := config.ParseStoreDSN(cfg.StoreDSN())
		u, err := url.Parse(cfg.StoreDSN())
		if kind != "postgres" || err != nil {
			t.Errorf("%s: store is not a postgres:// URL (%v)", s.name, err)
			continue
		}
		for _, hp := range strings.Split(u.Host, ",") {
			host, _, _ := net.SplitHostPort(hp)
			if !crdb[host] {
				t.Errorf("%s: store host %s is no CockroachDB node", s.name, hp)
			}
		}
		q := u.Query()
		if q.Get("sslmode") != "verify-full" {
			t.Errorf("%s: store sslmode %q, want verify-full", s.name, q.Get("sslmode"))
		}
		ca := q.Get("sslrootcert")
		mounted := false
		for _, m := range s.mounts() {
			mounted = mounted || path.Dir(ca) == m.target
		}
		if !mounted {
			t.Errorf("%s: sslrootcert %s is in no volume it mounts", s.name, ca)
		}
		pw, _ := u.User.Password()
		initOK := false
		for _, o := range services {
			if o.env["DOCKET_CRDB_PASSWORD"] != "" {
				initOK = o.env["DOCKET_CRDB_PASSWORD"] == pw
				if cond := s.dependsOn()[o.name]; cond != "service_completed_successfully" {
					t.Errorf("%s: does not wait for %s to complete (%q)", s.name, o.name, cond)
				}
			}
		}
		if !initOK {
			t.Errorf("%s: the store's password is not the one the init job sets", s.name)
		}
		for _, n := range natsNodes {
			if s.dependsOn()[n.name] != "service_healthy" {
				t.Errorf("%s: does not wait for %s to be healthy", s.name, n.name)
			}
		}
	}
}
