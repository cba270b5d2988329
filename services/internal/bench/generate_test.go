package bench

import (
	"testing"
	"time"

	"github.com/docketledger/docket/events"
)

// The bench's events pass the validation docketd applies on receipt, the
// clock skew bound included, from the first to the last of a ten-million
// event run.
func TestMakeEventValid(t *testing.T) {
	now := time.Now()
	for _, i := range []int{0, 1, 999_999, 9_999_999} {
		ev := makeEvent(i, 1000)
		if err := events.ValidateAt(ev, now, events.DefaultMaxClockSkew); err != nil {
			t.Errorf("makeEvent(%d): %v", i, err)
		}
	}
}
