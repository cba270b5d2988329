package export

import (
	"bytes"
	"encoding/json"
	"time"
)

// ProofsSchema names the JSON form of Proofs.
const ProofsSchema = "docket.export-proofs.v1"

// Proofs are the proofs an export rests on, apart from it: a report (the
// HTML form above all) points at them instead of carrying them, and
// anyone checks each bundle with the log's public key alone (`docket
// verify event`). The JSON export carries the same bundles in its
// verification member.
type Proofs struct {
	Schema     string `json:"schema"`
	Controller string `json:"controller"`
	SubjectRef string `json:"subject_ref"`
	// ExportEventID is the SubjectDataExported event recording the export
	// these proofs belong to.
	ExportEventID   string       `json:"export_event_id"`
	GeneratedAt     time.Time    `json:"generated_at"`
	ThroughSequence uint64       `json:"through_sequence"`
	Verification    Verification `json:"verification"`
}

// renderProofs is the JSON form of r's proofs, for the export recorded by
// event exportID.
func renderProofs(r *Report, exportID string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	err := enc.Encode(Proofs{Schema: ProofsSchema, Controller: r.Controller, SubjectRef: r.SubjectRef, ExportEventID: exportID,
		GeneratedAt: r.GeneratedAt, ThroughSequence: r.ThroughSequence, Verification: r.Verification})
	return buf.Bytes(), err
}
