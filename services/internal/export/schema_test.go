package export_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/testkit/ledgertest"
)

// validate checks doc against the JSON Schema subset the published schema
// uses ($ref to $defs, type, required, properties, items, enum, const,
// pattern, minLength, minimum, format date-time, allOf, if/then, not) and
// returns every violation with its JSON pointer. A keyword outside the
// subset is an error, so the schema cannot use one that goes unchecked.
// (No JSON Schema library is in the module cache; this subset is small.)
func validate(root map[string]any, schema any, doc any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": schema is not an object"}
	}
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, at+": "+fmt.Sprintf(f, a...)) }
	for k, v := range s {
		switch k {
		case "$schema", "$id", "title", "description", "$defs", "then":
		case "$ref":
			name, ok := strings.CutPrefix(v.(string), "#/$defs/")
			def := root["$defs"].(map[string]any)[name]
			if !ok || def == nil {
				bad("unresolved $ref %v", v)
				continue
			}
			errs = append(errs, validate(root, def, doc, at)...)
		case "type":
			types, _ := v.([]any)
			if t, ok := v.(string); ok {
				types = []any{t}
			}
			if !slices.ContainsFunc(types, func(t any) bool { return isType(t.(string), doc) }) {
				bad("is %T, want %v", doc, v)
			}
		case "required":
			m, ok := doc.(map[string]any)
			for _, r := range v.([]any) {
				if _, has := m[r.(string)]; ok && !has {
					bad("lacks required member %q", r)
				}
			}
		case "properties":
			m, _ := doc.(map[string]any)
			for name, sub := range v.(map[string]any) {
				if x, has := m[name]; has {
					errs = append(errs, validate(root, sub, x, at+"/"+name)...)
				}
			}
		case "items":
			a, _ := doc.([]any)
			for i, x := range a {
				errs = append(errs, validate(root, v, x, fmt.Sprintf("%s/%d", at, i))...)
			}
		case "enum":
			if !slices.ContainsFunc(v.([]any), func(e any) bool { return reflect.DeepEqual(e, doc) }) {
				bad("%v is not one of %v", doc, v)
			}
		case "const":
			if !reflect.DeepEqual(v, doc) {
				bad("%v, want %v", doc, v)
			}
		case "pattern":
			if str, ok := doc.(string); ok && !regexp.MustCompile(v.(string)).MatchString(str) {
				bad("%q does not match %s", str, v)
			}
		case "minLength":
			if str, ok := doc.(string); ok && float64(len([]rune(str))) < v.(float64) {
				bad("shorter than %v", v)
			}
		case "minimum":
			if n, ok := doc.(float64); ok && n < v.(float64) {
				bad("%v is below %v", n, v)
			}
		case "format":
			if str, ok := doc.(string); ok && v == "date-time" {
				if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
					bad("%q is not a date-time", str)
				}
			} else if v != "date-time" {
				bad("unknown format %v", v)
			}
		case "allOf":
			for _, sub := range v.([]any) {
				errs = append(errs, validate(root, sub, doc, at)...)
			}
		case "if":
			if len(validate(root, v, doc, at)) == 0 {
				if then, ok := s["then"]; ok {
					errs = append(errs, validate(root, then, doc, at)...)
				}
			}
		case "not":
			if len(validate(root, v, doc, at)) == 0 {
				bad("matches a schema it must not: %v", v)
			}
		default:
			bad("keyword %q is outside the subset this validator checks", k)
		}
	}
	return errs
}

func isType(t string, doc any) bool {
	switch t {
	case "object":
		_, ok := doc.(map[string]any)
		return ok
	case "array":
		_, ok := doc.([]any)
		return ok
	case "string":
		_, ok := doc.(string)
		return ok
	case "boolean":
		_, ok := doc.(bool)
		return ok
	case "number":
		_, ok := doc.(float64)
		return ok
	case "integer":
		n, ok := doc.(float64)
		return ok && n == math.Trunc(n)
	case "null":
		return doc == nil
	}
	return false
}

func parse(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExportMatchesSchema validates the golden export (the fixed ledger,
// which TestGolden keeps equal to what Export writes) and a live one with
// a credential against the published schema, then breaks each rule the
// schema states, one at a time, and wants each broken export refused.
func TestExportMatchesSchema(t *testing.T) {
	schema := parse(t, export.PortabilitySchema)
	golden, err := os.ReadFile(filepath.Join("testdata", "export.json"))
	if err != nil {
		t.Fatal(err)
	}
	if errs := validate(schema, schema, parse(t, golden), ""); len(errs) > 0 {
		t.Errorf("the golden export does not match the schema:\n%s", strings.Join(errs, "\n"))
	}
	l := ledgertest.StartAfter(t, credential())
	x, err := export.New(export.Config{Reader: l.Store, Keys: l.Keys, Tree: l.Tree, Checkpoints: l.Checkpoints,
		Record: l.Record, Now: func() time.Time { return ledgertest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := x.Export(t.Context(), export.Request{Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject, Format: export.JSON, ActorID: "dpo-1"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validate(schema, schema, parse(t, res.Body), ""); len(errs) > 0 {
		t.Errorf("the export with a credential does not match the schema:\n%s", strings.Join(errs, "\n"))
	}

	// In the golden export, data[0] is the erased rectification of the
	// email (sequence 7) and provided[2] the bank account under the
	// contract.
	for _, tc := range []struct {
		name   string
		break_ func(m map[string]any)
	}{
		{"no as_of", func(m map[string]any) { delete(m, "as_of") }},
		{"an erased value is current", func(m map[string]any) { item(m, "data", 0)["current"] = true }},
		{"an erased value carries a value", func(m map[string]any) { item(m, "data", 0)["value"] = "x@example.org" }},
		{"a credential carries a value", func(m map[string]any) {
			d := item(m, "provided", 2)
			d["withheld"], d["value"] = true, "argon2id$v=19$..."
		}},
		{"provided under legitimate interests", func(m map[string]any) {
			item(m, "provided", 2)["legal_basis"] = "LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS"
		}},
		{"a category outside user", func(m map[string]any) { item(m, "data", 0)["category"] = "system.operations" }},
		{"a time that is not a date-time", func(m map[string]any) { m["generated_at"] = "1 June 2026" }},
		{"a wrong schema name", func(m map[string]any) { m["schema"] = "docket.export.v2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parse(t, golden)
			tc.break_(m)
			if errs := validate(schema, schema, m, ""); len(errs) == 0 {
				t.Error("the schema accepts it")
			}
		})
	}
}

func item(m map[string]any, list string, i int) map[string]any {
	return m[list].([]any)[i].(map[string]any)
}

// TestSchemaNamesEveryMember: every member the JSON export writes (of the
// report and of a value) is described in the published schema, so that
// the schema cannot fall behind the code.
func TestSchemaNamesEveryMember(t *testing.T) {
	schema := parse(t, export.PortabilitySchema)
	datum := schema["$defs"].(map[string]any)["datum"].(map[string]any)
	for _, tc := range []struct {
		typ   reflect.Type
		props map[string]any
	}{
		{reflect.TypeFor[export.Report](), schema["properties"].(map[string]any)},
		{reflect.TypeFor[export.Datum](), datum["properties"].(map[string]any)},
	} {
		for f := range tc.typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if _, ok := tc.props[name]; !ok {
				t.Errorf("%s.%s (%q) is not in the schema", tc.typ.Name(), f.Name, name)
			}
		}
	}
}
