package events_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// docketd's own writer: the Emitter validates events, seals the address
// under the user's own data key, and appends them to the DOCKET stream.
// Only docketd's NATS user may publish there; a service uses the Client
// (above) or the Append API. Appending the same events again (a retry)
// stores nothing new: the event id is the JetStream message id.
func ExampleEmitter_Append() {
	ctx := context.Background()

	// A NATS server with JetStream, inside this process. In production,
	// docketd embeds one, or you connect to a cluster.
	dir, err := os.MkdirTemp("", "docket-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	srv, err := server.NewServer(&server.Options{Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		log.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		log.Fatal("NATS server not ready")
	}
	defer srv.WaitForShutdown()
	defer srv.Shutdown()

	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}

	// The append-only events stream. docketd creates it when it starts.
	stream, err := events.EnsureStream(ctx, js, events.StreamConfig{})
	if err != nil {
		log.Fatal(err)
	}

	// Data keys that seal personal data, wrapped by a key-encryption key.
	// Only docketd holds that key; a real service asks docketd for data
	// keys. This example keeps a key ring in memory.
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{0x42}, 32)) // 32 bytes: AES-256
	if err != nil {
		log.Fatal(err)
	}
	keyring, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		log.Fatal(err)
	}

	// docketd binds each batch to the source of its caller (a token, or
	// the intake subject); this Emitter fills it in itself.
	emitter, err := events.NewEmitter(js, events.EmitterConfig{Source: "signup-service", Keys: keyring})
	if err != nil {
		log.Fatal(err)
	}

	// Two events about user-4711 of tenant acme. The subject reference is
	// the service's own opaque user id, never an e-mail address.
	const email = "jane.doe@example.com"
	occurred := timestamppb.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	consent := &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          "acme",
		SubjectRef:      "user-4711",
		OccurredAt:      occurred,
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
			Purpose:  "marketing.communications.email", // a fideslang data use
			NoticeId: "privacy-notice",
			Method:   eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN,
			Channel:  eventsv1.Channel_CHANNEL_WEB,
		}},
	}
	signup := &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          "acme",
		SubjectRef:      "user-4711",
		OccurredAt:      occurred,
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			Purposes:   []string{"essential.service", "marketing.communications.email"},
			Categories: []string{"user.contact.email"}, // fideslang data categories
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			// The value in plaintext: Append seals it before it leaves the process.
			Values: []*eventsv1.DataValue{{
				Category: "user.contact.email",
				Value:    &eventsv1.DataValue_Plaintext{Plaintext: email},
			}},
		}},
	}

	results, err := emitter.Append(ctx, consent, signup)
	if err != nil {
		log.Fatal(err) // an invalid event is refused with an error naming the field
	}
	for _, r := range results {
		fmt.Printf("stored at sequence %d, duplicate: %v\n", r.Sequence, r.Duplicate)
	}

	// A retry of the same events (same event ids) is stored once.
	results, err = emitter.Append(ctx, consent, signup)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Printf("retried: sequence %d, duplicate: %v\n", r.Sequence, r.Duplicate)
	}

	// What the stream holds: subjects name the tenant, the user and the
	// event type; the bytes hold the e-mail address only sealed.
	found := false
	for seq := uint64(1); seq <= 2; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(msg.Subject)
		found = found || bytes.Contains(msg.Data, []byte(email))
	}
	fmt.Println("stored bytes contain the email:", found)

	// Output:
	// stored at sequence 1, duplicate: false
	// stored at sequence 2, duplicate: false
	// retried: sequence 1, duplicate: true
	// retried: sequence 2, duplicate: true
	// docket.acme.user-4711.ConsentGiven
	// docket.acme.user-4711.DataCollected
	// stored bytes contain the email: false
}
