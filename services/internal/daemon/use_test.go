package daemon_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestRecordOfProcessingCountsUsesBesideConfidential: a purpose a
// confidential disclosure shows (Art. 23) is counted again, for a caller
// without the legal role, from the events it may see; a use
// (DataProcessed) of that purpose is one of them. The auditor sees the
// purpose observed once, through the use; legal twice.
func TestRecordOfProcessingCountsUsesBesideConfidential(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	ctx := context.Background()
	at := time.Now().Add(-10 * 24 * time.Hour)
	const purpose = "analytics.reporting.campaign_insights"
	use := &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: "s-use",
		OccurredAt: timestamppb.New(at.Add(time.Hour)), Source: "crm", TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_DataProcessed{DataProcessed: &eventsv1.DataProcessed{ActivityId: "reports",
			Purposes: []string{purpose}, Categories: []string{"user.contact.email"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, System: "analytics"}}}
	res, err := d.Emitter.Append(ctx, disclosed("s-use", "police", purpose, "user.contact.email", at, time.Now().Add(24*time.Hour)), use)
	if err != nil {
		t.Fatal(err)
	}
	d.projected(t, res[len(res)-1].Sequence)
	for _, tc := range []struct {
		role auth.Role
		want uint64
	}{{auth.Auditor, 1}, {auth.Legal, 2}} {
		tok := d.Token(t, auth.Spec{Name: "ropa-" + string(tc.role), Roles: []auth.Role{tc.role}, Tenant: "acme"})
		r, err := d.API(tok).Query.GetRecordOfProcessing(ctx, connect.NewRequest(&apiv1.GetRecordOfProcessingRequest{Tenant: "acme"}))
		if err != nil {
			t.Fatal(err)
		}
		var got uint64
		for _, o := range r.Msg.GetObserved() {
			if o.GetKind() == apiv1.ObservedKind_OBSERVED_KIND_PURPOSE && o.GetKey() == purpose {
				got = o.GetCount()
			}
		}
		if got != tc.want {
			t.Errorf("%s: purpose %s observed %d times, want %d (the use%s)", tc.role, purpose, got, tc.want,
				map[bool]string{true: " and the disclosure", false: " only"}[tc.want == 2])
		}
	}
}
