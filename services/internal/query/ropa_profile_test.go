package query_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	qt "github.com/docketledger/docket/services/internal/query/querytest"
	"google.golang.org/protobuf/proto"
)

// TestRoPALeavesSealedContactsOut: a service without the key ring (the
// querytest server has none) returns the profile without its sealed
// contacts, neither opened nor as ciphertext; the CLI's
// TestRoPAExampleProfile shows docketd opening them.
func TestRoPALeavesSealedContactsOut(t *testing.T) {
	evs := qt.Ledger()
	for _, ev := range evs {
		if p := ev.GetControllerProfileDeclared().GetProfile(); p != nil {
			p.ContactEmailText = &eventsv1.DataValue{Category: "user.content.private",
				Value: &eventsv1.DataValue_Sealed{Sealed: &eventsv1.Sealed{Ciphertext: []byte("ciphertext-canary")}}}
		}
	}
	s := qt.StartWith(t, evs, qt.Now)
	c := apiv1connect.NewQueryServiceClient(http.DefaultClient, s.URL)
	resp, err := c.GetRecordOfProcessing(context.Background(), connect.NewRequest(&apiv1.GetRecordOfProcessingRequest{Tenant: qt.OtherTenant}))
	if err != nil {
		t.Fatal(err)
	}
	p := resp.Msg.GetController()
	if p.GetName() != "Globex GmbH" || p.GetContactEmailText() != nil || p.GetContactEmail() != "" {
		t.Errorf("controller %v: want Globex without its sealed mailbox", p)
	}
	if b, _ := proto.Marshal(resp.Msg); len(b) == 0 || bytes.Contains(b, []byte("ciphertext-canary")) {
		t.Error("the response carries the sealed value")
	}
}
