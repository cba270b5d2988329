// Package labels gives people's words, in English and German, for the
// fideslang keys Docket pins (package taxonomy) and for every enum value of
// the event vocabulary (docket.events.v1): a name for each, and a one-line
// description for the keys whose name alone may leave a reader unsure.
//
// For picks the set for a language; a Set never answers with an empty
// string: a key or value it has no words for (a newer vocabulary than the
// binary) reads as the English words, else as itself. The tests walk the
// taxonomy and the enum descriptors, so a new key or value cannot ship
// without words in every language.
package labels

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Languages are the languages with words, English first (the fallback).
var Languages = []string{"en", "de"}

// words is one key or enum value's words: en and de in the order of
// Languages.
type words struct {
	id, en, de string
}

// Set is the words of one language.
type Set struct {
	lang  string
	names map[string]string // key or enum value name -> name
	descs map[string]string // key -> description
}

var sets = func() map[string]*Set {
	m := map[string]*Set{}
	for i, lang := range Languages {
		s := &Set{lang: lang, names: map[string]string{}, descs: map[string]string{}}
		for _, w := range keyWords {
			s.names[w.id] = w.pick(i)
		}
		for _, w := range enumWords {
			s.names[w.id] = w.pick(i)
		}
		for _, w := range keyDescriptions {
			s.descs[w.id] = w.pick(i)
		}
		m[lang] = s
	}
	return m
}()

func (w words) pick(i int) string {
	if i == 1 {
		return w.de
	}
	return w.en
}

// For returns the set that best matches lang: a BCP 47 tag ("de",
// "de-AT", "en_GB") or an Accept-Language list ("fr-CH, de;q=0.8"), whose
// first tag with words is taken in the order given (weights are not
// sorted). Matching is by primary language, case-insensitive; with no match
// it returns English.
func For(lang string) *Set {
	for _, tag := range strings.Split(lang, ",") {
		tag, _, _ = strings.Cut(tag, ";")
		tag = strings.TrimSpace(tag)
		primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
		if s, ok := sets[strings.ToLower(primary)]; ok {
			return s
		}
	}
	return sets["en"]
}

// Supported reports whether lang's primary language has words of its own
// (For would not fall back to English).
func Supported(lang string) bool {
	primary, _, _ := strings.Cut(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"), "-")
	_, ok := sets[strings.ToLower(primary)]
	return ok
}

// Lang returns the set's language, e.g. "de".
func (s *Set) Lang() string { return s.lang }

// Key returns the name of a fideslang key ("user.contact.email" -> "Email
// address"); a key without words reads as itself.
func (s *Set) Key(key string) string { return s.name(key) }

// Describe returns a key's one-line description, or "" when its name says
// enough.
func (s *Set) Describe(key string) string {
	if d, ok := s.descs[key]; ok {
		return d
	}
	return ""
}

// Enum returns the words for an enum value of the event vocabulary
// (eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT -> "consent
// (Art. 6(1)(a) GDPR)"). A value unknown to the descriptor reads as its
// number.
func (s *Set) Enum(e protoreflect.Enum) string {
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return string(e.Descriptor().Name()) + "(" + strconv.Itoa(int(e.Number())) + ")"
	}
	return s.name(string(v.Name()))
}

// EnumName returns the words for an enum value given by its name
// ("RIGHT_ERASURE"), as stored in the read models; a name without words
// reads as itself.
func (s *Set) EnumName(name string) string { return s.name(name) }

func (s *Set) name(id string) string {
	if n, ok := s.names[id]; ok {
		return n
	}
	if n, ok := sets["en"].names[id]; ok {
		return n
	}
	return id
}
