package audit

import (
	"encoding/base64"
	"fmt"

	"github.com/docketledger/docket/events/proof"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
)

// Bundle turns an inclusion proof answer into the offline proof bundle an
// auditor keeps (`docket prove`, the console's "verify this event").
func Bundle(m *apiv1.GetInclusionProofResponse) (*proof.Bundle, error) {
	if m.GetCheckpoint() == nil {
		return nil, fmt.Errorf("no checkpoint was published at size %d: ask against a published one", m.GetTreeSize())
	}
	b := &proof.Bundle{
		Version: proof.Version, Sequence: m.GetSequence(), Subject: m.GetEvent().GetSubject(), Event: m.GetEvent().GetData(),
		TreeSize: int64(m.GetTreeSize()), Checkpoint: m.GetCheckpoint().GetNote(),
	}
	for _, h := range m.GetHashes() {
		b.Proof = append(b.Proof, base64.StdEncoding.EncodeToString(h))
	}
	return b, nil
}
