package export

import (
	"strings"
	"testing"
)

// TestPhrases: every phrase of the report has words in every language,
// with the same blanks (%s, %d) in the same order, so that a translation
// cannot drop or swap what the template fills in, and without markup.
func TestPhrases(t *testing.T) {
	blanks := func(s string) string {
		var b strings.Builder
		for i := 0; i+1 < len(s); i++ {
			if s[i] == '%' {
				b.WriteByte(s[i+1])
			}
		}
		return b.String()
	}
	for id, p := range phrases {
		if strings.TrimSpace(p[0]) == "" || strings.TrimSpace(p[1]) == "" {
			t.Errorf("phrase %q: empty in a language: %q", id, p)
		}
		// The template trusts phrases as HTML: no markup in them.
		if strings.ContainsAny(p[0]+p[1], "<>&\"") {
			t.Errorf("phrase %q: holds <, >, & or \": %q", id, p)
		}
		if blanks(p[0]) != blanks(p[1]) {
			t.Errorf("phrase %q: blanks %q in English, %q in German", id, blanks(p[0]), blanks(p[1]))
		}
	}
}
