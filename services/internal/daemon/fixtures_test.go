package daemon_test

import (
	"fmt"
	"testing"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// checkpointEvery has the notary sign a checkpoint every n events, and
// every 100 ms while fewer arrive.
func checkpointEvery(n int) func(*config.Config) {
	return func(c *config.Config) {
		c.CheckpointEvery, c.CheckpointInterval = n, config.Duration(100*time.Millisecond)
	}
}

// eventually waits up to 30 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 30 s", what)
}

// projected waits until d's read models have applied the stream up to seq.
func (d *testd) projected(t *testing.T, seq uint64) {
	t.Helper()
	eventually(t, fmt.Sprintf("the read models apply the stream up to %d", seq), func() bool {
		return d.ReadModels().Status().Checkpoint >= seq
	})
}

// collected is a new DataCollected event of tenant about ref, as crm:
// an email for the service, under contract, occurred at at.
func collected(tenant, ref string, at time.Time) *eventsv1.Event {
	return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: tenant, SubjectRef: ref,
		OccurredAt: timestamppb.New(at), Source: "crm", TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{Purposes: []string{"essential.service"},
			Categories: []string{"user.contact.email"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT}}}
}

// disclosed is a new DisclosureMade event of tenant acme about ref, as
// legal-desk: category for purpose, to the public authority id under a
// legal obligation (order-id), occurred at at, and kept confidential
// until until unless it is zero.
func disclosed(ref, id, purpose, category string, at, until time.Time) *eventsv1.Event {
	dm := &eventsv1.DisclosureMade{
		Recipient: &eventsv1.Recipient{Id: id, Name: id, Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY, Country: "DE",
			TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
		Categories: []string{category}, Purpose: purpose,
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, LegalInstrumentRef: "order-" + id,
	}
	if !until.IsZero() {
		dm.ConfidentialUntil = timestamppb.New(until)
	}
	return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: ref,
		OccurredAt: timestamppb.New(at), Source: "legal-desk", TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_DisclosureMade{DisclosureMade: dm}}
}
