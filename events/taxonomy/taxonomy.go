// Package taxonomy is Docket's pinned copy of the fideslang default taxonomy:
// the data category, data use and data subject keys an event may name.
//
// The key lists are transcribed from fideslang's default_taxonomy
// (ethyca/fideslang, src/fideslang/default_taxonomy) at release 3.1.2, whose
// default taxonomy is unchanged in every later release and prerelease up to
// 3.1.4a1. Every key is listed together with its parents, so a key is known
// exactly when it is in a list. A few keys Docket's own demo data relied on
// are not in fideslang; they are kept and marked "Docket extension".
package taxonomy

import (
	"slices"
	"strings"
)

// Version is the taxonomy version new events carry in taxonomy_version.
const Version = "fideslang-3.1"

// versionFideslang30 is accepted too: the 3.0 line's default taxonomy, from
// 3.0.4 (which added functional.storage.privacy_preferences) to 3.0.9, holds
// exactly the keys of 3.1, and earlier 3.0 patch releases a subset of them.
const versionFideslang30 = "fideslang-3.0"

// Supported reports whether events may name keys of the given taxonomy
// version.
func Supported(version string) bool {
	return version == Version || version == versionFideslang30
}

// IsDataCategory reports whether key is a data category, e.g.
// "user.contact.email".
func IsDataCategory(key string) bool {
	_, ok := dataCategories[key]
	return ok
}

// IsDataUse reports whether key is a data use (a purpose), e.g.
// "marketing.communications.email".
func IsDataUse(key string) bool {
	_, ok := dataUses[key]
	return ok
}

// IsDataSubject reports whether key is a data subject category, e.g.
// "customer".
func IsDataSubject(key string) bool {
	_, ok := dataSubjects[key]
	return ok
}

// IsSpecialCategory reports whether key is a data category of a special
// category of personal data (GDPR Art. 9(1)): health, genetic, biometric,
// racial or ethnic origin, religious belief, sexual orientation or political
// opinion, or a category below one of them. fideslang has no category for
// trade union membership or sex life; criminal records
// (user.criminal_history) fall under Art. 10, not Art. 9, and are not
// reported.
func IsSpecialCategory(key string) bool {
	if !IsDataCategory(key) {
		return false
	}
	for {
		if _, ok := specialCategories[key]; ok {
			return true
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			return false
		}
		key = key[:i]
	}
}

// specialCategories are the roots of the Art. 9 subtrees.
var specialCategories = set(
	"user.health_and_medical",             // health data; also holds .genetic
	"user.biometric",                      // biometric data, incl. user.biometric.health
	"user.authorization.biometric",        // biometric data used to identify a person
	"user.demographic.race_ethnicity",     // racial or ethnic origin
	"user.demographic.religious_belief",   // religious or philosophical beliefs
	"user.demographic.sexual_orientation", // sexual orientation
	"user.demographic.political_opinion",  // political opinions
)

func set(keys ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		m[k] = struct{}{}
	}
	return m
}

// Covers reports whether the fideslang key parent covers key: the same key
// or one below it (keys nest by dots: "marketing" covers
// "marketing.communications.email", not "marketingx").
func Covers(parent, key string) bool {
	return key == parent || strings.HasPrefix(key, parent+".")
}

// Related reports whether two fideslang keys lie on one line of the
// hierarchy: the same, or one below the other. Siblings
// ("marketing.communications.email" and "marketing.communications.sms")
// are not.
func Related(a, b string) bool { return Covers(a, b) || Covers(b, a) }

// DataCategories returns every data category key, sorted.
func DataCategories() []string { return sorted(dataCategories) }

// DataUses returns every data use key, sorted.
func DataUses() []string { return sorted(dataUses) }

// DataSubjects returns every data subject key, sorted.
func DataSubjects() []string { return sorted(dataSubjects) }

func sorted(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
