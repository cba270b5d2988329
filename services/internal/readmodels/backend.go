package readmodels

import (
	"context"
	"fmt"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/docketledger/docket/projections/store/sqlite"
	"github.com/docketledger/docket/services/internal/config"
)

// OpenBackend opens the database a --store value names.
func OpenBackend(ctx context.Context, dsn string) (Backend, error) {
	kind, target, err := config.ParseStoreDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "sqlite":
		g, err := sqlite.OpenGenerations(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		return &sqliteBackend{path: target, gens: g}, nil
	default:
		g, err := postgres.OpenGenerations(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		return &postgresBackend{dsn: target, gens: g}, nil
	}
}

type sqliteBackend struct {
	path string
	gens *sqlite.Generations
}

func (b *sqliteBackend) Open(ctx context.Context, gen int) (model.Store, error) {
	return sqlite.Open(ctx, b.path, gen)
}
func (b *sqliteBackend) Generations() model.Generations { return b.gens }
func (b *sqliteBackend) Kind() string                   { return "sqlite" }
func (b *sqliteBackend) Close() error                   { return b.gens.Close() }

type postgresBackend struct {
	dsn  string
	gens *postgres.Generations
}

func (b *postgresBackend) Open(ctx context.Context, gen int) (model.Store, error) {
	return postgres.Open(ctx, b.dsn, gen)
}
func (b *postgresBackend) Generations() model.Generations { return b.gens }
func (b *postgresBackend) Kind() string                   { return "postgres" }
func (b *postgresBackend) Close() error                   { return b.gens.Close() }
