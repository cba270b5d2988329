package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/nats-io/nats.go/jetstream"
)

// sealing is the append path's own half: the key ring (its key-encryption
// key, the previous one while keys are rewrapped, the key bucket) and the
// Emitter that seals and appends through it. Neither holds anything to
// close: the key bucket lives on docketd's NATS connection.
type sealing struct {
	keyring *keys.Keyring
	emitter *events.Emitter
}

// openKeys loads the key-encryption keys, opens the key bucket, and builds
// the key ring and the Emitter.
func openKeys(ctx context.Context, cfg config.Config, js jetstream.JetStream, log *slog.Logger) (*sealing, error) {
	var kek keys.KEK
	var err error
	if cfg.KEK != "" {
		kek, err = keys.KEKFromEnv(cfg.KEK)
	} else {
		kek, err = keys.LoadKEKFile(cfg.KEKPath(), cfg.Embedded())
	}
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	var previous keys.KEK
	if cfg.PreviousKEKFile != "" {
		if previous, err = keys.LoadKEKFile(cfg.PreviousKEKFile, false); err != nil {
			return nil, fmt.Errorf("previous_kek_file: %w", err)
		}
	}
	var store keys.Store
	if err := placed(ctx, log, "key bucket", func(ctx context.Context) (err error) {
		store, err = keys.NewKVStore(ctx, js, keys.KVConfig{Replicas: cfg.StreamReplicas})
		return err
	}); err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	s := &sealing{}
	if s.keyring, err = keys.NewKeyring(store, kek, keys.KeyringConfig{PreviousKEK: previous}); err != nil {
		return nil, err
	}
	s.emitter, err = events.NewEmitter(js, events.EmitterConfig{Keys: s.keyring, Atomic: cfg.Atomic(), MaxClockSkew: time.Duration(cfg.MaxClockSkew)})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// A Recorder appends one of docketd's own events to the ledger: an Art. 19
// notice, a shred, an export's record, a retention expiry, an erasure
// request's fulfilment. docketd has one, passed to every part that records.
type Recorder func(ctx context.Context, ev *eventsv1.Event) error

// recorderOf records through the Emitter.
func recorderOf(e *events.Emitter) Recorder {
	return func(ctx context.Context, ev *eventsv1.Event) error {
		_, err := e.Append(ctx, ev)
		return err
	}
}
