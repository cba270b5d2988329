package state

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// Finding statuses (model.FindingStatusRow.Status): the enum names of
// eventsv1.FindingStatus. A finding no change names is StatusOpen.
var (
	StatusOpen          = events.EnumName(eventsv1.FindingStatus_FINDING_STATUS_OPEN)
	StatusAcknowledged  = events.EnumName(eventsv1.FindingStatus_FINDING_STATUS_ACKNOWLEDGED)
	StatusAssigned      = events.EnumName(eventsv1.FindingStatus_FINDING_STATUS_ASSIGNED)
	StatusRiskAccepted  = events.EnumName(eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED)
	StatusNotApplicable = events.EnumName(eventsv1.FindingStatus_FINDING_STATUS_NOT_APPLICABLE)
	StatusResolved      = events.EnumName(eventsv1.FindingStatus_FINDING_STATUS_RESOLVED)
)

// StatusIsOpen tells whether a finding in status still needs handling:
// open (never handled, or open again), acknowledged or assigned. Risk
// accepted, not applicable and resolved are closed.
func StatusIsOpen(status string) bool {
	switch status {
	case StatusRiskAccepted, StatusNotApplicable, StatusResolved:
		return false
	}
	return true
}

// maxGroupLen bounds a group key (events.MaxFindingKeyLen).
const maxGroupLen = events.MaxFindingKeyLen

// GroupKey is the group key of findings of rule with the given cause:
// "<rule>:<cause>", the cause's characters outside letters, digits and
// "_-/." replaced by "_", bounded to events.MaxFindingKeyLen, so that the
// key is one a FindingStatusChanged may name.
func GroupKey(rule, cause string) string {
	if cause == "" {
		cause = "-"
	}
	b := []byte(cause)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '/' || c == '.') {
			b[i] = '_'
		}
	}
	k := rule + ":" + string(b)
	if len(k) > maxGroupLen {
		k = k[:maxGroupLen]
	}
	return k
}

// groupOfEvent is the group of the finding rule raises on ev: findings of
// one cause, handled by one decision. The cause is the recipient for the
// rules about a disclosure's recipient; for processing, the activity (the
// first purpose when the event names none); for a consent, its purpose;
// for any other event, its payload type.
func groupOfEvent(rule string, ev *eventsv1.Event) string {
	switch rule {
	case RuleUndeclaredRecipient, RuleTransferWithoutGround, RuleRecipientNotAsDeclared:
		if m := ev.GetDisclosureMade(); m != nil {
			return GroupKey(rule, m.GetRecipient().GetId())
		}
	}
	if p, ok := processingOf(ev); ok {
		if p.activity != "" {
			return GroupKey(rule, p.activity)
		}
		if len(p.purposes) > 0 {
			return GroupKey(rule, p.purposes[0])
		}
	}
	if m := ev.GetConsentGiven(); m != nil {
		return GroupKey(rule, m.GetPurpose())
	}
	return GroupKey(rule, events.PayloadField(ev))
}

// findingStatusRow is the row of a FindingStatusChanged, nil for any other
// event. It keeps whether a justification was recorded, never its words.
func findingStatusRow(rec source.Record) *model.FindingStatusRow {
	ev := rec.Event
	m := ev.GetFindingStatusChanged()
	if m == nil {
		return nil
	}
	return &model.FindingStatusRow{
		Seq: rec.Sequence, EventID: ev.GetEventId(), Tenant: ev.GetTenant(),
		FindingIDs: slices.Clone(m.GetFindingIds()), Group: m.GetGroup(), Status: events.EnumName(m.GetStatus()),
		At: occurredAt(ev), RecordedAt: rec.RecordedAt, ActorID: ev.GetActor().GetId(), Assignee: m.GetAssignee(),
		Justified:        m.GetJustification() != "" || m.GetJustificationText() != nil,
		ResolvingEventID: m.GetResolvingEventId(),
	}
}

// FindingStatuses joins a tenant's status changes to its findings. A change
// names findings by id, and may name a group: it applies to the group's
// findings that arose at or before its occurred_at (a finding that arises
// later is a new problem, open until handled). A change naming a finding
// that does not exist (yet) is kept: time-based findings exist only when
// they are computed.
type FindingStatuses struct {
	byID    map[string][]*model.FindingStatusRow
	byGroup map[string][]*model.FindingStatusRow
	asOf    time.Time
}

// NewFindingStatuses indexes rows (a tenant's, in stream order). With a
// non-zero asOf, changes that occurred after it are left out: the status as
// it stood at asOf.
func NewFindingStatuses(rows []model.FindingStatusRow, asOf time.Time) *FindingStatuses {
	s := &FindingStatuses{byID: map[string][]*model.FindingStatusRow{}, byGroup: map[string][]*model.FindingStatusRow{}, asOf: asOf}
	for i := range rows {
		r := &rows[i]
		if !asOf.IsZero() && r.At.After(asOf) {
			continue
		}
		seen := map[string]bool{}
		for _, id := range r.FindingIDs {
			if !seen[id] {
				seen[id] = true
				s.byID[id] = append(s.byID[id], r)
			}
		}
		if r.Group != "" {
			s.byGroup[r.Group] = append(s.byGroup[r.Group], r)
		}
	}
	return s
}

// History is every change that applies to f, in stream order: those naming
// its id, and those naming its group that occurred at or after it arose.
func (s *FindingStatuses) History(f *model.Finding) []model.FindingStatusRow {
	if s == nil {
		return nil
	}
	var out []model.FindingStatusRow
	for _, r := range s.byID[f.ID] {
		out = append(out, *r)
	}
	if f.Group != "" {
		for _, r := range s.byGroup[f.Group] {
			if !f.AroseAt.After(r.At) && !slices.Contains(r.FindingIDs, f.ID) {
				out = append(out, *r)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// HistoryOf is the history of a finding id that no finding has (yet): the
// changes naming it by id.
func (s *FindingStatuses) HistoryOf(id string) []model.FindingStatusRow {
	if s == nil {
		return nil
	}
	out := make([]model.FindingStatusRow, 0, len(s.byID[id]))
	for _, r := range s.byID[id] {
		out = append(out, *r)
	}
	return out
}

// Status is f's current status: that of the last change (in stream order)
// that applies to it, StatusOpen when none does.
func (s *FindingStatuses) Status(f *model.Finding) string {
	return CurrentStatus(s.History(f))
}

// CurrentStatus is the status a history leaves: its last step's, or
// StatusOpen for an empty one.
func CurrentStatus(h []model.FindingStatusRow) string {
	if len(h) == 0 {
		return StatusOpen
	}
	return h[len(h)-1].Status
}

// FindingRule is the rule a finding id names ("<rule>:...").
func FindingRule(id string) string {
	rule, _, _ := strings.Cut(id, ":")
	return rule
}
