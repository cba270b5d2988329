package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestExportOfReaddressedEvents: a DisclosureMade and a DataCollected of
// subject A, copied by an operator and re-addressed to subject B (their
// values stay sealed under A's key and A's associated data), do not break
// B's Art. 15 export: it succeeds, B's own value is shown, the copied one
// is marked unreadable, in JSON and in HTML, and A's plaintext appears
// nowhere.
func TestExportOfReaddressedEvents(t *testing.T) {
	d := startDaemon(t, fastCheckpoints)
	ctx := context.Background()
	api := d.APIURL()

	const valueA, valueB = "readdressed-a-7710@example.org", "readdressed-b-7711@example.org"
	base := time.Now().UTC().Add(-time.Hour)
	ev := func(ref string, i int) *eventsv1.Event {
		return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: ref,
			OccurredAt: timestamppb.New(base.Add(time.Duration(i) * time.Minute)), Source: "crm", TaxonomyVersion: "fideslang-3.1"}
	}
	collect := func(ref, value string, i int) *eventsv1.Event {
		e := ev(ref, i)
		e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			ActivityId: "accounts", Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, CollectionSource: "data_subject",
			Values: []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: value}}},
		}}
		return e
	}
	disclose := ev("s-a", 2)
	disclose.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
		Recipient: &eventsv1.Recipient{Id: "police", Name: "Police", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
			Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
		Categories: []string{"user.contact.email"}, Purpose: "essential.service",
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, LegalInstrumentRef: "order-1",
		Values: []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: valueA}}},
	}}
	res, err := d.Emitter.Append(ctx, collect("s-a", valueA, 1), disclose, collect("s-b", valueB, 3))
	if err != nil {
		t.Fatal(err)
	}

	// The operator's copies: A's stored events, re-addressed to B.
	for _, r := range res[:2] {
		m, err := d.Stream().GetMsg(ctx, r.Sequence)
		if err != nil {
			t.Fatal(err)
		}
		cp := &eventsv1.Event{}
		if err := proto.Unmarshal(m.Data, cp); err != nil {
			t.Fatal(err)
		}
		cp.SubjectRef = "s-b"
		data, _ := proto.Marshal(cp)
		if _, err := d.JetStream().PublishMsg(ctx, &nats.Msg{Subject: events.Subject(cp), Data: data,
			Header: nats.Header{events.HeaderType: []string{events.TypeName(cp)}}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 5 })
	waitForCheckpoint(t, d, 5)

	code, out, errOut := run(t, "export", "acme", "s-b", "--api", api, "--justification", "test", "--format", "json")
	if code != 0 {
		t.Fatalf("export of s-b: exit %d: %s", code, errOut)
	}
	var r export.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var shown, unreadable int
	for _, dt := range r.Data {
		switch {
		case dt.Unreadable && dt.Value == "":
			unreadable++
		case dt.Value == valueB:
			shown++
		default:
			t.Errorf("datum %+v", dt)
		}
	}
	if shown != 1 || unreadable != 1 {
		t.Errorf("s-b's export shows %d of its values and %d unreadable ones, want 1 and 1: %+v", shown, unreadable, r.Data)
	}
	if len(r.Recipients) != 1 || r.Recipients[0].ID != "police" {
		t.Errorf("recipients %+v, want the (copied) disclosure to the police", r.Recipients)
	}
	code, html, errOut := run(t, "export", "acme", "s-b", "--api", api, "--justification", "test")
	if code != 0 || !strings.Contains(html, "unreadable: it does not open under the subject's key") || !strings.Contains(html, valueB) {
		t.Errorf("HTML export of s-b: exit %d: %s", code, errOut)
	}
	if strings.Contains(out+html, valueA) {
		t.Error("s-b's export holds s-a's value")
	}
}
