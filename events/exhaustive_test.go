package events_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// eventsv1Path is the import path of the generated event types.
const eventsv1Path = "github.com/docketledger/docket/proto/gen/docket/events/v1"

// exhaustiveMarker marks the default clause of a switch that handles a subset
// of the payload types on purpose; the reason follows it.
const exhaustiveMarker = "exhaustive:"

// payloadType is one member of eventsv1.Event's payload oneof, read from the
// proto descriptors: the Go wrapper type name (Event_DataCollected), the
// proto full name (docket.events.v1.DataCollected) and the oneof field name
// (data_collected, what events.PayloadField returns).
type payloadType struct{ wrapper, fullName, field string }

func payloadTypes(t *testing.T) []payloadType {
	t.Helper()
	md := (&eventsv1.Event{}).ProtoReflect().Descriptor()
	oneof := md.Oneofs().ByName("payload")
	if oneof == nil {
		t.Fatal("eventsv1.Event has no oneof named payload")
	}
	var out []payloadType
	for i := range oneof.Fields().Len() {
		fd := oneof.Fields().Get(i)
		ev := &eventsv1.Event{}
		m := ev.ProtoReflect()
		m.Set(fd, protoreflect.ValueOfMessage(m.NewField(fd).Message()))
		out = append(out, payloadType{
			wrapper:  reflect.TypeOf(ev.GetPayload()).Elem().Name(),
			fullName: string(fd.Message().FullName()),
			field:    string(fd.Name()),
		})
	}
	if len(out) == 0 {
		t.Fatal("eventsv1.Event's payload oneof has no members")
	}
	return out
}

// switchProblem is one switch over the payload types that misses some and
// has no default clause marked with exhaustiveMarker.
type switchProblem struct {
	pos     token.Position
	missing []string // proto full names
}

func (p switchProblem) String() string {
	return fmt.Sprintf("%s: switch over the event payload misses %s; add the cases, or a default clause marked %q with the reason the rest need nothing",
		p.pos, strings.Join(p.missing, ", "), "// "+exhaustiveMarker+" ...")
}

// fileReport is what checkFile found: how many switches over the payload, and
// the problems among them.
type fileReport struct {
	switches int
	problems []switchProblem
}

// checkFile finds every switch over the event payload in one parsed file: a
// type switch with a case naming an eventsv1.Event_* payload wrapper, or an
// expression switch with a case naming a payload type's proto full name (a
// switch on events.TypeName) or its oneof field name (a switch on
// events.PayloadField). Each must list every payload type, or carry a
// default clause with an exhaustiveMarker comment (in it, or on the line
// above it) followed by a reason.
func checkFile(fset *token.FileSet, f *ast.File, types []payloadType) fileReport {
	var pkgNames []string // the names eventsv1 is imported under
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == eventsv1Path {
			if imp.Name != nil {
				pkgNames = append(pkgNames, imp.Name.Name)
			} else {
				pkgNames = append(pkgNames, "eventsv1")
			}
		}
	}
	byWrapper := make(map[string]string, len(types))
	byName := make(map[string]string, 2*len(types)) // full or field name
	for _, pt := range types {
		byWrapper[pt.wrapper] = pt.fullName
		byName[pt.fullName] = pt.fullName
		byName[pt.field] = pt.fullName
	}
	// caseType names the payload type one case expression stands for, or "".
	caseType := func(e ast.Expr, typeSwitch bool) string {
		if !typeSwitch {
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return ""
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return ""
			}
			return byName[s]
		}
		if star, ok := e.(*ast.StarExpr); ok {
			e = star.X
		}
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return ""
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || !slices.Contains(pkgNames, pkg.Name) {
			return ""
		}
		return byWrapper[sel.Sel.Name]
	}
	var rep fileReport
	check := func(body *ast.BlockStmt, typeSwitch bool) {
		handled := map[string]bool{}
		var dflt *ast.CaseClause
		for _, st := range body.List {
			cc := st.(*ast.CaseClause)
			if cc.List == nil {
				dflt = cc
			}
			for _, e := range cc.List {
				if n := caseType(e, typeSwitch); n != "" {
					handled[n] = true
				}
			}
		}
		if len(handled) == 0 {
			return // not a switch over the payload
		}
		rep.switches++
		if dflt != nil && markedDefault(fset, f, dflt, body) {
			return
		}
		var missing []string
		for _, pt := range types {
			if !handled[pt.fullName] {
				missing = append(missing, pt.fullName)
			}
		}
		if len(missing) > 0 {
			rep.problems = append(rep.problems, switchProblem{pos: fset.Position(body.Lbrace), missing: missing})
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.TypeSwitchStmt:
			check(s.Body, true)
		case *ast.SwitchStmt:
			check(s.Body, false)
		}
		return true
	})
	return rep
}

// markedDefault reports whether a comment "exhaustive: <reason>" sits in the
// default clause dflt, on its line, or on the line above it.
func markedDefault(fset *token.FileSet, f *ast.File, dflt *ast.CaseClause, body *ast.BlockStmt) bool {
	from := fset.Position(dflt.Pos()).Line - 1
	end := body.Rbrace
	for _, st := range body.List { // the clause ends where the next one starts
		if st.Pos() > dflt.Pos() && st.Pos() < end {
			end = st.Pos()
		}
	}
	to := fset.Position(end).Line
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			line := fset.Position(c.Pos()).Line
			if line < from || line > to || c.Pos() > end {
				continue
			}
			text := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(c.Text, "//"), "/*"))
			if reason, ok := strings.CutPrefix(text, exhaustiveMarker); ok && len(strings.Fields(reason)) >= 3 {
				return true
			}
		}
	}
	return false
}

// repoRoot is the directory holding go.work, found upwards from the test's
// working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			if os.Getenv("CI") == "true" {
				t.Fatal("no go.work above the events module: the exhaustiveness check needs the whole workspace")
			}
			t.Skip("no go.work above the events module (not in the Docket workspace): nothing to check")
		}
		dir = parent
	}
}

// TestPayloadSwitchesAreExhaustive parses every hand-written .go file of the
// workspace and fails, naming the file, the line and the payload types, on
// every switch over the event payload that misses a payload type without a
// default clause marked "// exhaustive: <why the rest need nothing>". Adding
// an event type to the proto makes it name each switch to look at.
func TestPayloadSwitchesAreExhaustive(t *testing.T) {
	types := payloadTypes(t)
	root := repoRoot(t)
	fset := token.NewFileSet()
	var files, switches int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		files++
		rep := checkFile(fset, f, types)
		switches += rep.switches
		for _, p := range rep.problems {
			if rel, err := filepath.Rel(root, p.pos.Filename); err == nil {
				p.pos.Filename = rel
			}
			t.Error(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must have seen the switches this test exists for: a wrong
	// root or a broken detector would otherwise pass on nothing.
	if switches < 10 {
		t.Errorf("found %d switches over the event payload in %d files under %s; want at least 10 (state.Apply's alone has several)", switches, files, root)
	}
	t.Logf("%d payload types; %d switches over them in %d files", len(types), switches, files)
}

// TestCheckFile proves the detector on small sources: a switch that misses a
// type fails unless its default clause is marked with a reason.
func TestCheckFile(t *testing.T) {
	types := []payloadType{
		{"Event_DataCollected", "docket.events.v1.DataCollected", "data_collected"},
		{"Event_ConsentGiven", "docket.events.v1.ConsentGiven", "consent_given"},
	}
	const header = "package p\n\nimport ev1 \"" + eventsv1Path + "\"\n\nfunc f(e *ev1.Event, s string) {\n"
	tests := []struct {
		name         string
		body         string
		wantSwitches int
		wantMissing  []string
	}{
		{
			name:         "every type listed",
			body:         "switch e.GetPayload().(type) {\ncase *ev1.Event_DataCollected, *ev1.Event_ConsentGiven:\n}\n",
			wantSwitches: 1,
		},
		{
			name:         "a type missing",
			body:         "switch p := e.GetPayload().(type) {\ncase *ev1.Event_DataCollected:\n_ = p\n}\n",
			wantSwitches: 1,
			wantMissing:  []string{"docket.events.v1.ConsentGiven"},
		},
		{
			name:         "unmarked default",
			body:         "switch e.GetPayload().(type) {\ncase *ev1.Event_DataCollected:\ndefault:\nreturn\n}\n",
			wantSwitches: 1,
			wantMissing:  []string{"docket.events.v1.ConsentGiven"},
		},
		{
			name:         "marker without a reason",
			body:         "switch e.GetPayload().(type) {\ncase *ev1.Event_DataCollected:\ndefault: // exhaustive:\n}\n",
			wantSwitches: 1,
			wantMissing:  []string{"docket.events.v1.ConsentGiven"},
		},
		{
			name:         "marker in another clause",
			body:         "switch e.GetPayload().(type) {\ndefault:\ncase *ev1.Event_DataCollected:\n// exhaustive: the others need nothing here\n}\n",
			wantSwitches: 1,
			wantMissing:  []string{"docket.events.v1.ConsentGiven"},
		},
		{
			name:         "marked default",
			body:         "switch e.GetPayload().(type) {\ncase *ev1.Event_DataCollected:\ndefault:\n// exhaustive: the others collect nothing\n}\n",
			wantSwitches: 1,
		},
		{
			name:         "marked on the line above default",
			body:         "switch e.GetPayload().(type) {\ncase *ev1.Event_DataCollected:\n// exhaustive: the others collect nothing\ndefault:\n}\n",
			wantSwitches: 1,
		},
		{
			name:         "switch on the type name",
			body:         "switch s {\ncase \"docket.events.v1.ConsentGiven\":\n}\n",
			wantSwitches: 1,
			wantMissing:  []string{"docket.events.v1.DataCollected"},
		},
		{
			name:         "switch on the field name",
			body:         "switch s {\ncase \"data_collected\", \"consent_given\":\n}\nswitch s {\ncase \"data_collected\":\n}\n",
			wantSwitches: 2,
			wantMissing:  []string{"docket.events.v1.ConsentGiven"},
		},
		{
			name: "other switches are ignored",
			body: "switch x := any(s).(type) {\ncase string:\n_ = x\n}\nswitch s {\ncase \"a\":\n}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", header+tt.body+"}\n", parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			rep := checkFile(fset, f, types)
			if rep.switches != tt.wantSwitches {
				t.Errorf("switches = %d, want %d", rep.switches, tt.wantSwitches)
			}
			var gotMissing []string
			for _, p := range rep.problems {
				gotMissing = append(gotMissing, p.missing...)
			}
			if !slices.Equal(gotMissing, tt.wantMissing) {
				t.Errorf("missing = %v, want %v", gotMissing, tt.wantMissing)
			}
		})
	}
}
