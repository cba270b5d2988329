package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/docketledger/docket/projections/model"
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
// Views share the store's connections: Applies of several views
// serialize on the one writer connection, and a view's Close does
// nothing — close the store itself, once no view is in use.
func (s *Store) Partition(ctx context.Context, part, parts int) (model.Store, error) {
	if err := checkPartition(part, parts); err != nil {
		return nil, fmt.Errorf("sqlite store: partition: %w", err)
	}
	p := &partition{Store: s, part: part, parts: parts}
	// Partitions once created never change: when they are there, the
	// reader pool can tell without waiting for the writer connection.
	have, err := s.partitions(ctx, s.r)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: partition %d of %d: %w", part, parts, err)
	}
	if have == 0 {
		if have, err = s.createPartitions(ctx, parts); err != nil {
			return nil, fmt.Errorf("sqlite store: partition %d of %d: %w", part, parts, err)
		}
	}
	if have != parts {
		return nil, fmt.Errorf("sqlite store: partition %d of %d: %w (generation %d is split into %d)",
			part, parts, model.ErrPartitions, s.gen, have)
	}
	return p, nil
}

// checkPartition checks Partition's arguments.
func checkPartition(part, parts int) error {
	if parts < 2 || parts > maxPartitions {
		return fmt.Errorf("parts %d is not between 2 and %d", parts, maxPartitions)
	}
	if part < 0 || part >= parts {
		return fmt.Errorf("part %d is not between 0 and %d", part, parts-1)
	}
	return nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// partitions is how many parts the generation is split into; 0 when it
// is not partitioned. Rows of different parts (which no Partition
// writes) count as a split into none of them: -1.
func (s *Store) partitions(ctx context.Context, q querier) (int, error) {
	var n, lo, hi int
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(min(parts), 0), coalesce(max(parts), 0) FROM `+
		s.t("partitions")).Scan(&n, &lo, &hi); err != nil {
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
// has moved past 0.
func (s *Store) createPartitions(ctx context.Context, parts int) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one writer at a time
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	have, err := s.partitions(ctx, tx)
	if err != nil || have != 0 {
		return have, err
	}
	var cp int64
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM `+s.t("checkpoint")+` WHERE id = 1`).Scan(&cp); err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	if cp != 0 {
		return 0, fmt.Errorf("%w (generation %d is projected unpartitioned, up to %d: partitioning it needs a rebuild)",
			model.ErrPartitions, s.gen, cp)
	}
	if _, err := tx.ExecContext(ctx, `WITH RECURSIVE parts(part) AS (SELECT 0 UNION ALL SELECT part + 1 FROM parts WHERE part + 1 < ?)
INSERT INTO `+s.t("partitions")+` (part, parts, seq) SELECT part, ?, 0 FROM parts`, parts, parts); err != nil {
		return 0, fmt.Errorf("create partitions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("create partitions: commit: %w", err)
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
	err := p.r.QueryRowContext(ctx, `SELECT seq FROM `+p.t("partitions")+` WHERE part = ? AND parts = ?`,
		p.part, p.parts).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite store: partition %d of %d: checkpoint: %w (generation %d is not split so)",
			p.part, p.parts, model.ErrPartitions, p.gen)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite store: partition %d of %d: checkpoint: %w", p.part, p.parts, err)
	}
	return uint64(seq), nil
}

// Apply is the store's Apply, but moves this partition's checkpoint from
// b.From to b.To (model.ErrCheckpointMoved if it is not at b.From).
func (p *partition) Apply(ctx context.Context, b *model.Batch) error {
	return p.apply(ctx, b, p)
}

// Close does nothing: the connections are the store's, which its owner
// closes.
func (p *partition) Close() error { return nil }
