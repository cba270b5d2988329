package receipt_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/docketledger/docket/services/internal/testkit/golden"
	"github.com/docketledger/docket/services/internal/testkit/ledgertest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// controller is the fixed controller profile of the ledger's tenant.
var controller = receipt.Controller{
	Name: "Acme GmbH", Contact: "Data Protection Officer", Address: "Beispielstraße 1, 10115 Berlin, Germany",
	Email: "dpo@acme.example", Phone: "+49 30 1234567", URL: "https://acme.example",
	PolicyURL: "https://acme.example/privacy/3", Jurisdiction: "DE",
}

// TestGolden makes the receipt of the fixed ledger's consent (ledgertest)
// in both forms and compares each, byte for byte, with its golden file;
// -update rewrites them. Each receipt verifies with the log's public key.
func TestGolden(t *testing.T) {
	if p := controller.Problems(); len(p) > 0 {
		t.Fatalf("the test's controller profile: %v", p)
	}
	l := ledgertest.Start(t)
	m, err := receipt.New(receipt.Config{Reader: l.Store, Tree: l.Tree, Checkpoints: l.Checkpoints, Signer: l.Signer,
		Controllers: map[string]receipt.Controller{ledgertest.Tenant: controller}, PublicKey: l.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := checkpoint.NewVerifier(l.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, form string }{
		{"receipt-27560.json", receipt.FormISO27560},
		{"receipt-kantara.json", receipt.FormKantara},
	} {
		t.Run(tc.file, func(t *testing.T) {
			id := ledgertest.EventID(ledgertest.ConsentGiven)
			body, err := m.Make(t.Context(), ledgertest.Tenant, id, tc.form)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tc.file), body, *update)
			v, err := receipt.Verify(body, verifier)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Form != tc.form || v.EventID != id || v.Sequence != ledgertest.ConsentGiven {
				t.Errorf("verified form %s, event %s at %d; want %s, %s at %d", v.Form, v.EventID, v.Sequence, tc.form, id, ledgertest.ConsentGiven)
			}
		})
	}
}
