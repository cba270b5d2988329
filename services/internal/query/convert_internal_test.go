package query

import (
	"testing"

	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// TestDisclosureShowsTheTransferGround: the register's DPF certification
// and Art. 49(1) derogation reach the API's recipient.
func TestDisclosureShowsTheTransferGround(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  model.DisclosureRow
		want *eventsv1.Recipient
	}{
		{"certified under the DPF", model.DisclosureRow{RecipientID: "metricsfield", Country: "US",
			TransferMechanism: "TRANSFER_MECHANISM_ADEQUACY_DECISION", DPFCertified: true},
			&eventsv1.Recipient{Id: "metricsfield", Country: "US",
				TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION, DpfCertified: true}},
		{"a derogation", model.DisclosureRow{RecipientID: "meridian-claims", Country: "US",
			TransferMechanism: "TRANSFER_MECHANISM_DEROGATION_ART49", Art49Derogation: "ART49_DEROGATION_LEGAL_CLAIMS"},
			&eventsv1.Recipient{Id: "meridian-claims", Country: "US",
				TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49,
				Art49Derogation:   eventsv1.Art49Derogation_ART49_DEROGATION_LEGAL_CLAIMS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := disclosure(&tc.row).GetRecipient()
			if got.GetDpfCertified() != tc.want.GetDpfCertified() || got.GetArt49Derogation() != tc.want.GetArt49Derogation() ||
				got.GetTransferMechanism() != tc.want.GetTransferMechanism() {
				t.Errorf("recipient %v, want %v", got, tc.want)
			}
		})
	}
}
