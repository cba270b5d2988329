package cli

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/spf13/cobra"
)

func newProjectionsCmd() *cobra.Command {
	return group("projections", "rebuild: replay the stream into fresh read models and switch to them", newRebuildCmd())
}

// newRebuildCmd replays the stream into a fresh generation of the read
// models and switches to it; a running docketd follows within seconds, and
// queries keep working meanwhile.
func newRebuildCmd() *cobra.Command {
	var store string
	var quiet bool
	var partitions int
	c := newCommand("rebuild [flags]", "replay the stream into a fresh generation of the read models and switch to it", args(), nil)
	c.Flags().StringVar(&store, "store", "sqlite:data/readmodels.db", "read-model store: sqlite:PATH or a postgres:// URL (as docketd's --store)")
	conn := readerFlags(c, "docket-rebuild", DefaultNATS, "NATS server holding the DOCKET stream")
	quietFlag(c, &quiet)
	c.Flags().IntVar(&partitions, "partitions", 1, "projectors sharing the rebuild, one per partition of the data subjects (PostgreSQL only; as docketd's --projector-partitions)")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx, stdout, stderr := cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr()
		if err := conn.check(); err != nil {
			return err
		}
		kind, _, err := config.ParseStoreDSN(store)
		if err != nil {
			return fmt.Errorf("--%w", err)
		}
		if err := config.CheckPartitions(partitions, kind); err != nil {
			return fmt.Errorf("--partitions: %w", err)
		}
		js, closeConn, err := conn.jetStream()
		if err != nil {
			return err
		}
		defer closeConn()
		backend, err := readmodels.OpenBackend(ctx, store)
		if err != nil {
			return err
		}
		defer backend.Close()
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		bar := func(p readmodels.Progress) {
			if !quiet {
				fmt.Fprintf(stderr, "\r%s", progressLine(p))
			}
		}
		gen, err := readmodels.Rebuild(ctx, backend, js, projector.Config{Partitions: partitions}, log, 250*time.Millisecond, bar)
		if !quiet {
			fmt.Fprintln(stderr)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "read models rebuilt as generation %d and switched to it\n", gen)
		return nil
	}
	return c
}

// quietFlag declares --quiet, of the commands that show a progress bar.
func quietFlag(c *cobra.Command, quiet *bool) {
	c.Flags().BoolVarP(quiet, "quiet", "q", false, "no progress bar")
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
