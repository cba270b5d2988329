package taxonomy_test

import (
	"strings"
	"testing"

	"github.com/docketledger/docket/events/taxonomy"
)

func TestSupported(t *testing.T) {
	tests := []struct {
		version string
		want    bool
	}{
		{taxonomy.Version, true},
		{"fideslang-3.1", true},
		{"fideslang-3.0", true},
		{"fideslang-2.0", false},
		{"fideslang-3.2", false},
		{"fideslang", false},
		{"", false},
		{"FIDESLANG-3.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			if got := taxonomy.Supported(tt.version); got != tt.want {
				t.Errorf("Supported(%q) = %v, want %v", tt.version, got, tt.want)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		key                                string
		wantCategory, wantUse, wantSubject bool
		wantSpecial                        bool
	}{
		// Categories the demo data relies on.
		{key: "user.name", wantCategory: true},
		{key: "user.name.first", wantCategory: true},
		{key: "user.name.last", wantCategory: true},
		{key: "user.contact.email", wantCategory: true},
		{key: "user.contact.phone_number", wantCategory: true},
		{key: "user.contact.address.street", wantCategory: true},
		{key: "user.contact.address.city", wantCategory: true},
		{key: "user.contact.address.postal_code", wantCategory: true},
		{key: "user.contact.address.country", wantCategory: true},
		{key: "user.workplace", wantCategory: true},
		{key: "user.financial.bank_account", wantCategory: true},
		{key: "user.financial.credit_card", wantCategory: true},
		{key: "user.payment", wantCategory: true},
		{key: "user.account.username", wantCategory: true},
		{key: "user.unique_id", wantCategory: true},
		{key: "user.device.cookie_id", wantCategory: true},
		{key: "user.device.ip_address", wantCategory: true},
		{key: "user.behavior.browsing_history", wantCategory: true},
		{key: "user.behavior.purchase_history", wantCategory: true},
		{key: "user.demographic.age_range", wantCategory: true},
		{key: "user.demographic.date_of_birth", wantCategory: true},
		{key: "user.content.private", wantCategory: true},
		{key: "user.authorization.credentials", wantCategory: true},
		{key: "user", wantCategory: true},
		{key: "system.operations", wantCategory: true},

		// Special categories (Art. 9).
		{key: "user.health_and_medical", wantCategory: true, wantSpecial: true},
		{key: "user.health_and_medical.genetic", wantCategory: true, wantSpecial: true},
		{key: "user.health_and_medical.record_id", wantCategory: true, wantSpecial: true},
		{key: "user.biometric", wantCategory: true, wantSpecial: true},
		{key: "user.biometric.fingerprint", wantCategory: true, wantSpecial: true},
		{key: "user.authorization.biometric", wantCategory: true, wantSpecial: true},
		{key: "user.demographic.race_ethnicity", wantCategory: true, wantSpecial: true},
		{key: "user.demographic.religious_belief", wantCategory: true, wantSpecial: true},
		{key: "user.demographic.sexual_orientation", wantCategory: true, wantSpecial: true},
		{key: "user.demographic.political_opinion", wantCategory: true, wantSpecial: true},
		{key: "user.demographic", wantCategory: true},
		{key: "user.demographic.gender", wantCategory: true},
		{key: "user.criminal_history", wantCategory: true}, // Art. 10, not Art. 9
		{key: "user.authorization", wantCategory: true},

		// Uses.
		{key: "essential.service", wantUse: true},
		{key: "essential.service.payment_processing", wantUse: true},
		{key: "essential.service.authentication", wantUse: true},
		{key: "essential.service.security", wantUse: true},
		{key: "essential.fraud_detection", wantUse: true},
		{key: "essential.legal_obligation", wantUse: true},
		{key: "essential.service.operations.support", wantUse: true},
		{key: "operations.support", wantUse: true}, // Docket extension
		{key: "marketing.communications.email", wantUse: true},
		{key: "marketing.advertising.third_party.targeted", wantUse: true},
		{key: "analytics.reporting.ad_performance", wantUse: true},
		{key: "analytics.reporting.content_performance", wantUse: true},
		{key: "functional.service.improve", wantUse: true},
		{key: "functional.storage.privacy_preferences", wantUse: true},
		{key: "finance", wantUse: true},

		// Subjects.
		{key: "customer", wantSubject: true},
		{key: "prospect", wantSubject: true},
		{key: "visitor", wantSubject: true},
		{key: "employee", wantSubject: true},
		{key: "anonymous_user", wantSubject: true},
		{key: "patient", wantSubject: true},

		// Unknown.
		{key: ""},
		{key: "user."},
		{key: ".user"},
		{key: "user.contact.email.work"},
		{key: "User.Contact.Email"},
		{key: "user.health_and_medical.x"},
		{key: "marketing.communications.post"},
		{key: "default_organization"},
		{key: "user.trade_union_membership"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := taxonomy.IsDataCategory(tt.key); got != tt.wantCategory {
				t.Errorf("IsDataCategory = %v, want %v", got, tt.wantCategory)
			}
			if got := taxonomy.IsDataUse(tt.key); got != tt.wantUse {
				t.Errorf("IsDataUse = %v, want %v", got, tt.wantUse)
			}
			if got := taxonomy.IsDataSubject(tt.key); got != tt.wantSubject {
				t.Errorf("IsDataSubject = %v, want %v", got, tt.wantSubject)
			}
			if got := taxonomy.IsSpecialCategory(tt.key); got != tt.wantSpecial {
				t.Errorf("IsSpecialCategory = %v, want %v", got, tt.wantSpecial)
			}
		})
	}
}

// TestParentsListed checks that every dotted key's parent is a key of the
// same list, so that validity is plain membership.
func TestParentsListed(t *testing.T) {
	lists := map[string]map[string]struct{}{
		"categories": taxonomy.DataCategoriesForTest,
		"uses":       taxonomy.DataUsesForTest,
		"subjects":   taxonomy.DataSubjectsForTest,
	}
	for name, keys := range lists {
		t.Run(name, func(t *testing.T) {
			if len(keys) == 0 {
				t.Fatal("empty list")
			}
			for k := range keys {
				if i := strings.LastIndexByte(k, '.'); i >= 0 {
					if _, ok := keys[k[:i]]; !ok {
						t.Errorf("%s: parent %s is missing", k, k[:i])
					}
				}
			}
		})
	}
}

func BenchmarkIsSpecialCategory(b *testing.B) {
	for b.Loop() {
		taxonomy.IsSpecialCategory("user.contact.address.postal_code")
	}
}

func TestCoversAndRelated(t *testing.T) {
	for _, tc := range []struct {
		a, b            string
		covers, related bool
	}{
		{"marketing", "marketing", true, true},
		{"marketing", "marketing.communications.email", true, true},
		{"marketing.communications.email", "marketing", false, true},
		{"marketing.communications.email", "marketing.communications.sms", false, false},
		{"marketing", "marketingx", false, false},
		{"user.contact", "user.contact.email", true, true},
	} {
		if got := taxonomy.Covers(tc.a, tc.b); got != tc.covers {
			t.Errorf("Covers(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.covers)
		}
		if got := taxonomy.Related(tc.a, tc.b); got != tc.related {
			t.Errorf("Related(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.related)
		}
	}
}
