package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/docketledger/docket/projections/model"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Generations is model.Generations on one PostgreSQL or CockroachDB
// database: the shared table public.docket_generation holds the current
// generation, and generation N's tables are those of schema docket_g<N>.
type Generations struct {
	pool *pgxpool.Pool
}

var _ model.Generations = (*Generations)(nil)

// generationTable is shared by every generation: which one is current.
const generationTable = `
CREATE TABLE IF NOT EXISTS public.docket_generation (
	id      int PRIMARY KEY CHECK (id = 1),
	current int NOT NULL
);
INSERT INTO public.docket_generation (id, current) VALUES (1, 1) ON CONFLICT (id) DO NOTHING;
`

// OpenGenerations opens the generation record of the database dsn names,
// creating it (current generation 1) if needed. It has its own
// connections, so it works beside any open Store. Close it when done.
func OpenGenerations(ctx context.Context, dsn string) (*Generations, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres generations: cannot parse the DSN")
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres generations: %w", err)
	}
	if err := createGenerationTable(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres generations: %w", err)
	}
	return &Generations{pool: pool}, nil
}

func createGenerationTable(ctx context.Context, pool *pgxpool.Pool) error {
	return InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := lockDDL(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, generationTable)
		return err
	})
}

// Close closes the connections.
func (g *Generations) Close() error {
	g.pool.Close()
	return nil
}

// Current is the current generation; 1 when none was ever switched.
func (g *Generations) Current(ctx context.Context) (int, error) {
	var cur int
	if err := g.pool.QueryRow(ctx, `SELECT current FROM public.docket_generation WHERE id = 1`).Scan(&cur); err != nil {
		return 0, fmt.Errorf("postgres generations: current: %w", err)
	}
	return cur, nil
}

// Switch makes to current if from still is; model.ErrCheckpointMoved if
// not. Then it refuses (model.ErrNotFound) a generation that has no
// tables: open a Store on it first.
func (g *Generations) Switch(ctx context.Context, from, to int) error {
	if to < 1 {
		return fmt.Errorf("postgres generations: switch to %d: must be at least 1", to)
	}
	return InTx(ctx, g.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE public.docket_generation SET current = $2 WHERE id = 1 AND current = $1`, from, to)
		if err != nil {
			return fmt.Errorf("postgres generations: switch: %w", err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("postgres generations: switch %d to %d: %w (current is not %d)", from, to, model.ErrCheckpointMoved, from)
		}
		exists, err := hasSchema(ctx, tx, to)
		if err != nil {
			return fmt.Errorf("postgres generations: switch: %w", err)
		}
		if !exists {
			// The update rolls back.
			return fmt.Errorf("postgres generations: switch to %d: it has no tables: %w", to, model.ErrNotFound)
		}
		return nil
	})
}

// Drop removes generation gen's schema and every table in it; it refuses
// the current generation. Dropping a generation that has no tables does
// nothing. Close any Store still open on gen first: its queries fail once
// the tables are gone.
func (g *Generations) Drop(ctx context.Context, gen int) error {
	if gen < 1 {
		return fmt.Errorf("postgres generations: drop %d: must be at least 1", gen)
	}
	return InTx(ctx, g.pool, func(tx pgx.Tx) error {
		var cur int
		// FOR SHARE: a concurrent Switch to gen waits for the drop (and
		// then finds no tables), or the drop waits for the switch.
		if err := tx.QueryRow(ctx, `SELECT current FROM public.docket_generation WHERE id = 1 FOR SHARE`).Scan(&cur); err != nil {
			return fmt.Errorf("postgres generations: drop: %w", err)
		}
		if cur == gen {
			return fmt.Errorf("postgres generations: drop %d: it is the current generation", gen)
		}
		if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+Schema(gen)+` CASCADE`); err != nil {
			return fmt.Errorf("postgres generations: drop %d: %w", gen, err)
		}
		return nil
	})
}

// hasSchema tells whether generation gen's migrations table exists.
func hasSchema(ctx context.Context, tx pgx.Tx, gen int) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables
WHERE table_schema = $1 AND table_name = 'migrations')`, Schema(gen)).Scan(&ok)
	return ok, err
}
