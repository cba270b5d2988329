package taxonomy_test

import (
	"testing"
	"time"

	"github.com/docketledger/docket/events/taxonomy"
)

// TestAdequacies: every entry is a third country with a source and a start,
// and ends (if it does) after it starts.
func TestAdequacies(t *testing.T) {
	for _, a := range taxonomy.Adequacies {
		if taxonomy.InEEA(a.Country) || len(a.Country) != 2 || a.From.IsZero() || a.Source == "" ||
			(!a.Until.IsZero() && !a.Until.After(a.From)) {
			t.Errorf("entry %+v is not a third country's decision with a source and dates", a)
		}
	}
}

func TestAdequacyAt(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		country string
		at      time.Time
		want    bool
	}{
		{"JP", d(2019, time.January, 22), false},
		{"JP", d(2019, time.January, 23), true},
		{"GB", d(2021, time.June, 27), false},
		{"GB", d(2021, time.June, 28), true},
		{"GB", d(2031, time.December, 27), false},
		{"US", d(2023, time.July, 9), false},
		{"US", d(2023, time.July, 10), true},
		{"IN", d(2025, time.January, 1), false},
		{"DE", d(2025, time.January, 1), false}, // the EEA: no transfer, no decision
	}
	for _, tt := range tests {
		if _, got := taxonomy.AdequacyAt(tt.country, tt.at); got != tt.want {
			t.Errorf("AdequacyAt(%s, %s) = %v, want %v", tt.country, tt.at.Format(time.DateOnly), got, tt.want)
		}
	}
	if a, _ := taxonomy.AdequacyAt("US", d(2024, time.March, 1)); a.Condition != taxonomy.AdequacyDPFCertified {
		t.Errorf("the United States' decision has condition %v, want AdequacyDPFCertified", a.Condition)
	}
}
