// Command mailark keeps a complete copy of a mail account before it goes
// away. With no arguments it opens the window (app); `mailark demo` opens it
// on the built-in demo account; any other subcommand runs the command line
// (internal/cli).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/mailark/mailark/app"
	_ "github.com/mailark/mailark/app/localeenv" // before Fyne reads the locale
	"github.com/mailark/mailark/internal/cli"
)

func main() {
	// First: a password in MAILARK_PASSWORD must not stay in the process's
	// environment (this may start the program again without it).
	if warning := cli.HidePasswords(); warning != "" {
		fmt.Fprintln(os.Stderr, "mailark: warning:", warning)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// setVersion gives the command line the version of FyneApp.toml.
func setVersion() { cli.Version = version() }

func run(ctx context.Context, args []string) int {
	setVersion()
	opts := app.Options{Version: cli.Version, Script: os.Getenv("MAILARK_GUI_SCRIPT") == "1",
		ScreenshotDir: os.Getenv("MAILARK_SCREENSHOT_DIR")}
	switch {
	case len(args) == 0 && hasDisplay():
		return exit(app.Run(ctx, opts))
	case len(args) == 0:
		fmt.Fprintln(os.Stderr, "No display found: the window cannot open. The command line:")
	case args[0] == "demo":
		// The window opens for a bare `mailark demo` where there is a
		// display; any flag (--no-gui, --archive, -h) is the terminal
		// demo's, which lists them all.
		if len(args) == 1 && hasDisplay() {
			return exit(app.RunDemo(ctx, opts))
		}
		if len(args) == 1 {
			fmt.Println("No display found: running the terminal demo.")
		}
	}
	return cli.Main(ctx, cli.OSEnv(), args)
}

// hasDisplay reports whether a window can open: on Linux and the BSDs an X11
// or Wayland display must be set.
func hasDisplay() bool {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

func exit(err error) int {
	if err != nil {
		fmt.Fprintln(os.Stderr, "mailark:", err)
		return cli.ExitError
	}
	return cli.ExitOK
}
