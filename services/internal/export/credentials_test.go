package export_test

import (
	"bytes"
	"testing"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/testkit/ledgertest"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// passwordHash is the credential planted in the ledger.
const passwordHash = "argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

// TestCredentialsNeverLeave plants the subject's password hash, collected
// under the contract at sign-up (sequence 21, 16 January 2026), and greps
// every form of the export — the JSON (its data and its Art. 20 part)
// and the HTML report — for it: the category is listed as held, with no
// value.
func TestCredentialsNeverLeave(t *testing.T) {
	l := ledgertest.StartAfter(t, credential())
	x, err := export.New(export.Config{Reader: l.Store, Keys: l.Keys, Tree: l.Tree, Checkpoints: l.Checkpoints,
		Record: l.Record, Now: func() time.Time { return ledgertest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []export.Format{export.JSON, export.HTML} {
		res, err := x.Export(t.Context(), export.Request{Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject, Format: f, ActorID: "dpo-1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{passwordHash, "c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "argon2id"} {
			if bytes.Contains(res.Body, []byte(part)) {
				t.Errorf("the %s export holds %q of the password hash", res.ContentType, part)
			}
		}
		held := 0
		for _, ds := range [][]export.Datum{res.Report.Data, res.Report.Provided} {
			for _, d := range ds {
				if d.Category == "user.authorization.credentials" && d.Withheld && d.Value == "" && d.Current {
					held++
				}
			}
		}
		if held != 2 {
			t.Errorf("the %s export lists the credential as held, without its value, %d times; want 2 (data, provided)", res.ContentType, held)
		}
	}
}

// credential is the subject's password hash, collected under the contract
// at sign-up: sequence 21 of the ledger, 16 January 2026.
func credential() *eventsv1.Event {
	return &eventsv1.Event{
		Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject, Source: "shop",
		OccurredAt: timestamppb.New(time.Date(2026, 1, 16, 8, 0, 0, 0, time.UTC)), TaxonomyVersion: "fideslang-3.1",
		Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "shop"},
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			ActivityId: "billing", Purposes: []string{"essential.service.payment_processing"},
			Categories: []string{"user.authorization.credentials"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			CollectionSource: "data_subject",
			Values: []*eventsv1.DataValue{{Category: "user.authorization.credentials", KeyGroup: "tax",
				Value: &eventsv1.DataValue_Plaintext{Plaintext: passwordHash}}},
		}},
	}
}
