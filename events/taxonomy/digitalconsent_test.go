package taxonomy_test

import (
	"testing"

	"github.com/docketledger/docket/events/taxonomy"
)

// TestDigitalConsentAge: every EEA code has an age of 13 to 16 (Art. 8(1)),
// its outermost regions and Åland that of their state; a code outside the
// EEA has none. Ages worked out from the laws the table cites.
func TestDigitalConsentAge(t *testing.T) {
	for _, c := range []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
		"IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "GF", "GP", "MQ", "RE", "YT", "MF", "AX",
		"IS", "LI", "NO"} {
		if !taxonomy.InEEA(c) {
			t.Errorf("%s: not in the EEA", c)
		}
		d, ok := taxonomy.DigitalConsentAge(c)
		if !ok || d.Age < 13 || d.Age > 16 || d.Source == "" {
			t.Errorf("DigitalConsentAge(%s) = %+v, %v; want an age of 13 to 16 with its source", c, d, ok)
		}
	}
	for _, tt := range []struct {
		country string
		want    int
	}{{"DE", 16}, {"FR", 15}, {"RE", 15}, {"AX", 13}, {"BE", 13}, {"AT", 14}, {"IE", 16}, {"ES", 14}} {
		if d, _ := taxonomy.DigitalConsentAge(tt.country); d.Age != tt.want {
			t.Errorf("DigitalConsentAge(%s) = %d, want %d", tt.country, d.Age, tt.want)
		}
	}
	for _, c := range []string{"US", "GB", "CH", ""} {
		if d, ok := taxonomy.DigitalConsentAge(c); ok {
			t.Errorf("DigitalConsentAge(%q) = %+v, want none outside the EEA", c, d)
		}
	}
}
