// Package eventtest makes the valid events tests append when what matters
// is that an event is stored, not what it says.
package eventtest

import (
	"time"

	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// OccurredAt is when every event Collected makes occurred.
var OccurredAt = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// Collected is a valid DataCollected event of tenant about subjectRef,
// with a fresh id: an email address, email, collected for the service
// under a contract, in plaintext for the Emitter or docketd to seal. The
// source is the emitter's to set.
func Collected(tenant, subjectRef, email string) *eventsv1.Event {
	return &eventsv1.Event{
		EventId:         uuid.Must(uuid.NewV7()).String(),
		Tenant:          tenant,
		SubjectRef:      subjectRef,
		OccurredAt:      timestamppb.New(OccurredAt),
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			Purposes:   []string{"essential.service"},
			Categories: []string{"user.contact.email"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Values: []*eventsv1.DataValue{{
				Category: "user.contact.email",
				Value:    &eventsv1.DataValue_Plaintext{Plaintext: email},
			}},
		}},
	}
}
