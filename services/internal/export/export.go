// Package export produces a data subject's access (Art. 15) and
// portability (Art. 20) export from the ledger: the values held, decrypted
// while the subject's keys exist; the processing, its purposes, legal
// bases, sources and retention; the recipients by identity with what each
// received; consents, requests, restrictions, objections and erasures; the
// subject's rights; and proofs, against the log's signed checkpoint, of
// every event the export rests on.
//
// A disclosure that must not be told to the subject yet (confidential_until
// in the future, Art. 23) is left out of everything the export shows,
// proofs included, until that date; the export's own ledger event records
// how many were withheld. Every export is recorded in the ledger
// (SubjectDataExported: who produced it, for which request).
package export

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	conf "github.com/docketledger/docket/services/internal/confidential"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ErrNotFound: the tenant has no such subject.
var ErrNotFound = errors.New("no such data subject")

// Format is the form of an export.
type Format int

// Formats.
const (
	HTML Format = iota + 1
	JSON
)

// Config is what an Exporter reads from and records to.
type Config struct {
	Reader      model.Reader
	Keys        events.KeyOpener
	Tree        *merkle.Tree     // the notary's tree, for proofs
	Checkpoints jetstream.Stream // the checkpoint stream
	// Record appends the export's own event to the ledger.
	Record func(ctx context.Context, ev *eventsv1.Event) error
	// Now is the clock (Art. 23 dates, generated_at); default time.Now.
	Now func() time.Time
}

// Exporter produces exports.
type Exporter struct{ c Config }

// New returns an Exporter.
func New(c Config) (*Exporter, error) {
	if c.Reader == nil || c.Keys == nil || c.Tree == nil || c.Checkpoints == nil || c.Record == nil {
		return nil, errors.New("export: New: nil dependency")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Exporter{c: c}, nil
}

// Request asks for one subject's export.
type Request struct {
	Tenant, SubjectRef string
	Format             Format
	RequestID          string // the rights request it answers, if any
	ActorID            string // who produces it (a staff member's id)
	// Justification says why, when no RequestID does.
	Justification string
	// TokenID is the API token that asked.
	TokenID string
	// Language is the HTML report's language, a BCP 47 tag ("de",
	// "de-AT"); empty: the controller profile's first language, else
	// English. A language without words (package labels) gives English.
	Language string
}

// Result is a produced export.
type Result struct {
	Report      *Report
	ContentType string
	Body        []byte
	// EventID is the SubjectDataExported event that records it.
	EventID string
	// Withheld counts the disclosures left out under Art. 23.
	Withheld int
	// Proofs are the export's proofs apart from it, whatever its format
	// (JSON, ProofsSchema).
	Proofs []byte
}

// Export builds the subject's report, renders it, and records it in the
// ledger. Nothing is returned unless the record was stored.
func (x *Exporter) Export(ctx context.Context, req Request) (*Result, error) {
	if req.Format != HTML && req.Format != JSON {
		return nil, fmt.Errorf("format: must be html or json")
	}
	now := x.c.Now().UTC()
	rows, err := model.AllHistory(ctx, x.c.Reader, req.Tenant, req.SubjectRef)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	st, err := x.c.Reader.Subject(ctx, req.Tenant, req.SubjectRef)
	if err != nil {
		return nil, fmt.Errorf("subject state: %w", err)
	}
	cat, err := x.catalogue(ctx, req.Tenant)
	if err != nil {
		return nil, err
	}
	r := &Report{
		Schema: Schema, Controller: req.Tenant, SubjectRef: req.SubjectRef, GeneratedAt: now, AsOf: now, RequestID: req.RequestID,
		Data: []Datum{}, Provided: []Datum{}, Processing: []Processing{}, Recipients: []Recipient{}, Consents: []Consent{},
		Requests: []RightsRequest{}, Restrictions: []Restriction{}, Objections: []Objection{}, PassedOn: []Notice{}, Notes: []Note{}, Rights: rights,
	}
	b := builder{r: r, cat: cat, processing: map[string]*Processing{}, recipients: map[string]*Recipient{}}
	var shown []shownEvent
	withheld := 0
	evs := make([]*eventsv1.Event, len(rows))
	for i, row := range rows {
		evs[i] = &eventsv1.Event{}
		if err := proto.Unmarshal(row.Data, evs[i]); err != nil {
			return nil, fmt.Errorf("sequence %d: %w", row.Seq, err)
		}
	}
	changes := conf.Changes(evs)
	untold := untoldRecipients(evs, changes, now)
	for i, row := range rows {
		ev := evs[i]
		if confidential(ev, changes, now) {
			withheld++ // Art. 23: not to be told yet
			continue
		}
		if c := ev.GetDisclosureConfidentialityChanged(); c != nil && confidentialID(evs, c.GetDisclosureEventId(), changes, now) {
			continue // it names a disclosure the subject may not be told of yet
		}
		if untold[events.RecipientOf(ev)] {
			continue // an Art. 19 notice would name a recipient the subject may not learn of yet
		}
		if ev.GetSubjectDataExported() != nil {
			continue // an earlier export: not the subject's data
		}
		vals, err := events.OpenValues(ctx, ev, x.c.Keys)
		if err != nil {
			return nil, fmt.Errorf("sequence %d: %w", row.Seq, err)
		}
		b.add(row, ev, vals)
		shown = append(shown, shownEvent{row: row, ev: ev})
	}
	b.finish()
	addState(r, st)
	// Art. 23: a recipient the subject may not yet learn of is not named
	// among those told either.
	r.PassedOn = slices.DeleteFunc(r.PassedOn, func(n Notice) bool { return b.recipients[n.RecipientID] == nil })
	if err := x.requests(ctx, req, r); err != nil {
		return nil, err
	}
	if err := x.verification(ctx, r, shown); err != nil {
		return nil, err
	}
	r.ThroughSequence = max(rows[len(rows)-1].Seq, uint64(r.Verification.TreeSize))

	res := &Result{Report: r, Withheld: withheld}
	switch req.Format {
	case HTML:
		res.ContentType = "text/html; charset=utf-8"
		profile, perr := x.profileAsOf(ctx, req.Tenant, now)
		if perr != nil {
			return nil, perr
		}
		res.Body, err = renderHTML(newView(r, now, profile, cat, language(req.Language, profile)))
	case JSON:
		res.ContentType = "application/json"
		res.Body, err = renderJSON(r)
	}
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	ev, err := x.recordEvent(req, r, len(shown), withheld)
	if err != nil {
		return nil, err
	}
	if res.Proofs, err = renderProofs(r, ev.GetEventId()); err != nil {
		return nil, fmt.Errorf("render the proofs: %w", err)
	}
	if err := x.record(ctx, ev); err != nil {
		return nil, fmt.Errorf("record the export: %w", err)
	}
	res.EventID = ev.GetEventId()
	return res, nil
}

// record records the export. The justification is words a person typed,
// so it is sealed under the subject's key like any free text; once the
// subject's default key is shredded no words about them can be sealed, and
// the export is recorded without them (who, when, which token and request
// still are).
func (x *Exporter) record(ctx context.Context, ev *eventsv1.Event) error {
	sealed := proto.Clone(ev).(*eventsv1.Event)
	if err := events.MoveFreeText(sealed); err != nil {
		return err
	}
	err := x.c.Record(ctx, sealed)
	if errors.Is(err, keys.ErrShredded) && ev.GetSubjectDataExported().GetJustification() != "" {
		ev.GetSubjectDataExported().Justification = ""
		err = x.c.Record(ctx, ev)
	}
	return err
}

type shownEvent struct {
	row model.AuditRow
	ev  *eventsv1.Event
}

// catalogue is the tenant's activities as declared last.
func (x *Exporter) catalogue(ctx context.Context, tenant string) (map[string]*eventsv1.ProcessingActivity, error) {
	rows, err := x.c.Reader.Activities(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	out := map[string]*eventsv1.ProcessingActivity{}
	for _, row := range rows {
		a := &eventsv1.ProcessingActivity{}
		if err := proto.Unmarshal(row.Activity, a); err != nil {
			return nil, fmt.Errorf("catalogue: activity %s: %w", row.ActivityID, err)
		}
		out[row.ActivityID] = a
	}
	return out, nil
}

func (x *Exporter) requests(ctx context.Context, req Request, r *Report) error {
	for after := uint64(0); ; {
		page, err := x.c.Reader.ListRequests(ctx, model.RequestFilter{Tenant: req.Tenant, SubjectRef: req.SubjectRef}, model.Page{After: after, Limit: 1000})
		if err != nil {
			return fmt.Errorf("requests: %w", err)
		}
		for _, q := range page {
			r.Requests = append(r.Requests, RightsRequest{ID: q.RequestID, Right: q.Right, ReceivedAt: q.ReceivedAt.UTC(),
				DueAt: q.DueAt.UTC(), Status: q.Status, Outcome: q.Outcome, ClosedAt: utcPtr(q.ClosedAt)})
		}
		if len(page) < 1000 {
			return nil
		}
		after = page[len(page)-1].ReceivedSeq
	}
}

// verification attaches the latest checkpoint and a proof bundle for each
// shown event it covers.
func (x *Exporter) verification(ctx context.Context, r *Report, shown []shownEvent) error {
	r.Verification.Bundles = []*proof.Bundle{}
	p, err := notary.Latest(ctx, x.c.Checkpoints)
	if errors.Is(err, notary.ErrNoCheckpoint) {
		r.Verification.Pending = len(shown)
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	size := p.Checkpoint.Size
	if size > x.c.Tree.Size() {
		return fmt.Errorf("checkpoint of %d events, the tree holds %d", size, x.c.Tree.Size())
	}
	r.Verification.Checkpoint, r.Verification.TreeSize = string(p.Note), size
	for _, s := range shown {
		if int64(s.row.Seq) > size {
			r.Verification.Pending++
			continue
		}
		b, err := notary.Bundle(x.c.Tree, p, s.row.Seq, s.row.Data, events.Subject(s.ev))
		if err != nil {
			return err
		}
		r.Verification.Bundles = append(r.Verification.Bundles, b)
	}
	return nil
}

func (x *Exporter) recordEvent(req Request, r *Report, shown, withheld int) (*eventsv1.Event, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	format := eventsv1.ExportFormat_EXPORT_FORMAT_HTML
	if req.Format == JSON {
		format = eventsv1.ExportFormat_EXPORT_FORMAT_JSON
	}
	actor := &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "docketd"}
	if req.ActorID != "" {
		actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: req.ActorID}
	}
	ev := &eventsv1.Event{
		EventId: id.String(), Tenant: req.Tenant, SubjectRef: req.SubjectRef,
		OccurredAt: timestamppb.New(r.GeneratedAt), Source: events.RecordedBy, Actor: actor,
		TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_SubjectDataExported{SubjectDataExported: &eventsv1.SubjectDataExported{
			RequestId: req.RequestID, Format: format, ThroughSequence: r.ThroughSequence,
			Events: uint32(shown), WithheldDisclosures: uint32(withheld), TreeSize: uint64(r.Verification.TreeSize),
			Justification: req.Justification, TokenId: req.TokenID,
		}},
	}
	if err := events.Validate(ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// addState copies what the subject state holds.
func addState(r *Report, st *model.SubjectState) {
	if st == nil {
		return
	}
	for _, p := range slices.Sorted(maps.Keys(st.Consents)) {
		c := st.Consents[p]
		if c == nil {
			continue
		}
		r.Consents = append(r.Consents, Consent{Purpose: c.Purpose, Given: c.Given, NoticeVersion: c.NoticeVersion,
			GivenAt: utcPtr(c.GivenAt), WithdrawnAt: utcPtr(c.WithdrawnAt)})
	}
	for _, id := range slices.Sorted(maps.Keys(st.Restrictions)) {
		x := st.Restrictions[id]
		if x == nil {
			continue
		}
		r.Restrictions = append(r.Restrictions, Restriction{Purposes: x.Purposes, AppliedAt: x.AppliedAt.UTC(), LiftedAt: utcPtr(x.LiftedAt)})
	}
	for _, o := range st.Objections {
		if o != nil {
			r.Objections = append(r.Objections, Objection{Purposes: o.Purposes, At: o.At.UTC()})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(st.Notifications)) {
		n := st.Notifications[k]
		if n == nil {
			continue
		}
		r.PassedOn = append(r.PassedOn, Notice{RecipientID: n.RecipientID, Right: n.Right, RequestID: n.RequestID,
			Status: n.Status, DueAt: utcPtr(n.DueAt), ClosedAt: utcPtr(n.ClosedAt)})
	}
	if len(st.Erasures) > 0 {
		r.Erasure.Systems = map[string]time.Time{}
		for k, v := range st.Erasures {
			r.Erasure.Systems[k] = v.UTC()
		}
	}
	if len(st.Shredded) > 0 {
		r.Erasure.Shredded = map[string]time.Time{}
		for k, v := range st.Shredded {
			r.Erasure.Shredded[k] = v.UTC()
		}
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func addUnique(list []string, items ...string) []string {
	for _, s := range items {
		if s != "" && !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// confidential tells whether ev is a disclosure the subject may not be
// told of yet (Art. 23: confidential until after now, by the last
// DisclosureConfidentialityChanged of it among the subject's changes, or
// its own confidential_until).
func confidential(ev *eventsv1.Event, changes map[string]time.Time, now time.Time) bool {
	u := conf.Until(ev, changes)
	return u != nil && u.After(now)
}

// confidentialID tells whether the subject's disclosure of event id id is
// confidential at now; false when evs hold no such disclosure.
func confidentialID(evs []*eventsv1.Event, id string, changes map[string]time.Time, now time.Time) bool {
	for _, ev := range evs {
		if ev.GetEventId() == id && ev.GetDisclosureMade() != nil {
			return confidential(ev, changes, now)
		}
	}
	return false
}

// untoldRecipients are the recipients that only confidential disclosures
// of the subject went to: the export names them nowhere, not even in the
// Art. 19 notices docketd recorded for them.
func untoldRecipients(evs []*eventsv1.Event, changes map[string]time.Time, now time.Time) map[string]bool {
	untold, told := map[string]bool{}, map[string]bool{}
	for _, ev := range evs {
		if d := ev.GetDisclosureMade(); d != nil {
			if confidential(ev, changes, now) {
				untold[d.GetRecipient().GetId()] = true
			} else {
				told[d.GetRecipient().GetId()] = true
			}
		}
	}
	for id := range told {
		delete(untold, id)
	}
	delete(untold, "")
	return untold
}
