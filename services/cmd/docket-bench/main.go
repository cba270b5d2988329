// Command docket-bench prints append throughput on this machine (make bench).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/docketledger/docket/services/internal/bench"
)

func main() {
	var cfg bench.Config
	flag.IntVar(&cfg.Events, "n", 200000, "events per scenario")
	flag.IntVar(&cfg.SyncEvents, "sync-n", 20000, "events per fsync-always scenario")
	flag.IntVar(&cfg.Batch, "batch", 500, "events per batch")
	flag.IntVar(&cfg.Subjects, "subjects", 1000, "distinct data subjects")
	flag.IntVar(&cfg.Clients, "clients", 4, "concurrent Append API clients")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if cfg.Events < cfg.Batch || cfg.SyncEvents < cfg.Batch || cfg.Batch < 1 || cfg.Batch > 1000 || cfg.Subjects < 1 || cfg.Clients < 1 {
		fmt.Fprintln(os.Stderr, "docket-bench: -n and -sync-n must be at least -batch; -batch 1 to 1000; -subjects and -clients at least 1")
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
	if err := bench.Run(context.Background(), cfg, os.Stdout); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "docket-bench:", err)
		os.Exit(1)
	}
}
