// Command docket is the Docket command line: append events, follow the
// stream, load the demo data set.
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
