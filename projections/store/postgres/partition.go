package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/docketledger/docket/projections/model"
	"github.com/jackc/pgx/v5"
)

// maxPartitions bounds the parts of Partition (model.Partitioner).
const maxPartitions = 256

var (
	_ model.Partitioner = (*Store)(nil)
	_ model.Store       = (*partition)(nil)
)

// Partition returns the store as projector part of parts sees it
// (model.Partitioner): its Checkpoint and Apply read and move the
// checkpoint of that partition, kept in the generation's partitions
// table; every other method is the store's. The first call on a
// generation fixes parts, creating the checkpoints of all parts at 0 in
// one transaction; a call with another parts fails with
// model.ErrPartitions, and so does the first call once the store's own
// checkpoint has moved past 0 (an unpartitioned projection is under way:
// partitioning it needs a rebuild into a new generation). From then on
// the store's Checkpoint is the smallest of the partitions' and its own
// Apply is refused (model.ErrPartitions).
//
// Views share the store's connection pool, and their Applies run at once
// on connections of their own (READ COMMITTED; see the package
// documentation). A view's Close does nothing: close the store itself,
// once no view is in use.
func (s *Store) Partition(ctx context.Context, part, parts int) (model.Store, error) {
	if parts < 2 || parts > maxPartitions {
		return nil, fmt.Errorf("postgres store: partition: parts %d is not between 2 and %d", parts, maxPartitions)
	}
	if part < 0 || part >= parts {
		return nil, fmt.Errorf("postgres store: partition: part %d is not between 0 and %d", part, parts-1)
	}
	// Partitions once created never change: when they are there, one
	// read tells.
	have, err := partitions(ctx, s.pool)
	if err != nil {
		return nil, fmt.Errorf("postgres store: partition %d of %d: %w", part, parts, err)
	}
	if have == 0 {
		err := InTx(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			have, err = s.createPartitions(ctx, tx, parts)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("postgres store: partition %d of %d: %w", part, parts, err)
		}
	}
	if have != parts {
		return nil, fmt.Errorf("postgres store: partition %d of %d: %w (generation %d is split into %d)",
			part, parts, model.ErrPartitions, s.gen, have)
	}
	return &partition{Store: s, part: part, parts: parts}, nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// partitions is how many parts the generation is split into; 0 when it
// is not partitioned. Rows of different parts (which no Partition
// writes) count as a split into none of them: -1.
func partitions(ctx context.Context, q querier) (int, error) {
	var n, lo, hi int
	if err := q.QueryRow(ctx, `SELECT count(*), coalesce(min(parts), 0), coalesce(max(parts), 0) FROM partitions`).
		Scan(&n, &lo, &hi); err != nil {
		return 0, fmt.Errorf("partitions: %w", err)
	}
	if n != lo || n != hi {
		return -1, nil
	}
	return n, nil
}

// createPartitions splits the generation into parts, all at checkpoint 0,
// unless another call did first, and returns the parts it is split into
// then; it refuses (model.ErrPartitions) once the store's own checkpoint
// has moved past 0. It runs in a serializable transaction (InTx).
func (s *Store) createPartitions(ctx context.Context, tx pgx.Tx, parts int) (int, error) {
	// Rewriting the checkpoint's row orders this with every other writer
	// of it: a concurrent unpartitioned Apply, or another first
	// Partition, fails with a serialization failure, and is re-run.
	var cp int64
	if err := tx.QueryRow(ctx, `UPDATE checkpoint SET seq = seq WHERE id = 1 RETURNING seq`).Scan(&cp); err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	have, err := partitions(ctx, tx)
	if err != nil || have != 0 {
		return have, err
	}
	if cp != 0 {
		return 0, fmt.Errorf("%w (generation %d is projected unpartitioned, up to %d: partitioning it needs a rebuild)",
			model.ErrPartitions, s.gen, cp)
	}
	// ON CONFLICT DO NOTHING: a row another transaction inserted meanwhile
	// is then a serialization failure, not a unique violation.
	tag, err := tx.Exec(ctx, `INSERT INTO partitions (part, parts, seq)
SELECT g, $1::int, 0 FROM generate_series(0, $1::int - 1) AS g ON CONFLICT (part) DO NOTHING`, parts)
	if err != nil {
		return 0, fmt.Errorf("create partitions: %w", err)
	}
	if tag.RowsAffected() != int64(parts) {
		return 0, fmt.Errorf("create partitions: %d of %d created: another transaction created some", tag.RowsAffected(), parts)
	}
	return parts, nil
}

// partition is the view of a Store that Partition returns.
type partition struct {
	*Store
	part, parts int
}

// Checkpoint is the last stream sequence this partition applied.
func (p *partition) Checkpoint(ctx context.Context) (uint64, error) {
	var seq int64
	err := p.pool.QueryRow(ctx, `SELECT seq FROM partitions WHERE part = $1 AND parts = $2`, p.part, p.parts).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("postgres store: partition %d of %d: checkpoint: %w (generation %d is not split so)",
			p.part, p.parts, model.ErrPartitions, p.gen)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres store: partition %d of %d: checkpoint: %w", p.part, p.parts, err)
	}
	return uint64(seq), nil
}

// Apply is the store's Apply, but moves this partition's checkpoint from
// b.From to b.To (model.ErrCheckpointMoved if it is not at b.From), in a
// READ COMMITTED transaction (see the package documentation), so that
// the Applies of several partitions run at once.
func (p *partition) Apply(ctx context.Context, b *model.Batch) error {
	if b == nil {
		return fmt.Errorf("postgres store: partition %d of %d: apply: nil batch", p.part, p.parts)
	}
	stmts, err := encodeBatch(b)
	if err != nil {
		return fmt.Errorf("postgres store: partition %d of %d: apply %d..%d: %w", p.part, p.parts, b.From, b.To, err)
	}
	err = inTx(ctx, p.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// One UPDATE is the compare-and-swap: a concurrent one on the same
		// row waits, and then its condition is checked on the new row.
		tag, err := tx.Exec(ctx, `UPDATE partitions SET seq = $4 WHERE part = $1 AND parts = $2 AND seq = $3`,
			p.part, p.parts, stmts.from, stmts.to)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var at int64
			var parts int
			switch err := tx.QueryRow(ctx, `SELECT seq, parts FROM partitions WHERE part = $1`, p.part).Scan(&at, &parts); {
			case errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("%w: generation %d has no partition %d", model.ErrPartitions, p.gen, p.part)
			case err != nil:
				return err
			case parts != p.parts:
				return fmt.Errorf("%w: generation %d is split into %d", model.ErrPartitions, p.gen, parts)
			}
			return fmt.Errorf("%w: it is at %d, the batch starts at %d", model.ErrCheckpointMoved, at, b.From)
		}
		return writeBatch(ctx, tx, b, stmts)
	})
	if err != nil {
		return fmt.Errorf("postgres store: partition %d of %d: apply %d..%d: %w", p.part, p.parts, b.From, b.To, err)
	}
	return nil
}

// Close does nothing: the connections are the store's, which its owner
// closes.
func (p *partition) Close() error { return nil }
