// Package natsembed runs the NATS JetStream server that docketd embeds in its
// own process in the default, single-machine mode.
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config configures the embedded server.
type Config struct {
	// Dir holds JetStream's file store (Dir/jetstream).
	Dir string
	// Listen is the loopback address clients such as `docket tail` reach it
	// on; port 0 picks a free one; empty accepts no network clients.
	Listen string
	// SyncAlways makes JetStream fsync every write before acknowledging it.
	// Otherwise it fsyncs every SyncInterval.
	SyncAlways bool
	// SyncInterval is the fsync period when SyncAlways is off; default 2m
	// (JetStream's own default).
	SyncInterval time.Duration
}

// Start runs the server and waits until it accepts connections.
func Start(cfg Config) (*server.Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("natsembed: empty data dir")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("natsembed: data dir: %w", err)
	}
	opts := &server.Options{
		ServerName:   "docketd-embedded",
		JetStream:    true,
		StoreDir:     filepath.Join(cfg.Dir, "jetstream"),
		NoSigs:       true,
		NoLog:        true,
		SyncAlways:   cfg.SyncAlways,
		SyncInterval: cfg.SyncInterval,
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("natsembed: listen address: %w", err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("natsembed: listen port: %w", err)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsembed: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, errors.New("natsembed: server not ready in 30s")
	}
	return s, nil
}
