package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends s's stored document to dst: the bytes encoding/json
// writes for s.UTC(), without its reflection and copying (the projector
// writes one per touched subject per batch). The stores read it back with
// encoding/json. TestAppendJSONMatchesEncodingJSON holds the two equal.
func (s *SubjectState) AppendJSON(dst []byte) ([]byte, error) {
	w := jsonWriter{b: dst}
	w.raw(`{"tenant":`)
	w.str(s.Tenant)
	w.raw(`,"subject_ref":`)
	w.str(s.SubjectRef)
	w.raw(`,"first_seen":`)
	w.time(s.FirstSeen)
	w.raw(`,"last_seen":`)
	w.time(s.LastSeen)
	w.raw(`,"first_seq":`)
	w.b = strconv.AppendUint(w.b, s.FirstSeq, 10)
	w.raw(`,"last_seq":`)
	w.b = strconv.AppendUint(w.b, s.LastSeq, 10)
	w.raw(`,"events":`)
	w.b = strconv.AppendInt(w.b, int64(s.Events), 10)
	if s.Child {
		w.raw(`,"child":true`)
	}
	w.optStr(`,"child_event_id":`, s.ChildEventID)
	w.optStr(`,"age_band":`, s.AgeBand)
	w.optTime(`,"age_band_at":`, s.AgeBandAt)
	w.optStr(`,"age_band_event_id":`, s.AgeBandEventID)
	if len(s.Consents) > 0 {
		w.raw(`,"consents":`)
		writeMap(&w, s.Consents, func(c *Consent) {
			w.raw(`{"purpose":`)
			w.str(c.Purpose)
			w.raw(`,"given":`)
			w.b = strconv.AppendBool(w.b, c.Given)
			w.optStr(`,"notice_id":`, c.NoticeID)
			w.optStr(`,"notice_version":`, c.NoticeVersion)
			w.optStr(`,"notice_sha256":`, c.NoticeSHA256)
			w.optStr(`,"method":`, c.Method)
			w.optStr(`,"channel":`, c.Channel)
			if c.Parental {
				w.raw(`,"parental_authorization":true`)
			}
			w.optTime(`,"given_at":`, c.GivenAt)
			w.optTime(`,"withdrawn_at":`, c.WithdrawnAt)
			w.optTime(`,"expires_at":`, c.ExpiresAt)
			w.raw(`,"event_id":`)
			w.str(c.EventID)
			w.raw(`}`)
		})
	}
	if len(s.Restrictions) > 0 {
		w.raw(`,"restrictions":`)
		writeMap(&w, s.Restrictions, func(r *Restriction) {
			w.raw(`{"id":`)
			w.str(r.ID)
			if len(r.Purposes) > 0 {
				w.raw(`,"purposes":`)
				w.strs(r.Purposes)
			}
			if len(r.Categories) > 0 {
				w.raw(`,"categories":`)
				w.strs(r.Categories)
			}
			w.optStr(`,"request_id":`, r.RequestID)
			w.raw(`,"applied_at":`)
			w.time(r.AppliedAt)
			w.optTime(`,"lifted_at":`, r.LiftedAt)
			w.raw(`,"event_id":`)
			w.str(r.EventID)
			w.raw(`}`)
		})
	}
	if len(s.Objections) > 0 {
		w.raw(`,"objections":`)
		writeList(&w, s.Objections, func(o *Objection) { w.purposesAt(o.Purposes, o.RequestID, o.At, o.EventID) })
	}
	if len(s.Overrides) > 0 {
		w.raw(`,"objection_overrides":`)
		writeList(&w, s.Overrides, func(o *Override) {
			w.raw(`{"purposes":`)
			w.nullableStrs(o.Purposes)
			w.raw(`,"ground":`)
			w.str(o.Ground)
			w.optStr(`,"request_id":`, o.RequestID)
			w.raw(`,"at":`)
			w.time(o.At)
			w.raw(`,"event_id":`)
			w.str(o.EventID)
			w.raw(`}`)
		})
	}
	if len(s.OpenRequests) > 0 {
		w.raw(`,"open_requests":`)
		w.strs(s.OpenRequests)
	}
	w.times(`,"erasures":`, s.Erasures)
	w.times(`,"shredded":`, s.Shredded)
	if len(s.ShreddedBy) > 0 {
		w.raw(`,"shredded_by":{`)
		for i, k := range slices.Sorted(maps.Keys(s.ShreddedBy)) {
			w.key(i, k)
			w.str(s.ShreddedBy[k])
		}
		w.raw(`}`)
	}
	if len(s.Collected) > 0 {
		w.raw(`,"collected":`)
		writeMap(&w, s.Collected, func(c *Collection) {
			w.raw(`{"activity_id":`)
			w.str(c.ActivityID)
			w.raw(`,"first":`)
			w.time(c.First)
			w.raw(`,"last":`)
			w.time(c.Last)
			w.optTime(`,"ended_at":`, c.EndedAt)
			w.optTime(`,"expired_at":`, c.ExpiredAt)
			w.optTime(`,"relationship_ended_at":`, c.RelationshipEndedAt)
			w.optTime(`,"fulfilled_at":`, c.FulfilledAt)
			w.raw(`}`)
		})
	}
	if len(s.Used) > 0 {
		w.raw(`,"used":`)
		writeMap(&w, s.Used, func(u *Use) {
			w.raw(`{"activity_id":`)
			w.str(u.ActivityID)
			for _, l := range []struct {
				key  string
				list []string
			}{{`,"purposes":`, u.Purposes}, {`,"categories":`, u.Categories}, {`,"legal_bases":`, u.LegalBases}} {
				if len(l.list) > 0 {
					w.raw(l.key)
					w.strs(l.list)
				}
			}
			w.raw(`,"first":`)
			w.time(u.First)
			w.raw(`,"last":`)
			w.time(u.Last)
			w.raw(`,"count":`)
			w.b = strconv.AppendInt(w.b, int64(u.Count), 10)
			if u.Profiling {
				w.raw(`,"profiling":true`)
			}
			w.optStr(`,"automated_decision":`, u.AutomatedDecision)
			w.raw(`,"event_id":`)
			w.str(u.EventID)
			w.raw(`}`)
		})
	}
	if len(s.Notifications) > 0 {
		w.raw(`,"notifications":`)
		writeMap(&w, s.Notifications, func(n *Notification) {
			w.raw(`{"request_id":`)
			w.str(n.RequestID)
			w.raw(`,"recipient_id":`)
			w.str(n.RecipientID)
			w.raw(`,"right":`)
			w.str(n.Right)
			w.optStr(`,"cause_event_id":`, n.CauseEventID)
			w.optTime(`,"due_at":`, n.DueAt)
			w.optTime(`,"owed_from":`, n.OwedFrom)
			w.optTime(`,"scheduled_at":`, n.ScheduledAt)
			w.raw(`,"status":`)
			w.str(n.Status)
			w.optTime(`,"closed_at":`, n.ClosedAt)
			w.optStr(`,"ground":`, n.Ground)
			w.raw(`,"event_id":`)
			w.str(n.EventID)
			w.raw(`}`)
		})
	}
	if len(s.Exemptions) > 0 {
		w.raw(`,"exemptions":`)
		writeMap(&w, s.Exemptions, func(e *Exemption) {
			w.raw(`{"key_group":`)
			w.str(e.KeyGroup)
			w.raw(`,"request_id":`)
			w.str(e.RequestID)
			w.raw(`,"ground":`)
			w.str(e.Ground)
			w.raw(`,"until":`)
			w.time(e.Until)
			w.raw(`,"event_id":`)
			w.str(e.EventID)
			w.raw(`}`)
		})
	}
	w.raw(`}`)
	return w.b, w.err
}

// AppendStringsJSON appends ss as a JSON array, as encoding/json writes it;
// nil and empty both become [].
func AppendStringsJSON(dst []byte, ss []string) []byte {
	w := jsonWriter{b: dst}
	w.strs(ss)
	return w.b
}

// jsonWriter appends JSON to b, keeping the first error.
type jsonWriter struct {
	b   []byte
	err error
}

func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

// str appends s quoted. Strings of printable ASCII that encoding/json
// would not escape (it escapes <, > and & for HTML) are copied as they
// are; any other goes through encoding/json, so the bytes are the same.
func (w *jsonWriter) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil && w.err == nil {
				w.err = err
			}
			w.b = append(w.b, q...)
			return
		}
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

func (w *jsonWriter) optStr(key, s string) {
	if s != "" {
		w.raw(key)
		w.str(s)
	}
}

func (w *jsonWriter) strs(ss []string) {
	w.b = append(w.b, '[')
	for i, s := range ss {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(s)
	}
	w.b = append(w.b, ']')
}

// time appends t in UTC as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, failing for years it cannot write).
func (w *jsonWriter) time(t time.Time) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		if w.err == nil {
			w.err = fmt.Errorf("time %d-%02d-%02d: %w", y, t.Month(), t.Day(), errYearRange)
		}
		return
	}
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

var errYearRange = errors.New("year outside [0,9999]")

func (w *jsonWriter) optTime(key string, t *time.Time) {
	if t != nil {
		w.raw(key)
		w.time(*t)
	}
}

func (w *jsonWriter) times(key string, m map[string]time.Time) {
	if len(m) == 0 {
		return
	}
	w.raw(key)
	w.raw(`{`)
	for i, k := range slices.Sorted(maps.Keys(m)) {
		w.key(i, k)
		w.time(m[k])
	}
	w.raw(`}`)
}

// key appends the i-th key of an object.
func (w *jsonWriter) key(i int, k string) {
	if i > 0 {
		w.b = append(w.b, ',')
	}
	w.str(k)
	w.b = append(w.b, ':')
}

// purposesAt appends an Objection.
func (w *jsonWriter) purposesAt(purposes []string, requestID string, at time.Time, eventID string) {
	w.raw(`{"purposes":`)
	if purposes == nil { // not omitempty
		w.raw(`null`)
	} else {
		w.strs(purposes)
	}
	w.optStr(`,"request_id":`, requestID)
	w.raw(`,"at":`)
	w.time(at)
	w.raw(`,"event_id":`)
	w.str(eventID)
	w.raw(`}`)
}

// writeList appends list as an array, each non-nil element written by fn.
func writeList[T any](w *jsonWriter, list []*T, fn func(*T)) {
	w.raw(`[`)
	for i, v := range list {
		if i > 0 {
			w.raw(`,`)
		}
		if v == nil {
			w.raw(`null`)
		} else {
			fn(v)
		}
	}
	w.raw(`]`)
}

// nullableStrs writes a list that is not omitempty: null when nil.
func (w *jsonWriter) nullableStrs(ss []string) {
	if ss == nil {
		w.raw(`null`)
		return
	}
	w.strs(ss)
}

// writeMap appends m as an object in key order (as encoding/json does),
// each non-nil value written by fn.
func writeMap[T any](w *jsonWriter, m map[string]*T, fn func(*T)) {
	w.raw(`{`)
	for i, k := range slices.Sorted(maps.Keys(m)) {
		w.key(i, k)
		if v := m[k]; v == nil {
			w.raw(`null`)
		} else {
			fn(v)
		}
	}
	w.raw(`}`)
}
