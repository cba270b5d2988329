package export

import (
	"time"

	"github.com/docketledger/docket/events/proof"
)

// Schema names the JSON form of a Report; a later, incompatible form gets
// another name.
const Schema = "docket.export.v1"

// Report is an access (Art. 15) and portability (Art. 20) export of one
// data subject: the JSON form is this structure, the HTML form renders it.
// Times are UTC. Values are the plaintext the subject's keys still open;
// a value whose key was shredded is marked erased, with no content.
type Report struct {
	Schema      string    `json:"schema"`
	Controller  string    `json:"controller"`  // the tenant
	SubjectRef  string    `json:"subject_ref"` // the pseudonymous reference the ledger knows the subject by
	GeneratedAt time.Time `json:"generated_at"`
	// AsOf is the moment whose state the export gives: what the ledger
	// held when it was read, through ThroughSequence. A value is "current"
	// as of then.
	AsOf      time.Time `json:"as_of"`
	RequestID string    `json:"request_id,omitempty"`
	// ThroughSequence is the stream position the export reflects.
	ThroughSequence uint64 `json:"through_sequence"`

	// Data is every value held about the subject, newest first within a
	// category; Current marks the one in force (a rectification
	// supersedes earlier values of its category).
	Data []Datum `json:"data"`
	// Provided is the Art. 20 scope (Portable): the values the subject
	// provided under consent or contract — given ("data_subject") or
	// observed from their use of the service ("observed", WP242) — and
	// the subject's own rectifications of them, newest first within a
	// category; Current marks the one in force, never an erased one.
	Provided []Datum `json:"provided"`
	// Processing is each activity the subject's data was processed under.
	Processing []Processing `json:"processing"`
	// Recipients are the recipients, by identity, with what each received.
	Recipients []Recipient     `json:"recipients"`
	Consents   []Consent       `json:"consents"`
	Requests   []RightsRequest `json:"requests"`
	// Restrictions and objections in force or lifted.
	Restrictions []Restriction `json:"restrictions"`
	Objections   []Objection   `json:"objections"`
	// Erasure says which systems erased the subject's data and which keys
	// were shredded.
	Erasure Erasure `json:"erasure"`
	// PassedOn is whom a rectification, erasure or restriction was passed
	// on to (Art. 19): each recipient owed a notice, and whether it was
	// told.
	PassedOn []Notice `json:"passed_on"`
	// Notes are the words recorded with the subject's events (a
	// rectification's reason, a denial's explanation, a request's
	// outcome), opened with the subject's key; an erased one says so.
	Notes []Note `json:"notes"`
	// Rights are the subject's rights, as the report tells them.
	Rights []string `json:"rights"`
	// Verification lets anyone check, with the log's public key, that the
	// events the report rests on are in the signed log.
	Verification Verification `json:"verification"`
}

// Datum is one personal-data value.
type Datum struct {
	Category string `json:"category"`
	Value    string `json:"value,omitempty"`
	Erased   bool   `json:"erased,omitempty"`
	// Unreadable: the stored value does not open under the subject's key
	// (events.UnreadableText); Value is empty.
	Unreadable bool `json:"unreadable,omitempty"`
	// Withheld: a credential (NeverExported), listed as held, never with
	// its value; Value is empty.
	Withheld    bool      `json:"withheld,omitempty"`
	Current     bool      `json:"current"`
	Activity    string    `json:"activity,omitempty"`
	Purposes    []string  `json:"purposes,omitempty"`
	LegalBasis  string    `json:"legal_basis,omitempty"`
	Source      string    `json:"source,omitempty"` // where it came from: data_subject, third_party:<id>, observed
	System      string    `json:"system,omitempty"` // the service that recorded it
	CollectedAt time.Time `json:"collected_at"`
	EventID     string    `json:"event_id"`
	Sequence    uint64    `json:"sequence"`
}

// Note is one free-text field of one of the subject's events.
type Note struct {
	Field    string    `json:"field"` // e.g. data_rectified.reason
	Text     string    `json:"text,omitempty"`
	Erased   bool      `json:"erased,omitempty"`
	At       time.Time `json:"at"`
	EventID  string    `json:"event_id"`
	Sequence uint64    `json:"sequence"`
}

// Processing is one activity the subject's data was processed under.
type Processing struct {
	Activity   string    `json:"activity"`
	Name       string    `json:"name,omitempty"`
	Purposes   []string  `json:"purposes"`
	Categories []string  `json:"categories"`
	LegalBases []string  `json:"legal_bases"`
	Sources    []string  `json:"sources,omitempty"`
	Retention  string    `json:"retention,omitempty"`
	FirstAt    time.Time `json:"first_at"`
	LastAt     time.Time `json:"last_at"`
	// Profiling: a use under the activity evaluated personal aspects of the
	// subject (Art. 4(4)); Art. 15(1)(h) makes its existence part of the
	// answer.
	Profiling bool `json:"profiling,omitempty"`
	// AutomatedDecision is the most significant decision a use under the
	// activity took about the subject based solely on automated processing
	// (an AutomatedDecision name; empty when none), and Art22Exceptions
	// the Art. 22(2) exceptions those with legal or similarly significant
	// effect relied on (Art. 15(1)(h)).
	AutomatedDecision string   `json:"automated_decision,omitempty"`
	Art22Exceptions   []string `json:"art22_exceptions,omitempty"`
}

// Recipient is one recipient and what it received.
type Recipient struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	Kind              string `json:"kind"`
	Country           string `json:"country,omitempty"`
	TransferMechanism string `json:"transfer_mechanism,omitempty"`
	// Art49Derogation is the Art. 49(1) derogation a transfer relies on;
	// DPFCertified, that the importer is certified under the EU-US Data
	// Privacy Framework (the US adequacy decision covers it only then).
	Art49Derogation string `json:"art49_derogation,omitempty"`
	DPFCertified    bool   `json:"dpf_certified,omitempty"`
	// SafeguardsURL is where a copy of the transfer's safeguards can be
	// had (Art. 15(2)).
	SafeguardsURL string       `json:"safeguards_url,omitempty"`
	Received      []Disclosure `json:"received"`
}

// Disclosure is one disclosure to a recipient.
type Disclosure struct {
	Categories         []string  `json:"categories"`
	Purpose            string    `json:"purpose"`
	LegalBasis         string    `json:"legal_basis"`
	LegalInstrumentRef string    `json:"legal_instrument_ref,omitempty"`
	At                 time.Time `json:"at"`
	EventID            string    `json:"event_id"`
}

// Consent is the state of consent for one purpose.
type Consent struct {
	Purpose       string     `json:"purpose"`
	Given         bool       `json:"given"`
	NoticeVersion string     `json:"notice_version,omitempty"`
	GivenAt       *time.Time `json:"given_at,omitempty"`
	WithdrawnAt   *time.Time `json:"withdrawn_at,omitempty"`
}

// RightsRequest is one of the subject's rights requests.
type RightsRequest struct {
	ID         string     `json:"id"`
	Right      string     `json:"right"`
	ReceivedAt time.Time  `json:"received_at"`
	DueAt      time.Time  `json:"due_at"`
	Status     string     `json:"status"`
	Outcome    string     `json:"outcome,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// Restriction is one Art. 18 restriction.
type Restriction struct {
	Purposes  []string   `json:"purposes,omitempty"`
	AppliedAt time.Time  `json:"applied_at"`
	LiftedAt  *time.Time `json:"lifted_at,omitempty"`
}

// Objection is one Art. 21 objection.
type Objection struct {
	Purposes []string  `json:"purposes"`
	At       time.Time `json:"at"`
}

// Notice is one Art. 19 notice to a recipient.
type Notice struct {
	RecipientID string     `json:"recipient_id"`
	Right       string     `json:"right"`
	RequestID   string     `json:"request_id"`
	Status      string     `json:"status"` // open, notified, waived
	DueAt       *time.Time `json:"due_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
}

// Erasure is what was erased.
type Erasure struct {
	Systems  map[string]time.Time `json:"systems,omitempty"`  // system → when it erased
	Shredded map[string]time.Time `json:"shredded,omitempty"` // key group → when its key was destroyed
}

// Verification is the checkpoint the proofs are against and one proof
// bundle (events/proof) per event, each checkable alone with `docket
// verify event`.
type Verification struct {
	Checkpoint string `json:"checkpoint,omitempty"` // the signed note; empty before the first checkpoint
	TreeSize   int64  `json:"tree_size"`
	// Bundles are in stream order; events after the checkpoint have none
	// yet.
	Bundles []*proof.Bundle `json:"bundles"`
	// Pending counts events recorded after the checkpoint.
	Pending int `json:"pending,omitempty"`
}
