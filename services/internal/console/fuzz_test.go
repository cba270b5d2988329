package console

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzFilters feeds the console's form decoders (the register's filters,
// the as-of and subject fields) arbitrary values: they must not panic, and
// an error must name the field without quoting what was typed.
func FuzzFilters(f *testing.F) {
	for _, s := range []string{"", "2025-03-01", "2025-03-01T10:00", "2025-13-45", "RECIPIENT_KIND_PROCESSOR",
		"LEGAL_BASIS_ART6_1_A_CONSENT", "recorded", "occurred", "x\x00y", "2025-03-01T10:00:00+02:00", "\xff\xfe"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		const mark = "QZXJ"
		for _, field := range []string{"kind", "basis", "from", "to", "axis"} {
			q := url.Values{"tenant": {"acme"}, field: {mark + a}, "from": {b}}
			r := httptest.NewRequest("GET", "/disclosures?"+q.Encode(), nil)
			req, err := readFilter(r).request("acme")
			switch {
			case err == nil && req == nil:
				t.Fatal("no request and no error")
			case err != nil && strings.Contains(err.Error(), mark):
				t.Fatalf("the error quotes the input: %q", err)
			case err != nil && !strings.Contains(err.Error(), ":"):
				t.Fatalf("the error names no field: %q", err)
			}
		}
		if _, err := parseFormTime("as of", mark+a); err == nil || strings.Contains(err.Error(), mark) {
			t.Fatalf("parseFormTime(%q): %v", mark+a, err)
		}
		if tm, err := parseFormTime("as of", b); err == nil && b != "" && tm.IsZero() {
			t.Fatalf("parseFormTime(%q) accepted the zero time", b)
		}
	})
}
