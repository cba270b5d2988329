package export

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// rights is what the report tells the subject (GDPR Art. 15–22, 77).
var rights = []string{
	"Access (Art. 15): to obtain confirmation of the processing and a copy of the personal data — this report.",
	"Rectification (Art. 16): to have inaccurate personal data corrected and incomplete data completed.",
	"Erasure (Art. 17): to have personal data erased where no legal ground requires keeping it.",
	"Restriction (Art. 18): to have processing restricted while accuracy or lawfulness is contested.",
	"Notification (Art. 19): recipients are told of a rectification, erasure or restriction; you may ask who they are.",
	"Portability (Art. 20): to receive the data you provided, under consent or contract, in a machine-readable form.",
	"Objection (Art. 21): to object to processing based on legitimate interests or for direct marketing.",
	"Withdrawal of consent (Art. 7(3)): at any time, without affecting earlier processing.",
	"Complaint (Art. 77): to lodge a complaint with a supervisory authority.",
}

// builder folds a subject's shown events into a report.
type builder struct {
	r          *Report
	cat        map[string]*eventsv1.ProcessingActivity
	processing map[string]*Processing
	recipients map[string]*Recipient
}

func (b *builder) add(row model.AuditRow, ev *eventsv1.Event, vals []events.Opened) {
	at := ev.GetOccurredAt().AsTime().UTC()
	datum := func(o events.Opened, activity string, purposes []string, basis eventsv1.LegalBasis, source string) Datum {
		d := Datum{Category: o.Category, Value: o.Plaintext, Erased: o.Erased, Unreadable: o.Unreadable, Activity: activity, Purposes: purposes,
			LegalBasis: events.EnumName(basis), Source: source, System: ev.GetSource(), CollectedAt: at, EventID: ev.GetEventId(), Sequence: row.Seq}
		if NeverExported(o.Category) {
			d.Value, d.Withheld = "", true
		}
		return d
	}
	vals, notes := splitNotes(vals)
	for _, o := range notes {
		b.r.Notes = append(b.r.Notes, Note{Field: strings.TrimSuffix(o.Path, "_text"), Text: o.Plaintext, Erased: o.Erased,
			At: at, EventID: ev.GetEventId(), Sequence: row.Seq})
	}
	for _, n := range events.LegacyFreeText(ev) {
		b.r.Notes = append(b.r.Notes, Note{Field: n.Path, Text: n.Text, At: at, EventID: ev.GetEventId(), Sequence: row.Seq})
	}
	switch p := ev.GetPayload().(type) {
	case *eventsv1.Event_DataCollected:
		m := p.DataCollected
		for _, o := range vals {
			d := datum(o, m.GetActivityId(), m.GetPurposes(), m.GetLegalBasis(), m.GetCollectionSource())
			b.r.Data = append(b.r.Data, d)
			if Portable(m.GetCollectionSource(), m.GetLegalBasis()) {
				b.r.Provided = append(b.r.Provided, d)
			}
		}
		b.processed(m.GetActivityId(), m.GetPurposes(), m.GetCategories(), m.GetLegalBasis(), sourceOf(m.GetCollectionSource(), ev), at)
	case *eventsv1.Event_DataRectified:
		own := ownRectification(ev)
		for _, o := range vals {
			d := datum(o, "", nil, 0, "rectification")
			b.r.Data = append(b.r.Data, d)
			// The subject's own correction of a value they provided is
			// provided too (Art. 20, WP242): it takes the activity, the
			// purposes and the basis of the value it corrects.
			for i := len(b.r.Provided) - 1; own && i >= 0; i-- {
				if p := b.r.Provided[i]; p.Category == d.Category {
					d.Activity, d.Purposes, d.LegalBasis = p.Activity, p.Purposes, p.LegalBasis
					b.r.Provided = append(b.r.Provided, d)
					break
				}
			}
		}
	case *eventsv1.Event_DisclosureMade:
		m := p.DisclosureMade
		rc := m.GetRecipient()
		x := b.recipients[rc.GetId()]
		if x == nil {
			x = &Recipient{ID: rc.GetId(), Name: rc.GetName(), Kind: events.EnumName(rc.GetKind()), Country: rc.GetCountry(),
				TransferMechanism: events.EnumName(rc.GetTransferMechanism()), DPFCertified: rc.GetDpfCertified(),
				SafeguardsURL: rc.GetSafeguardsUrl()}
			if d := rc.GetArt49Derogation(); d != eventsv1.Art49Derogation_ART49_DEROGATION_UNSPECIFIED {
				x.Art49Derogation = events.EnumName(d)
			}
			b.recipients[rc.GetId()] = x
		}
		ref := m.GetLegalInstrumentRef()
		for _, o := range notes {
			if strings.HasSuffix(o.Path, ".legal_instrument_ref_text") {
				ref = o.Plaintext
				if o.Erased {
					ref = "(erased)"
				}
			}
		}
		x.Received = append(x.Received, Disclosure{Categories: m.GetCategories(), Purpose: m.GetPurpose(),
			LegalBasis: events.EnumName(m.GetLegalBasis()), LegalInstrumentRef: ref, At: at, EventID: ev.GetEventId()})
		b.processed(m.GetActivityId(), []string{m.GetPurpose()}, m.GetCategories(), m.GetLegalBasis(), "", at)
	case *eventsv1.Event_DataProcessed:
		// A use holds no values: it is processing that happened, listed
		// with its activity, and with the profiling and automated
		// decisions Art. 15(1)(h) asks about.
		m := p.DataProcessed
		x := b.processed(m.GetActivityId(), m.GetPurposes(), m.GetCategories(), m.GetLegalBasis(), "", at)
		x.Profiling = x.Profiling || m.GetProfiling()
		if d := m.GetAutomatedDecision(); d != eventsv1.AutomatedDecision_AUTOMATED_DECISION_UNSPECIFIED &&
			d > eventsv1.AutomatedDecision(eventsv1.AutomatedDecision_value[x.AutomatedDecision]) {
			x.AutomatedDecision = events.EnumName(d)
		}
		if e := m.GetArt22Exception(); e != eventsv1.Art22Exception_ART22_EXCEPTION_UNSPECIFIED {
			x.Art22Exceptions = addUnique(x.Art22Exceptions, events.EnumName(e))
		}
	default:
		// exhaustive: only these payloads hold the subject's data, a use or
		// a disclosure of it; every event's free text is a note above, and
		// consents, requests, restrictions and notices come from the read
		// models (export.go).
	}
}

// NeverExported tells whether values of a data category never leave in
// any export form (the JSON export, its Art. 20 part, the HTML report):
// credentials — passwords, password hashes, tokens, every key under
// user.authorization — are listed as held, never with their values (Art.
// 32: a hash handed out can be attacked offline). Biometric templates sit
// under user.authorization too, and are withheld for the same reason.
func NeverExported(category string) bool {
	return category == "user.authorization" || strings.HasPrefix(category, "user.authorization.")
}

// Portable tells whether a value collected from source under basis is
// in the Art. 20 scope: processing based on consent (Art. 6(1)(a) or
// 9(2)(a)) or on a contract (Art. 6(1)(b)), of data the subject
// provided — given actively ("data_subject") or observed from their use
// of the service ("observed"), which WP242 (section III.1) counts as
// provided too. Data from third parties, and data processed on any other
// basis, are not.
func Portable(source string, basis eventsv1.LegalBasis) bool {
	switch basis {
	case eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT:
		return source == "data_subject" || source == "observed"
	default:
		return false
	}
}

// ownRectification tells whether a rectification is the subject's own:
// made on their request (Art. 16, request_id set), by them or their
// guardian, or recorded by a service (a self-service page records the
// subject's edit as the system). A correction staff or a processor made
// without a request — from a postal register, say — is the controller's,
// not data the subject provided.
func ownRectification(ev *eventsv1.Event) bool {
	switch ev.GetActor().GetKind() {
	case eventsv1.ActorKind_ACTOR_KIND_STAFF, eventsv1.ActorKind_ACTOR_KIND_PROCESSOR:
		return ev.GetDataRectified().GetRequestId() != ""
	default:
		return true
	}
}

// splitNotes separates the opened free text of an event from its values.
func splitNotes(all []events.Opened) (vals, notes []events.Opened) {
	for _, o := range all {
		if o.FreeText {
			notes = append(notes, o)
		} else {
			vals = append(vals, o)
		}
	}
	return vals, notes
}

// sourceOf says where collected data came from: the collection source,
// else the service that recorded it.
func sourceOf(collection string, ev *eventsv1.Event) string {
	if collection != "" {
		return collection
	}
	return ev.GetSource()
}

// processed adds processing under activity to the report and returns its
// entry.
func (b *builder) processed(activity string, purposes, categories []string, basis eventsv1.LegalBasis, source string, at time.Time) *Processing {
	key := activity
	if key == "" {
		key = "(no activity named)"
	}
	p := b.processing[key]
	if p == nil {
		p = &Processing{Activity: key, Purposes: []string{}, Categories: []string{}, LegalBases: []string{}, FirstAt: at, LastAt: at}
		if a := b.cat[activity]; a != nil {
			p.Name = a.GetName()
			if r := a.GetRetention(); r != nil {
				p.Retention = retention(r)
			}
		}
		b.processing[key] = p
	}
	p.Purposes = addUnique(p.Purposes, purposes...)
	p.Categories = addUnique(p.Categories, categories...)
	p.LegalBases = addUnique(p.LegalBases, events.EnumName(basis))
	p.Sources = addUnique(p.Sources, source)
	if at.Before(p.FirstAt) {
		p.FirstAt = at
	}
	if at.After(p.LastAt) {
		p.LastAt = at
	}
	return p
}

func retention(r *eventsv1.Retention) string {
	if r.GetDays() == 0 {
		return "until erasure is requested"
	}
	s := fmt.Sprintf("%d days", r.GetDays())
	if t := events.RetentionTrigger(r); t != "" {
		s += " after " + t
	}
	return s
}

// finish orders everything and marks the values in force: the newest of
// each category (a rectification supersedes what it corrects), unless
// that one is erased or unreadable: an erased value is never current, and
// it does not make an older value current again.
func (b *builder) finish() {
	newestFirst := func(s []Datum) {
		sort.SliceStable(s, func(i, j int) bool {
			if s[i].Category != s[j].Category {
				return s[i].Category < s[j].Category
			}
			return s[i].Sequence > s[j].Sequence
		})
	}
	newestFirst(b.r.Data)
	newestFirst(b.r.Provided)
	type key struct {
		seq      uint64
		category string
	}
	current := map[key]bool{}
	for i, d := range b.r.Data {
		if (i == 0 || d.Category != b.r.Data[i-1].Category) && !d.Erased && !d.Unreadable {
			b.r.Data[i].Current = true
			current[key{d.Sequence, d.Category}] = true
		}
	}
	for i, d := range b.r.Provided {
		b.r.Provided[i].Current = current[key{d.Sequence, d.Category}]
	}
	for _, k := range slices.Sorted(maps.Keys(b.processing)) {
		b.r.Processing = append(b.r.Processing, *b.processing[k])
	}
	for _, k := range slices.Sorted(maps.Keys(b.recipients)) {
		b.r.Recipients = append(b.r.Recipients, *b.recipients[k])
	}
}
