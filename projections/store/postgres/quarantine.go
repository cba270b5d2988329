package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/docketledger/docket/projections/model"
	"github.com/jackc/pgx/v5"
)

const quarantineCols = `seq, recorded_at, tenant, reason, field`

// Quarantined lists the quarantined messages of tenant ("" for every
// tenant) in stream order.
func (s *Store) Quarantined(ctx context.Context, tenant string, p model.Page) ([]model.QuarantineRow, error) {
	q := `SELECT ` + quarantineCols + ` FROM quarantine WHERE ($1 = '' OR tenant = $1) AND seq > $2 ORDER BY seq`
	if p.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", p.Limit)
	}
	after := int64(math.MaxInt64)
	if p.After < math.MaxInt64 {
		after = int64(p.After)
	}
	rows, err := s.pool.Query(ctx, q, tenant, after)
	if err != nil {
		return nil, fmt.Errorf("postgres store: quarantine: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanQuarantine)
	if err != nil {
		return nil, fmt.Errorf("postgres store: quarantine: %w", err)
	}
	return out, nil
}

// QuarantineSummary counts the quarantined messages and returns the latest.
func (s *Store) QuarantineSummary(ctx context.Context, latest int) (model.QuarantineSummary, error) {
	var out model.QuarantineSummary
	err := InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM quarantine`).Scan(&n); err != nil {
			return err
		}
		out.Count = uint64(n)
		if latest <= 0 || n == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT `+quarantineCols+` FROM quarantine ORDER BY seq DESC LIMIT $1`, latest)
		if err != nil {
			return err
		}
		out.Latest, err = pgx.CollectRows(rows, scanQuarantine)
		return err
	})
	if err != nil {
		return model.QuarantineSummary{}, fmt.Errorf("postgres store: quarantine: %w", err)
	}
	return out, nil
}

func scanQuarantine(r pgx.CollectableRow) (model.QuarantineRow, error) {
	var (
		q        model.QuarantineRow
		seq, rec int64
	)
	err := r.Scan(&seq, &rec, &q.Tenant, &q.Reason, &q.Field)
	q.Seq, q.RecordedAt = uint64(seq), fromNanos(rec)
	return q, err
}
