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
// told (Art. 19) — and what was kept: each key group held back under
// Art. 17(3), its ground in words and until when; each with its inclusion
// proof against the log's signed checkpoint, checkable with `docket
// verify event`. Summaries and grounds are in Language (en or de); the
// ground's enum name and the dates are the same in every language.
type Document struct {
	Schema      string    `json:"schema"`
	Language    string    `json:"language"`
	Controller  string    `json:"controller"`
	SubjectRef  string    `json:"subject_ref"`
	GeneratedAt time.Time `json:"generated_at"`
	RequestID   string    `json:"request_id,omitempty"` // only this request's events, if set
	Shredded    []Entry   `json:"keys_shredded"`
	Erasures    []Entry   `json:"erasures"`
	Notices     []Entry   `json:"recipients_notified"`
	// Kept are the key groups not shredded because an Art. 17(3) ground
	// requires keeping them (ErasureExemptionRecorded), each with its
	// ground and the end of the hold. A group kept and shredded later,
	// when its hold ended, is in both lists.
	Kept []Kept `json:"kept"`
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

// Kept is a hold: key groups kept under Art. 17(3).
type Kept struct {
	KeyGroups []string `json:"key_groups"`
	// Ground is the ErasureExemptionGround's name; GroundText says it in
	// the document's language, with its article.
	Ground     string `json:"ground"`
	GroundText string `json:"ground_text"`
	// Until is when the hold ends and the groups are to be shredded;
	// absent when the exemption named no end.
	Until *time.Time `json:"until,omitempty"`
	Entry
}

// ErrLanguage: a proof of erasure was asked for in a language it does not
// speak (Languages).
var ErrLanguage = errors.New("language: must be one of en, de")

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

// ProofRequest names the proof of erasure to produce.
type ProofRequest struct {
	Tenant, SubjectRef string
	// RequestID: only this erasure request's events, if set.
	RequestID string
	// Language of the words: "en" (the default) or "de".
	Language string
}

// Prove returns the proof of erasure of a subject (of one request, if
// RequestID is set) as indented JSON.
func (p *Prover) Prove(ctx context.Context, r ProofRequest) ([]byte, *Document, error) {
	tenant, ref, requestID := r.Tenant, r.SubjectRef, r.RequestID
	lang := r.Language
	if lang == "" {
		lang = "en"
	}
	w, ok := words[lang]
	if !ok {
		return nil, nil, ErrLanguage
	}
	doc := &Document{Schema: ProofSchema, Language: lang, Controller: tenant, SubjectRef: ref, GeneratedAt: p.c.Now().UTC(), RequestID: requestID,
		Shredded: []Entry{}, Erasures: []Entry{}, Notices: []Entry{}, Kept: []Kept{}}
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
		kind, summary, req := classify(ev, w)
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
		case groupsKept:
			m := ev.GetErasureExemptionRecorded()
			k := Kept{KeyGroups: m.GetKeyGroups(), Ground: events.EnumName(m.GetGround()), GroundText: w.ground(m.GetGround()), Entry: e}
			if m.GetUntil() != nil {
				u := m.GetUntil().AsTime().UTC()
				k.Until = &u
			}
			doc.Kept = append(doc.Kept, k)
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
	groupsKept
)

// classify says which part an event belongs to, what it says in w's
// language and which request it belongs to.
func classify(ev *eventsv1.Event, w *vocabulary) (kind, string, string) {
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_SubjectKeyShredded:
		m := p.SubjectKeyShredded
		return keysShredded, fmt.Sprintf(w.shredded, strings.Join(m.GetKeyGroups(), ", ")), m.GetRequestId()
	case *eventsv1.Event_ErasureExecuted:
		m := p.ErasureExecuted
		s := fmt.Sprintf(w.erased, m.GetSystem(), m.GetRecordsErased())
		if len(m.GetCategories()) > 0 {
			s += fmt.Sprintf(w.erasedOf, strings.Join(m.GetCategories(), ", "))
		}
		return systemErased, s, m.GetRequestId()
	case *eventsv1.Event_RecipientNotified:
		m := p.RecipientNotified
		return recipientNotified, fmt.Sprintf(w.notified, m.GetRecipientId(), w.right(m.GetRight())), m.GetRequestId()
	case *eventsv1.Event_ErasureExemptionRecorded:
		m := p.ErasureExemptionRecorded
		return groupsKept, fmt.Sprintf(w.kept, strings.Join(m.GetKeyGroups(), ", ")), m.GetRequestId()
	default:
		// exhaustive: a proof of erasure shows the keys destroyed, the
		// systems that erased, the recipients told and the groups kept;
		// no other event is one of its parts.
	}
	return other, "", ""
}
