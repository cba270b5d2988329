package events_test

import (
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/google/uuid"
)

func TestDerivedID(t *testing.T) {
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	a := events.DerivedID(at, "req-1", "mailer", "RIGHT_ERASURE")
	if b := events.DerivedID(at, "req-1", "mailer", "RIGHT_ERASURE"); a != b {
		t.Fatalf("the same parts give %s and %s", a, b)
	}
	for _, other := range []string{
		events.DerivedID(at, "req-1", "mailer", "RIGHT_RECTIFICATION"),
		events.DerivedID(at, "req-1mailer", "", "RIGHT_ERASURE"), // parts are separated
		events.DerivedID(at.Add(time.Second), "req-1", "mailer", "RIGHT_ERASURE"),
	} {
		if other == a {
			t.Fatalf("other parts or time give the same id %s", a)
		}
	}
	u, err := uuid.Parse(a)
	if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("%s: not a UUIDv7 (%v)", a, err)
	}
	if sec, _ := u.Time().UnixTime(); sec != at.Unix() {
		t.Fatalf("%s carries time %d, want %d", a, sec, at.Unix())
	}
	ev := example(t, "data_collected")
	ev.EventId = a
	if err := events.Validate(ev); err != nil {
		t.Fatalf("a derived id is refused: %v", err)
	}
}
