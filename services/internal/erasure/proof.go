package erasure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// ProofSchema names the JSON form of a Document.
const ProofSchema = "docket.erasure-proof.v1"

// Document is a proof of erasure: every event that shows a subject's data
// was erased — the keys shredded, each system's erasure, each recipient
// told (Art. 19) — each with its inclusion proof against the log's signed
// checkpoint, checkable with `docket verify event`.
type Document struct {
	Schema      string    `json:"schema"`
	Controller  string    `json:"controller"`
	SubjectRef  string    `json:"subject_ref"`
	GeneratedAt time.Time `json:"generated_at"`
	RequestID   string    `json:"request_id,omitempty"` // only this request's events, if set
	Shredded    []Entry   `json:"keys_shredded"`
	Erasures    []Entry   `json:"erasures"`
	Notices     []Entry   `json:"recipients_notified"`
	// Checkpoint is the signed note the bundles are against.
	Checkpoint string `json:"checkpoint,omitempty"`
	// Pending counts events recorded after the checkpoint: not proven yet.
	Pending int `json:"pending,omitempty"`
}

// Entry is one event of the proof.
type Entry struct {
	EventID    string        `json:"event_id"`
	Sequence   uint64        `json:"sequence"`
	OccurredAt time.Time     `json:"occurred_at"`
	RecordedAt time.Time     `json:"recorded_at"`
	Summary    string        `json:"summary"`
	Bundle     *proof.Bundle `json:"proof,omitempty"`
}

// ProverConfig is what a Prover reads.
type ProverConfig struct {
	Reader      model.Reader
	Tree        *merkle.Tree
	Checkpoints jetstream.Stream
	Now         func() time.Time
}

// Prover produces proofs of erasure.
type Prover struct{ c ProverConfig }

// NewProver returns a Prover.
func NewProver(c ProverConfig) (*Prover, error) {
	if c.Reader == nil || c.Tree == nil || c.Checkpoints == nil {
		return nil, errors.New("erasure: NewProver: nil dependency")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Prover{c: c}, nil
}

// Prove returns the proof of erasure of a subject (of one request, if
// requestID is set) as indented JSON.
func (p *Prover) Prove(ctx context.Context, tenant, ref, requestID string) ([]byte, *Document, error) {
	doc := &Document{Schema: ProofSchema, Controller: tenant, SubjectRef: ref, GeneratedAt: p.c.Now().UTC(), RequestID: requestID,
		Shredded: []Entry{}, Erasures: []Entry{}, Notices: []Entry{}}
	pub, err := notary.Latest(ctx, p.c.Checkpoints)
	if err != nil && !errors.Is(err, notary.ErrNoCheckpoint) {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	if pub != nil {
		doc.Checkpoint = string(pub.Note)
	}
	rows, err := model.AllHistory(ctx, p.c.Reader, tenant, ref)
	if err != nil {
		return nil, nil, fmt.Errorf("history: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, ErrNotFound
	}
	for _, row := range rows {
		ev := &eventsv1.Event{}
		if err := proto.Unmarshal(row.Data, ev); err != nil {
			return nil, nil, fmt.Errorf("sequence %d: %w", row.Seq, err)
		}
		kind, summary, req := classify(ev)
		if kind == other || (requestID != "" && req != requestID) {
			continue
		}
		e := Entry{EventID: ev.GetEventId(), Sequence: row.Seq, OccurredAt: row.OccurredAt.UTC(), RecordedAt: row.RecordedAt.UTC(), Summary: summary}
		if pub != nil && int64(row.Seq) <= pub.Checkpoint.Size {
			if e.Bundle, err = notary.Bundle(p.c.Tree, pub, row.Seq, row.Data, events.Subject(ev)); err != nil {
				return nil, nil, err
			}
		} else {
			doc.Pending++
		}
		switch kind {
		case keysShredded:
			doc.Shredded = append(doc.Shredded, e)
		case systemErased:
			doc.Erasures = append(doc.Erasures, e)
		case recipientNotified:
			doc.Notices = append(doc.Notices, e)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), doc, nil
}

// kind is the part of a proof of erasure an event belongs to.
type kind int

const (
	other kind = iota // no part of an erasure
	keysShredded
	systemErased
	recipientNotified
)

// classify says which part an event belongs to, what it says and which
// request it belongs to.
func classify(ev *eventsv1.Event) (kind, string, string) {
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_SubjectKeyShredded:
		m := p.SubjectKeyShredded
		return keysShredded, "keys of key groups " + strings.Join(m.GetKeyGroups(), ", ") + " destroyed", m.GetRequestId()
	case *eventsv1.Event_ErasureExecuted:
		m := p.ErasureExecuted
		s := fmt.Sprintf("system %s erased %d records", m.GetSystem(), m.GetRecordsErased())
		if len(m.GetCategories()) > 0 {
			s += " of " + strings.Join(m.GetCategories(), ", ")
		}
		return systemErased, s, m.GetRequestId()
	case *eventsv1.Event_RecipientNotified:
		m := p.RecipientNotified
		return recipientNotified, fmt.Sprintf("recipient %s told of the %s", m.GetRecipientId(), strings.ToLower(strings.TrimPrefix(m.GetRight().String(), "RIGHT_"))), m.GetRequestId()
	default:
		// exhaustive: a proof of erasure shows the keys destroyed, the
		// systems that erased and the recipients told; no other event is
		// one of its parts.
	}
	return other, "", ""
}
