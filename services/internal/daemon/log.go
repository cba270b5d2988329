package daemon

import (
	"context"
	"errors"
	"fmt"
	"github.com/cenkalti/backoff/v5"
	"log/slog"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/services/internal/art19"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// eventLog is the log: the embedded NATS server (nil with an external
// NATS), docketd's connection to it, the events stream, and the bucket of
// the leases that jobs one replica at a time runs take (package lease).
type eventLog struct {
	ns     *natsembed.Server
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	leases leases
}

// openLog starts the embedded server (in the embedded mode), connects, and
// creates or looks up the events stream and the lease bucket.
func openLog(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *eventLog, err error) {
	l := &eventLog{}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	url := cfg.NATSURL
	if cfg.Embedded() {
		always, every, _ := cfg.SyncPolicy()
		listen := cfg.NATSListen
		if listen == "off" {
			listen = ""
		}
		l.ns, err = natsembed.Start(natsembed.Config{Dir: cfg.DataDir, Listen: listen, SyncAlways: always, SyncInterval: every, Log: log,
			Private: []string{art19.DefaultDurable, erasure.DefaultDurable, notaryDurable(cfg)}})
		if err != nil {
			return nil, err
		}
		url = ""
	}
	l.nc, err = nats.Connect(url, l.natsOptions(cfg)...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	l.js, err = jetstream.New(l.nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := placed(ctx, log, "events stream", func(ctx context.Context) (err error) {
		l.stream, err = events.EnsureStream(ctx, l.js, events.StreamConfig{
			Replicas:        cfg.StreamReplicas,
			DuplicateWindow: time.Duration(cfg.DuplicateWindow),
		})
		return err
	}); err != nil {
		return nil, err
	}
	l.leases = leases{holder: cfg.Instance, log: log}
	if err := placed(ctx, log, "lease bucket", func(ctx context.Context) (err error) {
		l.leases.kv, err = lease.OpenBucket(ctx, l.js, cfg.StreamReplicas, lease.DefaultTTL)
		return err
	}); err != nil {
		return nil, err
	}
	return l, nil
}

// natsOptions are docketd's connection's options: the embedded server's
// own login, or the configured user and TLS files.
func (l *eventLog) natsOptions(cfg config.Config) []nats.Option {
	opts := []nats.Option{nats.Name("docketd"), nats.MaxReconnects(-1)}
	if l.ns != nil {
		opts = append(opts, l.ns.ConnectOptions()...)
	} else if cfg.NATSUser != "" {
		opts = append(opts, nats.UserInfo(cfg.NATSUser, cfg.NATSPassword))
	}
	if cfg.NATSCAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.NATSCAFile))
	}
	if cfg.NATSCertFile != "" {
		opts = append(opts, nats.ClientCert(cfg.NATSCertFile, cfg.NATSKeyFile))
	}
	return opts
}

// Shutdown drains the connection (closing it when ctx ends first) and
// stops the embedded server.
func (l *eventLog) Shutdown(ctx context.Context) error {
	var err error
	if l.nc != nil {
		if err = l.nc.Drain(); err != nil {
			err = fmt.Errorf("nats drain: %w", err)
		}
		for l.nc.IsDraining() {
			select {
			case <-ctx.Done():
				l.nc.Close()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	l.stopServer()
	return err
}

// Close closes the connection at once and stops the embedded server.
func (l *eventLog) Close() {
	if l.nc != nil {
		l.nc.Close()
	}
	l.stopServer()
}

func (l *eventLog) stopServer() {
	if l.ns != nil {
		l.ns.Shutdown()
		l.ns.WaitForShutdown()
	}
}

// leases makes this replica's candidacies for the leases of jobs.
type leases struct {
	kv     jetstream.KeyValue
	holder string // the instance
	log    *slog.Logger
}

// of is this replica's candidacy for the lease name.
func (l leases) of(name string) lease.Config {
	return lease.Config{KV: l.kv, Name: name, Holder: l.holder, TTL: lease.DefaultTTL, Log: l.log}
}

// placeFor bounds how long placed waits for a JetStream cluster, and
// placeAttempt one attempt.
const (
	placeFor     = 2 * time.Minute
	placeAttempt = 5 * time.Second
)

// placed runs fn, which creates or looks up a stream or bucket, again
// while a JetStream cluster cannot place or serve it yet — a cluster still
// forming, a node restarting, no meta leader (the request then goes
// unanswered: each attempt has placeAttempt): in Kubernetes docketd may
// start before or beside its NATS nodes. It pauses longer each time, for
// up to placeFor in all. Any other error, or the last one, is returned.
func placed(ctx context.Context, log *slog.Logger, what string, fn func(context.Context) error) error {
	deadline := time.Now().Add(placeFor)
	pauses := &backoff.ExponentialBackOff{InitialInterval: 250 * time.Millisecond, Multiplier: 2, MaxInterval: 5 * time.Second}
	pauses.Reset()
	for {
		pause := pauses.NextBackOff()
		actx, cancel := context.WithTimeout(ctx, placeAttempt)
		err := fn(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !clusterNotReady(err) || time.Now().Add(pause).After(deadline) {
			return err
		}
		log.Warn("NATS cluster not ready; retrying", "for", what, "err", err, "pause", pause.String())
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// clusterNotReady reports whether err says that a JetStream cluster cannot
// do a request now, though it may soon: no suitable peers (one offline,
// 10005), the system temporarily unavailable (10008), the cluster unable
// to handle the request (10009), or no answer in time (no meta leader).
func clusterNotReady(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return true
	}
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode {
	case 10005, 10008, 10009:
		return true
	}
	return false
}
