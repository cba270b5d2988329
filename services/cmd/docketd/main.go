// Command docketd is the Docket ledger daemon: the events stream (on an
// embedded NATS server by default), the Append API and the NATS door, the
// projector and the read models, the notary, the sagas (Art. 19 notices,
// erasure, retention), the Query, Audit, Rights, Status and Token APIs, and
// the web console. main reads the flags and environment into a
// config.Config; package daemon wires the parts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/daemon"
	"github.com/docketledger/docket/services/internal/natsembed"
)

func main() {
	if err := run(); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "docketd:", err)
			os.Exit(1)
		}
	}
}

func run() error {
	cfg, err := config.Load(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := daemon.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	fmt.Printf("docketd: API (gRPC, gRPC-Web, JSON) on %s\n", d.APIURL())
	fmt.Printf("docketd: console on %s/   (sign in with a token: the first one is in %s)\n", d.APIURL(), filepath.Join(cfg.DataDir, "keys", "admin.token"))
	switch u := d.NATSURL(); {
	case u != "" && cfg.Embedded():
		tail := "docket tail --nats-url " + u
		if cfg.DataDir != "data" { // docket's default
			tail += " --data-dir " + cfg.DataDir
		}
		fmt.Printf("docketd: NATS on %s   (%s logs in as %s with %s)\n",
			u, tail, natsembed.ReaderUser, natsembed.PasswordFile(cfg.DataDir, natsembed.ReaderUser))
	case u != "":
		fmt.Printf("docketd: NATS on %s\n", u)
	default:
		fmt.Println("docketd: no NATS listener   (--nats-listen 127.0.0.1:4222 opens one, for docket tail)")
	}
	select {
	case <-ctx.Done():
	case err := <-d.Served():
		log.Error("api server stopped", "err", err)
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return d.Shutdown(sctx)
}
