package labels_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/events/taxonomy/labels"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// keys are every fideslang key Docket pins.
func keys() []string {
	var all []string
	all = append(all, taxonomy.DataCategories()...)
	all = append(all, taxonomy.DataUses()...)
	all = append(all, taxonomy.DataSubjects()...)
	return all
}

// enumValues walks every enum of the event vocabulary, nested ones too.
func enumValues() []protoreflect.EnumValueDescriptor {
	var vals []protoreflect.EnumValueDescriptor
	addEnums := func(es protoreflect.EnumDescriptors) {
		for i := 0; i < es.Len(); i++ {
			vs := es.Get(i).Values()
			for j := 0; j < vs.Len(); j++ {
				vals = append(vals, vs.Get(j))
			}
		}
	}
	var addMsgs func(ms protoreflect.MessageDescriptors)
	addMsgs = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			addEnums(ms.Get(i).Enums())
			addMsgs(ms.Get(i).Messages())
		}
	}
	fd := eventsv1.File_docket_events_v1_events_proto
	addEnums(fd.Enums())
	addMsgs(fd.Messages())
	return vals
}

// TestEveryKeyHasWords fails when a taxonomy key has no name of its own in
// a language: a key added to package taxonomy needs its words here.
func TestEveryKeyHasWords(t *testing.T) {
	ks := keys()
	if len(ks) < 150 {
		t.Fatalf("taxonomy lists %d keys, want the whole pinned taxonomy", len(ks))
	}
	for _, lang := range labels.Languages {
		s := labels.For(lang)
		if s.Lang() != lang {
			t.Fatalf("For(%q).Lang() = %q", lang, s.Lang())
		}
		for _, k := range ks {
			if n, ok := labels.Own(s, k); !ok || strings.TrimSpace(n) == "" {
				t.Errorf("%s: key %q has no name", lang, k)
			}
		}
	}
}

// TestEveryEnumValueHasWords fails when an enum value of the event
// vocabulary has no words of its own in a language.
func TestEveryEnumValueHasWords(t *testing.T) {
	vals := enumValues()
	if len(vals) < 130 {
		t.Fatalf("walked %d enum values, want every value of events.proto", len(vals))
	}
	for _, lang := range labels.Languages {
		s := labels.For(lang)
		for _, v := range vals {
			if n, ok := labels.Own(s, string(v.Name())); !ok || strings.TrimSpace(n) == "" {
				t.Errorf("%s: enum value %s has no words", lang, v.FullName())
			}
		}
	}
}

// TestNoStrayWords fails when words name a key or value that does not
// exist (a typo, or a key the taxonomy dropped), or name one twice.
func TestNoStrayWords(t *testing.T) {
	exists := map[string]bool{}
	for _, k := range keys() {
		exists[k] = true
	}
	for _, v := range enumValues() {
		exists[string(v.Name())] = true
	}
	seen := map[string]bool{}
	for _, id := range labels.Known() {
		if !exists[id] {
			t.Errorf("words for %q, which is neither a taxonomy key nor an enum value", id)
		}
		if seen[id] {
			t.Errorf("words for %q twice", id)
		}
		seen[id] = true
	}
	for _, id := range labels.Described() {
		if !taxonomy.IsDataCategory(id) && !taxonomy.IsDataUse(id) && !taxonomy.IsDataSubject(id) {
			t.Errorf("description for %q, which is not a taxonomy key", id)
		}
		for _, lang := range labels.Languages {
			if labels.For(lang).Describe(id) == "" {
				t.Errorf("%s: description of %q is empty", lang, id)
			}
		}
	}
}

func TestFor(t *testing.T) {
	tests := []struct{ in, want string }{
		{"de", "de"},
		{"de-AT", "de"},
		{"DE_ch", "de"},
		{" de ", "de"},
		{"en", "en"},
		{"en-GB", "en"},
		{"fr", "en"},
		{"", "en"},
		{"fr-CH, de;q=0.8, en;q=0.5", "de"},
		{"en-US,de", "en"},
		{"x", "en"},
	}
	for _, tt := range tests {
		if got := labels.For(tt.in).Lang(); got != tt.want {
			t.Errorf("For(%q).Lang() = %q, want %q", tt.in, got, tt.want)
		}
	}
	if !labels.Supported("de-AT") || labels.Supported("fr") || labels.Supported("") {
		t.Error("Supported: want de-AT true, fr and \"\" false")
	}
}

func TestWords(t *testing.T) {
	en, de := labels.For("en"), labels.For("de")
	tests := []struct{ got, want string }{
		{en.Key("user.contact.email"), "Email address"},
		{de.Key("user.contact.email"), "E-Mail-Adresse"},
		{de.Key("customer"), "Kundin oder Kunde"},
		{en.Enum(eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT), "consent (Art. 6(1)(a) GDPR)"},
		{de.Enum(eventsv1.Right_RIGHT_ERASURE), "Löschung (Art. 17 DSGVO)"},
		{de.EnumName("FINDING_STATUS_RESOLVED"), "behoben"},
		// Unknown to the vocabulary: the key itself, never "".
		{de.Key("user.not_a_key"), "user.not_a_key"},
		{en.EnumName("NOT_A_VALUE"), "NOT_A_VALUE"},
		{en.Enum(eventsv1.Right(99)), "Right(99)"},
		{en.Describe("user.name"), ""},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
	if !strings.Contains(de.Describe("user.authorization.password"), "nie angezeigt") {
		t.Errorf("de description of a password = %q", de.Describe("user.authorization.password"))
	}
}
