package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/jackc/pgx/v5"
)

// monthOf is the SQL of the year and month, in UTC, of a column of Unix
// nanoseconds, as two int columns. The seconds are floored, not truncated
// toward zero, so that an instant before 1970 falls in its own month; they
// stay integers (a double would round nanoseconds near a month's end).
func monthOf(col string) string {
	ts := `(to_timestamp(` + col + ` / 1000000000 - (` + col + ` % 1000000000 < 0)::int) AT TIME ZONE 'UTC')`
	return `extract(year FROM ` + ts + `)::int, extract(month FROM ` + ts + `)::int`
}

// monthName formats a year and month as model.MonthLayout.
func monthName(year, month int32) string { return fmt.Sprintf("%04d-%02d", year, month) }

// timeBounds adds col >= from and col <= to, each unless zero.
func timeBounds(w *where, col string, from, to time.Time) error {
	var e encoder
	if !from.IsZero() {
		w.add(col+" >= $?", e.time("from", from))
	}
	if !to.IsZero() {
		w.add(col+" <= $?", e.time("to", to))
	}
	return e.err
}

// DisclosureMonths counts a tenant's disclosures by calendar month of
// occurred_at, recipient kind and confidentiality at now.
func (s *Store) DisclosureMonths(ctx context.Context, tenant string, from, to, now time.Time) ([]model.DisclosureMonth, error) {
	var w where
	w.add("tenant = $?", tenant)
	if err := timeBounds(&w, "occurred_at", from, to); err != nil {
		return nil, fmt.Errorf("postgres store: disclosure months: %w", err)
	}
	var e encoder
	at := e.time("now", now)
	if e.err != nil {
		return nil, fmt.Errorf("postgres store: disclosure months: %w", e.err)
	}
	cond, nowArg := w.sql(), w.arg(at)
	rows, err := s.pool.Query(ctx, `SELECT `+monthOf("occurred_at")+`, recipient_kind COLLATE "C",
	coalesce(confidential_until > `+nowArg+`, false), count(*)
FROM disclosures WHERE `+cond+` GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: disclosure months: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.DisclosureMonth, error) {
		var (
			m           model.DisclosureMonth
			year, month int32
			count       int64
		)
		err := r.Scan(&year, &month, &m.RecipientKind, &m.Confidential, &count)
		m.Month, m.Count = monthName(year, month), uint64(count)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: disclosure months: %w", err)
	}
	return out, nil
}

// FindingMonths counts a tenant's recorded findings by calendar month of
// arose_at and rule.
func (s *Store) FindingMonths(ctx context.Context, tenant string, from, to time.Time) ([]model.FindingMonth, error) {
	var w where
	w.add("tenant = $?", tenant)
	if err := timeBounds(&w, "arose_at", from, to); err != nil {
		return nil, fmt.Errorf("postgres store: finding months: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+monthOf("arose_at")+`, rule, count(*)
FROM findings WHERE `+w.sql()+` GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: finding months: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.FindingMonth, error) {
		var (
			m           model.FindingMonth
			year, month int32
			count       int64
		)
		err := r.Scan(&year, &month, &m.Rule, &count)
		m.Month, m.Count = monthName(year, month), uint64(count)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: finding months: %w", err)
	}
	return out, nil
}
