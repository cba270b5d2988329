package events_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// benchEvents are DataCollected events of about 500 bytes once sealed.
func benchEvents(n int) []*eventsv1.Event {
	out := make([]*eventsv1.Event, n)
	val := func(cat, s string) *eventsv1.DataValue {
		return &eventsv1.DataValue{Category: cat, Value: &eventsv1.DataValue_Plaintext{Plaintext: s}}
	}
	for i := range out {
		out[i] = &eventsv1.Event{
			EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "benchco", SubjectRef: fmt.Sprintf("customer-%06d", i%1000),
			OccurredAt: timestamppb.New(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)), Source: "signup-service",
			Actor:           &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "web-frontend"},
			TaxonomyVersion: taxonomy.Version,
			Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: "account-and-contract",
				Purposes:   []string{"essential.service", "essential.service.payment_processing"},
				Categories: []string{"user.name.last", "user.contact.email", "user.contact.phone_number"},
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
				Values: []*eventsv1.DataValue{
					val("user.name.last", fmt.Sprintf("Testperson-%06d", i)),
					val("user.contact.email", fmt.Sprintf("bench-%06d@example.com", i)),
					val("user.contact.phone_number", fmt.Sprintf("+44 20 7946 %04d", i%10000)),
				},
				CollectionSource: "data_subject",
			}},
		}
	}
	return out
}

// BenchmarkEmitterEncode measures the Emitter's own work per event
// (validate, seal, encode) without publishing.
func BenchmarkEmitterEncode(b *testing.B) {
	s := natstest.Start(b)
	_, js := natstest.Connect(b, s)
	kek, _ := keys.NewLocalKEK(bytes.Repeat([]byte{3}, 32))
	kr, _ := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	e, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	const batch = 500
	pool := benchEvents(batch * 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		evs := benchEvents(batch)
		_ = pool
		b.StartTimer()
		if _, err := e.Encode(ctx, evs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
}
