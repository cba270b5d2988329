// Package audit serves docket.api.v1.AuditService: the notary's signed
// checkpoints, inclusion and consistency proofs, the stored events they
// cover, and witnesses' cosignatures. Nothing it returns needs to be
// trusted: proofs are checked by the client against signed checkpoints.
package audit

import (
	"context"
	"errors"
	"fmt"
	"math"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/confidential"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ErrNotInTree: the notary has not folded the tree size asked for yet
// (unavailable). An event that does not exist, or that the caller may not
// see, is apierr.ErrEventNotFound; no published checkpoint is
// notary.ErrNoCheckpoint (apierr.Checkpoint).
var ErrNotInTree = errors.New("the notary has not folded that far yet")

// Config is what the audit service serves from.
type Config struct {
	Tree        *merkle.Tree     // the notary's tree
	Events      jetstream.Stream // the events stream (raw events)
	Checkpoints jetstream.Stream // the checkpoint stream
	JetStream   jetstream.JetStream
	Reader      model.Reader    // event ids to sequences
	Log         note.Verifier   // the log's key
	Witnesses   []note.Verifier // keys whose cosignatures are accepted
}

// Service implements apiv1connect.AuditServiceHandler: checkpoints, proofs
// and raw events.
type Service struct{ c Config }

var _ apiv1connect.AuditServiceHandler = (*Service)(nil)

// New returns the audit service.
func New(c Config) (*Service, error) {
	if c.Tree == nil || c.Events == nil || c.Checkpoints == nil || c.JetStream == nil || c.Reader == nil || c.Log == nil {
		return nil, errors.New("audit: New: nil dependency")
	}
	return &Service{c: c}, nil
}

// GetLatestCheckpoint returns the newest checkpoint.
func (a *Service) GetLatestCheckpoint(ctx context.Context, _ *connect.Request[apiv1.GetLatestCheckpointRequest]) (*connect.Response[apiv1.GetLatestCheckpointResponse], error) {
	p, err := notary.Latest(ctx, a.c.Checkpoints)
	if err != nil {
		return nil, apierr.Checkpoint(err)
	}
	sc, err := a.signed(p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&apiv1.GetLatestCheckpointResponse{Checkpoint: sc}), nil
}

// GetCheckpoint returns the checkpoint published at a size.
func (a *Service) GetCheckpoint(ctx context.Context, req *connect.Request[apiv1.GetCheckpointRequest]) (*connect.Response[apiv1.GetCheckpointResponse], error) {
	var ps apierr.Problems
	size := treeSize(&ps, "tree_size", req.Msg.GetTreeSize(), true)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	p, err := notary.At(ctx, a.c.Checkpoints, size)
	if err != nil {
		return nil, apierr.Checkpoint(err)
	}
	sc, err := a.signed(p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&apiv1.GetCheckpointResponse{Checkpoint: sc}), nil
}

// GetInclusionProof proves an event is in a tree.
func (a *Service) GetInclusionProof(ctx context.Context, req *connect.Request[apiv1.GetInclusionProofRequest]) (*connect.Response[apiv1.GetInclusionProofResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	var seq uint64
	switch e := m.GetEvent().(type) {
	case *apiv1.GetInclusionProofRequest_EventId:
		ps.CheckToken("tenant", m.GetTenant(), true)
		if _, err := uuid.Parse(e.EventId); err != nil {
			ps.Add("event_id", "is not a UUID")
		}
	case *apiv1.GetInclusionProofRequest_Sequence:
		if e.Sequence == 0 || e.Sequence > math.MaxInt64 {
			ps.Add("sequence", "must be between 1 and 2^63-1")
		}
		seq = e.Sequence
	default:
		ps.Add("event", "is required: event_id or sequence")
	}
	size := treeSize(&ps, "tree_size", m.GetTreeSize(), false)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if id := m.GetEventId(); id != "" {
		row, err := a.c.Reader.Event(ctx, m.GetTenant(), id)
		if errors.Is(err, model.ErrNotFound) {
			return nil, apierr.NotFound(apierr.ErrEventNotFound)
		} else if err != nil {
			return nil, apierr.Store(err)
		}
		seq = row.Seq
	}
	// The stored event first: one the caller may not see is not found,
	// before anything (tree sizes, checkpoints) tells it apart.
	ev, err := a.event(ctx, seq)
	if err != nil {
		return nil, err
	}
	resp := &apiv1.GetInclusionProofResponse{Sequence: seq, Event: ev}
	if size == 0 {
		p, err := notary.Latest(ctx, a.c.Checkpoints)
		if err != nil {
			return nil, apierr.Checkpoint(err)
		}
		size = p.Checkpoint.Size
		if resp.Checkpoint, err = a.signed(p); err != nil {
			return nil, err
		}
	} else if p, err := notary.At(ctx, a.c.Checkpoints, size); err == nil {
		if resp.Checkpoint, err = a.signed(p); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, notary.ErrNoCheckpoint) {
		return nil, apierr.Checkpoint(err)
	}
	if int64(seq) > size {
		return nil, connect.NewError(connect.CodeFailedPrecondition,
			fmt.Errorf("sequence %d is not in the tree of size %d: ask against a later checkpoint", seq, size))
	}
	if size > a.c.Tree.Size() {
		return nil, connect.NewError(connect.CodeUnavailable, ErrNotInTree)
	}
	proof, err := a.c.Tree.ProveRecord(size, int64(seq)-1)
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("inclusion proof: %w", err))
	}
	resp.TreeSize = uint64(size)
	resp.Hashes = hashBytes(proof)
	return connect.NewResponse(resp), nil
}

// GetConsistencyProof proves a tree extends an older one.
func (a *Service) GetConsistencyProof(ctx context.Context, req *connect.Request[apiv1.GetConsistencyProofRequest]) (*connect.Response[apiv1.GetConsistencyProofResponse], error) {
	var ps apierr.Problems
	oldSize := treeSize(&ps, "old_size", req.Msg.GetOldSize(), true)
	newSize := treeSize(&ps, "new_size", req.Msg.GetNewSize(), true)
	if len(ps) == 0 && newSize < oldSize {
		ps.Add("new_size", "is smaller than old_size")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if newSize > a.c.Tree.Size() {
		return nil, connect.NewError(connect.CodeUnavailable, ErrNotInTree)
	}
	proof, err := a.c.Tree.ProveTree(newSize, oldSize)
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("consistency proof: %w", err))
	}
	return connect.NewResponse(&apiv1.GetConsistencyProofResponse{Hashes: hashBytes(proof)}), nil
}

// GetEvent returns an event's stored bytes.
func (a *Service) GetEvent(ctx context.Context, req *connect.Request[apiv1.GetEventRequest]) (*connect.Response[apiv1.GetEventResponse], error) {
	seq := req.Msg.GetSequence()
	if seq == 0 || seq > math.MaxInt64 {
		return nil, apierr.Invalid(fieldError("sequence", "must be between 1 and 2^63-1"))
	}
	ev, err := a.event(ctx, seq)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(ev), nil
}

// AddCosignature stores a witness's cosignature of a published checkpoint.
func (a *Service) AddCosignature(ctx context.Context, req *connect.Request[apiv1.AddCosignatureRequest]) (*connect.Response[apiv1.AddCosignatureResponse], error) {
	msg := []byte(req.Msg.GetNote())
	if len(msg) == 0 || len(msg) > 64<<10 {
		return nil, apierr.Invalid(fieldError("note", "must be a signed note of at most 64 KiB"))
	}
	signed, err := checkpoint.Open(msg, a.c.Log, a.c.Witnesses)
	if err != nil {
		return nil, apierr.Invalid(fieldError("note", err.Error()))
	}
	if len(signed.Cosigners) == 0 {
		return nil, apierr.Invalid(fieldError("note", "carries no signature by a configured witness key"))
	}
	p, err := notary.At(ctx, a.c.Checkpoints, signed.Size)
	if err != nil {
		return nil, apierr.Checkpoint(err)
	}
	if p.Checkpoint != signed.Checkpoint {
		return nil, apierr.Invalid(fieldError("note", "is not the checkpoint published at its size"))
	}
	merged, err := checkpoint.Merge(p.Note, msg)
	if err != nil {
		return nil, apierr.Invalid(fieldError("note", err.Error()))
	}
	if err := notary.StoreCosigned(ctx, a.c.JetStream, signed.Size, merged); err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	p.Note = merged
	sc, err := a.signed(p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&apiv1.AddCosignatureResponse{Checkpoint: sc}), nil
}

// signed converts a published checkpoint, naming its verified cosigners.
func (a *Service) signed(p *notary.Published) (*apiv1.SignedCheckpoint, error) {
	s, err := checkpoint.Open(p.Note, a.c.Log, a.c.Witnesses)
	if err != nil {
		// The stored checkpoint does not verify with the configured key.
		return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("stored checkpoint of size %d: %w", p.Checkpoint.Size, err))
	}
	return &apiv1.SignedCheckpoint{
		Origin:      s.Origin,
		TreeSize:    uint64(s.Size),
		RootHash:    s.Root[:],
		Note:        string(p.Note),
		Cosigners:   s.Cosigners,
		PublishedAt: timestamppb.New(p.At),
	}, nil
}

// event is the stored event at seq, if the call may see it: it belongs
// to a tenant the token covers (auth.TenantOfStoredEvent), and it is not a
// disclosure still confidential (Art. 23) unless the caller has the legal
// role. Any other is ErrEventNotFound, as a sequence past the stream's end.
func (a *Service) event(ctx context.Context, seq uint64) (*apiv1.GetEventResponse, error) {
	m, err := a.c.Events.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, apierr.NotFound(apierr.ErrEventNotFound)
	} else if err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("events stream: %w", err))
	}
	tenant, _, _, err := events.SplitSubject(m.Subject)
	if err != nil || !auth.CoversStoredEvent(ctx, tenant) {
		return nil, apierr.NotFound(apierr.ErrEventNotFound)
	}
	if hide, err := a.withholds(ctx, m.Data); err != nil {
		return nil, err
	} else if hide {
		return nil, apierr.NotFound(apierr.ErrEventNotFound)
	}
	return &apiv1.GetEventResponse{Sequence: seq, Subject: m.Subject, Data: m.Data, RecordedAt: timestamppb.New(m.Time)}, nil
}

// withholds tells whether stored bytes are, for the caller, a confidential
// disclosure (Art. 23: legal's alone) or an Art. 19 notice to a recipient
// that only confidential disclosures of the subject went to. Bytes that
// are not an event are neither (the read side quarantines them).
func (a *Service) withholds(ctx context.Context, data []byte) (bool, error) {
	conf := confidential.Of(ctx)
	if conf.Sees {
		return false, nil
	}
	var ev eventsv1.Event
	if err := proto.Unmarshal(data, &ev); err != nil {
		return false, nil
	}
	// A disclosure, or a change of one's confidentiality, is withheld while
	// the disclosure is confidential (see confidential.EventUntil).
	if confidential.DisclosureOf(&ev) != "" {
		until, err := confidential.EventUntil(ctx, a.c.Reader, &ev)
		if err != nil {
			return false, apierr.Store(err)
		}
		return conf.Confidential(until), nil
	}
	rc := events.RecipientOf(&ev)
	if rc == "" || ev.GetDisclosureMade() != nil {
		return false, nil
	}
	w, err := confidential.Read(ctx, a.c.Reader, conf, model.DisclosureFilter{Tenant: ev.GetTenant(), SubjectRef: ev.GetSubjectRef(), RecipientID: rc})
	if err != nil {
		return false, apierr.Store(err)
	}
	return w.HidesRecipient(ev.GetSubjectRef(), rc), nil
}

// treeSize validates a tree size field (0 allowed unless required).
func treeSize(ps *apierr.Problems, field string, v uint64, required bool) int64 {
	switch {
	case v == 0 && required:
		ps.Add(field, "is required (at least 1)")
	case v > math.MaxInt64:
		ps.Add(field, "is more than 2^63-1")
	}
	return int64(v)
}

func hashBytes[T ~[]tlog.Hash](hs T) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

func fieldError(field, reason string) *events.FieldError {
	return &events.FieldError{Field: field, Reason: reason}
}
