package sqlite

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// Times are stored as int64 Unix nanoseconds in UTC: lossless, and ordered
// alike by every SQL engine. The zero time.Time is stored as zeroTime (it
// sorts before every real time and survives min/max merges); a nil
// *time.Time is NULL. Times the int64 cannot hold (before 1678 or after
// 2262) are refused.
const zeroTime = math.MinInt64

var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// encoder turns row fields into SQL arguments, keeping the first error.
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

func (e *encoder) timePtr(field string, t *time.Time) any {
	if t == nil {
		return nil
	}
	return e.time(field, *t)
}

func (e *encoder) seq(field string, u uint64) int64 {
	if u > math.MaxInt64 {
		e.fail("%s: %d exceeds int64", field, u)
		return 0
	}
	return int64(u)
}

// strings encodes a list as a JSON array; nil and empty both become "[]".
func (e *encoder) strings(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	return string(model.AppendStringsJSON(nil, ss))
}

func bytesArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func boolArg(b bool) int64 {
	if b {
		return 1
	}
	return 0
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

// decodeStrings reads a JSON array; an empty one gives nil.
func decodeStrings(field, s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var ss []string
	if err := json.Unmarshal([]byte(s), &ss); err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	if len(ss) == 0 {
		return nil, nil
	}
	return ss, nil
}

func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
