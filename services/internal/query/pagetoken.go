package query

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"time"

	"github.com/docketledger/docket/projections/model"
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
	pass   byte   // findings: 0 open ones, 1 closed ones (encoded with phase, as pass*3+phase)
	now    int64  // findings, breaches: the first page's clock, Unix nanoseconds
}

// Queries that issue page tokens.
const (
	queryHistory byte = iota + 1
	queryDisclosures
	queryFindings
	queryRequests
	queryBreaches
)

const pageTokenVersion = 1

var errBadPageToken = errors.New("is not a token an earlier page of this query returned")

func (t pageToken) encode() string {
	b := make([]byte, 0, 32)
	b = append(b, pageTokenVersion, t.query)
	b = binary.BigEndian.AppendUint64(b, t.filter)
	b = binary.AppendUvarint(b, t.after)
	b = append(b, t.pass*3+t.phase)
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
	if b[n] > 5 {
		return t, errBadPageToken
	}
	t.pass, t.phase = b[n]/3, b[n]%3
	b = b[n+1:]
	now, m := binary.Varint(b)
	if m <= 0 || m != len(b) {
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

// decodePage reads the request's page token, which query q must have
// issued under the same filters, and refuses the request with every
// problem ps holds.
func decodePage(ps *apierr.Problems, token string, q byte, filter uint64) (pageToken, error) {
	tok, err := decodePageToken(token, q, filter)
	if err != nil {
		ps.Add("page_token", err.Error())
	}
	return tok, ps.Err()
}

// openPage is decodePage for a list of a tenant's rows: the first page
// is not_found for a tenant with no events (a later page's tenant had
// them already).
func (s *Service) openPage(ctx context.Context, ps *apierr.Problems, token, tenant string, q byte, filter uint64) (pageToken, error) {
	tok, err := decodePage(ps, token, q, filter)
	if err != nil {
		return tok, err
	}
	if token == "" {
		if err := s.tenantExists(ctx, tenant); err != nil {
			return tok, err
		}
	}
	return tok, nil
}

// readPage reads the page of size rows after tok, asking read for one
// row more to learn whether another page follows; next is that page's
// token, "" on the last. seq is a row's keyset position.
func readPage[R any](tok pageToken, size int, read func(model.Page) ([]R, error), seq func(R) uint64) (rows []R, next string, err error) {
	rows, err = read(model.Page{After: tok.after, Limit: size + 1})
	if err != nil {
		return nil, "", apierr.Store(err)
	}
	if len(rows) <= size {
		return rows, "", nil
	}
	rows = rows[:size]
	tok.after = seq(rows[size-1])
	return rows, tok.encode(), nil
}

// readAll reads every row, in pages of readBatch: the service's own walks.
func readAll[R any](read func(model.Page) ([]R, error), seq func(R) uint64) ([]R, error) {
	var out []R
	for after := uint64(0); ; {
		page, err := read(model.Page{After: after, Limit: readBatch})
		if err != nil {
			return nil, apierr.Store(err)
		}
		out = append(out, page...)
		if len(page) < readBatch {
			return out, nil
		}
		after = seq(page[len(page)-1])
	}
}
