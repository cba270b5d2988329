package model

import "time"

// UTC returns a copy of s with every time in UTC, so that a stored
// document does not depend on the location the projector's times carried:
// every store writes the same document.
func (s *SubjectState) UTC() *SubjectState {
	c := *s
	c.FirstSeen = s.FirstSeen.UTC()
	c.LastSeen = s.LastSeen.UTC()
	if s.Consents != nil {
		c.Consents = make(map[string]*Consent, len(s.Consents))
		for k, v := range s.Consents {
			if v != nil {
				x := *v
				x.GivenAt, x.WithdrawnAt, x.ExpiresAt = utcPtr(v.GivenAt), utcPtr(v.WithdrawnAt), utcPtr(v.ExpiresAt)
				v = &x
			}
			c.Consents[k] = v
		}
	}
	if s.Restrictions != nil {
		c.Restrictions = make(map[string]*Restriction, len(s.Restrictions))
		for k, v := range s.Restrictions {
			if v != nil {
				x := *v
				x.AppliedAt, x.LiftedAt = v.AppliedAt.UTC(), utcPtr(v.LiftedAt)
				v = &x
			}
			c.Restrictions[k] = v
		}
	}
	if s.Objections != nil {
		c.Objections = make([]*Objection, len(s.Objections))
		for i, v := range s.Objections {
			if v != nil {
				x := *v
				x.At = v.At.UTC()
				v = &x
			}
			c.Objections[i] = v
		}
	}
	c.Erasures = utcMap(s.Erasures)
	c.Shredded = utcMap(s.Shredded)
	if s.Collected != nil {
		c.Collected = make(map[string]*Collection, len(s.Collected))
		for k, v := range s.Collected {
			if v != nil {
				x := *v
				x.First, x.Last, x.EndedAt = v.First.UTC(), v.Last.UTC(), utcPtr(v.EndedAt)
				v = &x
			}
			c.Collected[k] = v
		}
	}
	return &c
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func utcMap(m map[string]time.Time) map[string]time.Time {
	if m == nil {
		return nil
	}
	c := make(map[string]time.Time, len(m))
	for k, v := range m {
		c[k] = v.UTC()
	}
	return c
}
