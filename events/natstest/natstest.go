// Package natstest starts real, in-process NATS servers with JetStream for
// tests: one per test, on a random loopback port, with its store in a
// temporary directory, shut down when the test ends.
//
// It is a module of its own, so that the events module (the SDK) does not
// require nats-server. The events module's tests that need a server live in
// this module too, under the name of the package they test:
// natstest/events (the Emitter, EnsureStream, Head, OpenValues, and the
// Emitter's example and benchmark) and natstest/keys (the store on a NATS
// key-value bucket, with the keystest suites of the store, the Keyring and
// Rewrap run on it).
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Start runs a JetStream server for the test. Each option edits the server
// options before start (set StoreDir to reuse a store across restarts).
func Start(tb testing.TB, opts ...func(*server.Options)) *server.Server {
	tb.Helper()
	o := &server.Options{
		ServerName: "docket-test",
		Host:       "127.0.0.1",
		Port:       -1,
		JetStream:  true,
		StoreDir:   tb.TempDir(),
		NoLog:      true,
		NoSigs:     true,
	}
	for _, opt := range opts {
		opt(o)
	}
	s, err := server.NewServer(o)
	if err != nil {
		tb.Fatalf("natstest: new server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		tb.Fatal("natstest: server not ready in 10s")
	}
	tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// Connect opens a client connection and a JetStream context to s, closed
// when the test ends.
func Connect(tb testing.TB, s *server.Server) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect(s.ClientURL(), nats.Name("natstest"))
	if err != nil {
		tb.Fatalf("natstest: connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("natstest: jetstream: %v", err)
	}
	return nc, js
}
