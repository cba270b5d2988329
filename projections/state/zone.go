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

// Location is the time zone of tenant's deadlines: the one SetTimeZone
// gave it, UTC by default. It is the one place the fold takes a tenant's
// zone from.
func (c *Catalogue) Location(tenant string) *time.Location {
	c.zones.mu.RLock()
	defer c.zones.mu.RUnlock()
	if l := c.zones.loc[tenant]; l != nil {
		return l
	}
	return time.UTC
}

// SetTimeZone sets tenant's time zone to the IANA zone name ("Europe/Berlin",
// "UTC"). It applies to the events folded after it, as a declaration
// does. No event declares a tenant's zone yet, so nothing in docketd calls
// it and every tenant's deadlines are counted in UTC: the fold of a
// controller's profile, declared in the ledger, will call it (a setting
// outside the ledger would make a rebuild depend on the configuration). It
// fails with ErrBadTimeZone, naming the field, for an empty tenant, an
// empty name, "Local" (the machine's zone, not the controller's) or a name
// time.LoadLocation does not know.
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
