package postgres

import (
	"testing"
	"time"
)

// TestRetryPauses: the pause before retry n of a transaction is a random
// time from 0 up to 1ms·2^n, at most 100ms, spread over all of that range.
func TestRetryPauses(t *testing.T) {
	const draws = 2000
	longest := make([]time.Duration, 12)
	for range draws {
		b := retryPauses()
		for n := 1; n < len(longest); n++ {
			d := b.NextBackOff()
			ceiling := min(time.Millisecond<<n, 100*time.Millisecond)
			if d < 0 || d > ceiling {
				t.Fatalf("pause before retry %d: %v, want 0 to %v", n, d, ceiling)
			}
			longest[n] = max(longest[n], d)
		}
	}
	for n := 1; n < len(longest); n++ {
		ceiling := min(time.Millisecond<<n, 100*time.Millisecond)
		if longest[n] < ceiling*9/10 {
			t.Errorf("longest pause before retry %d in %d draws: %v, want close to %v", n, draws, longest[n], ceiling)
		}
	}
}
