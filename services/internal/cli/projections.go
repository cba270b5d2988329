package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/nats-io/nats.go/jetstream"
)

// Projections runs `docket projections SUBCOMMAND`.
func Projections(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprintln(stderr, "usage: docket projections rebuild [flags]")
		return errUsage
	}
	return rebuild(ctx, args[1:], stdout, stderr)
}

// rebuild replays the stream into a fresh generation of the read models and
// switches to it; a running docketd follows within seconds, and queries
// keep working meanwhile.
func rebuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("projections rebuild", stderr)
	store := fs.String("store", "sqlite:data/readmodels.db", "read-model store: sqlite:PATH or a postgres:// URL (as docketd's --store)")
	conn := readerFlags(fs, "docket-rebuild", DefaultNATS, "NATS server holding the DOCKET stream")
	quiet := fs.Bool("quiet", false, "no progress bar")
	partitions := fs.Int("partitions", 1, "projectors sharing the rebuild, one per partition of the data subjects (PostgreSQL only; as docketd's --projector-partitions)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := conn.check(); err != nil {
		return err
	}
	kind, _, err := config.ParseStoreDSN(*store)
	if err != nil {
		return fmt.Errorf("--%w", err)
	}
	if err := config.CheckPartitions(*partitions, kind); err != nil {
		return fmt.Errorf("--partitions: %w", err)
	}
	nc, err := conn.connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	backend, err := readmodels.OpenBackend(ctx, *store)
	if err != nil {
		return err
	}
	defer backend.Close()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	bar := func(p readmodels.Progress) {
		if *quiet {
			return
		}
		fmt.Fprintf(stderr, "\r%s", progressLine(p))
	}
	gen, err := readmodels.Rebuild(ctx, backend, js, projector.Config{Partitions: *partitions}, log, 250*time.Millisecond, bar)
	if !*quiet {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "read models rebuilt as generation %d and switched to it\n", gen)
	return nil
}

// progressLine renders a progress bar: events done, rate, time left.
func progressLine(p readmodels.Progress) string {
	const width = 30
	frac := 1.0
	if p.Total > 0 {
		frac = min(float64(p.Done)/float64(p.Total), 1)
	}
	n := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%%  %d/%d events  %.0f/s  %s left",
		strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, p.Done, p.Total, p.Rate, p.Remaining().Round(time.Second))
}
