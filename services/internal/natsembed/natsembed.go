// Package natsembed runs the NATS JetStream server that docketd embeds in its
// own process in the default, single-machine mode.
package natsembed

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
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
	// Log receives the server's warnings and errors (a full disk, a store
	// it cannot write); nil drops them.
	Log *slog.Logger
}

// logger passes the server's warnings and errors to slog, and keeps the
// first fatal error for Start to return.
type logger struct {
	log   *slog.Logger
	fatal atomic.Pointer[string]
}

func (l *logger) Noticef(format string, v ...any) {
	l.log.Debug("nats-server: " + fmt.Sprintf(format, v...))
}
func (l *logger) Warnf(format string, v ...any) {
	l.log.Warn("nats-server: " + fmt.Sprintf(format, v...))
}
func (l *logger) Errorf(format string, v ...any) {
	l.log.Error("nats-server: " + fmt.Sprintf(format, v...))
}
func (l *logger) Debugf(format string, v ...any) {}
func (l *logger) Tracef(format string, v ...any) {}
func (l *logger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.fatal.CompareAndSwap(nil, &msg)
	l.log.Error("nats-server: " + msg)
}

// Start runs the server and waits until it accepts connections.
func Start(cfg Config) (*server.Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("natsembed: empty data dir")
	}
	store := filepath.Join(cfg.Dir, "jetstream")
	if err := writable(store); err != nil {
		return nil, fmt.Errorf("natsembed: data dir %s: %w", cfg.Dir, err)
	}
	opts := &server.Options{
		ServerName:   "docketd-embedded",
		JetStream:    true,
		StoreDir:     store,
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
	l := &logger{log: cfg.Log}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	s.SetLoggerV2(l, false, false, false)
	go s.Start()
	for deadline := time.Now().Add(30 * time.Second); !s.ReadyForConnections(100 * time.Millisecond); {
		if msg := l.fatal.Load(); msg != nil {
			s.Shutdown()
			return nil, fmt.Errorf("natsembed: %s", *msg)
		}
		if time.Now().After(deadline) {
			s.Shutdown()
			return nil, errors.New("natsembed: server not ready in 30s")
		}
	}
	return s, nil
}

// writable creates dir if needed and checks that a file can be written
// in it, so that a read-only or full data dir is named at once rather than
// by a server that never gets ready.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return fmt.Errorf("not writable: %w", err)
	}
	_, werr := f.Write(make([]byte, 4096))
	cerr := f.Close()
	rerr := os.Remove(f.Name())
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return fmt.Errorf("not writable: %w", err)
	}
	return nil
}

// MinFree is the free space below which Storage calls the data dir full:
// JetStream writes blocks of a few MiB.
const MinFree = 16 << 20

// Storage reports a data dir whose file system is full or read-only, or
// nil.
func Storage(dir string) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("data dir %s: %w", dir, err)
	}
	if st.Flags&stRdonly != 0 {
		return fmt.Errorf("its disk is read-only (data dir %s)", dir)
	}
	if free := st.Bavail * uint64(st.Bsize); free < MinFree {
		return fmt.Errorf("its disk is full (%d bytes free in data dir %s)", free, dir)
	}
	return nil
}

// stRdonly is statfs's read-only mount flag (ST_RDONLY).
const stRdonly = 1
