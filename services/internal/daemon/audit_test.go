package daemon_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events/checkpoint"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// auditFixture is a docketd whose notary checkpoints every 5 events, with
// 12 events appended and the checkpoint of 12 published.
func auditFixture(t *testing.T) (*testd, apiv1connect.AuditServiceClient, []string, string) {
	t.Helper()
	dir := t.TempDir()
	d := startDaemon(t, dir, checkpointEvery(5))
	ids := appendTo(t, d, 12, func(i int) string { return "s-" + string(rune('a'+i%3)) })
	waitCheckpoint(t, d, 12)
	// The read model must have the events too (proofs by event id).
	d.projected(t, 12)
	return d, d.read.Audit, ids, dir
}

func TestAuditProofsVerify(t *testing.T) {
	d, audit, ids, dir := auditFixture(t)
	ctx := context.Background()
	latest, err := audit.GetLatestCheckpoint(ctx, connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "keys", "notary.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("notary key file: %v %v", fi, err)
	}
	v := logVerifier(t, dir)
	signed, err := checkpoint.Open([]byte(latest.Msg.GetCheckpoint().GetNote()), v, nil)
	if err != nil {
		t.Fatalf("the served checkpoint does not verify: %v", err)
	}
	// Checkpoints at 5 and 10, by size.
	for _, size := range []uint64{5, 10} {
		r, err := audit.GetCheckpoint(ctx, connect.NewRequest(&apiv1.GetCheckpointRequest{TreeSize: size}))
		if err != nil || r.Msg.GetCheckpoint().GetTreeSize() != size {
			t.Fatalf("GetCheckpoint(%d): %v", size, err)
		}
	}
	// Every event, by id and by sequence, is provably in the tree.
	for i, id := range ids {
		for _, req := range []*apiv1.GetInclusionProofRequest{
			{Event: &apiv1.GetInclusionProofRequest_EventId{EventId: id}, Tenant: "acme"},
			{Event: &apiv1.GetInclusionProofRequest_Sequence{Sequence: uint64(i + 1)}},
		} {
			r, err := audit.GetInclusionProof(ctx, connect.NewRequest(req))
			if err != nil {
				t.Fatalf("inclusion proof of event %d: %v", i+1, err)
			}
			if r.Msg.GetSequence() != uint64(i+1) {
				t.Fatalf("event %s: sequence %d, want %d", id, r.Msg.GetSequence(), i+1)
			}
			var proof tlog.RecordProof
			for _, h := range r.Msg.GetHashes() {
				proof = append(proof, tlog.Hash(h))
			}
			if err := checkpoint.VerifyInclusion(signed.Checkpoint, r.Msg.GetSequence(), r.Msg.GetEvent().GetData(), proof); err != nil {
				t.Fatalf("event %d: %v", i+1, err)
			}
			if strings.Contains(string(r.Msg.GetEvent().GetData()), canary) {
				t.Fatal("the stored event holds plaintext personal data")
			}
		}
	}
	// Consistency of 5 → 12 checks against the two signed roots.
	cp5, err := audit.GetCheckpoint(ctx, connect.NewRequest(&apiv1.GetCheckpointRequest{TreeSize: 5}))
	if err != nil {
		t.Fatal(err)
	}
	old, err := checkpoint.Open([]byte(cp5.Msg.GetCheckpoint().GetNote()), v, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := audit.GetConsistencyProof(ctx, connect.NewRequest(&apiv1.GetConsistencyProofRequest{OldSize: 5, NewSize: 12}))
	if err != nil {
		t.Fatal(err)
	}
	var tp tlog.TreeProof
	for _, h := range cr.Msg.GetHashes() {
		tp = append(tp, tlog.Hash(h))
	}
	if err := checkpoint.VerifyConsistency(old.Checkpoint, signed.Checkpoint, tp); err != nil {
		t.Fatalf("consistency 5→12: %v", err)
	}

	// A restart keeps the key and the tree: the same log goes on.
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	d2 := startDaemon(t, dir, checkpointEvery(5))
	audit2 := d2.read.Audit
	r, err := audit2.GetLatestCheckpoint(ctx, connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Open([]byte(r.Msg.GetCheckpoint().GetNote()), v, nil); err != nil {
		t.Fatalf("after a restart the checkpoint is signed by another key: %v", err)
	}
}

// Bad requests get invalid_argument naming the field; what is not there is
// not_found; nothing is harmed.
func TestAuditRefusesBadRequests(t *testing.T) {
	_, audit, ids, dir := auditFixture(t)
	ctx := context.Background()
	other := uuid.Must(uuid.NewV7()).String()
	for _, c := range []struct {
		name      string
		call      func() error
		wantCode  connect.Code
		wantField string
	}{
		{"checkpoint of size 0", errOf(ctx, audit.GetCheckpoint, &apiv1.GetCheckpointRequest{}), connect.CodeInvalidArgument, "tree_size"},
		{"checkpoint never published", errOf(ctx, audit.GetCheckpoint, &apiv1.GetCheckpointRequest{TreeSize: 7}), connect.CodeNotFound, ""},
		{"proof of nothing", errOf(ctx, audit.GetInclusionProof, &apiv1.GetInclusionProofRequest{}), connect.CodeInvalidArgument, "event"},
		{"event id not a UUID, no tenant", errOf(ctx, audit.GetInclusionProof, &apiv1.GetInclusionProofRequest{
			Event: &apiv1.GetInclusionProofRequest_EventId{EventId: "nope"}}), connect.CodeInvalidArgument, "event_id"},
		{"unknown event id", errOf(ctx, audit.GetInclusionProof, &apiv1.GetInclusionProofRequest{
			Event: &apiv1.GetInclusionProofRequest_EventId{EventId: other}, Tenant: "acme"}), connect.CodeNotFound, ""},
		{"another tenant's event id", errOf(ctx, audit.GetInclusionProof, &apiv1.GetInclusionProofRequest{
			Event: &apiv1.GetInclusionProofRequest_EventId{EventId: ids[0]}, Tenant: "globex"}), connect.CodeNotFound, ""},
		{"sequence beyond the tree asked", errOf(ctx, audit.GetInclusionProof, &apiv1.GetInclusionProofRequest{
			Event: &apiv1.GetInclusionProofRequest_Sequence{Sequence: 11}, TreeSize: 10}), connect.CodeFailedPrecondition, ""},
		{"consistency from 0", errOf(ctx, audit.GetConsistencyProof, &apiv1.GetConsistencyProofRequest{NewSize: 5}), connect.CodeInvalidArgument, "old_size"},
		{"consistency backwards", errOf(ctx, audit.GetConsistencyProof, &apiv1.GetConsistencyProofRequest{OldSize: 10, NewSize: 5}), connect.CodeInvalidArgument, "new_size"},
		{"consistency past the tree", errOf(ctx, audit.GetConsistencyProof, &apiv1.GetConsistencyProofRequest{OldSize: 5, NewSize: 5000}), connect.CodeUnavailable, ""},
		{"event 0", errOf(ctx, audit.GetEvent, &apiv1.GetEventRequest{}), connect.CodeInvalidArgument, "sequence"},
		{"event not stored", errOf(ctx, audit.GetEvent, &apiv1.GetEventRequest{Sequence: 99}), connect.CodeNotFound, ""},
		{"empty cosignature", errOf(ctx, audit.AddCosignature, &apiv1.AddCosignatureRequest{}), connect.CodeInvalidArgument, "note"},
		{"cosignature that is not a note", errOf(ctx, audit.AddCosignature, &apiv1.AddCosignatureRequest{Note: "hello\n"}), connect.CodeInvalidArgument, "note"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code() != c.wantCode {
				t.Fatalf("got %v, want code %v", err, c.wantCode)
			}
			if c.wantField != "" && !strings.Contains(ce.Message(), c.wantField) {
				t.Fatalf("message %q does not name %s", ce.Message(), c.wantField)
			}
		})
	}
	// An unconfigured witness's cosignature is refused.
	latest, err := audit.GetLatestCheckpoint(ctx, connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = audit.AddCosignature(ctx, connect.NewRequest(&apiv1.AddCosignatureRequest{Note: latest.Msg.GetCheckpoint().GetNote()}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatal("a note with no witness signature was taken")
	}
	wskey, _, err := checkpoint.GenerateKey("stranger")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := checkpoint.NewSigner(wskey)
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := checkpoint.Cosign([]byte(latest.Msg.GetCheckpoint().GetNote()), logVerifier(t, dir), ws)
	if err != nil {
		t.Fatal(err)
	}
	_, err = audit.AddCosignature(ctx, connect.NewRequest(&apiv1.AddCosignatureRequest{Note: string(cosigned)}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "witness") {
		t.Fatalf("a cosignature by an unconfigured witness: %v", err)
	}
}

// errOf is a call of rpc with req, for a table of calls: the error it
// returns.
func errOf[Req, Res any](ctx context.Context, rpc func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error), req *Req) func() error {
	return func() error {
		_, err := rpc(ctx, connect.NewRequest(req))
		return err
	}
}

// logVerifier is the verifier of the notary key in a data directory.
func logVerifier(t *testing.T, dir string) note.Verifier {
	t.Helper()
	skey, err := os.ReadFile(filepath.Join(dir, "keys", "notary.key"))
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := checkpoint.PublicKey(strings.TrimSpace(string(skey)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
