package model

import (
	"maps"
	"slices"
	"time"
)

// UTC returns a deep copy of s with every time in UTC, so that a stored
// document does not depend on the location the projector's times carried:
// every store writes the same document.
func (s *SubjectState) UTC() *SubjectState { return s.copyWith(time.Time.UTC) }

// Clone returns a deep copy of s that shares no memory with it: changing
// one never changes the other. The projector folds a batch into clones, so
// that the states of the batch being written stay as they were built.
func (s *SubjectState) Clone() *SubjectState {
	return s.copyWith(func(t time.Time) time.Time { return t })
}

// copyWith deep-copies s, passing every time through tf.
func (s *SubjectState) copyWith(tf func(time.Time) time.Time) *SubjectState {
	ptr := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := tf(*t)
		return &u
	}
	times := func(m map[string]time.Time) map[string]time.Time {
		if m == nil {
			return nil
		}
		c := make(map[string]time.Time, len(m))
		for k, v := range m {
			c[k] = tf(v)
		}
		return c
	}
	c := *s
	c.FirstSeen, c.LastSeen = tf(s.FirstSeen), tf(s.LastSeen)
	c.AgeBandAt = ptr(s.AgeBandAt)
	c.Consents = copyMap(s.Consents, func(v Consent) Consent {
		v.GivenAt, v.WithdrawnAt, v.ExpiresAt = ptr(v.GivenAt), ptr(v.WithdrawnAt), ptr(v.ExpiresAt)
		return v
	})
	c.Restrictions = copyMap(s.Restrictions, func(v Restriction) Restriction {
		v.Purposes, v.Categories = slices.Clone(v.Purposes), slices.Clone(v.Categories)
		v.AppliedAt, v.LiftedAt = tf(v.AppliedAt), ptr(v.LiftedAt)
		return v
	})
	c.Objections = copyList(s.Objections, func(v Objection) Objection {
		v.Purposes, v.At = slices.Clone(v.Purposes), tf(v.At)
		return v
	})
	c.Overrides = copyList(s.Overrides, func(v Override) Override {
		v.Purposes, v.At = slices.Clone(v.Purposes), tf(v.At)
		return v
	})
	c.OpenRequests = slices.Clone(s.OpenRequests)
	c.Erasures = times(s.Erasures)
	c.Shredded = times(s.Shredded)
	c.ShreddedBy = maps.Clone(s.ShreddedBy)
	c.Collected = copyMap(s.Collected, func(v Collection) Collection {
		v.First, v.Last, v.EndedAt, v.ExpiredAt = tf(v.First), tf(v.Last), ptr(v.EndedAt), ptr(v.ExpiredAt)
		v.RelationshipEndedAt, v.FulfilledAt = ptr(v.RelationshipEndedAt), ptr(v.FulfilledAt)
		return v
	})
	c.Used = copyMap(s.Used, func(v Use) Use {
		v.Purposes, v.Categories, v.LegalBases = slices.Clone(v.Purposes), slices.Clone(v.Categories), slices.Clone(v.LegalBases)
		v.First, v.Last = tf(v.First), tf(v.Last)
		return v
	})
	c.Notifications = copyMap(s.Notifications, func(v Notification) Notification {
		v.DueAt, v.OwedFrom, v.ScheduledAt, v.ClosedAt = ptr(v.DueAt), ptr(v.OwedFrom), ptr(v.ScheduledAt), ptr(v.ClosedAt)
		return v
	})
	c.Exemptions = copyMap(s.Exemptions, func(v Exemption) Exemption {
		v.Until = tf(v.Until)
		return v
	})
	return &c
}

// copyList copies a slice of pointers, each value copied by cp (nil stays
// nil, and so does a nil slice).
func copyList[T any](l []*T, cp func(T) T) []*T {
	if l == nil {
		return nil
	}
	c := make([]*T, len(l))
	for i, v := range l {
		if v != nil {
			x := cp(*v)
			v = &x
		}
		c[i] = v
	}
	return c
}

// copyMap copies a map of pointers, each value copied by cp (nil stays nil).
func copyMap[T any](m map[string]*T, cp func(T) T) map[string]*T {
	if m == nil {
		return nil
	}
	c := make(map[string]*T, len(m))
	for k, v := range m {
		if v != nil {
			x := cp(*v)
			v = &x
		}
		c[k] = v
	}
	return c
}
