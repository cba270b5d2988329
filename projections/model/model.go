// Package model holds the read models' rows and the interfaces of the
// stores that keep them. The projection logic (package state) is written
// once in Go; a store only loads and saves these rows, so that SQLite and
// PostgreSQL cannot disagree about what an event means.
package model

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors stores return; match them with errors.Is.
var (
	// ErrNotFound: no such tenant, subject or request. It says nothing about
	// whether another tenant has one.
	ErrNotFound = errors.New("not found")
	// ErrCheckpointMoved: Apply was given a batch that does not start at
	// the stored checkpoint (another projector wrote meanwhile).
	ErrCheckpointMoved = errors.New("read model checkpoint moved")
)

// SubjectKey names one data subject of one tenant.
type SubjectKey struct{ Tenant, SubjectRef string }

// SubjectState is everything the ledger holds about one subject, as of the
// events applied so far. Stores keep it as one document (JSON) per subject.
type SubjectState struct {
	Tenant     string    `json:"tenant"`
	SubjectRef string    `json:"subject_ref"`
	FirstSeen  time.Time `json:"first_seen"` // occurred_at of the first event
	LastSeen   time.Time `json:"last_seen"`  // greatest occurred_at so far
	FirstSeq   uint64    `json:"first_seq"`
	LastSeq    uint64    `json:"last_seq"`
	Events     int       `json:"events"`
	// Child: a source reported the subject as a child; ChildEventID is the
	// event that first did.
	Child        bool   `json:"child,omitempty"`
	ChildEventID string `json:"child_event_id,omitempty"`
	// AgeBand is the age band (enum name) a collection reported that
	// shows the subject oldest (the band's lower bound aged by the years
	// since: state.AgeAt), AgeBandAt the collection's occurred_at and
	// AgeBandEventID its event; empty when no source gave one.
	AgeBand        string     `json:"age_band,omitempty"`
	AgeBandAt      *time.Time `json:"age_band_at,omitempty"`
	AgeBandEventID string     `json:"age_band_event_id,omitempty"`
	// Consents by purpose (fideslang data use).
	Consents map[string]*Consent `json:"consents,omitempty"`
	// Restrictions by restriction id, lifted ones included.
	Restrictions map[string]*Restriction `json:"restrictions,omitempty"`
	Objections   []*Objection            `json:"objections,omitempty"`
	// Overrides are the controller's Art. 21(1) grounds recorded against
	// objections (ObjectionOverridden), in stream order.
	Overrides []*Override `json:"objection_overrides,omitempty"`
	// OpenRequests are the ids of requests neither fulfilled nor denied.
	OpenRequests []string `json:"open_requests,omitempty"`
	// Erasures by system: when each system reported erasing the subject.
	Erasures map[string]time.Time `json:"erasures,omitempty"`
	// Shredded key groups, with when (occurred_at) they were shredded, and
	// by which event.
	Shredded   map[string]time.Time `json:"shredded,omitempty"`
	ShreddedBy map[string]string    `json:"shredded_by,omitempty"`
	// Collected: per activity, when data was first and last collected
	// (retention runs from it) and whether its retention has ended.
	Collected map[string]*Collection `json:"collected,omitempty"`
	// Used: per activity, the uses of the subject's data (DataProcessed)
	// that were neither collections nor disclosures: what, when, under
	// which basis, and whether they profiled the subject or decided about
	// it. A use starts no retention period.
	Used map[string]*Use `json:"used,omitempty"`
	// Notifications are the Art. 19 notices owed to recipients, by
	// NotificationKey, open or closed.
	Notifications map[string]*Notification `json:"notifications,omitempty"`
	// Exemptions are the Art. 17(3) holds on the subject's key groups, by
	// key group: the last ErasureExemptionRecorded naming each.
	Exemptions map[string]*Exemption `json:"exemptions,omitempty"`
}

// Exemption keeps a key group from being shredded until a date, under an
// Art. 17(3) ground: invoices kept for the tax authority, say.
type Exemption struct {
	KeyGroup  string    `json:"key_group"`
	RequestID string    `json:"request_id"`
	Ground    string    `json:"ground"` // enum name
	Until     time.Time `json:"until"`
	EventID   string    `json:"event_id"`
}

// Holds tells whether the exemption keeps its group at t.
func (e *Exemption) Holds(t time.Time) bool { return e != nil && e.Until.After(t) }

// Notification states.
const (
	NotificationOpen     = "open"
	NotificationNotified = "notified"
	NotificationWaived   = "waived"
)

// Notification is one Art. 19 notice owed to a recipient: opened by a
// RecipientNotificationDue, closed by a RecipientNotified or waived by a
// RecipientNotificationWaived of the same request, recipient and right.
type Notification struct {
	RequestID    string     `json:"request_id"`
	RecipientID  string     `json:"recipient_id"`
	Right        string     `json:"right"` // enum name
	CauseEventID string     `json:"cause_event_id,omitempty"`
	DueAt        *time.Time `json:"due_at,omitempty"` // nil when closed before it was due
	// OwedFrom is when the notice became owed: the cause, or the end of the
	// confidentiality (Art. 23) of the recipient's disclosures; nil in
	// notices recorded before RecipientNotificationDue carried it.
	OwedFrom *time.Time `json:"owed_from,omitempty"`
	// ScheduledAt is the occurred_at of the RecipientNotificationDue that
	// set DueAt and OwedFrom: a later one of the same cause reschedules an
	// open notice (the Art. 19 saga's, when the confidentiality of the
	// recipient's disclosure changes).
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	Status      string     `json:"status"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Ground      string     `json:"ground,omitempty"` // a waiver's ground
	EventID     string     `json:"event_id"`         // the event that last changed it
}

// NotificationKey keys SubjectState.Notifications.
func NotificationKey(requestID, recipientID, right string) string {
	return requestID + "/" + recipientID + "/" + right
}

// Consent is the state of consent for one purpose.
type Consent struct {
	Purpose       string     `json:"purpose"`
	Given         bool       `json:"given"`
	NoticeID      string     `json:"notice_id,omitempty"`
	NoticeVersion string     `json:"notice_version,omitempty"`
	NoticeSHA256  string     `json:"notice_sha256,omitempty"` // hex
	Method        string     `json:"method,omitempty"`
	Channel       string     `json:"channel,omitempty"`
	Parental      bool       `json:"parental_authorization,omitempty"`
	GivenAt       *time.Time `json:"given_at,omitempty"`
	WithdrawnAt   *time.Time `json:"withdrawn_at,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	EventID       string     `json:"event_id"` // the event that set this state
}

// Restriction is one Art. 18 restriction.
type Restriction struct {
	ID         string     `json:"id"`
	Purposes   []string   `json:"purposes,omitempty"` // empty: all but storage
	Categories []string   `json:"categories,omitempty"`
	RequestID  string     `json:"request_id,omitempty"`
	AppliedAt  time.Time  `json:"applied_at"`
	LiftedAt   *time.Time `json:"lifted_at,omitempty"`
	EventID    string     `json:"event_id"`
}

// Objection is one Art. 21 objection.
type Objection struct {
	Purposes  []string  `json:"purposes"`
	RequestID string    `json:"request_id,omitempty"`
	At        time.Time `json:"at"`
	EventID   string    `json:"event_id"`
}

// Override is one ObjectionOverridden: compelling legitimate grounds or
// legal claims (Art. 21(1)) for processing the purposes it names, and the
// purposes below them, despite the objections recorded up to At.
type Override struct {
	Purposes  []string  `json:"purposes"`
	Ground    string    `json:"ground"` // enum name
	RequestID string    `json:"request_id,omitempty"`
	At        time.Time `json:"at"`
	EventID   string    `json:"event_id"`
}

// Collection tracks one activity's data about a subject, for retention.
type Collection struct {
	ActivityID string     `json:"activity_id"`
	First      time.Time  `json:"first"`
	Last       time.Time  `json:"last"`
	EndedAt    *time.Time `json:"ended_at,omitempty"` // retention expired or erased
	// ExpiredAt is when a RetentionExpired of the period was recorded; set
	// with EndedAt when the data went, alone when the data was still held.
	ExpiredAt *time.Time `json:"expired_at,omitempty"`
	// RelationshipEndedAt is the first RelationshipEnded naming the
	// activity (or naming none) at or after the period's last collection;
	// a later collection clears it (the relationship goes on).
	RelationshipEndedAt *time.Time `json:"relationship_ended_at,omitempty"`
	// FulfilledAt is the first fulfilment of one of the subject's rights
	// requests at or after the period's last collection; a later
	// collection clears it.
	FulfilledAt *time.Time `json:"fulfilled_at,omitempty"`
}

// Use sums up one activity's uses (DataProcessed) of a subject's data.
type Use struct {
	ActivityID string    `json:"activity_id"`
	Purposes   []string  `json:"purposes,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	LegalBases []string  `json:"legal_bases,omitempty"` // enum names, in order of first use
	First      time.Time `json:"first"`                 // occurred_at of the earliest use
	Last       time.Time `json:"last"`                  // occurred_at of the latest use
	Count      int       `json:"count"`
	// Profiling: a use evaluated personal aspects of the subject (Art. 4(4)).
	Profiling bool `json:"profiling,omitempty"`
	// AutomatedDecision is the most significant decision based solely on
	// automated processing a use took (an AutomatedDecision name), empty
	// when none did.
	AutomatedDecision string `json:"automated_decision,omitempty"`
	EventID           string `json:"event_id"` // the latest use
}

// AuditRow is one event in the audit trail: what was processed, under which
// basis, when. Data is the stored bytes (values sealed), from which a
// subject's state at any time can be folded again.
type AuditRow struct {
	Seq        uint64    `json:"seq"`
	EventID    string    `json:"event_id"`
	Tenant     string    `json:"tenant"`
	SubjectRef string    `json:"subject_ref,omitempty"`
	Type       string    `json:"type"` // proto full name
	Categories []string  `json:"categories,omitempty"`
	Purposes   []string  `json:"purposes,omitempty"`
	LegalBasis string    `json:"legal_basis,omitempty"` // enum name, "" when none
	Recipient  string    `json:"recipient_id,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	RecordedAt time.Time `json:"recorded_at"`
	Source     string    `json:"source"`
	ActorKind  string    `json:"actor_kind,omitempty"`
	ActorID    string    `json:"actor_id,omitempty"`
	Data       []byte    `json:"-"`
}

// DisclosureRow is one entry of the disclosure register.
type DisclosureRow struct {
	Seq                uint64     `json:"seq"`
	EventID            string     `json:"event_id"`
	Tenant             string     `json:"tenant"`
	SubjectRef         string     `json:"subject_ref"`
	RecipientID        string     `json:"recipient_id"`
	RecipientName      string     `json:"recipient_name"`
	RecipientKind      string     `json:"recipient_kind"`
	Country            string     `json:"country"`
	TransferMechanism  string     `json:"transfer_mechanism"`
	Categories         []string   `json:"categories"`
	Purpose            string     `json:"purpose"`
	LegalBasis         string     `json:"legal_basis"`
	SpecialCondition   string     `json:"special_category_condition,omitempty"`
	LegalInstrumentRef string     `json:"legal_instrument_ref,omitempty"`
	ConfidentialUntil  *time.Time `json:"confidential_until,omitempty"`
	ActivityID         string     `json:"activity_id,omitempty"`
	OccurredAt         time.Time  `json:"occurred_at"`
	RecordedAt         time.Time  `json:"recorded_at"`
	// ParticularInquiry: a public authority received the data in a
	// particular inquiry (Art. 4(9)): it is not a recipient.
	ParticularInquiry bool `json:"particular_inquiry,omitempty"`
	// Art49Derogation is the Art. 49(1) derogation relied on (enum name, ""
	// when none); DPFCertified, the importer's EU-US Data Privacy Framework
	// certification.
	Art49Derogation string `json:"art49_derogation,omitempty"`
	DPFCertified    bool   `json:"dpf_certified,omitempty"`
}

// ConfidentialityChange is a DisclosureConfidentialityChanged as the
// disclosure register takes it: the disclosure EventID of the subject gets
// Until as its ConfidentialUntil (a lifted confidentiality ends at the
// change's occurred_at). A change naming no disclosure of the subject
// changes nothing.
type ConfidentialityChange struct {
	Seq        uint64     `json:"seq"` // the change's own sequence
	Tenant     string     `json:"tenant"`
	SubjectRef string     `json:"subject_ref"`
	EventID    string     `json:"event_id"` // the disclosure's
	Until      *time.Time `json:"until"`
}

// Request statuses.
const (
	RequestOpen      = "open"
	RequestFulfilled = "fulfilled"
	RequestDenied    = "denied"
)

// RequestRow is one data-subject request with its statutory deadline.
type RequestRow struct {
	Tenant         string     `json:"tenant"`
	RequestID      string     `json:"request_id"`
	SubjectRef     string     `json:"subject_ref"`
	Right          string     `json:"right"` // enum name
	ReceivedAt     time.Time  `json:"received_at"`
	VerifiedAt     *time.Time `json:"verified_at,omitempty"`
	ExtendedMonths int        `json:"extended_months,omitempty"`
	DueAt          time.Time  `json:"due_at"`
	Status         string     `json:"status"`
	Outcome        string     `json:"outcome,omitempty"`
	// NoDataHeld: a fulfilled access request was answered that no data of
	// the subject is held (an answer, not a denial).
	NoDataHeld   bool       `json:"no_data_held,omitempty"`
	DenialGround string     `json:"denial_ground,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	ReceivedSeq  uint64     `json:"received_seq"`
	EventIDs     []string   `json:"event_ids"`
}

// ActivityRow is one declaration (or amendment) of a processing activity:
// the catalogue as of a date is the newest row per activity not after it.
type ActivityRow struct {
	Seq        uint64    `json:"seq"`
	EventID    string    `json:"event_id"`
	Tenant     string    `json:"tenant"`
	ActivityID string    `json:"activity_id"`
	Amended    bool      `json:"amended"`
	OccurredAt time.Time `json:"occurred_at"`
	RecordedAt time.Time `json:"recorded_at"`
	// Activity is the docket.events.v1.ProcessingActivity, proto-encoded.
	Activity []byte `json:"-"`
}

// ProfileRow is one declaration of a controller's profile (who the
// controller is, its time zone, member state and Art. 8 age): a tenant's
// profile as of a date is the newest row not after it.
type ProfileRow struct {
	Seq        uint64    `json:"seq"`
	EventID    string    `json:"event_id"`
	Tenant     string    `json:"tenant"`
	OccurredAt time.Time `json:"occurred_at"`
	RecordedAt time.Time `json:"recorded_at"`
	// Profile is the docket.events.v1.ControllerProfile, proto-encoded.
	Profile []byte `json:"-"`
}

// Observed kinds.
const (
	ObservedPurpose   = "purpose"
	ObservedRecipient = "recipient"
	ObservedCategory  = "category"
)

// ObservedRow counts a purpose, recipient or category seen in events.
// Stores merge rows of the same key: Count adds up; FirstSeq, FirstEventID
// and FirstOccurred come from the row with the smallest FirstSeq (the first
// event the ledger recorded with the key, even when a later-recorded event
// occurred earlier); LastOccurred is the greatest.
type ObservedRow struct {
	Tenant        string    `json:"tenant"`
	Kind          string    `json:"kind"`
	Key           string    `json:"key"`
	Count         uint64    `json:"count"`
	FirstSeq      uint64    `json:"first_seq"`
	FirstEventID  string    `json:"first_event_id"`
	FirstOccurred time.Time `json:"first_occurred"`
	LastOccurred  time.Time `json:"last_occurred"`
}

// Finding is a compliance problem the ledger recorded: a rule, the events
// that show it, and when it arose. It names no personal data.
type Finding struct {
	ID         string    `json:"id"` // rule + ":" + the triggering event id
	Tenant     string    `json:"tenant"`
	Rule       string    `json:"rule"`
	SubjectRef string    `json:"subject_ref,omitempty"`
	EventIDs   []string  `json:"event_ids"`
	AroseAt    time.Time `json:"arose_at"` // occurred_at it arose
	Seq        uint64    `json:"seq"`      // stream sequence of the triggering event; 0 for time-based findings
	Detail     string    `json:"detail"`
	// Group is the finding's group key, "<rule>:<cause>" (state.GroupOf):
	// findings of one cause, handled by one decision.
	Group string `json:"group"`
}

// FindingStatusRow is one FindingStatusChanged: how the controller handled
// findings (Art. 5(2)). It names findings by id and/or a group; a status
// is joined to findings when they are listed (state.FindingStatuses), since
// time-based findings exist only at query time.
type FindingStatusRow struct {
	Seq        uint64    `json:"seq"`
	EventID    string    `json:"event_id"`
	Tenant     string    `json:"tenant"`
	FindingIDs []string  `json:"finding_ids"`
	Group      string    `json:"group,omitempty"`
	Status     string    `json:"status"` // enum name, e.g. FINDING_STATUS_RESOLVED
	At         time.Time `json:"at"`     // occurred_at
	RecordedAt time.Time `json:"recorded_at"`
	ActorID    string    `json:"actor_id,omitempty"`
	Assignee   string    `json:"assignee,omitempty"`
	// Justified: the change recorded a justification; its words are sealed
	// in the event and never stored here.
	Justified        bool   `json:"justified,omitempty"`
	ResolvingEventID string `json:"resolving_event_id,omitempty"`
}

// QuarantineRow is a stored message the projection passed over because it
// is not a valid sealed event (see source.CorruptError): where it is and
// why, never its bytes or values.
type QuarantineRow struct {
	Seq        uint64    `json:"seq"`
	RecordedAt time.Time `json:"recorded_at"`
	// Tenant is the tenant the message's stream subject names, "" when the
	// subject does not parse.
	Tenant string `json:"tenant"`
	Reason string `json:"reason"` // source.Reason*
	Field  string `json:"field"`  // path of the field at fault, if any
}

// QuarantineSummary is how many messages are quarantined, and the latest.
type QuarantineSummary struct {
	Count uint64
	// Latest are the quarantined messages of highest sequence, highest first.
	Latest []QuarantineRow
}

// MonthLayout formats a calendar month ("2026-03"), as monthly counts name
// them: time.Time.UTC().Format(MonthLayout).
const MonthLayout = "2006-01"

// DisclosureMonth counts a tenant's disclosures of one calendar month (UTC,
// of OccurredAt) to one kind of recipient, split by confidentiality.
type DisclosureMonth struct {
	Month         string `json:"month"`          // MonthLayout
	RecipientKind string `json:"recipient_kind"` // enum name, "" when unspecified
	// Confidential: ConfidentialUntil is after the time the count was
	// asked about (a court order still forbids telling the subject).
	Confidential bool   `json:"confidential"`
	Count        uint64 `json:"count"`
}

// FindingMonth counts a tenant's recorded findings of one rule that arose
// in one calendar month (UTC, of AroseAt).
type FindingMonth struct {
	Month string `json:"month"` // MonthLayout
	Rule  string `json:"rule"`
	Count uint64 `json:"count"`
}

// Batch is what one projector transaction writes: everything a run of
// events from sequence From+1 to To changed. Subjects, Requests replace
// the stored rows of the same key; the rest are inserted (Observed merged;
// of Findings with the same tenant and ID, stored or in the batch, the one
// of lowest Seq is kept: a copy of a stored event, which has the same event
// id, raises the same finding ID, and must not stop the projection).
type Batch struct {
	From, To    uint64
	Audit       []AuditRow
	Disclosures []DisclosureRow
	// Confidentiality changes the ConfidentialUntil of disclosures, stored
	// or in this batch, in this order, after Disclosures are inserted.
	Confidentiality []ConfidentialityChange
	Subjects        []*SubjectState
	// SubjectDocs, when set, holds the stored document of each of Subjects
	// (AppendJSON), encoded ahead by EncodeSubjects so that the store's
	// writer does not have to; see SubjectDoc.
	SubjectDocs []string
	Requests    []*RequestRow
	// Breaches replace the stored rows of the same tenant and breach id.
	Breaches    []*BreachRow
	Activities  []ActivityRow
	Profiles    []ProfileRow
	Observed    []ObservedRow
	Findings    []Finding
	Quarantined []QuarantineRow
	// FindingStatus rows are inserted (one per FindingStatusChanged).
	FindingStatus []FindingStatusRow
}

// Page is keyset paging in stream order: rows after After, at most Limit.
type Page struct {
	After uint64
	Limit int
}

// TimeAxis says which clock an as-of or time range reads.
type TimeAxis int

const (
	// Occurred: what was true at T (the sources' occurred_at).
	Occurred TimeAxis = iota
	// Recorded: what the ledger knew at T (the stream's recorded_at).
	Recorded
)

// TimeRange bounds rows by one clock; zero From or To is open.
type TimeRange struct {
	Axis     TimeAxis
	From, To time.Time // From inclusive, To inclusive
}

// DisclosureFilter selects disclosures of one tenant; empty fields match all.
type DisclosureFilter struct {
	Tenant        string
	SubjectRef    string
	RecipientID   string
	RecipientKind string
	Category      string
	Purpose       string
	LegalBasis    string
	Time          TimeRange
}

// RequestFilter selects requests of one tenant.
type RequestFilter struct {
	Tenant     string
	SubjectRef string
	Status     string
	// DueBefore, if set, keeps the requests due before it.
	DueBefore time.Time
}

// FindingFilter selects findings of one tenant.
type FindingFilter struct {
	Tenant     string
	SubjectRef string
	Rule       string
	// ID, if set, selects the finding of that id only.
	ID string
}

// Writer is what the projector needs of a store.
type Writer interface {
	// Checkpoint is the last stream sequence applied; 0 when none.
	Checkpoint(ctx context.Context) (uint64, error)
	// Subjects returns the stored state of those keys that have one.
	Subjects(ctx context.Context, keys []SubjectKey) (map[SubjectKey]*SubjectState, error)
	// Requests returns the stored rows of those requests that exist.
	Requests(ctx context.Context, tenant string, ids []string) (map[string]*RequestRow, error)
	// Breaches returns the stored rows of those breaches that exist.
	Breaches(ctx context.Context, tenant string, ids []string) (map[string]*BreachRow, error)
	// Activities returns every declaration of every tenant, in stream order.
	AllActivities(ctx context.Context) ([]ActivityRow, error)
	// AllProfiles returns every controller profile declaration of every
	// tenant, in stream order.
	AllProfiles(ctx context.Context) ([]ProfileRow, error)
	// Apply writes b and moves the checkpoint from b.From to b.To in one
	// transaction; ErrCheckpointMoved if the checkpoint is not b.From.
	Apply(ctx context.Context, b *Batch) error
}

// Reader answers queries. Lists come in stream order with keyset paging.
type Reader interface {
	Subject(ctx context.Context, tenant, subjectRef string) (*SubjectState, error)
	History(ctx context.Context, tenant, subjectRef string, p Page) ([]AuditRow, error)
	// Event is one audit row by its event id; ErrNotFound if the tenant
	// has no such event (whether another tenant has it is not told).
	Event(ctx context.Context, tenant, eventID string) (AuditRow, error)
	Disclosures(ctx context.Context, f DisclosureFilter, p Page) ([]DisclosureRow, error)
	ListRequests(ctx context.Context, f RequestFilter, p Page) ([]RequestRow, error)
	Activities(ctx context.Context, tenant string) ([]ActivityRow, error)
	// Profiles lists a tenant's controller profile declarations in stream
	// order.
	Profiles(ctx context.Context, tenant string) ([]ProfileRow, error)
	// ListBreaches lists a tenant's breach register ordered by FirstSeq
	// (unique per breach), After being a FirstSeq.
	ListBreaches(ctx context.Context, tenant string, p Page) ([]BreachRow, error)
	Observed(ctx context.Context, tenant string) ([]ObservedRow, error)
	// Findings come ordered by (Seq, Rule); a page never ends inside one
	// Seq: it may run past Limit to finish the last sequence's findings.
	Findings(ctx context.Context, f FindingFilter, p Page) ([]Finding, error)
	// FindingStatusChanges lists a tenant's FindingStatusChanged rows in
	// stream order.
	FindingStatusChanges(ctx context.Context, tenant string, p Page) ([]FindingStatusRow, error)
	// SubjectsOf lists a tenant's subjects ordered by FirstSeq (unique per
	// subject), After being a FirstSeq: for checks across all subjects.
	SubjectsOf(ctx context.Context, tenant string, p Page) ([]*SubjectState, error)
	// TenantExists tells whether the tenant has any event.
	TenantExists(ctx context.Context, tenant string) (bool, error)
	// Tenants lists, sorted, the tenants with a data subject or a declared
	// activity: for jobs that go through every tenant.
	Tenants(ctx context.Context) ([]string, error)
	// DisclosureMonths counts a tenant's disclosures that occurred from
	// from to to (both inclusive; a zero time is open) by calendar month,
	// recipient kind and whether they are confidential at now, ordered by
	// (Month, RecipientKind in byte order, Confidential false first).
	DisclosureMonths(ctx context.Context, tenant string, from, to, now time.Time) ([]DisclosureMonth, error)
	// FindingMonths counts a tenant's recorded findings that arose from
	// from to to (both inclusive; a zero time is open) by calendar month and
	// rule, ordered by (Month, Rule in byte order).
	FindingMonths(ctx context.Context, tenant string, from, to time.Time) ([]FindingMonth, error)
	// Quarantined lists the quarantined messages of every tenant (tenant
	// "") or of one, in stream order.
	Quarantined(ctx context.Context, tenant string, p Page) ([]QuarantineRow, error)
	// QuarantineSummary counts every quarantined message and returns the
	// latest (at most latest of them).
	QuarantineSummary(ctx context.Context, latest int) (QuarantineSummary, error)
}

// Store is a read-model store: SQLite or PostgreSQL/CockroachDB. Its
// tables belong to one generation: a rebuild projects into the next
// generation's tables while queries read the current one, then switches.
type Store interface {
	Writer
	Reader
	// Generation is the generation whose tables this store reads and writes.
	Generation() int
	Close() error
}

// ErrPartitions: the store is partitioned another way (or not at all):
// changing how a generation is partitioned needs a rebuild into a new one.
var ErrPartitions = errors.New("read models are partitioned another way")

// Partitioner is a store whose projection several projectors can share,
// each applying the events of one partition of the data subjects.
type Partitioner interface {
	// Partition returns the store as projector part of parts (0 ≤ part <
	// parts, 1 < parts ≤ 256) sees it: its Checkpoint and Apply read and move
	// that partition's own checkpoint; everything else is the store's. The
	// first call on a generation fixes parts (creating the checkpoints of
	// all parts at 0, in one transaction, so readers never see fewer);
	// calling it with another parts, or on a store whose own checkpoint an
	// unpartitioned Apply has moved past 0, fails with ErrPartitions.
	Partition(ctx context.Context, part, parts int) (Store, error)
}

// Generations records which generation of the read models is current; a
// rebuild switches it once the new generation has caught up.
type Generations interface {
	// Current is the current generation; 1 when none was ever switched.
	Current(ctx context.Context) (int, error)
	// Switch makes to current if from still is; ErrCheckpointMoved if not.
	Switch(ctx context.Context, from, to int) error
	// Drop removes a generation's tables (never the current one).
	Drop(ctx context.Context, gen int) error
}

// Merge folds o, a row of the same key, into r as stores merge them: counts
// add up, the first fields follow the smaller FirstSeq, LastOccurred is the
// greater.
func (r *ObservedRow) Merge(o ObservedRow) {
	r.Count += o.Count
	if o.FirstSeq < r.FirstSeq {
		r.FirstSeq, r.FirstEventID, r.FirstOccurred = o.FirstSeq, o.FirstEventID, o.FirstOccurred
	}
	if o.LastOccurred.After(r.LastOccurred) {
		r.LastOccurred = o.LastOccurred
	}
}

// FirstFindings returns fs with one finding per (Tenant, ID): the one of
// lowest Seq (the first of those, in fs's order, on a tie), in fs's order.
func FirstFindings(fs []Finding) []Finding {
	type key struct{ tenant, id string }
	first := make(map[key]int, len(fs))
	dup := false
	for i, f := range fs {
		k := key{f.Tenant, f.ID}
		if j, ok := first[k]; ok {
			dup = true
			if f.Seq < fs[j].Seq {
				first[k] = i
			}
			continue
		}
		first[k] = i
	}
	if !dup {
		return fs
	}
	out := make([]Finding, 0, len(first))
	for i, f := range fs {
		if first[key{f.Tenant, f.ID}] == i {
			out = append(out, f)
		}
	}
	return out
}

// EncodeSubjects fills b.SubjectDocs with the stored documents of
// b.Subjects. The projector calls it while the previous batch is being
// written, taking the encoding off the writer's path.
func (b *Batch) EncodeSubjects() error {
	docs := make([]string, len(b.Subjects))
	var buf []byte
	for i, s := range b.Subjects {
		if s == nil {
			return errors.New("nil subject state")
		}
		var err error
		if buf, err = s.AppendJSON(buf[:0]); err != nil {
			return fmt.Errorf("subject state: %w", err)
		}
		docs[i] = string(buf)
	}
	b.SubjectDocs = docs
	return nil
}

// SubjectDoc is the stored document of b.Subjects[i]: from SubjectDocs if
// EncodeSubjects filled it, else encoded now.
func (b *Batch) SubjectDoc(i int) (string, error) {
	if len(b.SubjectDocs) == len(b.Subjects) {
		return b.SubjectDocs[i], nil
	}
	s := b.Subjects[i]
	if s == nil {
		return "", errors.New("nil subject state")
	}
	doc, err := s.AppendJSON(nil)
	if err != nil {
		return "", fmt.Errorf("subject state: %w", err)
	}
	return string(doc), nil
}

// historyPage is the page size AllHistory reads with.
const historyPage = 1000

// AllHistory is a subject's whole audit trail in stream order: every page
// of r.History.
func AllHistory(ctx context.Context, r Reader, tenant, subjectRef string) ([]AuditRow, error) {
	var rows []AuditRow
	for after := uint64(0); ; {
		page, err := r.History(ctx, tenant, subjectRef, Page{After: after, Limit: historyPage})
		if err != nil {
			return nil, err
		}
		rows = append(rows, page...)
		if len(page) < historyPage {
			return rows, nil
		}
		after = page[len(page)-1].Seq
	}
}
