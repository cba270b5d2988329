package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/services/internal/art19"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/docketledger/docket/services/internal/retention"
)

// sagas are docketd's follow-up work: the Art. 19 saga (notices to the
// recipients of rectified, restricted or erased data), the erasure saga
// (Art. 17 requests carried out) and the retention scheduler, which one
// replica at a time runs, under a lease.
type sagas struct {
	art19     *art19.Saga
	erasure   *erasure.Saga
	retention *retention.Scheduler
	stop      func() // ends them; nil until run
}

// sagaDeps is what the sagas read and write through: the read models (and
// how far they are), the one Shredder and the one Recorder.
type sagaDeps struct {
	ledger   *eventLog
	reader   model.Reader
	position func() uint64
	shredder *erasure.Shredder
	record   Recorder
}

// newSagas builds the sagas and the scheduler; run starts them.
func newSagas(ctx context.Context, cfg config.Config, d sagaDeps, log *slog.Logger) (*sagas, error) {
	s := &sagas{}
	var err error
	// Each saga creates its durable consumer and the poison stream: on a
	// cluster still forming, placed waits for it as for every other stream.
	if err := placed(ctx, log, "Art. 19 saga", func(ctx context.Context) (err error) {
		s.art19, err = art19.New(ctx, art19.Config{
			JetStream: d.ledger.js, Stream: d.ledger.stream, Reader: d.reader, ReadPosition: d.position, Record: d.record,
			DueIn: time.Duration(cfg.Art19Due), Log: log,
		})
		return err
	}); err != nil {
		return nil, err
	}
	if err := placed(ctx, log, "erasure saga", func(ctx context.Context) (err error) {
		s.erasure, err = erasure.NewSaga(ctx, erasure.SagaConfig{
			JetStream: d.ledger.js, Stream: d.ledger.stream, Reader: d.reader, ReadPosition: d.position,
			Shredder: d.shredder, Record: d.record, Log: log,
		})
		return err
	}); err != nil {
		return nil, err
	}
	s.retention, err = retention.New(retention.Config{
		Stream: d.ledger.stream, Reader: d.reader, ReadPosition: d.position, Shredder: d.shredder, Record: d.record,
		Every: time.Duration(cfg.RetentionEvery), Lead: time.Duration(cfg.RetentionLead), Log: log,
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// run starts the sagas, and the scheduler's campaign for its lease once
// started is closed (when the demo data, if any, is stored).
func (s *sagas) run(bg *background, ls leases, started <-chan struct{}, log *slog.Logger) {
	s.stop = bg.start(
		loop{msg: "erasure saga stopped", run: s.erasure.Run},
		loop{msg: "retention lease", run: func(ctx context.Context) error {
			select {
			case <-started:
			case <-ctx.Done():
				return nil
			}
			return lease.Run(ctx, ls.of("retention"), func(ctx context.Context) {
				if err := s.retention.Run(ctx); err != nil {
					log.Error("retention scheduler stopped", "err", err)
				}
			})
		}},
		loop{msg: "Art. 19 saga stopped", run: s.art19.Run},
	)
}

// Close stops the sagas and the scheduler and waits until they have.
func (s *sagas) Close() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}
