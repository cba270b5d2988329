package ingest_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
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

// TestHeadSkipDocketd: a HeadRequest with skip_docketd answers with the
// newest event not recorded by docketd itself; without it, with the newest.
func TestHeadSkipDocketd(t *testing.T) {
	ctx := context.Background()
	_, stream, em := newLog(t, events.EmitterConfig{})
	own := consent("u-head")
	own.Source = events.RecordedBy
	res, err := em.Append(ctx, consent("u-head"), own)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ingest.New(em, stream, ingest.Config{MaxBatch: 10}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		skip bool
		want events.Result
	}{
		{skip: true, want: res[0]},
		{skip: false, want: res[1]},
	} {
		resp, err := svc.Head(ctx, connect.NewRequest(&apiv1.HeadRequest{Tenant: "acme", SubjectRef: "u-head", SkipDocketd: tc.skip}))
		if err != nil {
			t.Fatalf("skip_docketd %v: %v", tc.skip, err)
		}
		if got := resp.Msg; !got.GetFound() || got.GetSequence() != tc.want.Sequence || got.GetEventId() != tc.want.EventID {
			t.Errorf("skip_docketd %v: Head = %v, want sequence %d, event %s", tc.skip, got, tc.want.Sequence, tc.want.EventID)
		}
	}
}
