// ExampleEmitter_Append, which runs a NATS server, is in the module
// events/natstest (natstest/events/example_test.go).

package events_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A service records, through the NATS door docketd serves, that a user
// consented to marketing e-mails and that it collected their e-mail
// address. The Client validates both events and sends them to docketd's
// intake for tenant acme, source signup-service; docketd seals the address
// under the user's own data key, appends both to the DOCKET stream and
// answers with their sequences. Sending the same events again (a retry,
// after a timeout say) stores nothing new.
//
// The service's NATS user may publish only to its own intake subject,
// docketd.intake.acme.signup-service, and read its own inbox prefix
// (deploy/nats/accounts.conf); it may not publish into the events stream.
// This example needs a running docketd, so it is compiled, not run.
func ExampleClient_Append() {
	ctx := context.Background()
	nc, err := nats.Connect("tls://nats.example.internal:4222",
		nats.UserInfo("signup-service", os.Getenv("NATS_PASSWORD")),
		nats.CustomInboxPrefix("_INBOX_signup-service"))
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	client, err := events.NewClient(nc, events.ClientConfig{Tenant: "acme", Source: "signup-service"})
	if err != nil {
		log.Fatal(err)
	}
	signup := &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          "acme",
		SubjectRef:      "user-4711", // the service's own opaque user id
		OccurredAt:      timestamppb.Now(),
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			Purposes:   []string{"essential.service"},
			Categories: []string{"user.contact.email"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			// In plaintext over the (TLS) connection: docketd seals it
			// before anything stores it.
			Values: []*eventsv1.DataValue{{
				Category: "user.contact.email",
				Value:    &eventsv1.DataValue_Plaintext{Plaintext: "jane.doe@example.com"},
			}},
		}},
	}
	results, err := client.Append(ctx, signup)
	var invalid *events.ValidationError
	switch {
	case errors.As(err, &invalid):
		for _, p := range invalid.Problems {
			log.Printf("%s: %s", p.Field, p.Reason) // names the field, never the value
		}
	case err != nil:
		log.Fatal(err) // retry with the same events: a stored one comes back duplicate
	default:
		fmt.Printf("stored at sequence %d\n", results[0].Sequence)
	}
}
