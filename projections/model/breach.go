package model

import (
	"encoding/json"
	"slices"
	"time"
)

// Breach risks, as BreachRecorded.risk and BreachRiskAssessed.risk say them.
const (
	BreachRiskNone = "none"
	BreachRiskLow  = "low"
	BreachRiskHigh = "high"
)

// BreachRow is one entry of the breach register (Art. 33(5)): a personal
// data breach of a tenant and every step of its handling, folded from the
// controller-level Breach* events of its breach id. It holds no free text:
// a step's words (description, details, a delay reason) stay sealed in the
// events; the row only says whether a delay reason was recorded.
type BreachRow struct {
	Tenant   string `json:"tenant"`
	BreachID string `json:"breach_id"`
	// FirstSeq is the stream sequence of the first event naming the breach
	// (the register's order).
	FirstSeq uint64 `json:"first_seq"`
	// Recorded: a BreachRecorded of the breach was folded. Without one, the
	// row keeps the steps recorded for an id never recorded, shown as such.
	Recorded bool `json:"recorded"`
	// RecordedEventID is the BreachRecorded's event id.
	RecordedEventID string `json:"recorded_event_id,omitempty"`
	// DetectedAt is when the controller became aware of the breach
	// (BreachRecorded.detected_at): the 72 hours of Art. 33(1) run from it.
	DetectedAt *time.Time `json:"detected_at,omitempty"`
	// Risks are the risk assessments in order of their time (occurred_at;
	// the BreachRecorded's risk counts from DetectedAt), stream order on a
	// tie; the last one not after a time is the risk at that time.
	Risks []BreachRisk `json:"risks,omitempty"`
	// Categories and SubjectsAffectedEstimate as last stated (the
	// BreachRecorded, then authority notifications that state them).
	Categories               []string `json:"categories,omitempty"`
	SubjectsAffectedEstimate uint64   `json:"subjects_affected_estimate,omitempty"`
	// AuthorityNotices are the notifications to the supervisory authority,
	// in stream order (Art. 33(4): it may come in phases).
	AuthorityNotices []BreachAuthorityNotice `json:"authority_notices,omitempty"`
	// SubjectsNotices are the communications to the subjects (Art. 34(1)),
	// in stream order.
	SubjectsNotices []BreachSubjectsNotice `json:"subjects_notices,omitempty"`
	// Exemptions are the Art. 34(3) exceptions recorded, in stream order.
	Exemptions []BreachExemption `json:"exemptions,omitempty"`
	// ClosedAt is when the breach's handling ended (the last BreachClosed).
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	ClosedEventID string     `json:"closed_event_id,omitempty"`
	// EventIDs are every event of the breach, in stream order.
	EventIDs []string `json:"event_ids"`
}

// BreachRisk is one assessment of a breach's risk.
type BreachRisk struct {
	Risk    string    `json:"risk"` // BreachRisk*
	At      time.Time `json:"at"`
	EventID string    `json:"event_id"`
}

// BreachAuthorityNotice is one notification of a breach to the
// supervisory authority.
type BreachAuthorityNotice struct {
	Phase     string    `json:"phase"` // enum name; "LEGACY" for BreachRecorded.authority_notified_at
	At        time.Time `json:"at"`
	Authority string    `json:"authority,omitempty"`
	Reference string    `json:"reference,omitempty"`
	// DelayReason: a reason for notifying after 72 hours was recorded on
	// it (its words stay sealed in the event).
	DelayReason bool   `json:"delay_reason,omitempty"`
	EventID     string `json:"event_id"`
}

// BreachSubjectsNotice is one communication of a breach to the subjects.
type BreachSubjectsNotice struct {
	At                  time.Time `json:"at"`
	Channel             string    `json:"channel,omitempty"` // enum name
	SubjectsNotified    uint64    `json:"subjects_notified,omitempty"`
	PublicCommunication bool      `json:"public_communication,omitempty"`
	EventID             string    `json:"event_id"`
}

// BreachExemption is one Art. 34(3) exception to telling the subjects.
type BreachExemption struct {
	Ground  string    `json:"ground"` // enum name
	At      time.Time `json:"at"`
	EventID string    `json:"event_id"`
}

// BreachLegacyPhase is the phase shown for the notification a
// BreachRecorded's authority_notified_at records.
const BreachLegacyPhase = "LEGACY"

// Clone returns a deep copy of r.
func (r *BreachRow) Clone() *BreachRow {
	c := *r
	if r.DetectedAt != nil {
		t := *r.DetectedAt
		c.DetectedAt = &t
	}
	if r.ClosedAt != nil {
		t := *r.ClosedAt
		c.ClosedAt = &t
	}
	c.Risks = slices.Clone(r.Risks)
	c.Categories = slices.Clone(r.Categories)
	c.AuthorityNotices = slices.Clone(r.AuthorityNotices)
	c.SubjectsNotices = slices.Clone(r.SubjectsNotices)
	c.Exemptions = slices.Clone(r.Exemptions)
	c.EventIDs = slices.Clone(r.EventIDs)
	return &c
}

// Doc is the stored document of r: JSON, every time in UTC.
func (r *BreachRow) Doc() (string, error) {
	u := r.Clone()
	utc := func(t *time.Time) {
		if t != nil {
			*t = t.UTC()
		}
	}
	utc(u.DetectedAt)
	utc(u.ClosedAt)
	for i := range u.Risks {
		utc(&u.Risks[i].At)
	}
	for i := range u.AuthorityNotices {
		utc(&u.AuthorityNotices[i].At)
	}
	for i := range u.SubjectsNotices {
		utc(&u.SubjectsNotices[i].At)
	}
	for i := range u.Exemptions {
		utc(&u.Exemptions[i].At)
	}
	b, err := json.Marshal(u)
	return string(b), err
}

// ParseBreachDoc reads a document Doc wrote.
func ParseBreachDoc(doc string) (*BreachRow, error) {
	r := &BreachRow{}
	if err := json.Unmarshal([]byte(doc), r); err != nil {
		return nil, err
	}
	return r, nil
}
