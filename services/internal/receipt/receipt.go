// Package receipt produces consent receipts: for a ConsentGiven or
// ConsentWithdrawn event, a record in the ISO/IEC TS 27560:2023 consent
// record structure (the field names of the DPV profile, with W3C DPV terms
// for the consent type and state and the GDPR legal basis), signed by the
// log's key and carrying the inclusion proof of the consent event, so that
// anyone holding the log's public key can check that this consent was
// recorded as stated and is in the log, not added or back-dated later.
//
// The file is {"receipt": {...}, "signature": "...", "proof": {...}}: the
// signature is a signed note (the log's Ed25519 key) whose text names the
// SHA-256 of the receipt's compact JSON, and proof is the event's
// events/proof bundle against a signed checkpoint.
package receipt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/confidential"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	gproto "google.golang.org/protobuf/proto"
)

// Errors.
var (
	ErrNotFound   = errors.New("no such event")
	ErrNotConsent = errors.New("the event is not a consent given or withdrawn")
	// ErrConfidential: the event is a disclosure still confidential (Art.
	// 23); it is also ErrNotConsent. The API answers it as ErrNotFound to
	// a caller who may not see confidential disclosures.
	ErrConfidential = fmt.Errorf("%w: a disclosure still confidential", ErrNotConsent)
	// ErrNotYetSigned: the event is not in a signed checkpoint yet; a
	// receipt can be had once the next checkpoint is published.
	ErrNotYetSigned = errors.New("the event is not covered by a signed checkpoint yet")
	// ErrInvalid: a receipt that does not verify.
	ErrInvalid = errors.New("invalid consent receipt")
)

// SchemaVersion names the structure of Receipt.
const SchemaVersion = "ISO/IEC TS 27560:2023; dpv-27560 (https://w3id.org/dpv/guides/consent-27560); docket receipt v2"

// signedText is the first line of a receipt signature's note text.
const signedText = "docket consent receipt v1"

// Context is the JSON-LD @context of a 27560 record: the DPV terms its
// values use and the DPV profile's vocabulary for its field names.
var Context = map[string]string{
	"@vocab":  "https://w3id.org/dpv/schema/dpv-27560#",
	"dpv":     "https://w3id.org/dpv#",
	"eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
}

// Receipt is an ISO/IEC TS 27560 consent record of one consent event, in
// the field names of the DPV profile.
type Receipt struct {
	Context             map[string]string `json:"@context"`
	Record              Record            `json:"record"`
	PIIProcessing       Processing        `json:"pii_processing"`
	PartyIdentification []Party           `json:"party_identification"`
	Event               []Event           `json:"event"`
	// Docket ties the receipt to the log.
	Docket Ledger `json:"docket"`
}

// Record identifies the record and the PII principal.
type Record struct {
	SchemaVersion  string `json:"schema_version"`
	RecordID       string `json:"record_id"`        // the consent event's id
	PIIPrincipalID string `json:"pii_principal_id"` // the subject's pseudonymous reference
}

// Processing is what the consent covers.
type Processing struct {
	PrivacyNotice    string    `json:"privacy_notice,omitempty"` // notice id and version
	NoticeSHA256     string    `json:"privacy_notice_sha256,omitempty"`
	PrivacyNoticeURL string    `json:"privacy_notice_url,omitempty"`
	Language         string    `json:"language"` // BCP 47: the notice's
	Purposes         []Purpose `json:"purposes"`
}

// Purpose is one purpose consented to, as one consent-based activity of
// the catalogue carries it out.
type Purpose struct {
	Purpose          string   `json:"purpose"`      // fideslang data use
	PurposeType      string   `json:"purpose_type"` // DPV purpose
	LawfulBasis      string   `json:"lawful_basis"` // eu-gdpr:A6-1-a or eu-gdpr:A9-2-a
	PIIInformation   []PII    `json:"pii_information"`
	PIIControllers   []string `json:"pii_controllers"`
	CollectionMethod []string `json:"collection_method,omitempty"`
	StorageLocations []string `json:"storage_locations"` // ISO 3166-1 alpha-2
	Services         []string `json:"services,omitempty"`
	RetentionPeriod  string   `json:"retention_period,omitempty"`
	Jurisdiction     string   `json:"jurisdiction"` // ISO 3166-1 alpha-2: the member state
	Recipients       []string `json:"recipient_third_parties,omitempty"`
	WithdrawalMethod string   `json:"withdrawal_method"`
}

// PII is one category of personal data covered.
type PII struct {
	PIIType   string `json:"pii_type"` // fideslang data category
	Sensitive bool   `json:"pii_type_sensitive,omitempty"`
}

// Party is a party the record names.
type Party struct {
	PartyID      string `json:"party_id"`
	PartyName    string `json:"party_name"`
	PartyType    string `json:"party_type"` // dpv:Organisation
	PartyRole    string `json:"party_role"` // dpv:DataController
	PartyAddress string `json:"party_address"`
	PartyContact string `json:"party_contact"` // an email address or an https URL
	PartyEmail   string `json:"party_email,omitempty"`
	PartyPhone   string `json:"party_phone,omitempty"`
	PartyURL     string `json:"party_url,omitempty"`
}

// Event is the consent event the receipt is for.
type Event struct {
	EventTime        time.Time `json:"event_time"`        // occurred_at at the source
	ValidityDuration string    `json:"validity_duration"` // ISO 8601 duration, or until withdrawn
	EventType        string    `json:"event_type"`        // dpv:ExpressedConsent, dpv:ExplicitlyExpressedConsent
	EventBy          string    `json:"event_by"`          // dpv:DataSubject, dpv:GuardianOfDataSubject
	EntityID         string    `json:"entity_id"`         // who gave or withdrew it: the subject, or the guardian
	GuardianRef      string    `json:"guardian_ref,omitempty"`
	EventState       string    `json:"event_state"` // dpv:ConsentGiven, dpv:ConsentWithdrawn
	Method           string    `json:"method,omitempty"`
	Channel          string    `json:"channel,omitempty"`
	// LegacyType and LegacyState are the fields of receipts made before
	// docket receipt v2, which named them type and state: never written,
	// read so that a receipt already given out still verifies.
	LegacyType  string `json:"type,omitempty"`
	LegacyState string `json:"state,omitempty"`
}

// Ledger places the event in the log.
type Ledger struct {
	EventID    string    `json:"event_id"`
	Sequence   uint64    `json:"sequence"`
	RecordedAt time.Time `json:"recorded_at"`
	Origin     string    `json:"log_origin"`
	TreeSize   int64     `json:"tree_size"`
	// RecordedBy is the system that recorded the consent event (its
	// source), which is not the data subject.
	RecordedBy string `json:"recorded_by,omitempty"`
}

// File is a receipt as written: the receipt's bytes, the signature over
// them and the proof.
type File struct {
	Receipt   json.RawMessage `json:"receipt"`
	Signature string          `json:"signature"`
	Proof     json.RawMessage `json:"proof"` // an events/proof bundle
}

// Config is what the receipt maker reads and signs with.
type Config struct {
	Reader model.Reader
	// Keys open the controller profile's contact details, sealed under
	// the tenant key.
	Keys        events.KeyOpener
	Tree        *merkle.Tree
	Checkpoints jetstream.Stream
	Signer      note.Signer // the log's key
	// PublicKey is the log's verifier key, written into Kantara receipts.
	PublicKey string
}

// Maker makes receipts.
type Maker struct{ c Config }

// New returns a Maker.
func New(c Config) (*Maker, error) {
	if c.Reader == nil || c.Keys == nil || c.Tree == nil || c.Checkpoints == nil || c.Signer == nil {
		return nil, errors.New("receipt: New: nil dependency")
	}
	return &Maker{c: c}, nil
}

// Make returns the receipt file of the consent event eventID of tenant, in
// form FormISO27560 ("" too) or FormKantara. Both name the controller of
// the tenant's profile as of the consent (ErrNoController without one).
func (m *Maker) Make(ctx context.Context, tenant, eventID, form string) ([]byte, error) {
	switch form {
	case "", FormISO27560:
	case FormKantara:
	default:
		return nil, fmt.Errorf("receipt form %q: want %s or %s", form, FormISO27560, FormKantara)
	}
	row, err := m.c.Reader.Event(ctx, tenant, eventID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	ev := &eventsv1.Event{}
	if err := gproto.Unmarshal(row.Data, ev); err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	// A disclosure still confidential, or a change of one's confidentiality
	// (by the register, which follows every change).
	if confidential.DisclosureOf(ev) != "" {
		until, err := confidential.EventUntil(ctx, m.c.Reader, ev)
		if err != nil {
			return nil, fmt.Errorf("disclosure register: %w", err)
		}
		if until != nil && until.After(time.Now()) {
			return nil, ErrConfidential
		}
	}
	if ev.GetConsentGiven() == nil && ev.GetConsentWithdrawn() == nil {
		return nil, ErrNotConsent
	}
	if form == FormKantara && ev.GetConsentGiven() == nil {
		return nil, ErrWithdrawal
	}
	at := ev.GetOccurredAt().AsTime()
	id, err := m.identityAt(ctx, tenant, at)
	if err != nil {
		return nil, err
	}
	if err := ready(id, form); err != nil {
		return nil, err
	}
	p, err := notary.Latest(ctx, m.c.Checkpoints)
	if errors.Is(err, notary.ErrNoCheckpoint) {
		return nil, ErrNotYetSigned
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	size := p.Checkpoint.Size
	if int64(row.Seq) > size || size > m.c.Tree.Size() {
		return nil, ErrNotYetSigned
	}
	bundle, err := notary.Bundle(m.c.Tree, p, row.Seq, row.Data, events.Subject(ev))
	if err != nil {
		return nil, err
	}
	acts, err := m.c.Reader.Activities(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	given, n, err := m.consentOf(ctx, ev, row.Seq)
	if err != nil {
		return nil, err
	}
	r := build(ev, given, row, catalogueAt(acts, at), id, n)
	r.Docket.Origin, r.Docket.TreeSize = p.Checkpoint.Origin, size
	var body []byte
	if form == FormKantara {
		k, err := kantara(ev, r, id, n, m.c.PublicKey)
		if err != nil {
			return nil, err
		}
		body, err = json.Marshal(k)
		if err != nil {
			return nil, err
		}
	} else if body, err = json.Marshal(r); err != nil {
		return nil, err
	}
	sig, err := sign(body, m.c.Signer)
	if err != nil {
		return nil, err
	}
	pb, err := proof.Marshal(bundle)
	if err != nil {
		return nil, err
	}
	f := File{Receipt: body, Signature: string(sig), Proof: pb}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// catalogueAt is the catalogue as of at: the newest declaration of each
// activity that occurred not after it.
func catalogueAt(rows []model.ActivityRow, at time.Time) map[string]*eventsv1.ProcessingActivity {
	out := map[string]*eventsv1.ProcessingActivity{}
	for _, row := range rows {
		if row.OccurredAt.After(at) {
			continue
		}
		a := &eventsv1.ProcessingActivity{}
		if gproto.Unmarshal(row.Activity, a) == nil {
			out[row.ActivityID] = a
		}
	}
	return out
}

// consentBased tells whether activity a relies on consent for purpose:
// Art. 6(1)(a), or Art. 9(2)(a) for special categories. An activity that
// runs the same purpose on another basis is not what the subject consented
// to.
func consentBased(a *eventsv1.ProcessingActivity, purpose string) bool {
	return slices.Contains(a.GetPurposes(), purpose) &&
		(a.GetLegalBasis() == eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT ||
			a.GetSpecialCategoryCondition() == eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT)
}

// named tells whether a recipient is named as a third party in a receipt:
// a controller or a third party. A processor acts for the controller
// (Art. 28) and a public authority does not receive under the consent.
func named(rc *eventsv1.Recipient) bool {
	k := rc.GetKind()
	return k == eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER || k == eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY
}

// controllerID is the party_id of the controller in a 27560 record.
const controllerID = "C01"

// build maps a consent event to the 27560 structure. given is the consent
// it records or withdraws (nil: a withdrawal of a consent not recorded):
// its categories, method and channel describe the consent.
func build(ev *eventsv1.Event, given *eventsv1.ConsentGiven, row model.AuditRow, cat map[string]*eventsv1.ProcessingActivity, id *identity, n *notice) *Receipt {
	pr := id.profile
	lang := "en"
	if len(pr.GetLanguages()) > 0 {
		lang = pr.GetLanguages()[0]
	}
	if n != nil && n.language != "" {
		lang = n.language
	}
	w := wordingFor(lang)
	contact := id.email
	if contact == "" {
		contact = pr.GetContactUrl()
	}
	r := &Receipt{
		Context: Context,
		Record:  Record{SchemaVersion: SchemaVersion, RecordID: ev.GetEventId(), PIIPrincipalID: ev.GetSubjectRef()},
		PartyIdentification: []Party{{PartyID: controllerID, PartyName: pr.GetName(), PartyType: "dpv:Organisation",
			PartyRole: "dpv:DataController", PartyAddress: pr.GetAddress(), PartyContact: contact, PartyEmail: id.email,
			PartyPhone: id.phone, PartyURL: pr.GetContactUrl()}},
		Docket:        Ledger{EventID: ev.GetEventId(), Sequence: row.Seq, RecordedAt: row.RecordedAt.UTC(), RecordedBy: ev.GetSource()},
		PIIProcessing: Processing{Language: lang},
	}
	if n != nil {
		r.PIIProcessing.PrivacyNotice = n.id + " version " + n.version
		if len(n.sha256) > 0 {
			r.PIIProcessing.NoticeSHA256 = fmt.Sprintf("%x", n.sha256)
		}
		r.PIIProcessing.PrivacyNoticeURL = n.url
	}
	// Who gave or withdrew it is the data subject, or for a child the
	// holder of parental responsibility (Art. 8(1)): never the system or
	// processor that recorded it (that is docket.recorded_by).
	at := ev.GetOccurredAt().AsTime().UTC()
	e := Event{EventTime: at, EntityID: ev.GetSubjectRef(), EventBy: "dpv:DataSubject"}
	purpose := given.GetPurpose()
	categories := given.GetCategories()
	explicit := given.GetMethod() == eventsv1.ConsentMethod_CONSENT_METHOD_SIGNED_FORM || given.GetMethod() == eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN
	var channel string // where the consent was collected
	if given.GetChannel() != eventsv1.Channel_CHANNEL_UNSPECIFIED {
		channel = events.EnumName(given.GetChannel())
	}
	if c := ev.GetConsentGiven(); c != nil {
		e.EventState = "dpv:ConsentGiven"
		e.Method, e.Channel = events.EnumName(c.GetMethod()), events.EnumName(c.GetChannel())
		e.ValidityDuration = w.say(untilWithdrawnText)
		if x := c.GetExpiresAt(); x != nil {
			e.ValidityDuration = isoDuration(x.AsTime().Sub(at))
		}
		if g := c.GetParentalAuthorization().GetGuardianRef(); g != "" {
			e.EntityID, e.GuardianRef, e.EventBy = g, g, "dpv:GuardianOfDataSubject"
		}
	} else {
		c := ev.GetConsentWithdrawn()
		purpose = c.GetPurpose()
		e.EventState, e.ValidityDuration = "dpv:ConsentWithdrawn", w.say(withdrawnText)
		e.Method, e.Channel = events.EnumName(c.GetMethod()), events.EnumName(c.GetChannel())
	}
	withdraw := w.withdraw(contact)
	base := Purpose{Purpose: purpose, PurposeType: dpvPurpose(purpose), PIIControllers: []string{controllerID},
		Jurisdiction: pr.GetMemberState(), WithdrawalMethod: withdraw}
	if channel != "" {
		base.CollectionMethod = []string{channel}
	}
	// One entry per consent-based activity of the purpose, with its own
	// categories, retention, storage and third parties.
	for _, aid := range sortedIDs(cat) {
		a := cat[aid]
		if !consentBased(a, purpose) {
			continue
		}
		p := base
		p.Services = []string{a.GetName()}
		p.LawfulBasis = "eu-gdpr:A6-1-a"
		if a.GetSpecialCategoryCondition() == eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT {
			p.LawfulBasis, explicit = "eu-gdpr:A9-2-a", true
		}
		if rt := a.GetRetention(); rt != nil && rt.GetDays() > 0 {
			p.RetentionPeriod = w.retention(rt)
		}
		locs := []string{pr.GetMemberState()}
		for _, rc := range a.GetRecipients() {
			locs = append(locs, rc.GetCountry())
			if named(rc) && !slices.Contains(p.Recipients, rc.GetName()) {
				p.Recipients = append(p.Recipients, rc.GetName())
			}
		}
		p.StorageLocations = countries(locs)
		cats := categories
		if len(cats) == 0 {
			cats = a.GetDataCategories()
		}
		p.PIIInformation = pii(cats)
		r.PIIProcessing.Purposes = append(r.PIIProcessing.Purposes, p)
	}
	if len(r.PIIProcessing.Purposes) == 0 {
		// No consent-based activity declared for the purpose: the consent
		// still stands as recorded.
		p := base
		p.LawfulBasis = "eu-gdpr:A6-1-a"
		p.StorageLocations = countries([]string{pr.GetMemberState()})
		p.PIIInformation = pii(categories)
		r.PIIProcessing.Purposes = []Purpose{p}
	}
	e.EventType = "dpv:ExpressedConsent"
	if explicit {
		e.EventType = "dpv:ExplicitlyExpressedConsent"
	}
	r.Event = []Event{e}
	return r
}

// pii lists categories, sorted, without repeats.
func pii(cats []string) []PII {
	out := []PII{}
	for _, c := range slices.Compact(slices.Sorted(slices.Values(cats))) {
		out = append(out, PII{PIIType: c, Sensitive: taxonomy.IsSpecialCategory(c)})
	}
	return out
}

// countries lists country codes, sorted, without repeats or blanks.
func countries(cs []string) []string {
	out := []string{}
	for _, c := range slices.Compact(slices.Sorted(slices.Values(cs))) {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// isoDuration writes d as an ISO 8601 duration in whole days, or hours
// under a day.
func isoDuration(d time.Duration) string {
	if d < 24*time.Hour {
		return fmt.Sprintf("PT%dH", max(0, int64(d/time.Hour)))
	}
	return fmt.Sprintf("P%dD", int64(d/(24*time.Hour)))
}

// dpvPurpose maps a fideslang data use to the nearest DPV purpose.
func dpvPurpose(use string) string {
	for _, m := range []struct{ prefix, dpv string }{
		{"marketing.advertising", "dpv:Advertising"},
		{"marketing", "dpv:Marketing"},
		{"analytics", "dpv:ServiceOptimisation"},
		{"personalize", "dpv:ServicePersonalisation"},
		{"essential.legal_obligation", "dpv:LegalCompliance"},
		{"essential.fraud_detection", "dpv:FraudPreventionAndDetection"},
		{"essential", "dpv:ServiceProvision"},
		{"functional", "dpv:ServiceProvision"},
		{"train_ai_system", "dpv:ResearchAndDevelopment"},
		{"third_party_sharing", "dpv:CommercialPurpose"},
	} {
		if use == m.prefix || strings.HasPrefix(use, m.prefix+".") {
			return m.dpv
		}
	}
	return "dpv:Purpose"
}

func sortedIDs(m map[string]*eventsv1.ProcessingActivity) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// digest is the SHA-256 of a receipt's compact JSON: what is signed. The
// file may be re-indented; the receipt may not change.
func digest(receipt []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, receipt); err != nil {
		return nil, err
	}
	h := sha256.Sum256(buf.Bytes())
	return h[:], nil
}

// sign signs the receipt: a note whose text names its digest.
func sign(body []byte, s note.Signer) ([]byte, error) {
	h, err := digest(body)
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: signedText + "\n" + base64.StdEncoding.EncodeToString(h) + "\n"}, s)
}

// Verified is a receipt that verified: one of the two forms.
type Verified struct {
	Form     string // FormISO27560 or FormKantara
	ISO      *Receipt
	Kantara  *Kantara
	EventID  string
	Sequence uint64
}

// Verify checks a receipt file with the log's key: the signature over the
// receipt's bytes, the proof that the consent event is in the signed log,
// and that the receipt says what the event says. It returns the receipt.
func Verify(data []byte, log note.Verifier) (*Verified, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(f.Receipt) == 0 || len(f.Proof) == 0 {
		return nil, fmt.Errorf("%w: receipt and proof are required", ErrInvalid)
	}
	n, err := note.Open([]byte(f.Signature), note.VerifierList(log))
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrInvalid, err)
	}
	h, err := digest(f.Receipt)
	if err != nil {
		return nil, fmt.Errorf("%w: receipt: %v", ErrInvalid, err)
	}
	if n.Text != signedText+"\n"+base64.StdEncoding.EncodeToString(h)+"\n" {
		return nil, fmt.Errorf("%w: the signature is not over this receipt", ErrInvalid)
	}
	b, err := proof.Parse(f.Proof)
	if err != nil {
		return nil, fmt.Errorf("%w: proof: %v", ErrInvalid, err)
	}
	signed, err := proof.Verify(b, log, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: proof: %v", ErrInvalid, err)
	}
	ev := &eventsv1.Event{}
	if err := gproto.Unmarshal(b.Event, ev); err != nil {
		return nil, fmt.Errorf("%w: proof: the event does not decode", ErrInvalid)
	}
	var probe struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(f.Receipt, &probe)
	if probe.Version == KantaraVersion {
		var k Kantara
		kdec := json.NewDecoder(bytes.NewReader(f.Receipt))
		kdec.DisallowUnknownFields()
		if err := kdec.Decode(&k); err != nil {
			return nil, fmt.Errorf("%w: receipt: %v", ErrInvalid, err)
		}
		if problems := checkKantara(&k, ev); len(problems) > 0 {
			return nil, fmt.Errorf("%w: %s differ from the proven event", ErrInvalid, strings.Join(problems, ", "))
		}
		return &Verified{Form: FormKantara, Kantara: &k, EventID: ev.GetEventId(), Sequence: b.Sequence}, nil
	}
	var r Receipt
	rdec := json.NewDecoder(bytes.NewReader(f.Receipt))
	rdec.DisallowUnknownFields()
	if err := rdec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: receipt: %v", ErrInvalid, err)
	}
	var problems []string
	check := func(field string, ok bool) {
		if !ok {
			problems = append(problems, field)
		}
	}
	check("record.record_id", r.Record.RecordID == ev.GetEventId() && r.Docket.EventID == ev.GetEventId())
	check("record.pii_principal_id", r.Record.PIIPrincipalID == ev.GetSubjectRef())
	check("docket.sequence", r.Docket.Sequence == b.Sequence)
	check("docket.tree_size", r.Docket.TreeSize == signed.Size)
	check("docket.log_origin", r.Docket.Origin == signed.Origin)
	check("event", len(r.Event) == 1 && r.Event[0].EventTime.Equal(ev.GetOccurredAt().AsTime()))
	purpose, state := ev.GetConsentGiven().GetPurpose(), "dpv:ConsentGiven"
	if ev.GetConsentWithdrawn() != nil {
		purpose, state = ev.GetConsentWithdrawn().GetPurpose(), "dpv:ConsentWithdrawn"
	} else if ev.GetConsentGiven() == nil {
		return nil, fmt.Errorf("%w: the proven event is not a consent", ErrInvalid)
	}
	who := ev.GetSubjectRef()
	if g := ev.GetConsentGiven().GetParentalAuthorization().GetGuardianRef(); g != "" {
		who = g
	}
	// Before v2 a receipt named the recording system here; it is checked
	// from v2 on.
	check("event.entity_id", len(r.Event) == 1 && (r.Event[0].EventState == "" || r.Event[0].EntityID == who))
	check("event.event_state", len(r.Event) == 1 && (r.Event[0].EventState == state || r.Event[0].EventState == "" && r.Event[0].LegacyState == state))
	check("pii_processing.purposes", len(r.PIIProcessing.Purposes) > 0 && !slices.ContainsFunc(r.PIIProcessing.Purposes,
		func(p Purpose) bool { return p.Purpose != purpose }))
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s differ from the proven event", ErrInvalid, strings.Join(problems, ", "))
	}
	return &Verified{Form: FormISO27560, ISO: &r, EventID: ev.GetEventId(), Sequence: b.Sequence}, nil
}
