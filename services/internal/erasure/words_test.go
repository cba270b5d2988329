package erasure

import (
	"testing"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// TestWordsForEveryValue: every language of the proof of erasure has
// words for every right and every Art. 17(3) ground the vocabulary
// defines, so that no proof falls back to an enum name.
func TestWordsForEveryValue(t *testing.T) {
	for _, lang := range Languages() {
		w := words[lang]
		if w == nil {
			t.Fatalf("no words in %s", lang)
		}
		for n := range eventsv1.Right_name {
			if r := eventsv1.Right(n); r != eventsv1.Right_RIGHT_UNSPECIFIED && w.rights[r] == "" {
				t.Errorf("%s: no words for %s", lang, r)
			}
		}
		for n := range eventsv1.ErasureExemptionGround_name {
			if g := eventsv1.ErasureExemptionGround(n); g != eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_UNSPECIFIED && w.grounds[g] == "" {
				t.Errorf("%s: no words for %s", lang, g)
			}
		}
	}
	if len(words) != len(Languages()) {
		t.Errorf("words in %d languages, Languages lists %d", len(words), len(Languages()))
	}
}
