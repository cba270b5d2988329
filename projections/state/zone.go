package state

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrBadTimeZone is matched by the error SetTimeZone returns for a time
// zone that is not a usable IANA name.
var ErrBadTimeZone = errors.New("state: bad time zone")

// zones holds each tenant's time zone, in which deadlines are counted
// (Regulation 1182/71: a period ends at the end of its last day, in the
// controller's time). Its zero value is ready: every tenant is in UTC.
type zones struct {
	mu  sync.RWMutex
	loc map[string]*time.Location
}

// Location is the time zone of tenant's deadlines as the catalogue stands:
// that of its newest controller profile in stream order (UTC when the
// profile names none), else the one SetTimeZone gave it, else UTC. The fold
// takes the zone in force for each event instead (locationAt): a profile
// declared later changes only the deadlines of later requests.
func (c *Catalogue) Location(tenant string) *time.Location {
	c.mu.RLock()
	list := c.profiles[tenant]
	var loc *time.Location
	if len(list) > 0 {
		loc = list[len(list)-1].loc
	}
	c.mu.RUnlock()
	if loc != nil {
		return loc
	}
	return c.baseLocation(tenant)
}

// baseLocation is the zone SetTimeZone gave tenant, UTC by default.
func (c *Catalogue) baseLocation(tenant string) *time.Location {
	c.zones.mu.RLock()
	defer c.zones.mu.RUnlock()
	if l := c.zones.loc[tenant]; l != nil {
		return l
	}
	return time.UTC
}

// SetTimeZone sets tenant's time zone to the IANA zone name ("Europe/Berlin",
// "UTC") where no controller profile is in force: a profile's time_zone
// (ControllerProfileDeclared, AddProfile) wins over it from the profile's
// occurred_at on. docketd never calls it (a setting outside the ledger
// would make a rebuild depend on the configuration); it serves tools and
// tests that fold without profiles. It applies to the events folded after
// it. It fails with ErrBadTimeZone, naming the field, for an empty tenant,
// an empty name, "Local" (the machine's zone, not the controller's) or a
// name time.LoadLocation does not know.
func (c *Catalogue) SetTimeZone(tenant, name string) error {
	var loc *time.Location
	switch {
	case tenant == "":
		return fmt.Errorf("%w: tenant: required", ErrBadTimeZone)
	case name == "":
		return fmt.Errorf("%w: time_zone: required, an IANA name such as Europe/Berlin", ErrBadTimeZone)
	case name == "Local":
		return fmt.Errorf("%w: time_zone: Local is the machine's zone, not the controller's: give an IANA name such as Europe/Berlin", ErrBadTimeZone)
	default:
		l, err := time.LoadLocation(name)
		if err != nil {
			return fmt.Errorf("%w: time_zone: %q is not an IANA time zone name: %v", ErrBadTimeZone, name, err)
		}
		loc = l
	}
	c.zones.mu.Lock()
	defer c.zones.mu.Unlock()
	if c.zones.loc == nil {
		c.zones.loc = map[string]*time.Location{}
	}
	c.zones.loc[tenant] = loc
	return nil
}
