package postgres

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Times are int64 Unix nanoseconds in UTC, as in the SQLite store: the
// zero time.Time is zeroTime (it sorts before every real time and survives
// the min/max merges of observed rows), a nil *time.Time is NULL, and times
// an int64 cannot hold (before 1678, after 2262) are refused.
const zeroTime = math.MinInt64

var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// encoder turns row fields into SQL arguments, keeping the first error, so
// that building a batch's columns reads as a list of fields.
type encoder struct{ err error }

func (e *encoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf(format, args...)
	}
}

func (e *encoder) time(field string, t time.Time) int64 {
	if t.IsZero() {
		return zeroTime
	}
	if t.Before(minTime) || t.After(maxTime) {
		e.fail("%s: time %s outside what int64 nanoseconds hold", field, t.UTC().Format(time.RFC3339))
		return 0
	}
	return t.UnixNano()
}

func (e *encoder) timePtr(field string, t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	n := e.time(field, *t)
	return &n
}

func (e *encoder) seq(field string, u uint64) int64 {
	if u > math.MaxInt64 {
		e.fail("%s: %d exceeds int64", field, u)
		return 0
	}
	return int64(u)
}

func fromNanos(n int64) time.Time {
	if n == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func fromNullNanos(n *int64) *time.Time {
	if n == nil {
		return nil
	}
	t := fromNanos(*n)
	return &t
}

// textArray renders ss as a PostgreSQL array literal, every element quoted:
// a list of such literals passed as one text[] is how a multi-row insert
// through unnest carries one text[] per row (unnest would flatten a
// two-dimensional array).
func textArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// list is how a stored string list comes back: nil when empty.
func list(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return ss
}

// bytesOrNil is how stored bytes come back: nil when empty.
func bytesOrNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
