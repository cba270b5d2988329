package deploycheck_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/natsbin"
)

type k8sObject struct {
	file string
	doc  map[string]any
}

func (o k8sObject) kind() string { return asString(o.doc["kind"]) }
func (o k8sObject) name() string { return asString(dig(o.doc, "metadata", "name")) }
func (o k8sObject) String() string {
	return fmt.Sprintf("%s %s (%s)", o.kind(), o.name(), filepath.Base(o.file))
}

// podTemplate is a workload's pod template ("" kind: none).
func (o k8sObject) podTemplate() map[string]any {
	switch o.kind() {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		return asMap(dig(o.doc, "spec", "template"))
	case "CronJob":
		return asMap(dig(o.doc, "spec", "jobTemplate", "spec", "template"))
	}
	return nil
}

func (o k8sObject) podLabels() map[string]any {
	return asMap(dig(o.podTemplate(), "metadata", "labels"))
}

func (o k8sObject) containers() []map[string]any {
	spec := dig(o.podTemplate(), "spec")
	var cs []map[string]any
	for _, k := range []string{"initContainers", "containers"} {
		for _, c := range asList(dig(spec, k)) {
			cs = append(cs, asMap(c))
		}
	}
	return cs
}

// containerPort finds a container port by name or number.
func containerPort(c map[string]any, port any) (int, bool) {
	for _, p := range asList(c["ports"]) {
		n, _ := strconv.Atoi(asString(dig(p, "containerPort")))
		if asString(dig(p, "name")) == asString(port) || asString(port) == strconv.Itoa(n) {
			return n, true
		}
	}
	return 0, false
}

// containerEnv is a container's environment as Kubernetes would give it:
// values with $(VAR) expanded, fieldRef metadata.name as pod, secret keys
// as secret(name, key), and its secretKeyRefs.
func containerEnv(c map[string]any, pod string, secret func(name, key string) string) (map[string]string, [][2]string) {
	env := map[string]string{}
	var refs [][2]string
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	for _, e := range asList(c["env"]) {
		name := asString(dig(e, "name"))
		switch {
		case dig(e, "valueFrom", "secretKeyRef") != nil:
			r := [2]string{asString(dig(e, "valueFrom", "secretKeyRef", "name")), asString(dig(e, "valueFrom", "secretKeyRef", "key"))}
			refs = append(refs, r)
			env[name] = secret(r[0], r[1])
		case asString(dig(e, "valueFrom", "fieldRef", "fieldPath")) == "metadata.name":
			env[name] = pod
		default:
			env[name] = ref.ReplaceAllStringFunc(asString(dig(e, "value")), func(m string) string {
				if v, ok := env[m[2:len(m)-1]]; ok {
					return v
				}
				return m
			})
		}
	}
	return env, refs
}

type kustomization struct {
	resources []string
	// generated ConfigMaps: name → file paths (relative to deploy/kubernetes)
	configMaps map[string][]string
}

func loadKubernetes(t testing.TB) ([]k8sObject, kustomization) {
	t.Helper()
	dir := deployPath("kubernetes")
	docs := yamlDocs(t, filepath.Join(dir, "kustomization.yaml"))
	if len(docs) != 1 {
		t.Fatal("kustomization.yaml: want one document")
	}
	k := kustomization{configMaps: map[string][]string{}}
	for _, r := range asList(docs[0]["resources"]) {
		k.resources = append(k.resources, asString(r))
	}
	for _, g := range asList(docs[0]["configMapGenerator"]) {
		for _, f := range asList(dig(g, "files")) {
			k.configMaps[asString(dig(g, "name"))] = append(k.configMaps[asString(dig(g, "name"))], asString(f))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []k8sObject
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		if !slices.Contains(k.resources, filepath.Base(f)) {
			t.Errorf("%s is not in kustomization.yaml's resources", filepath.Base(f))
		}
		for _, d := range yamlDocs(t, f) {
			objs = append(objs, k8sObject{file: f, doc: d})
		}
	}
	for _, r := range k.resources {
		if _, err := os.Stat(filepath.Join(dir, r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
	}
	return objs, k
}

// TestKubernetes checks deploy/kubernetes: every document and container,
// the references between them, the NATS configuration they mount (copies
// of deploy/nats, run through nats-server -t with the pods' environment),
// docketd's environment through its config package, the probes, and that
// every Secret key is documented in deploy/README.md.
func TestKubernetes(t *testing.T) {
	objs, kust := loadKubernetes(t)
	dir := deployPath("kubernetes")

	// Generated ConfigMaps: copies of deploy/nats, each file listed.
	genKeys := map[string][]string{}
	for name, files := range kust.configMaps {
		for _, f := range files {
			genKeys[name] = append(genKeys[name], path.Base(f))
			copyText := readFile(t, filepath.Join(dir, f))
			orig := natsOriginal(t, path.Base(f))
			if orig != "" && readFile(t, orig) != copyText {
				rel, _ := filepath.Rel(deployDir, orig)
				t.Errorf("deploy/kubernetes/%s differs from deploy/%s: cp deploy/%s deploy/kubernetes/%s", f, rel, rel, f)
			}
		}
	}
	natsCopies, _ := filepath.Glob(filepath.Join(dir, "nats", "*"))
	for _, f := range natsCopies {
		rel, _ := filepath.Rel(dir, f)
		if !slices.ContainsFunc(slices.Collect(maps.Values(kust.configMaps)), func(fs []string) bool { return slices.Contains(fs, filepath.ToSlash(rel)) }) {
			t.Errorf("deploy/kubernetes/%s is in no configMapGenerator", rel)
		}
	}

	byKind := map[string][]k8sObject{}
	for _, o := range objs {
		if asString(o.doc["apiVersion"]) == "" || o.kind() == "" || o.name() == "" {
			t.Errorf("%s: a document without apiVersion, kind or metadata.name", filepath.Base(o.file))
		}
		byKind[o.kind()] = append(byKind[o.kind()], o)
	}
	var workloads []k8sObject
	for _, o := range objs {
		if o.podTemplate() != nil {
			workloads = append(workloads, o)
		}
	}
	secretsUsed := map[string]map[string]bool{}
	use := func(name, key string) {
		if secretsUsed[name] == nil {
			secretsUsed[name] = map[string]bool{}
		}
		if key != "" {
			secretsUsed[name][key] = true
		}
	}
	for _, w := range workloads {
		spec := dig(w.podTemplate(), "spec")
		vols := map[string]map[string]any{}
		for _, v := range asList(dig(spec, "volumes")) {
			vols[asString(dig(v, "name"))] = asMap(v)
		}
		for _, v := range asList(dig(w.doc, "spec", "volumeClaimTemplates")) {
			vols[asString(dig(v, "metadata", "name"))] = asMap(v)
		}
		for name, v := range vols {
			if cm := dig(v, "configMap", "name"); cm != nil {
				keys, ok := genKeys[asString(cm)]
				if !ok {
					t.Errorf("%s: volume %s mounts ConfigMap %s, which nothing makes", w, name, cm)
				}
				for _, it := range asList(dig(v, "configMap", "items")) {
					if !slices.Contains(keys, asString(dig(it, "key"))) {
						t.Errorf("%s: volume %s wants key %s of ConfigMap %s, which has %v", w, name, dig(it, "key"), cm, keys)
					}
				}
			}
			if s := asString(dig(v, "secret", "secretName")); s != "" {
				use(s, "")
				for _, it := range asList(dig(v, "secret", "items")) {
					use(s, asString(dig(it, "key")))
				}
			}
		}
		if len(w.containers()) == 0 {
			t.Errorf("%s has no containers", w)
		}
		for _, c := range w.containers() {
			where := fmt.Sprintf("%s, container %s", w, asString(c["name"]))
			if asString(c["image"]) == "" {
				t.Errorf("%s: no image", where)
			}
			for _, r := range []string{"cpu", "memory"} {
				if asString(dig(c, "resources", "requests", r)) == "" {
					t.Errorf("%s: no %s request", where, r)
				}
			}
			for _, m := range asList(c["volumeMounts"]) {
				if _, ok := vols[asString(dig(m, "name"))]; !ok {
					t.Errorf("%s: mounts volume %s, which the pod does not have", where, dig(m, "name"))
				}
			}
			_, refs := containerEnv(c, "pod", func(string, string) string { return "" })
			for _, r := range refs {
				use(r[0], r[1])
			}
			for _, p := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
				if port := dig(c, p, "httpGet", "port"); port != nil {
					if _, ok := containerPort(c, port); !ok {
						t.Errorf("%s: %s on port %v, which the container does not have", where, p, port)
					}
				}
			}
		}
	}

	// Services select pods and their ports; StatefulSets name a headless
	// Service; disruption budgets select pods.
	selects := func(sel map[string]any) []k8sObject {
		var ws []k8sObject
		for _, w := range workloads {
			labels := w.podLabels()
			ok := len(sel) > 0
			for k, v := range sel {
				ok = ok && asString(labels[k]) == asString(v)
			}
			if ok {
				ws = append(ws, w)
			}
		}
		return ws
	}
	for _, s := range byKind["Service"] {
		ws := selects(asMap(dig(s.doc, "spec", "selector")))
		if len(ws) == 0 {
			t.Errorf("%s selects no pods", s)
			continue
		}
		for _, p := range asList(dig(s.doc, "spec", "ports")) {
			target := dig(p, "targetPort")
			if target == nil {
				target = dig(p, "port")
			}
			found := false
			for _, c := range ws[0].containers() {
				_, ok := containerPort(c, target)
				found = found || ok
			}
			if !found {
				t.Errorf("%s: port %v goes to %v, which %s's containers do not have", s, dig(p, "name"), target, ws[0])
			}
		}
	}
	for _, p := range byKind["PodDisruptionBudget"] {
		if len(selects(asMap(dig(p.doc, "spec", "selector", "matchLabels")))) == 0 {
			t.Errorf("%s selects no pods", p)
		}
	}
	for _, s := range byKind["StatefulSet"] {
		svc := asString(dig(s.doc, "spec", "serviceName"))
		ok := false
		for _, o := range byKind["Service"] {
			ok = ok || (o.name() == svc && asString(dig(o.doc, "spec", "clusterIP")) == "None")
		}
		if !ok {
			t.Errorf("%s: serviceName %q is no headless Service", s, svc)
		}
	}

	// Every Secret key is one deploy/README.md says how to create.
	documented := documentedSecrets(t, readFile(t, deployPath("README.md")))
	for name, keys := range secretsUsed {
		doc, ok := documented[name]
		if !ok {
			t.Errorf("Secret %s is used but deploy/README.md does not create it (kubectl create secret generic %s ...)", name, name)
		}
		for k := range keys {
			if ok && !doc[k] {
				t.Errorf("Secret %s key %s is used but deploy/README.md does not create it", name, k)
			}
		}
	}

	nats := workloadWithImage(t, workloads, "nats:")
	crdb := workloadWithImage(t, workloads, "cockroachdb/cockroach:")
	docketd := workloadWithImage(t, workloads, "docketd")
	checkK8sNATS(t, nats, kust)
	checkK8sCockroach(t, crdb, workloads)
	checkK8sDocketd(t, docketd, nats)

	// The same images as compose.
	_, services, _ := loadCompose(t)
	for _, w := range workloads {
		for _, c := range w.containers() {
			image := asString(c["image"])
			for _, s := range services {
				repo, _, _ := strings.Cut(s.image(), ":")
				if r, _, _ := strings.Cut(image, ":"); r == repo && repo != "docketd" && s.image() != image {
					t.Errorf("%s runs %s, compose service %s runs %s", w, image, s.name, s.image())
				}
			}
		}
	}
}

// natsOriginal is the file under deploy/nats with this base name.
func natsOriginal(t testing.TB, base string) string {
	t.Helper()
	var found []string
	for _, c := range natsConfigs(t) {
		if filepath.Base(c) == base {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Errorf("deploy/kubernetes copies %s, which is %d files under deploy/nats", base, len(found))
		return ""
	}
	return found[0]
}

func workloadWithImage(t testing.TB, ws []k8sObject, prefix string) k8sObject {
	t.Helper()
	var found []k8sObject
	for _, w := range ws {
		for _, c := range asList(dig(w.podTemplate(), "spec", "containers")) {
			if strings.HasPrefix(asString(dig(c, "image")), prefix) && w.kind() != "Job" {
				found = append(found, w)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d workloads (not Jobs) run %s*, want one", len(found), prefix)
	}
	return found[0]
}

// documentedSecrets reads the `kubectl create secret generic NAME` commands
// in a README: each Secret's keys (--from-literal=KEY=, --from-file=KEY=,
// --from-file=PATH as base(PATH)).
func documentedSecrets(t testing.TB, readme string) map[string]map[string]bool {
	t.Helper()
	secrets := map[string]map[string]bool{}
	re := regexp.MustCompile(`create secret generic ([a-z0-9-]+)`)
	for _, line := range codeLines(readme) {
		m := re.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		name := line[m[2]:m[3]]
		keys := map[string]bool{}
		for _, w := range strings.Fields(line[m[1]:]) {
			if v, ok := strings.CutPrefix(w, "--from-literal="); ok {
				k, _, _ := strings.Cut(v, "=")
				keys[k] = true
			}
			if v, ok := strings.CutPrefix(w, "--from-file="); ok {
				if k, _, ok := strings.Cut(v, "="); ok {
					keys[k] = true
				} else {
					keys[path.Base(v)] = true
				}
			}
		}
		secrets[name] = keys
	}
	return secrets
}

// codeLines are the lines of a Markdown file's fenced code blocks, with
// backslash-continued lines joined.
func codeLines(md string) []string {
	var lines []string
	in, cur := false, ""
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur += s + " "
			continue
		}
		lines = append(lines, cur+line)
		cur = ""
	}
	return lines
}

// statefulSetOf3 checks that w is a StatefulSet of three replicas, and
// returns its pods' stable host names (<name>-<i>.<serviceName>).
func statefulSetOf3(t *testing.T, w k8sObject) []string {
	t.Helper()
	replicas, _ := strconv.Atoi(asString(dig(w.doc, "spec", "replicas")))
	if w.kind() != "StatefulSet" || replicas != 3 {
		t.Errorf("%s: want a StatefulSet of 3, it has %d replicas", w, replicas)
	}
	svc := asString(dig(w.doc, "spec", "serviceName"))
	var hosts []string
	for i := range replicas {
		hosts = append(hosts, fmt.Sprintf("%s-%d.%s", w.name(), i, svc))
	}
	return hosts
}

func checkK8sNATS(t *testing.T, w k8sObject, kust kustomization) {
	hosts := statefulSetOf3(t, w)
	c := asMap(asList(dig(w.podTemplate(), "spec", "containers"))[0])
	if !natsImageOK(asString(c["image"])) {
		t.Errorf("%s: image %s, want nats-server %s (natsbin.Version)", w, c["image"], natsbin.Version)
	}
	var args []string
	for _, a := range append(asList(c["command"]), asList(c["args"])...) {
		args = append(args, asString(a))
	}
	confPath := flagValue(args, "--config", "-c")
	// The configuration as the pod sees it: the ConfigMap's files at their
	// items' paths under the mount.
	root := t.TempDir()
	conf := ""
	vols := map[string]map[string]any{}
	for _, v := range asList(dig(w.podTemplate(), "spec", "volumes")) {
		vols[asString(dig(v, "name"))] = asMap(v)
	}
	for _, m := range asList(c["volumeMounts"]) {
		mount := asString(dig(m, "mountPath"))
		rel, ok := strings.CutPrefix(confPath, mount+"/")
		v := vols[asString(dig(m, "name"))]
		if !ok || dig(v, "configMap") == nil {
			continue
		}
		files := kust.configMaps[asString(dig(v, "configMap", "name"))]
		for _, it := range asList(dig(v, "configMap", "items")) {
			for _, f := range files {
				if path.Base(f) == asString(dig(it, "key")) {
					dst := filepath.Join(root, filepath.FromSlash(asString(dig(it, "path"))))
					if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(dst, []byte(readFile(t, filepath.Join(deployPath("kubernetes"), f))), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		conf = filepath.Join(root, filepath.FromSlash(rel))
	}
	if conf == "" {
		t.Fatalf("%s: its configuration %q is in no mounted ConfigMap", w, confPath)
	}
	if _, err := os.Stat(conf); err != nil {
		t.Fatalf("%s: %s is not among the ConfigMap's items: %v", w, confPath, err)
	}
	env, _ := containerEnv(c, w.name()+"-0", func(name, key string) string { return "p" + strings.ReplaceAll(name+key, "-", "") })
	if env["DOCKET_NATS_NAME"] != w.name()+"-0" {
		t.Errorf("%s: DOCKET_NATS_NAME is not the pod's name", w)
	}
	for _, k := range []string{"DOCKET_NATS_PORT", "DOCKET_NATS_CLUSTER_PORT", "DOCKET_NATS_MONITOR_PORT"} {
		if _, ok := containerPort(c, env[k]); !ok {
			t.Errorf("%s: %s=%s is no container port", w, k, env[k])
		}
	}
	checkNATSEnv(t, w.String(), conf, env, hosts)
	t.Run("nats-server -t", func(t *testing.T) {
		if err := natsCheck(natsbin.Path(t), conf, env); err != nil {
			t.Error(err)
		}
	})
}

func checkK8sCockroach(t *testing.T, w k8sObject, workloads []k8sObject) {
	want := statefulSetOf3(t, w)
	for _, o := range workloads {
		for _, c := range o.containers() {
			var cmd []string
			for _, a := range append(asList(c["command"]), asList(c["args"])...) {
				cmd = append(cmd, strings.Fields(asString(a))...)
			}
			if slices.Contains(cmd, "--insecure") {
				t.Errorf("%s runs CockroachDB --insecure", o)
			}
			if o.name() != w.name() {
				continue
			}
			joins := strings.Split(flagValue(cmd, "--join"), ",")
			slices.Sort(joins)
			if !slices.Equal(joins, want) {
				t.Errorf("%s joins %v, want every node %v", o, joins, want)
			}
			if flagValue(cmd, "--certs-dir") == "" {
				t.Errorf("%s starts without --certs-dir", o)
			}
		}
	}
}

func checkK8sDocketd(t *testing.T, w k8sObject, nats k8sObject) {
	replicas, _ := strconv.Atoi(asString(dig(w.doc, "spec", "replicas")))
	if w.kind() != "Deployment" || replicas < 2 {
		t.Errorf("%s: want a Deployment of at least 2 replicas, it has %d", w, replicas)
	}
	c := asMap(asList(dig(w.podTemplate(), "spec", "containers"))[0])
	names := docketdEnvNames(t)
	env, refs := containerEnv(c, w.name()+"-abc12", func(name, key string) string {
		if key == "store" {
			return "postgres://docketd:secret@cockroachdb-public:26257/docket?sslmode=verify-full"
		}
		return "p" + strings.ReplaceAll(name+key, "-", "")
	})
	for k := range env {
		if !names[k] {
			t.Errorf("%s: sets %s, which docketd does not read", w, k)
		}
	}
	cfg, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("%s: docketd refuses its configuration: %v", w, err)
	}
	if cfg.Embedded() || cfg.StreamReplicas != 3 {
		t.Errorf("%s: embedded %v, stream_replicas %d; want the cluster and 3", w, cfg.Embedded(), cfg.StreamReplicas)
	}
	if env["DOCKET_STORE"] == "" || env["DOCKET_KEK"] == "" || env["DOCKET_NOTARY_KEY"] == "" || env["DOCKET_NATS_PASSWORD"] == "" {
		t.Errorf("%s: DOCKET_STORE, DOCKET_KEK, DOCKET_NOTARY_KEY and DOCKET_NATS_PASSWORD must be set (from Secrets)", w)
	}
	for _, k := range []string{"DOCKET_STORE", "DOCKET_KEK", "DOCKET_NOTARY_KEY", "DOCKET_NATS_PASSWORD"} {
		if !slices.ContainsFunc(asList(c["env"]), func(e any) bool {
			return asString(dig(e, "name")) == k && dig(e, "valueFrom", "secretKeyRef") != nil
		}) {
			t.Errorf("%s: %s does not come from a Secret", w, k)
		}
	}
	// NATS: every pod of the StatefulSet at its client port, with the
	// Secret the NATS pods take this user's password from.
	nc := asMap(asList(dig(nats.podTemplate(), "spec", "containers"))[0])
	clientPort, _ := containerPort(nc, "client")
	nreplicas, _ := strconv.Atoi(asString(dig(nats.doc, "spec", "replicas")))
	var want, got []string
	for i := range nreplicas {
		want = append(want, net.JoinHostPort(fmt.Sprintf("%s-%d.%s", nats.name(), i, asString(dig(nats.doc, "spec", "serviceName"))), strconv.Itoa(clientPort)))
	}
	for _, u := range strings.Split(cfg.NATSURL, ",") {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pu.Host)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s: nats_url %v, want every NATS pod %v", w, got, want)
	}
	passVar := accountUsers(t)[cfg.NATSUser]
	_, natsRefs := containerEnv(nc, "", func(string, string) string { return "" })
	var natsPass [2]string
	for _, e := range asList(nc["env"]) {
		if asString(dig(e, "name")) == passVar {
			natsPass = [2]string{asString(dig(e, "valueFrom", "secretKeyRef", "name")), asString(dig(e, "valueFrom", "secretKeyRef", "key"))}
		}
	}
	if passVar == "" || !slices.Contains(natsRefs, natsPass) || !slices.Contains(refs, natsPass) {
		t.Errorf("%s: nats_user %q's password is not the Secret key the NATS pods give that user (%v)", w, cfg.NATSUser, natsPass)
	}
	// Probes: readiness /readyz, liveness (and startup) /healthz, on the
	// port docketd listens on.
	_, apiPort, _ := net.SplitHostPort(cfg.APIListen)
	for probe, want := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz", "startupProbe": "/healthz"} {
		p := dig(c, probe)
		if p == nil && probe == "startupProbe" {
			continue
		}
		if got := asString(dig(p, "httpGet", "path")); got != want {
			t.Errorf("%s: %s path %q, want %s", w, probe, got, want)
		}
		if n, ok := containerPort(c, dig(p, "httpGet", "port")); !ok || strconv.Itoa(n) != apiPort {
			t.Errorf("%s: %s port is not api_listen's %s", w, probe, apiPort)
		}
	}
	// Non-root, and a writable data_dir under a read-only root.
	if asString(dig(w.podTemplate(), "spec", "securityContext", "runAsNonRoot")) != "true" && asString(dig(c, "securityContext", "runAsNonRoot")) != "true" {
		t.Errorf("%s: not runAsNonRoot", w)
	}
	mounted := false
	for _, m := range asList(c["volumeMounts"]) {
		mp := asString(dig(m, "mountPath"))
		mounted = mounted || cfg.DataDir == mp || strings.HasPrefix(cfg.DataDir, mp+"/")
	}
	if !mounted {
		t.Errorf("%s: data_dir %s is not on a volume", w, cfg.DataDir)
	}
}

// TestKustomizeBuild builds deploy/kubernetes with kustomize (it needs no
// cluster): $KUSTOMIZE, which `make test` builds from the module proxy into
// .tools/bin, else `kubectl kustomize` when kubectl is on PATH.
func TestKustomizeBuild(t *testing.T) {
	var argv []string
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		argv = []string{k, "build"}
	} else if kubectl, err := exec.LookPath("kubectl"); err == nil {
		argv = []string{kubectl, "kustomize"}
	} else {
		msg := "neither $KUSTOMIZE nor kubectl on PATH (make test builds kustomize into .tools/bin)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: a test that cannot run fails)")
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], deployPath("kubernetes"))...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s deploy/kubernetes: %v\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	for _, want := range []string{"kind: StatefulSet", "kind: Deployment", "kind: Job", "name: nats-config-", "image: docketd:local", "namespace: docket"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("kustomize output has no %q", want)
		}
	}
}
