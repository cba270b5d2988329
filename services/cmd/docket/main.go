// Command docket is the Docket command line: append and follow events,
// query the read models, export, erase and prove, verify the log. Its
// commands are in services/internal/cli; `docket --help` lists them. It
// exits 0 when done, 1 when a verification found a difference, 2 on a
// usage error or a failure to check.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/docketledger/docket/services/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
