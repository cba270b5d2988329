package ingest_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/taxonomy"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func consent(ref string) *eventsv1.Event {
	return &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          "acme",
		SubjectRef:      ref,
		OccurredAt:      timestamppb.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
		Source:          "signup-service",
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
			Purpose: "marketing.communications.email", NoticeId: "n-1", NoticeVersion: "1",
			Method: eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, Channel: eventsv1.Channel_CHANNEL_WEB,
		}},
	}
}

// While Config.Storage reports a problem, an append is refused at once
// with resource_exhausted naming it, and nothing is stored; once the
// problem is gone, appends are stored again.
func TestAppendRefusedWhileStorageCannotWrite(t *testing.T) {
	ctx := context.Background()
	_, js := natstest.Connect(t, natstest.Start(t))
	stream, err := events.EnsureStream(ctx, js, events.StreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(js, events.EmitterConfig{AckTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	full.Store(true)
	var checks atomic.Int64
	svc, err := ingest.New(em, stream, ingest.Config{MaxBatch: 10, Storage: func() error {
		checks.Add(1)
		if full.Load() {
			return errors.New("its disk is full (0 bytes free in data dir /data)")
		}
		return nil
	}}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	req := func() *connect.Request[apiv1.AppendRequest] {
		return connect.NewRequest(&apiv1.AppendRequest{Events: []*eventsv1.Event{consent("s-1"), consent("s-2")}})
	}

	start := time.Now()
	for range 50 {
		_, err := svc.Append(ctx, req())
		if connect.CodeOf(err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "its disk is full") {
			t.Fatalf("append on a full disk: %v; want resource_exhausted naming the full disk", err)
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("50 refused appends took %s: they waited for the store", took)
	}
	if n := checks.Load(); n > 5 {
		t.Errorf("the storage was checked %d times for 50 appends in a burst; want its answer reused", n)
	}
	if info, err := stream.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Fatalf("stream after refused appends: %v messages, %v; want none", info.State.Msgs, err)
	}

	full.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := svc.Append(ctx, req())
		if err == nil {
			if len(resp.Msg.GetResults()) != 2 {
				t.Fatalf("results: %v", resp.Msg.GetResults())
			}
			break
		}
		if connect.CodeOf(err) != connect.CodeResourceExhausted || time.Now().After(deadline) {
			t.Fatalf("append once the disk has space: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if info, err := stream.Info(ctx); err != nil || info.State.Msgs != 2 {
		t.Fatalf("stream: %v messages, %v; want 2", info.State.Msgs, err)
	}
}
