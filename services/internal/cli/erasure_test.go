package cli_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestErasureRequest: the life of an erasure request with an Art. 17(3)
// hold — received, identity verified, invoices kept under a tax
// obligation, each system that holds the subject's data reports its
// erasure — after which docketd's erasure saga shreds every key group but
// the kept one and records the request fulfilled.
func TestErasureRequest(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	base := time.Now().UTC().Add(-24 * time.Hour)
	n := 0
	ev := func(source string) *eventsv1.Event {
		n++
		return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: "s-erase",
			OccurredAt: timestamppb.New(base.Add(time.Duration(n) * time.Minute)), Source: source, TaxonomyVersion: "fideslang-3.1"}
	}
	appendEv := func(e *eventsv1.Event) {
		t.Helper()
		if _, err := d.Emitter.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	email := ev("crm")
	email.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
		Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		Values: []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: "erase-me@example.org"}}}}}
	invoice := ev("billing")
	invoice.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
		Purposes: []string{"essential.service.payment_processing"}, Categories: []string{"user.financial.bank_account"},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		Values:     []*eventsv1.DataValue{{Category: "user.financial.bank_account", KeyGroup: "tax", Value: &eventsv1.DataValue_Plaintext{Plaintext: "DE00ERASE"}}}}}
	received := ev("privacy-desk")
	received.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
		RequestId: "rr-erase", Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_EMAIL}}
	verified := ev("privacy-desk")
	verified.Payload = &eventsv1.Event_RightsRequestIdentityVerified{RightsRequestIdentityVerified: &eventsv1.RightsRequestIdentityVerified{
		RequestId: "rr-erase", Method: "email_challenge"}}
	exempt := ev("privacy-desk")
	exempt.Payload = &eventsv1.Event_ErasureExemptionRecorded{ErasureExemptionRecorded: &eventsv1.ErasureExemptionRecorded{
		RequestId: "rr-erase", KeyGroups: []string{"tax"}, Ground: eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION,
		Detail: "invoices kept ten years", Until: timestamppb.New(base.AddDate(10, 0, 0))}}
	erased := func(system string) *eventsv1.Event {
		e := ev(system)
		e.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{RequestId: "rr-erase", System: system, RecordsErased: 1}}
		return e
	}
	for _, e := range []*eventsv1.Event{email, invoice, received, verified, exempt, erased("crm")} {
		appendEv(e)
	}
	request := func() model.RequestRow {
		rows, err := d.ReadModels().Reader().ListRequests(ctx, model.RequestFilter{Tenant: "acme", SubjectRef: "s-erase"}, model.Page{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("requests: %v %v", rows, err)
		}
		return rows[0]
	}
	// One system has not reported: nothing is shredded yet.
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 6 })
	time.Sleep(300 * time.Millisecond)
	if r := request(); r.Status != model.RequestOpen {
		t.Fatalf("request %s before billing reported", r.Status)
	}
	if _, err := d.Keyring.OpenKey(ctx, "acme", "s-erase", "default", 1); err != nil {
		t.Fatalf("the default key is gone before every system reported: %v", err)
	}

	appendEv(erased("billing"))
	waitFor(t, func() bool { return request().Status == model.RequestFulfilled })
	r := request()
	if !strings.Contains(r.Outcome, "erased") || !strings.Contains(r.Outcome, "tax (ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION)") {
		t.Fatalf("outcome %q", r.Outcome)
	}
	if _, err := d.Keyring.OpenKey(ctx, "acme", "s-erase", "default", 1); !errors.Is(err, keys.ErrShredded) {
		t.Fatalf("default key after the erasure: %v, want ErrShredded", err)
	}
	if _, err := d.Keyring.OpenKey(ctx, "acme", "s-erase", "tax", 1); err != nil {
		t.Fatalf("the tax key, kept under Art. 17(3), is gone: %v", err)
	}
	waitFor(t, func() bool {
		st, err := d.ReadModels().Reader().Subject(ctx, "acme", "s-erase")
		return err == nil && !st.Shredded["default"].IsZero()
	})
	st, _ := d.ReadModels().Reader().Subject(ctx, "acme", "s-erase")
	if _, ok := st.Shredded["tax"]; ok || len(st.OpenRequests) != 0 {
		t.Fatalf("shredded %v, open requests %v", st.Shredded, st.OpenRequests)
	}
}
