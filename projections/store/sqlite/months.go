package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// monthOf is the SQL of the calendar month (UTC, model.MonthLayout) of a
// column of Unix nanoseconds. The seconds are floored, not truncated toward
// zero, so that an instant before 1970 falls in its own month.
func monthOf(col string) string {
	return `strftime('%Y-%m', ` + col + ` / 1000000000 - (` + col + ` % 1000000000 < 0), 'unixepoch')`
}

// timeBounds adds col >= from and col <= to, each unless zero.
func timeBounds(w *where, col string, from, to time.Time) error {
	var e encoder
	if !from.IsZero() {
		w.add(col+" >= ?", e.time("from", from))
	}
	if !to.IsZero() {
		w.add(col+" <= ?", e.time("to", to))
	}
	return e.err
}

// DisclosureMonths counts a tenant's disclosures by calendar month of
// occurred_at, recipient kind and confidentiality at now.
func (s *Store) DisclosureMonths(ctx context.Context, tenant string, from, to, now time.Time) ([]model.DisclosureMonth, error) {
	var w where
	w.add("tenant = ?", tenant)
	if err := timeBounds(&w, "occurred_at", from, to); err != nil {
		return nil, fmt.Errorf("sqlite store: disclosure months: %w", err)
	}
	var e encoder
	at := e.time("now", now)
	if e.err != nil {
		return nil, fmt.Errorf("sqlite store: disclosure months: %w", e.err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+monthOf("occurred_at")+`, recipient_kind,
	coalesce(confidential_until > ?, 0), count(*)
FROM `+s.t("disclosures")+w.String()+` GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, append([]any{at}, w.args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: disclosure months: %w", err)
	}
	out, err := collectMonths(rows, func(r *sql.Rows) (model.DisclosureMonth, error) {
		var (
			m                   model.DisclosureMonth
			confidential, count int64
		)
		err := r.Scan(&m.Month, &m.RecipientKind, &confidential, &count)
		m.Confidential, m.Count = confidential != 0, uint64(count)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite store: disclosure months: %w", err)
	}
	return out, nil
}

// FindingMonths counts a tenant's recorded findings by calendar month of
// arose_at and rule.
func (s *Store) FindingMonths(ctx context.Context, tenant string, from, to time.Time) ([]model.FindingMonth, error) {
	var w where
	w.add("tenant = ?", tenant)
	if err := timeBounds(&w, "arose_at", from, to); err != nil {
		return nil, fmt.Errorf("sqlite store: finding months: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+monthOf("arose_at")+`, rule, count(*)
FROM `+s.t("findings")+w.String()+` GROUP BY 1, 2 ORDER BY 1, 2`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: finding months: %w", err)
	}
	out, err := collectMonths(rows, func(r *sql.Rows) (model.FindingMonth, error) {
		var (
			m     model.FindingMonth
			count int64
		)
		err := r.Scan(&m.Month, &m.Rule, &count)
		m.Count = uint64(count)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite store: finding months: %w", err)
	}
	return out, nil
}

// collectMonths scans every row with scan and closes rows.
func collectMonths[M any](rows *sql.Rows, scan func(*sql.Rows) (M, error)) ([]M, error) {
	defer rows.Close()
	var out []M
	for rows.Next() {
		m, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
