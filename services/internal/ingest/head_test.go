package ingest_test

import (
	"context"
	"testing"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/nats-io/nats.go"
)

// TestHeadSkippingPassesOverNonEvents: a stored message that is not an
// event, newest under a subject, does not make HeadSkipping fail: it
// answers with the newest event before it.
func TestHeadSkippingPassesOverNonEvents(t *testing.T) {
	ctx := context.Background()
	js, stream, em := newLog(t, events.EmitterConfig{})
	res, err := em.Append(ctx, consent("u-head"))
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{[]byte("x"), {0xff, 0xff, 0xff}} {
		if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: "docket.acme.u-head.Probe", Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	seq, id, found, err := ingest.HeadSkipping(ctx, stream, "acme", "u-head", func(*eventsv1.Event) bool { return false }, 10)
	if err != nil || !found || seq != res[0].Sequence || id != res[0].EventID {
		t.Fatalf("HeadSkipping = %d %q %v %v, want %d %q", seq, id, found, err, res[0].Sequence, res[0].EventID)
	}
}
