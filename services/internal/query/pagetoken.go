package query

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"time"

	"github.com/docketledger/docket/services/internal/apierr"
)

// A page token (AIP-158; not an API token, those are package auth's) is
// opaque to clients: base64url of a version byte, the query it belongs to,
// a fingerprint of that query's filters (a page token is refused with
// other filters), and the keyset position. Page tokens carry sequences and
// a clock, never a value.
type pageToken struct {
	query  byte   // which RPC issued it
	filter uint64 // fingerprint of the request's filters
	after  uint64 // keyset position: rows after this sequence
	phase  byte   // findings: 0 computed (after is an offset), 1 recorded, 2 recorded past sequence 0
	now    int64  // findings: the first page's clock, Unix nanoseconds
}

// Queries that issue page tokens.
const (
	queryHistory byte = iota + 1
	queryDisclosures
	queryFindings
	queryRequests
)

const pageTokenVersion = 1

var errBadPageToken = errors.New("is not a token an earlier page of this query returned")

func (t pageToken) encode() string {
	b := make([]byte, 0, 32)
	b = append(b, pageTokenVersion, t.query)
	b = binary.BigEndian.AppendUint64(b, t.filter)
	b = binary.AppendUvarint(b, t.after)
	b = append(b, t.phase)
	b = binary.AppendVarint(b, t.now)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken parses s, which query q with filter fingerprint filter must
// have issued. An empty s is the first page.
func decodePageToken(s string, q byte, filter uint64) (pageToken, error) {
	t := pageToken{query: q, filter: filter}
	if s == "" {
		return t, nil
	}
	if len(s) > 64 {
		return t, errBadPageToken
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 10 || b[0] != pageTokenVersion || b[1] != q || binary.BigEndian.Uint64(b[2:10]) != filter {
		return t, errBadPageToken
	}
	b = b[10:]
	after, n := binary.Uvarint(b)
	if n <= 0 || len(b) < n+1 {
		return t, errBadPageToken
	}
	t.after = after
	t.phase = b[n]
	b = b[n+1:]
	now, m := binary.Varint(b)
	if m <= 0 || m != len(b) || t.phase > 2 {
		return t, errBadPageToken
	}
	t.now = now
	return t, nil
}

// fingerprint hashes a query's filters.
func fingerprint(fields ...string) uint64 {
	h := fnv.New64a()
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// timeKey renders a filter time for a fingerprint.
func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// pageSize reads a request's page_size: 0 is the default, more than the
// maximum is the maximum.
func pageSize(n int32, ps *apierr.Problems) int {
	switch {
	case n < 0:
		ps.Add("page_size", "is negative")
		return 0
	case n == 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	default:
		return int(n)
	}
}
