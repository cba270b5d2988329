package state

import (
	"errors"
	"fmt"
	"time"

	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

// ErrBadProfile is matched by the error Catalogue.AddProfile returns for a
// row that is not a usable controller profile.
var ErrBadProfile = errors.New("state: bad profile row")

// profile is one declaration of a tenant's controller profile, with its
// zone loaded.
type profile struct {
	seq      uint64
	eventID  string
	occurred time.Time
	recorded time.Time
	profile  *eventsv1.ControllerProfile
	loc      *time.Location
}

// AddProfile adds one ControllerProfileDeclared. Rows should come in
// stream order; one that comes again (same Seq and EventID) is ignored,
// one out of order is put in its place. A time zone that does not load
// (validation refuses it on append; a stored one may come from an older
// zone database) counts as UTC: a projection must go on. It fails with
// ErrBadProfile when the row has no tenant or its Profile does not decode.
func (c *Catalogue) AddProfile(row model.ProfileRow) error {
	if row.Tenant == "" {
		return fmt.Errorf("%w: sequence %d: tenant is required", ErrBadProfile, row.Seq)
	}
	p := &eventsv1.ControllerProfile{}
	if err := proto.Unmarshal(row.Profile, p); err != nil {
		return fmt.Errorf("%w: sequence %d: %v", ErrBadProfile, row.Seq, err)
	}
	loc := time.UTC
	if tz := p.GetTimeZone(); tz != "" && tz != "Local" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	d := profile{seq: row.Seq, eventID: row.EventID, occurred: row.OccurredAt.UTC(), recorded: row.RecordedAt.UTC(), profile: p, loc: loc}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.profiles == nil {
		c.profiles = map[string][]profile{}
	}
	c.profiles[row.Tenant] = inStreamOrder(c.profiles[row.Tenant], d, func(d profile) (uint64, string) { return d.seq, d.eventID })
	return nil
}

// Profile returns tenant's controller profile as declared at t on axis:
// the newest declaration whose occurred_at (Occurred) or recorded_at
// (Recorded) is not after t, newest by that clock, then by stream
// sequence. A zero t means the newest in stream order. nil when there is
// none. The result shares nothing with the catalogue.
func (c *Catalogue) Profile(tenant string, t time.Time, axis model.TimeAxis) *eventsv1.ControllerProfile {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var best *profile
	for i := range c.profiles[tenant] {
		d := &c.profiles[tenant][i]
		a, b := d.occurred, time.Time{}
		if best != nil {
			b = best.occurred
		}
		if axis == model.Recorded {
			a = d.recorded
			if best != nil {
				b = best.recorded
			}
		}
		if !t.IsZero() && a.After(t) {
			continue
		}
		if best == nil || t.IsZero() || a.After(b) || (a.Equal(b) && d.seq > best.seq) {
			best = d
		}
	}
	if best == nil {
		return nil
	}
	return proto.CloneOf(best.profile)
}

// profileAt is the profile a rule or a deadline sees for one event, as
// view sees activities: stored before seq (every one when seq is 0),
// occurred at or before at, the newest by occurred_at; nil when none.
func (c *Catalogue) profileAt(tenant string, at time.Time, seq uint64) *profile {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var best *profile
	for i := range c.profiles[tenant] {
		d := &c.profiles[tenant][i]
		if seq != 0 && d.seq >= seq {
			break
		}
		if d.occurred.After(at) {
			continue
		}
		if best == nil || d.occurred.After(best.occurred) || (d.occurred.Equal(best.occurred) && d.seq > best.seq) {
			best = d
		}
	}
	if best == nil {
		return nil
	}
	cp := *best
	return &cp
}

// locationAt is the zone deadlines are counted in for an event at at of
// sequence seq: the time zone of the profile in force (profileAt; UTC when
// it names none), else the zone SetTimeZone gave the tenant, else UTC.
func (c *Catalogue) locationAt(tenant string, at time.Time, seq uint64) *time.Location {
	if p := c.profileAt(tenant, at, seq); p != nil {
		return p.loc
	}
	return c.baseLocation(tenant)
}

// RequestLocation is the zone a request's deadline is counted in: the one
// in force at its receipt (the profile stored before its receipt's
// sequence and declared at or before it), so that a profile declared later
// changes only later requests.
func (c *Catalogue) RequestLocation(r *model.RequestRow) *time.Location {
	return c.locationAt(r.Tenant, r.ReceivedAt, r.ReceivedSeq)
}

// consentAge is the age of digital consent (Art. 8(1)) of tenant for an
// event at at of sequence seq, and where it comes from: the profile's
// digital_consent_age, else its member state's (taxonomy.DigitalConsentAge),
// else 16 (no profile, or one without either).
func (c *Catalogue) consentAge(tenant string, at time.Time, seq uint64) (int, string) {
	p := c.profileAt(tenant, at, seq)
	if p == nil {
		return taxonomy.DefaultDigitalConsentAge, "Art. 8(1) default, no controller profile"
	}
	if a := p.profile.GetDigitalConsentAge(); a != 0 {
		return int(a), "the controller's profile"
	}
	if d, ok := taxonomy.DigitalConsentAge(p.profile.GetMemberState()); ok {
		return d.Age, "member state " + d.Country
	}
	return taxonomy.DefaultDigitalConsentAge, "Art. 8(1) default, no member state in the profile"
}

// profileRow is the row of a ControllerProfileDeclared, nil for any other
// event.
func profileRow(ev *eventsv1.Event, seq uint64, recorded time.Time) *model.ProfileRow {
	m := ev.GetControllerProfileDeclared()
	if m == nil {
		return nil
	}
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m.GetProfile())
	return &model.ProfileRow{
		Seq: seq, EventID: ev.GetEventId(), Tenant: ev.GetTenant(),
		OccurredAt: occurredAt(ev), RecordedAt: recorded, Profile: b,
	}
}
