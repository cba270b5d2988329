package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/docketledger/docket/projections/model"
)

// Generations is model.Generations on a SQLite file: the shared table
// docket_generation holds the current generation, and a generation's
// tables are those named g<N>_*.
type Generations struct {
	path string
	w, r *sql.DB
}

var _ model.Generations = (*Generations)(nil)

// OpenGenerations opens the generation record of the SQLite file at path
// (creating the file and the record, current generation 1, if needed). It
// uses its own connections, so it works beside any open Store. Close it
// when done.
func OpenGenerations(ctx context.Context, path string) (*Generations, error) {
	w, r, err := openFile(ctx, path)
	if err != nil {
		return nil, err
	}
	g := &Generations{path: path, w: w, r: r}
	if _, err := w.ExecContext(ctx, generationTable); err != nil {
		g.Close()
		return nil, fmt.Errorf("sqlite generations %s: %w", path, err)
	}
	return g, nil
}

// Close closes the connections.
func (g *Generations) Close() error {
	rerr := g.r.Close()
	if err := g.w.Close(); err != nil {
		return err
	}
	return rerr
}

// Current is the current generation; 1 when none was ever switched.
func (g *Generations) Current(ctx context.Context) (int, error) {
	var cur int
	if err := g.r.QueryRowContext(ctx, `SELECT current FROM docket_generation WHERE id = 1`).Scan(&cur); err != nil {
		return 0, fmt.Errorf("sqlite generations: current: %w", err)
	}
	return cur, nil
}

// Switch makes to current if from still is; ErrCheckpointMoved if not.
// Then it refuses (ErrNotFound) a generation that has no tables: open a
// Store on it first.
func (g *Generations) Switch(ctx context.Context, from, to int) error {
	if to < 1 {
		return fmt.Errorf("sqlite generations: switch to %d: must be at least 1", to)
	}
	tx, err := g.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite generations: switch: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE docket_generation SET current = ? WHERE id = 1 AND current = ?`, to, from)
	if err != nil {
		return fmt.Errorf("sqlite generations: switch: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite generations: switch: %w", err)
	} else if n != 1 {
		return fmt.Errorf("sqlite generations: switch %d to %d: %w (current is not %d)", from, to, model.ErrCheckpointMoved, from)
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?)`,
		prefix(to)+"schema_migrations").Scan(&exists); err != nil {
		return fmt.Errorf("sqlite generations: switch: %w", err)
	}
	if !exists {
		return fmt.Errorf("sqlite generations: switch to %d: it has no tables: %w", to, model.ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite generations: switch: %w", err)
	}
	return nil
}

// Drop removes every table of generation gen; it refuses the current one.
// Dropping a generation that has no tables does nothing. Close any Store
// still open on gen first: its queries fail once the tables are gone.
func (g *Generations) Drop(ctx context.Context, gen int) error {
	if gen < 1 {
		return fmt.Errorf("sqlite generations: drop %d: must be at least 1", gen)
	}
	tx, err := g.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite generations: drop: %w", err)
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT current FROM docket_generation WHERE id = 1`).Scan(&cur); err != nil {
		return fmt.Errorf("sqlite generations: drop: %w", err)
	}
	if cur == gen {
		return fmt.Errorf("sqlite generations: drop %d: it is the current generation", gen)
	}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE ? ESCAPE '\'`,
		fmt.Sprintf(`g%d\_%%`, gen))
	if err != nil {
		return fmt.Errorf("sqlite generations: drop: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite generations: drop: %w", err)
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite generations: drop: %w", err)
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP TABLE "`+n+`"`); err != nil {
			return fmt.Errorf("sqlite generations: drop %d: %s: %w", gen, n, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite generations: drop %d: %w", gen, err)
	}
	return nil
}
