// Command kubecheck checks Kubernetes manifests against Kubernetes' own API
// types, as kubeconform checks them against the JSON schemas generated from
// those types: every document must name a known apiVersion and kind, a
// metadata.name, and hold no field the type lacks, no field twice and no
// value of the wrong type.
//
// kubeconform itself reads its schemas from GitHub, which these machines
// cannot reach; k8s.io/api comes from the Go module proxy, pinned in go.mod
// with its hash in go.sum.
//
//	kustomize build deploy/kubernetes | GOWORK=off go run ./.ci/kubecheck
//	GOWORK=off go run ./.ci/kubecheck deploy/kubernetes/nats.yaml ...
//
// It reads the files it is given, or stdin, prints one line per problem,
// naming the document and the field, and exits 1 if there was any (2 when it
// could not read its input).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	inputs := map[string]io.Reader{}
	names := args
	if len(args) == 0 {
		names = []string{"stdin"}
		inputs["stdin"] = stdin
	}
	n, problems := 0, 0
	for _, name := range names {
		r := inputs[name]
		if r == nil {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintf(stderr, "kubecheck: %v\n", err)
				return 2
			}
			defer f.Close()
			r = f
		}
		docs, errs, err := Check(name, r)
		if err != nil {
			fmt.Fprintf(stderr, "kubecheck: %v\n", err)
			return 2
		}
		n += docs
		for _, e := range errs {
			fmt.Fprintln(stdout, e)
		}
		problems += len(errs)
	}
	if n == 0 {
		fmt.Fprintln(stderr, "kubecheck: no Kubernetes document in the input")
		return 2
	}
	fmt.Fprintf(stderr, "kubecheck: %d documents, %d problems\n", n, problems)
	if problems > 0 {
		return 1
	}
	return 0
}

// decoder decodes the API groups a deployment of Docket may use, strictly.
var decoder = func() runtime.Decoder {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
		networkingv1.AddToScheme, rbacv1.AddToScheme, autoscalingv2.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return serializer.NewCodecFactory(s, serializer.EnableStrict).UniversalDeserializer()
}()

// Check checks every YAML document read from r (named name in the
// problems): how many documents it held, and a problem for each document
// that is not a valid object. err is a failure to read r.
func Check(name string, r io.Reader) (docs int, problems []error, err error) {
	yr := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for i := 1; ; i++ {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			return docs, problems, nil
		}
		if err != nil {
			return docs, problems, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		if empty(doc) {
			continue
		}
		docs++
		if err := checkDoc(doc); err != nil {
			problems = append(problems, fmt.Errorf("%s: document %d%s: %w", name, i, describe(doc), err))
		}
	}
}

func checkDoc(doc []byte) error {
	// The decoder's own message for a missing kind quotes the document,
	// which may be a Secret: say it here instead.
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	switch {
	case tm.APIVersion == "":
		return errors.New("apiVersion: missing")
	case tm.Kind == "":
		return errors.New("kind: missing")
	}
	obj, _, err := decoder.Decode(doc, nil, nil)
	if err != nil {
		return err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	if m.GetName() == "" {
		return errors.New("metadata.name: missing")
	}
	return nil
}

// describe names a document by its kind and name, as far as they can be read.
func describe(doc []byte) string {
	var d struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if yaml.Unmarshal(doc, &d) != nil || d.Kind == "" {
		return ""
	}
	return " (" + strings.TrimSpace(d.Kind+" "+d.Metadata.Name) + ")"
}

// empty reports whether a document holds only blank lines and comments.
func empty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}
