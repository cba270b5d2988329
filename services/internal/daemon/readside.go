package daemon

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// readSide is the read models: their database and the Manager that
// projects the events stream into the current generation's store and
// answers queries from it.
type readSide struct {
	backend readmodels.Backend
	models  *readmodels.Manager
	stop    func() // ends the projector; nil until run
}

// openReadSide opens the current generation's store in backend, which it
// then owns (Close closes it). A shared store (not SQLite) is projected
// into by one replica at a time per partition, under leases.
func openReadSide(ctx context.Context, cfg config.Config, backend readmodels.Backend, js jetstream.JetStream, ls leases,
	reg prometheus.Registerer, log *slog.Logger) (_ *readSide, err error) {
	r := &readSide{backend: backend}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	pcfg := projector.Config{Partitions: cfg.ProjectorPartitions}
	if backend.Kind() == "sqlite" {
		pcfg.Instance = cfg.Instance // a store of this replica's own
	}
	if r.models, err = readmodels.NewManager(ctx, backend, js, pcfg, log); err != nil {
		return nil, err
	}
	if backend.Kind() != "sqlite" {
		r.models.ShareStore(func(ctx context.Context, gen, parts int, project func(context.Context, int)) {
			names := []string{"projector-g" + strconv.Itoa(gen)}
			if parts > 1 {
				names = names[:0]
				for k := range parts {
					names = append(names, "projector-g"+strconv.Itoa(gen)+"-p"+strconv.Itoa(k))
				}
			}
			if err := lease.Share(ctx, ls.of(""), names, project); err != nil {
				log.Error("projector leases", "err", err)
			}
		})
	}
	if err := r.models.Register(reg); err != nil {
		return nil, err
	}
	return r, nil
}

// position is the read models' checkpoint: the stream sequence they have
// applied up to. The sagas wait for it.
func (r *readSide) position() uint64 { return r.models.Status().Checkpoint }

// run starts projecting.
func (r *readSide) run(bg *background) {
	r.stop = bg.start(loop{run: func(ctx context.Context) error {
		r.models.Run(ctx)
		return nil
	}})
}

// Close stops the projector, which closes the store, or closes the store
// of a projector that never ran; then it closes the database.
func (r *readSide) Close() {
	switch {
	case r.stop != nil:
		r.stop()
	case r.models != nil:
		_ = r.models.Close()
	}
	r.stop, r.models = nil, nil
	if r.backend != nil {
		_ = r.backend.Close()
		r.backend = nil
	}
}
