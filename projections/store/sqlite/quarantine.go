package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/docketledger/docket/projections/model"
)

// Quarantined lists the quarantined messages of tenant ("" for every
// tenant) in stream order.
func (s *Store) Quarantined(ctx context.Context, tenant string, p model.Page) ([]model.QuarantineRow, error) {
	w := where{conds: []string{"1 = 1"}}
	w.eq("tenant", tenant)
	w.after("seq", p.After)
	rows, err := s.r.QueryContext(ctx, `SELECT seq, recorded_at, tenant, reason, field FROM `+s.t("quarantine")+
		w.String()+` ORDER BY seq`+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: quarantine: %w", err)
	}
	out, err := quarantineRows(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: quarantine: %w", err)
	}
	return out, nil
}

// QuarantineSummary counts the quarantined messages and returns the latest.
func (s *Store) QuarantineSummary(ctx context.Context, latest int) (model.QuarantineSummary, error) {
	var out model.QuarantineSummary
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // one snapshot
	if err != nil {
		return out, fmt.Errorf("sqlite store: quarantine: %w", err)
	}
	defer tx.Rollback()
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+s.t("quarantine")).Scan(&n); err != nil {
		return out, fmt.Errorf("sqlite store: quarantine: %w", err)
	}
	out.Count = uint64(n)
	if latest > 0 && n > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT seq, recorded_at, tenant, reason, field FROM `+s.t("quarantine")+
			` ORDER BY seq DESC LIMIT ?`, latest)
		if err != nil {
			return out, fmt.Errorf("sqlite store: quarantine: %w", err)
		}
		if out.Latest, err = quarantineRows(rows); err != nil {
			return out, fmt.Errorf("sqlite store: quarantine: %w", err)
		}
	}
	return out, nil
}

func quarantineRows(rows *sql.Rows) ([]model.QuarantineRow, error) {
	defer rows.Close()
	var out []model.QuarantineRow
	for rows.Next() {
		var (
			r        model.QuarantineRow
			seq, rec int64
		)
		if err := rows.Scan(&seq, &rec, &r.Tenant, &r.Reason, &r.Field); err != nil {
			return nil, err
		}
		r.Seq, r.RecordedAt = uint64(seq), fromNanos(rec)
		out = append(out, r)
	}
	return out, rows.Err()
}
