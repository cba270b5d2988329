package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

const service = `apiVersion: v1
kind: Service
metadata:
  name: docketd
spec:
  selector: {app: docketd}
  ports:
    - {name: api, port: 7070, targetPort: 7070}
`

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       string // "" for no problem
	}{
		{"valid", service, ""},
		{"comment and separator only around it", "# head\n---\n" + service + "---\n# tail\n", ""},
		{"unknown field", strings.Replace(service, "  selector:", "  selectr:", 1), `unknown field "spec.selectr"`},
		{"field twice", service + "  type: ClusterIP\n  type: NodePort\n", `"type" already set`},
		{"wrong type", strings.Replace(service, "port: 7070,", "port: seventy,", 1), "spec.ports"},
		{"misspelt container field", `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers:
        - name: d
          image: docketd:local
          imagePullPolicy: Never
          readinessProbe: {httpGet: {path: /readyz, prot: 7070}}
`, `unknown field "spec.template.spec.containers[0].readinessProbe.httpGet.prot"`},
		{"unknown kind", strings.Replace(service, "kind: Service", "kind: Servce", 1), `no kind "Servce"`},
		{"unknown version", strings.Replace(service, "apiVersion: v1", "apiVersion: apps/v9", 1), "apps/v9"},
		{"no kind", strings.Replace(service, "kind: Service\n", "", 1), "kind: missing"},
		{"no apiVersion", strings.Replace(service, "apiVersion: v1\n", "", 1), "apiVersion: missing"},
		{"no name", strings.Replace(service, "  name: docketd\n", "  labels: {app: docketd}\n", 1), "metadata.name: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, problems, err := Check("in.yaml", strings.NewReader(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if docs != 1 {
				t.Fatalf("read %d documents, want 1", docs)
			}
			switch {
			case tc.want == "" && len(problems) > 0:
				t.Fatalf("problems in a valid document: %v", problems)
			case tc.want != "" && len(problems) != 1:
				t.Fatalf("got %d problems (%v), want one naming %q", len(problems), problems, tc.want)
			case tc.want != "" && !strings.Contains(problems[0].Error(), tc.want):
				t.Fatalf("problem %q does not name %q", problems[0], tc.want)
			case tc.want != "" && !strings.HasPrefix(problems[0].Error(), "in.yaml: document "):
				t.Fatalf("problem %q does not name the document", problems[0])
			}
		})
	}
}

// TestDeployManifests checks deploy/kubernetes's own files (make test and
// make deploy-check also check kustomize's build of them).
func TestDeployManifests(t *testing.T) {
	files, err := filepath.Glob("../../deploy/kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes (%v)", err)
	}
	var out, errOut bytes.Buffer
	var args []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" { // kustomize's, not the API server's
			args = append(args, f)
		}
	}
	if code := run(args, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
}

// A problem names the field, never the value: a manifest may be a Secret.
func TestProblemsKeepValuesOut(t *testing.T) {
	const canary = "canary-s3cr3t"
	for _, doc := range []string{
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: " + canary + "\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstrngData: {password: " + canary + "}\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: " + canary + "}\n",
		"apiVersion: v1\nmetadata: {name: s}\nstringData: {password: " + canary + "}\n",
	} {
		_, problems, err := Check("s.yaml", strings.NewReader(doc))
		if err != nil || len(problems) != 1 {
			t.Fatalf("%q: problems %v, err %v; want one problem", doc, problems, err)
		}
		if strings.Contains(problems[0].Error(), canary) {
			t.Errorf("problem quotes the value: %v", problems[0])
		}
	}
}

func TestExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader(strings.Replace(service, "selector", "selectr", 1)), &out, &errOut); code != 1 {
		t.Errorf("a problem: exit %d, want 1", code)
	}
	if code := run(nil, strings.NewReader("# nothing\n"), &out, &errOut); code != 2 {
		t.Errorf("no document: exit %d, want 2", code)
	}
	if code := run([]string{filepath.Join(t.TempDir(), "missing.yaml")}, nil, &out, &errOut); code != 2 {
		t.Errorf("a missing file: exit %d, want 2", code)
	}
}
