// Command docket-bench prints throughput on this machine against raw
// baselines measured in the same run (make bench, make bench-large): the
// append paths, append on one nats-server vs a three-node cluster, the
// read side, the verifiable ledger and, with -only e2e, docketd end to end.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/docketledger/docket/services/internal/bench"
)

func main() {
	var cfg bench.Config
	flag.IntVar(&cfg.Events, "n", 200000, "events per scenario")
	flag.IntVar(&cfg.SyncEvents, "sync-n", 20000, "events per fsync-always scenario")
	flag.IntVar(&cfg.Batch, "batch", 500, "events per batch")
	flag.IntVar(&cfg.Subjects, "subjects", 1000, "distinct data subjects")
	flag.IntVar(&cfg.Clients, "clients", 4, "concurrent Append API clients")
	var read bench.ReadConfig
	flag.IntVar(&read.Events, "read-n", 1000000, "events for the read side (projection, queries)")
	flag.IntVar(&read.Queries, "queries", 2000, "queries per latency measurement")
	flag.IntVar(&read.Rate, "rate", 10000, "events/s for append-to-visible latency")
	flag.DurationVar(&read.Duration, "visible-for", 5*time.Second, "how long to measure append-to-visible latency")
	flag.IntVar(&read.Batch, "read-batch", 0, "projector catch-up batch, and raw-insert batch (0: the projector's default)")
	flag.BoolVar(&read.Postgres, "postgres", true, "also measure PostgreSQL (a throw-away cluster)")
	var ledger bench.LedgerConfig
	flag.IntVar(&ledger.Events, "ledger-n", 1000000, "events for the verifiable ledger (notary, verify log, proofs)")
	flag.IntVar(&ledger.Proofs, "proofs", 2000, "inclusion proofs generated and verified")
	var e2e bench.E2EConfig
	flag.IntVar(&e2e.Events, "e2e-n", 1000000, "events for the end-to-end run (-only e2e)")
	only := flag.String("only", "", `parts to run, comma-separated: "append", "door" (of append: raw, the Append API and the NATS door only), "cluster", "read", "ledger", "e2e"; default all but e2e`)
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if cfg.Events < cfg.Batch || cfg.SyncEvents < cfg.Batch || cfg.Batch < 1 || cfg.Batch > 1000 || cfg.Subjects < 1 || cfg.Clients < 1 {
		fmt.Fprintln(os.Stderr, "docket-bench: -n and -sync-n must be at least -batch; -batch 1 to 1000; -subjects and -clients at least 1")
		os.Exit(2)
	}
	if read.Events < 1 || read.Queries < 1 || read.Rate < 100 || read.Duration < time.Second || read.Batch < 0 || read.Batch > 100000 {
		fmt.Fprintln(os.Stderr, "docket-bench: -read-n and -queries must be at least 1; -rate at least 100; -visible-for at least 1s; -read-batch 0 to 100000")
		os.Exit(2)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "docket-bench:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "docket-bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	parts := map[string]bool{"append": true, "cluster": true, "read": true, "ledger": true}
	if *only != "" {
		parts = map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			switch p {
			case "append", "cluster", "read", "ledger", "e2e":
				parts[p] = true
			case "door":
				parts["door"] = true
			default:
				fmt.Fprintln(os.Stderr, `docket-bench: -only takes "append", "door", "cluster", "read", "ledger" and "e2e", comma-separated`)
				os.Exit(2)
			}
		}
	}
	if parts["door"] && !parts["append"] {
		parts["append"], cfg.DoorOnly = true, true
	}
	if e2e.Events < 1 {
		fmt.Fprintln(os.Stderr, "docket-bench: -e2e-n must be at least 1")
		os.Exit(2)
	}
	e2e.Queries, e2e.Postgres = read.Queries, read.Postgres
	if ledger.Events < 2 || ledger.Proofs < 1 {
		fmt.Fprintln(os.Stderr, "docket-bench: -ledger-n must be at least 2 and -proofs at least 1")
		os.Exit(2)
	}
	err := func() error {
		ctx := context.Background()
		if parts["append"] {
			if err := bench.Run(ctx, cfg, os.Stdout); err != nil {
				return err
			}
		}
		if parts["cluster"] {
			if err := bench.RunCluster(ctx, cfg, os.Stdout); err != nil {
				return fmt.Errorf("cluster: %w", err)
			}
		}
		if parts["read"] {
			if err := bench.RunRead(ctx, read, os.Stdout); err != nil {
				return err
			}
		}
		if parts["ledger"] {
			if err := bench.RunLedger(ctx, ledger, os.Stdout); err != nil {
				return err
			}
		}
		if parts["e2e"] {
			if err := bench.RunE2E(ctx, cfg, e2e, os.Stdout); err != nil {
				return fmt.Errorf("e2e: %w", err)
			}
		}
		return nil
	}()
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "docket-bench:", err)
		os.Exit(1)
	}
}
