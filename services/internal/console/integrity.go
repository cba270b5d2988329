package console

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/projections/state"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/audit"
)

// integrityData is the integrity page's data.
type integrityData struct {
	Checkpoint  *apiv1.SignedCheckpoint
	Root        string // base64
	LogKey      string
	WitnessKeys []string
	Event       string // the event id to verify
	// Quarantined are the tenant's unprojectable_event findings: stored
	// messages under its subjects that are not valid sealed events.
	Quarantined     []*apiv1.Finding
	MoreQuarantined bool
}

// quarantinedPage is how many quarantined messages the page lists.
const quarantinedPage = 50

// integrity shows the latest signed checkpoint, its witnesses and tree
// size, the stored messages under the tenant's subjects that the read
// models quarantined (not valid sealed events), and a form to verify one event: its script fetches the event's
// proof bundle and checks it in the browser (static/verify.js) against
// the checkpoint's signature, with keys the reader can replace by the ones
// they hold. Without the script the form downloads the bundle, for
// `docket verify event`.
func (cs *Console) integrity(w http.ResponseWriter, r *http.Request, s *session) error {
	d := integrityData{LogKey: cs.c.LogKey, WitnessKeys: cs.c.WitnessKeys, Event: strings.TrimSpace(r.FormValue("event"))}
	resp, err := cs.api.audit.GetLatestCheckpoint(r.Context(), connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
	switch {
	case connect.CodeOf(err) == connect.CodeNotFound:
	case err != nil:
		return err
	default:
		d.Checkpoint = resp.Msg.GetCheckpoint()
		d.Root = base64.StdEncoding.EncodeToString(d.Checkpoint.GetRootHash())
	}
	if s.tenant != "" {
		q, err := cs.api.query.ListFindings(r.Context(), connect.NewRequest(&apiv1.ListFindingsRequest{
			Tenant: s.tenant, Rule: state.RuleUnprojectable, PageSize: quarantinedPage}))
		if err != nil {
			return err
		}
		d.Quarantined, d.MoreQuarantined = q.Msg.GetFindings(), q.Msg.GetNextPageToken() != ""
	}
	cs.render(w, http.StatusOK, "integrity", view{Title: "Integrity", Nav: "integrity", S: s, Data: &d})
	return nil
}

// bundle downloads an event's offline proof bundle (events/proof): the
// stored event, its inclusion proof and the signed checkpoint it leads
// to. It holds sealed values only.
func (cs *Console) bundle(w http.ResponseWriter, r *http.Request, s *session) error {
	id := strings.TrimSpace(r.FormValue("event"))
	if id == "" {
		return badInput("event id", "is required")
	}
	if err := events.CheckToken(id); err != nil {
		return badInput("event id", "not an event id")
	}
	if s.tenant == "" {
		return badInput("tenant", "is required")
	}
	resp, err := cs.api.audit.GetInclusionProof(r.Context(), connect.NewRequest(&apiv1.GetInclusionProofRequest{
		Event: &apiv1.GetInclusionProofRequest_EventId{EventId: id}, Tenant: s.tenant}))
	if err != nil {
		return err
	}
	b, err := audit.Bundle(resp.Msg)
	if err != nil {
		return &pageError{Status: http.StatusServiceUnavailable, Message: "The event is not under a signed checkpoint yet; try again in a few seconds."}
	}
	out, err := proof.Marshal(b)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "proof-"+id+".json"))
	_, err = w.Write(out)
	return err
}
