package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream defaults.
const (
	DefaultStream          = "DOCKET"
	DefaultDuplicateWindow = 2 * time.Minute
)

// ErrWeakStream is matched by the error EnsureStream returns when an existing
// stream is weaker than the ledger needs.
var ErrWeakStream = errors.New("stream settings are weaker than the ledger requires")

// StreamConfig describes the events stream. The zero value works.
type StreamConfig struct {
	// Name of the stream; default DefaultStream.
	Name string
	// Replicas: 1 for the embedded server, 3 on a cluster.
	Replicas int
	// DuplicateWindow is how long JetStream remembers event ids to drop a
	// retried append; default DefaultDuplicateWindow. A retry after it
	// stores the event again.
	DuplicateWindow time.Duration
}

func (c *StreamConfig) setDefaults() {
	if c.Name == "" {
		c.Name = DefaultStream
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = DefaultDuplicateWindow
	}
}

// Validate reports every problem with the configuration.
func (c StreamConfig) Validate() error {
	var errs []error
	if err := CheckToken(c.Name); err != nil {
		errs = append(errs, fmt.Errorf("stream name: %w", err))
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("stream replicas: %d is not between 1 and 5", c.Replicas))
	}
	if c.DuplicateWindow < time.Second {
		errs = append(errs, fmt.Errorf("stream duplicate window: %s is shorter than 1s", c.DuplicateWindow))
	}
	return errors.Join(errs...)
}

// jetstreamConfig is the stream the ledger wants: append-only, on disk.
func (c StreamConfig) jetstreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:               c.Name,
		Description:        "Docket events: append-only ledger of personal data processing",
		Subjects:           []string{SubjectPrefix + ".>"},
		Retention:          jetstream.LimitsPolicy,
		MaxMsgs:            -1,
		MaxBytes:           -1,
		MaxAge:             0,
		MaxMsgsPerSubject:  -1,
		Discard:            jetstream.DiscardNew,
		Storage:            jetstream.FileStorage,
		Replicas:           c.Replicas,
		Duplicates:         c.DuplicateWindow,
		DenyDelete:         true,
		DenyPurge:          true,
		AllowRollup:        false,
		AllowAtomicPublish: true,
		AllowDirect:        true,
	}
}

// EnsureStream creates the events stream, or checks that an existing one is
// at least as strong as cfg: file storage, DenyDelete, DenyPurge, no limits
// that would drop events, no rollups, enough replicas and duplicate window.
// It never weakens or edits an existing stream; a weaker one is refused with
// an error matching ErrWeakStream that names each setting.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) (jetstream.Stream, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	want := cfg.jetstreamConfig()
	s, err := js.Stream(ctx, cfg.Name)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		s, err = js.CreateStream(ctx, want)
		if err != nil {
			return nil, fmt.Errorf("create stream %s: %w", cfg.Name, err)
		}
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("look up stream %s: %w", cfg.Name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s info: %w", cfg.Name, err)
	}
	if err := checkStream(info.Config, want); err != nil {
		return nil, err
	}
	return s, nil
}

func checkStream(have, want jetstream.StreamConfig) error {
	var errs []error
	weak := func(setting, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: stream %s: %s %s", ErrWeakStream, have.Name, setting, fmt.Sprintf(format, args...)))
	}
	if !slices.Contains(have.Subjects, SubjectPrefix+".>") {
		weak("subjects", "are %v, not %q", have.Subjects, SubjectPrefix+".>")
	}
	if have.Storage != jetstream.FileStorage {
		weak("storage", "is %s, not file", have.Storage)
	}
	if !have.DenyDelete {
		weak("deny_delete", "is off")
	}
	if !have.DenyPurge {
		weak("deny_purge", "is off")
	}
	if have.AllowRollup {
		weak("allow_rollup_hdrs", "is on")
	}
	if have.Retention != jetstream.LimitsPolicy {
		weak("retention", "is %s, not limits", have.Retention)
	}
	if have.MaxAge != 0 {
		weak("max_age", "is %s: old events would be dropped", have.MaxAge)
	}
	if have.MaxMsgs > 0 || have.MaxBytes > 0 || have.MaxMsgsPerSubject > 0 {
		weak("limits", "max_msgs=%d max_bytes=%d max_msgs_per_subject=%d would drop events", have.MaxMsgs, have.MaxBytes, have.MaxMsgsPerSubject)
	}
	if have.Replicas < want.Replicas {
		weak("replicas", "are %d, fewer than %d", have.Replicas, want.Replicas)
	}
	if have.Duplicates < want.Duplicates {
		weak("duplicate_window", "is %s, shorter than %s", have.Duplicates, want.Duplicates)
	}
	if !have.AllowAtomicPublish {
		weak("allow_atomic", "is off")
	}
	return errors.Join(errs...)
}
