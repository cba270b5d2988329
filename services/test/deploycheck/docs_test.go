package deploycheck_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/config"
)

// TestDockerfile checks deploy/docker/Dockerfile: a Go build stage at
// least as new as go.work's Go, the build of ./services/cmd/docketd, and a
// final stage that runs docketd as a user other than root with settings
// docketd reads.
func TestDockerfile(t *testing.T) {
	text := strings.ReplaceAll(readFile(t, deployPath("docker", "Dockerfile")), "\\\n", " ")
	var stages [][]string // each stage's instructions
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %q before FROM", line)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], line)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build and a runtime stage", len(stages))
	}
	// The build stage's Go.
	from := strings.Fields(stages[0][0])
	goVersion, ok := strings.CutPrefix(from[1], "golang:")
	if !ok {
		t.Fatalf("Dockerfile's first stage is %s, want golang:", from[1])
	}
	goVersion, _, _ = strings.Cut(goVersion, "-")
	workGo := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readFile(t, "../../../go.work"))
	if workGo == nil || compareVersions(goVersion, workGo[1]) < 0 {
		t.Errorf("the build stage's Go %s is older than go.work's %v", goVersion, workGo)
	}
	built := false
	for _, stage := range stages[:len(stages)-1] {
		for _, ins := range stage {
			built = built || (strings.HasPrefix(ins, "RUN ") && strings.Contains(ins, "go build") && strings.Contains(ins, "./services/cmd/docketd"))
		}
	}
	if !built {
		t.Error("no build stage runs go build ./services/cmd/docketd")
	}
	final := stages[len(stages)-1]
	var user, entrypoint string
	names := docketdEnvNames(t)
	for _, ins := range final {
		word, rest, _ := strings.Cut(ins, " ")
		switch strings.ToUpper(word) {
		case "USER":
			user = strings.TrimSpace(rest)
		case "ENTRYPOINT":
			entrypoint = rest
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, _, _ := strings.Cut(kv, "=")
				if !names[k] {
					t.Errorf("the image sets %s, which docketd does not read", k)
				}
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("the image runs as user %q, want a non-root user", user)
	}
	if !strings.Contains(entrypoint, "docketd") {
		t.Errorf("the image's entrypoint %q is not docketd", entrypoint)
	}
	ignore := readFile(t, deployPath("docker", "Dockerfile.dockerignore"))
	for _, want := range []string{".git", "data"} {
		if !slices.Contains(strings.Fields(ignore), want) {
			t.Errorf("Dockerfile.dockerignore does not keep %s out of the build context", want)
		}
	}
}

// compareVersions compares dotted numbers: -1, 0 or 1.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

var (
	// docket SUBCOMMAND..., at the start of a command, after a space or
	// after bin/ ("-n docket", a namespace, is skipped); docketd --flag at
	// the start of a line or after bin/.
	docketCmdRe  = regexp.MustCompile(`(^|\s|bin/)docket\s+([a-z][a-z0-9-]*)`)
	docketdCmdRe = regexp.MustCompile(`(^|bin/)docketd\s+--[a-z]`)
	flagNameRe   = regexp.MustCompile(`(?m)^\s+-{1,2}([a-zA-Z0-9][a-zA-Z0-9-]*)`)
	// A flag in cobra's help: "  -f, --follow" or "      --api string".
	cliFlagRe = regexp.MustCompile(`(?m)^\s+(?:-([a-zA-Z]), )?--([a-zA-Z0-9][a-zA-Z0-9-]*)`)
	// A single-dash long flag (-api): pflag reads it as -a -p -i.
	singleDashRe = regexp.MustCompile(`^-[a-zA-Z][a-zA-Z0-9-]+(=.*)?$`)
	subWordRe    = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	makeRe       = regexp.MustCompile("`make ([a-z][a-z0-9-]*)")
)

// commandTail is a command line from i up to a shell separator or comment.
func commandTail(line string, i int) string {
	tail := line[i:]
	for _, sep := range []string{" | ", " && ", "; ", " # ", " > ", ")", "$("} {
		if j := strings.Index(tail, sep); j >= 0 {
			tail = tail[:j]
		}
	}
	return tail
}

// flagsOf are the flags of a command line (names, no values): --long as
// long, -x as -x; bad holds the single-dash long ones.
func flagsOf(words []string) (flags, bad []string) {
	for _, w := range words {
		switch {
		case strings.HasPrefix(w, "--") && len(w) > 2:
			f, _, _ := strings.Cut(w[2:], "=")
			flags = append(flags, f)
		case singleDashRe.MatchString(w):
			bad = append(bad, w)
		case len(w) == 2 && w[0] == '-' && w[1] != '-':
			flags = append(flags, w)
		}
	}
	return flags, bad
}

// cliFlags runs `docket SUB... --help` in process and returns the flags
// its help lists (long names, and shorthands as -x); an error when the
// help is not SUB's own (an unknown command shows its parent's).
func cliFlags(sub []string) (map[string]bool, error) {
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), append(slices.Clone(sub), "--help"), &stdout, &stderr)
	name := "docket " + strings.Join(sub, " ")
	if code != 0 {
		return nil, fmt.Errorf("%s --help: exit %d:\n%s", name, code, stderr.String())
	}
	if !regexp.MustCompile(`(?m)^Usage:\n  ` + regexp.QuoteMeta(name) + `( |$)`).MatchString(stdout.String()) {
		return nil, fmt.Errorf("%s: no such command", name)
	}
	flags := map[string]bool{}
	for _, m := range cliFlagRe.FindAllStringSubmatch(stdout.String(), -1) {
		flags[m[2]] = true
		if m[1] != "" {
			flags["-"+m[1]] = true
		}
	}
	return flags, nil
}

// TestDocsCommands checks that every docket and docketd command
// README.md, deploy/README.md and deploy/nats/README.md show exists with
// the flags shown (docket's GNU-style: no single-dash long flag), and that
// every make target they name exists.
func TestDocsCommands(t *testing.T) {
	var stderr bytes.Buffer
	if _, err := config.Load([]string{"-h"}, func(string) string { return "" }, &stderr); err == nil {
		t.Fatal("docketd -h did not stop at the help")
	}
	docketdFlags := map[string]bool{}
	for _, m := range flagNameRe.FindAllStringSubmatch(stderr.String(), -1) {
		docketdFlags[m[1]] = true
	}
	makefile := readFile(t, "../../../Makefile")
	checked := 0
	for _, doc := range []string{"../README.md", "README.md", "nats/README.md"} {
		text := readFile(t, deployPath(doc))
		for _, m := range makeRe.FindAllStringSubmatch(text, -1) {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(m[1]) + `:`).MatchString(makefile) {
				t.Errorf("%s: `make %s`: no such target in the Makefile", doc, m[1])
			}
		}
		for _, line := range codeLines(text) {
			for _, m := range docketCmdRe.FindAllStringSubmatchIndex(line, -1) {
				before := strings.TrimSpace(line[:m[3]])
				if strings.HasSuffix(before, " -n") || strings.HasSuffix(before, "--namespace") {
					continue
				}
				words := strings.Fields(commandTail(line, m[4]))
				var sub []string
				for _, w := range words {
					if len(sub) == 2 || !subWordRe.MatchString(w) {
						break
					}
					sub = append(sub, w)
				}
				flags, err := cliFlags(sub)
				if err != nil && len(sub) == 2 {
					sub = sub[:1] // the second word was an argument
					flags, err = cliFlags(sub)
				}
				if err != nil {
					t.Errorf("%s: %q: %v", doc, line, err)
					continue
				}
				checked++
				shown, bad := flagsOf(words)
				for _, f := range shown {
					if !flags[f] {
						if !strings.HasPrefix(f, "-") {
							f = "--" + f
						}
						t.Errorf("%s: docket %s has no flag %s (%q)", doc, strings.Join(sub, " "), f, line)
					}
				}
				for _, f := range bad {
					t.Errorf("%s: %s is a single-dash long flag: write -%s (%q)", doc, f, f, line)
				}
			}
			for _, m := range docketdCmdRe.FindAllStringIndex(line, -1) {
				checked++
				shown, _ := flagsOf(strings.Fields(commandTail(line, m[0])))
				for _, f := range shown {
					if !strings.HasPrefix(f, "-") && !docketdFlags[f] {
						t.Errorf("%s: docketd has no flag --%s (%q)", doc, f, line)
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked only %d commands: is the README's code still in fenced blocks?", checked)
	}
}
