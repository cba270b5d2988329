package state

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

// ErrBadActivity is matched by the error Catalogue.Add returns for a row
// that is not a usable declaration.
var ErrBadActivity = errors.New("state: bad activity row")

// Catalogue is the declared processing catalogue (Art. 30) of every
// tenant: every declaration and amendment of every activity, folded from
// model.ActivityRow in stream order. It is safe for concurrent use; the
// activities it returns are shared and must not be modified.
type Catalogue struct {
	mu       sync.RWMutex
	tenants  map[string]map[string][]declaration // tenant -> activity id -> declarations by Seq
	zones    zones                               // tenant -> time zone of its deadlines without a profile (zone.go)
	profiles map[string][]profile                // tenant -> controller profiles by Seq (profile.go)
}

// declaration is one row with its decoded activity.
type declaration struct {
	seq      uint64
	eventID  string
	occurred time.Time
	recorded time.Time
	activity *eventsv1.ProcessingActivity
}

// NewCatalogue returns an empty catalogue.
func NewCatalogue() *Catalogue {
	return &Catalogue{tenants: map[string]map[string][]declaration{}}
}

// Add adds one declaration or amendment. Rows should come in stream order;
// one that comes again (same Seq and EventID) is ignored, one out of order
// is put in its place. It fails with ErrBadActivity when the row has no
// tenant or activity id, or its Activity does not decode into a
// ProcessingActivity of that id.
func (c *Catalogue) Add(row model.ActivityRow) error {
	if row.Tenant == "" || row.ActivityID == "" {
		return fmt.Errorf("%w: sequence %d: tenant and activity id are required", ErrBadActivity, row.Seq)
	}
	a := &eventsv1.ProcessingActivity{}
	if err := proto.Unmarshal(row.Activity, a); err != nil {
		return fmt.Errorf("%w: sequence %d: %v", ErrBadActivity, row.Seq, err)
	}
	if a.GetActivityId() != row.ActivityID {
		return fmt.Errorf("%w: sequence %d: the row names another activity than its declaration", ErrBadActivity, row.Seq)
	}
	d := declaration{seq: row.Seq, eventID: row.EventID, occurred: row.OccurredAt.UTC(), recorded: row.RecordedAt.UTC(), activity: a}

	c.mu.Lock()
	defer c.mu.Unlock()
	acts := c.tenants[row.Tenant]
	if acts == nil {
		acts = map[string][]declaration{}
		c.tenants[row.Tenant] = acts
	}
	acts[row.ActivityID] = inStreamOrder(acts[row.ActivityID], d, func(d declaration) (uint64, string) { return d.seq, d.eventID })
	return nil
}

// inStreamOrder puts x into list, which is in stream order, at its place
// by key's sequence; a row that comes again (same sequence and event id)
// is not added twice.
func inStreamOrder[T any](list []T, x T, key func(T) (uint64, string)) []T {
	seq, id := key(x)
	i := sort.Search(len(list), func(i int) bool { s, _ := key(list[i]); return s >= seq })
	if i < len(list) {
		if s, e := key(list[i]); s == seq && e == id {
			return list
		}
	}
	return slices.Insert(list, i, x)
}

// AsOf returns the activities of tenant as declared at t on axis: per
// activity, the newest declaration whose occurred_at (Occurred) or
// recorded_at (Recorded) is not after t — newest by that clock, then by
// stream sequence. A zero t means every declaration (the newest in stream
// order). The result is sorted by activity id and shares nothing with the
// catalogue.
func (c *Catalogue) AsOf(tenant string, t time.Time, axis model.TimeAxis) []*eventsv1.ProcessingActivity {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ids := make([]string, 0, len(c.tenants[tenant]))
	for id := range c.tenants[tenant] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []*eventsv1.ProcessingActivity
	for _, id := range ids {
		var best *declaration
		for i := range c.tenants[tenant][id] {
			d := &c.tenants[tenant][id][i]
			at := d.occurred
			if axis == model.Recorded {
				at = d.recorded
			}
			if !t.IsZero() && at.After(t) {
				continue
			}
			if best == nil || t.IsZero() || newer(d, best, axis) {
				best = d
			}
		}
		if best != nil {
			out = append(out, proto.CloneOf(best.activity))
		}
	}
	return out
}

// newer reports whether d is a newer declaration than than on axis.
func newer(d, than *declaration, axis model.TimeAxis) bool {
	a, b := d.occurred, than.occurred
	if axis == model.Recorded {
		a, b = d.recorded, than.recorded
	}
	if !a.Equal(b) {
		return a.After(b)
	}
	return d.seq > than.seq
}

// view is the catalogue of one tenant as a rule sees it for one event: the
// declarations stored before the event (sequence below seq; every one when
// seq is 0) whose occurred_at is not after at, the newest by occurred_at per
// activity. Findings thus depend only on the stream prefix before the
// event, so the projector and a later replay raise the same ones.
type view map[string]*eventsv1.ProcessingActivity

func (c *Catalogue) view(tenant string, at time.Time, seq uint64) view {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := view{}
	for id, list := range c.tenants[tenant] {
		if best := viewed(list, at, seq); best != nil {
			out[id] = best.activity
		}
	}
	return out
}

// declared is the declaration of one activity a rule sees for one event
// (as view does: stored before seq, declared at or before at); nil when
// there is none. It is a copy: Add may move the catalogue's entries.
func (c *Catalogue) declared(tenant, activityID string, at time.Time, seq uint64) *declaration {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := viewed(c.tenants[tenant][activityID], at, seq)
	if d == nil {
		return nil
	}
	cp := *d
	return &cp
}

// viewed picks from one activity's declarations (in stream order) the one
// a view shows.
func viewed(list []declaration, at time.Time, seq uint64) *declaration {
	var best *declaration
	for i := range list {
		d := &list[i]
		if seq != 0 && d.seq >= seq {
			break
		}
		if d.occurred.After(at) {
			continue
		}
		if best == nil || newer(d, best, model.Occurred) {
			best = d
		}
	}
	return best
}

// declaresRecipient reports whether any activity declares the recipient.
func (v view) declaresRecipient(id string) bool {
	for _, a := range v {
		for _, r := range a.GetRecipients() {
			if r.GetId() == id {
				return true
			}
		}
	}
	return false
}

// requiresConsent reports whether processing for purpose under the
// activity needs consent by the catalogue: the named activity, if declared,
// rests on Art. 6(1)(a) and lists the purpose (or lists none); with no
// declared activity, every activity that lists the purpose rests on
// consent (and there is at least one).
func (v view) requiresConsent(activityID, purpose string) bool {
	if a := v[activityID]; a != nil {
		return a.GetLegalBasis() == eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT &&
			(len(a.GetPurposes()) == 0 || contains(a.GetPurposes(), purpose))
	}
	n := 0
	for _, a := range v {
		if !contains(a.GetPurposes(), purpose) {
			continue
		}
		if a.GetLegalBasis() != eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT {
			return false
		}
		n++
	}
	return n > 0
}

// keyGroup is the key group an activity seals under; "" when the activity
// is not declared.
func (v view) keyGroup(activityID string) string {
	a := v[activityID]
	if a == nil {
		return ""
	}
	return normGroup(a.GetKeyGroup())
}

// normGroup maps the empty key group to "default", as DataValue does.
func normGroup(g string) string {
	if g == "" {
		return "default"
	}
	return g
}

// retentionOf returns the time limit of an activity's retention, in days,
// and the trigger that starts its clock: trigger_event, or COLLECTION for a
// stored declaration whose trigger is "collection" (RetentionFromCollection)
// and that has none. Days are 0 when the retention is not checked: the
// activity is not declared, declares no time limit, or no trigger the
// ledger sees (retention_without_time_limit flags such a declaration).
func retentionOf(a *eventsv1.ProcessingActivity) (int, eventsv1.RetentionTrigger) {
	t := triggerOf(a.GetRetention())
	if t == eventsv1.RetentionTrigger_RETENTION_TRIGGER_UNSPECIFIED {
		return 0, t
	}
	return int(a.GetRetention().GetDays()), t
}

// triggerOf is the trigger a retention's clock runs from, UNSPECIFIED when
// the ledger does not see it (an unknown enum value included).
func triggerOf(r *eventsv1.Retention) eventsv1.RetentionTrigger {
	t := r.GetTriggerEvent()
	if t == eventsv1.RetentionTrigger_RETENTION_TRIGGER_UNSPECIFIED && r.GetTrigger() == RetentionFromCollection {
		return eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION
	}
	if _, known := eventsv1.RetentionTrigger_name[int32(t)]; !known {
		return eventsv1.RetentionTrigger_RETENTION_TRIGGER_UNSPECIFIED
	}
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
