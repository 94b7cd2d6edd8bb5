// Command mailark keeps a complete copy of a mail account before it goes
// away. With a subcommand it runs the command line (internal/cli).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mailark/mailark/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.OSEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}
