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
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
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

// newLog starts a NATS server with the events stream and an Emitter on it
// configured by cfg.
func newLog(t *testing.T, cfg events.EmitterConfig) (jetstream.JetStream, jetstream.Stream, *events.Emitter) {
	t.Helper()
	_, js := natstest.Connect(t, natstest.Start(t))
	stream, err := events.EnsureStream(context.Background(), js, events.StreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return js, stream, em
}

// start is the Append API with ic over an Emitter with ec, on the events
// stream of a fresh in-process NATS server.
func start(t *testing.T, ec events.EmitterConfig, ic ingest.Config) (*ingest.Service, jetstream.Stream) {
	t.Helper()
	_, stream, em := newLog(t, ec)
	svc, err := ingest.New(em, stream, ic, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return svc, stream
}

// While Config.Storage reports a problem, an append is refused at once
// with resource_exhausted naming it, and nothing is stored; once the
// problem is gone, appends are stored again.
func TestAppendRefusedWhileStorageCannotWrite(t *testing.T) {
	ctx := context.Background()
	var full atomic.Bool
	full.Store(true)
	var checks atomic.Int64
	svc, stream := start(t, events.EmitterConfig{AckTimeout: 2 * time.Second}, ingest.Config{MaxBatch: 10, Storage: func() error {
		checks.Add(1)
		if full.Load() {
			return errors.New("its disk is full (0 bytes free in data dir /data)")
		}
		return nil
	}})
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

// An Append whose occurred_at lies beyond what the read models hold
// (9999-12-31) or more than max_clock_skew (24h by default) after docketd's
// clock at receipt is refused with invalid_argument naming
// events[i].occurred_at, and nothing of its batch is stored; one 23 hours
// ahead (a clock running fast) is stored.
func TestAppendBoundsOccurredAt(t *testing.T) {
	ctx := context.Background()
	svc, stream := start(t, events.EmitterConfig{}, ingest.Config{MaxBatch: 10}) // the default skew, the real clock
	stored := uint64(0)
	for _, tc := range []struct {
		name      string
		occurred  func() time.Time
		wantField string // "": stored
	}{
		{"9999-12-31", func() time.Time { return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC) }, "events[1].occurred_at"},
		{"25h ahead", func() time.Time { return time.Now().Add(25 * time.Hour) }, "events[1].occurred_at"},
		{"23h ahead", func() time.Time { return time.Now().Add(23 * time.Hour) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := consent("s-2")
			ev.OccurredAt = timestamppb.New(tc.occurred())
			_, err := svc.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: []*eventsv1.Event{consent("s-1"), ev}}))
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Append: %v, want it stored", err)
				}
				stored += 2
			} else {
				if connect.CodeOf(err) != connect.CodeInvalidArgument {
					t.Fatalf("Append: %v, want invalid_argument", err)
				}
				var ce *connect.Error
				if !errors.As(err, &ce) {
					t.Fatalf("Append: %T, want a *connect.Error", err)
				}
				var fields []string
				for _, d := range ce.Details() {
					v, derr := d.Value()
					if derr != nil {
						t.Fatal(derr)
					}
					if br, ok := v.(*errdetails.BadRequest); ok {
						for _, fv := range br.GetFieldViolations() {
							fields = append(fields, fv.GetField())
						}
					}
				}
				if len(fields) != 1 || fields[0] != tc.wantField {
					t.Errorf("field violations %q, want only %s (%v)", fields, tc.wantField, err)
				}
			}
			if info, err := stream.Info(ctx); err != nil || info.State.Msgs != stored {
				t.Fatalf("stream: %v messages, %v; want %d", info.State.Msgs, err, stored)
			}
		})
	}
}
