// Package natsembed runs the NATS JetStream server that docketd embeds in its
// own process in the default, single-machine mode. Every client logs in,
// docketd's own in-process connection included (auth.go): docketd, the
// read-only reader of the docket CLI, or an emitter with its API token.
package natsembed

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Config configures the embedded server.
type Config struct {
	// Dir holds JetStream's file store (Dir/jetstream).
	Dir string
	// Listen is the address clients such as `docket tail` reach it on,
	// with the same credentials as in the process; port 0 picks a free
	// one; empty accepts no network clients.
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
	// Private names the consumers of the events stream whose state lives
	// only in JetStream (docketd's sagas): the reader may not read,
	// acknowledge, delete or recreate them.
	Private []string
}

// watchEvery is how often the watch checks the server's store for a write
// failure to recover from (see Server).
const watchEvery = time.Second

// Server is the embedded server, watched. When JetStream fails to write
// its store — a full disk — nats-server stops answering publishes to the
// stream (a latched write error) or turns JetStream off, until it is
// restarted. The watch restarts JetStream in the process, as a restart of
// docketd would, once the data dir takes writes again: the stream and its
// consumers are recovered from the files, with every acknowledged message.
type Server struct {
	*server.Server
	dir  string
	opts *server.Options
	log  *logger
	done chan struct{}
	// restarts counts JetStream restarts.
	restarts atomic.Int64
	auth     *authenticator
}

// logger passes the server's warnings and errors to slog, keeps the
// first fatal error for Start to return, and notes a store that failed to
// write.
type logger struct {
	log         *slog.Logger
	fatal       atomic.Pointer[string]
	storeFailed atomic.Bool
}

func (l *logger) Noticef(format string, v ...any) {
	l.log.Debug("nats-server: " + fmt.Sprintf(format, v...))
}
func (l *logger) Warnf(format string, v ...any) {
	l.log.Warn("nats-server: " + fmt.Sprintf(format, v...))
}
func (l *logger) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if storeFailure(msg) {
		l.storeFailed.Store(true)
	}
	l.log.Error("nats-server: " + msg)
}

// storeFailure reports whether a nats-server error says that JetStream
// failed to write its store, which it does not recover from by itself
// (the messages of nats-server v2.15's stream.go, filestore.go and
// jetstream.go).
func storeFailure(msg string) bool {
	return strings.Contains(msg, "failed to store a msg") ||
		strings.Contains(msg, "Critical write error") ||
		strings.Contains(msg, "will be DISABLED")
}
func (l *logger) Debugf(format string, v ...any) {}
func (l *logger) Tracef(format string, v ...any) {}
func (l *logger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.fatal.CompareAndSwap(nil, &msg)
	l.log.Error("nats-server: " + msg)
}

// Start runs the server and waits until it accepts connections. The
// server's watch ends when it shuts down.
func Start(cfg Config) (*Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("natsembed: empty data dir")
	}
	store := filepath.Join(cfg.Dir, "jetstream")
	if err := writable(store); err != nil {
		return nil, fmt.Errorf("natsembed: data dir %s: %w", cfg.Dir, err)
	}
	// Every client logs in (auth.go): the passwords of docketd and of
	// the reader, generated at first start.
	a := &authenticator{private: cfg.Private}
	for _, u := range []struct {
		name string
		to   *[]byte
	}{{DocketdUser, &a.docketd}, {ReaderUser, &a.reader}} {
		p, err := loadPassword(cfg.Dir, u.name)
		if err != nil {
			return nil, fmt.Errorf("natsembed: %w", err)
		}
		*u.to = []byte(p)
	}
	opts := &server.Options{
		ServerName:                 "docketd-embedded",
		CustomClientAuthentication: a,
		JetStream:                  true,
		StoreDir:                   store,
		NoSigs:                     true,
		NoLog:                      true,
		SyncAlways:                 cfg.SyncAlways,
		SyncInterval:               cfg.SyncInterval,
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
	w := &Server{Server: s, dir: cfg.Dir, opts: opts.Clone(), log: l, done: make(chan struct{}), auth: a}
	go func() {
		s.WaitForShutdown()
		close(w.done)
	}()
	go w.watch(watchEvery)
	go a.sweepTokens(s, tokenSweep, w.done)
	return w, nil
}

// ConnectOptions are the options of a connection in this process that
// logs in as docketd's own user (every permission): pass them to
// nats.Connect with the URL "".
func (s *Server) ConnectOptions() []nats.Option {
	return []nats.Option{nats.InProcessServer(s), nats.UserInfo(DocketdUser, string(s.auth.docketd))}
}

// AcceptTokens lets emitters log in with their API token from now on
// (nats.Token): look tells a valid emitter token, and what it binds. Until
// it is called, and for any other token, a token is refused.
func (s *Server) AcceptTokens(look Tokens) {
	s.auth.tokens.Store(&look)
}

// Health says why the event store cannot take writes now, or nil: its
// disk is full or read-only, JetStream is off, or its store failed to
// write and has not been restarted yet.
func (s *Server) Health() error {
	if err := Storage(s.dir); err != nil {
		return err
	}
	if !s.JetStreamEnabled() {
		return errors.New("JetStream is off after a failure to write its store")
	}
	if s.log.storeFailed.Load() {
		return errors.New("JetStream failed to write its store and is being restarted")
	}
	return nil
}

// Restarts is how many times the watch restarted JetStream.
func (s *Server) Restarts() int64 { return s.restarts.Load() }

// watch restarts JetStream once the data dir takes writes again, if its
// store failed to write or JetStream is off. (nats-server logs a repeated
// store failure again after a second, so a failure after a restart is
// seen too.) A full disk whose stores did not fail needs no restart:
// appends resume by themselves.
func (s *Server) watch(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if !s.log.storeFailed.Load() && s.JetStreamEnabled() {
			continue
		}
		if Storage(s.dir) != nil {
			continue // still full or read-only
		}
		s.restart()
	}
}

// restart shuts JetStream down and starts it again from its files, by a
// reload of the server's own options (nats-server re-enables a JetStream
// turned off at run time on a reload).
func (s *Server) restart() {
	why := "it was off"
	if s.log.storeFailed.Load() {
		why = "its store failed to write"
	}
	s.log.storeFailed.Store(false)
	start := time.Now()
	if s.JetStreamEnabled() {
		if err := s.ShutdownJetStream(); err != nil {
			s.log.log.Error("nats-server: cannot stop JetStream to restart it", "err", err)
			s.log.storeFailed.Store(true)
			return
		}
	}
	if err := s.ReloadOptions(s.opts.Clone()); err != nil || !s.JetStreamEnabled() {
		s.log.log.Error("nats-server: cannot restart JetStream; retrying", "err", err)
		s.log.storeFailed.Store(true)
		return
	}
	s.restarts.Add(1)
	s.log.log.Warn("nats-server: JetStream restarted from its files: "+why+" and the disk takes writes again", "took", time.Since(start).Round(time.Millisecond))
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
