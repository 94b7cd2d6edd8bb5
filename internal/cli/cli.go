// Package cli is Mailark's command line: one function per subcommand, flags,
// a progress display and exit codes. It holds no mail logic.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes, documented in the README.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitFailures  = 3 // finished, but some messages could not be saved (repair: not repaired)
	ExitCancelled = 130
)

// Env is what a command may touch of the outside world; tests replace it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Unsetenv       func(string) error
	// IsTerminal reports whether the file descriptor is a terminal.
	IsTerminal func(fd int) bool
	// ReadPassword reads a password from the terminal without echo.
	ReadPassword func(prompt string) (string, error)

	// rawStderr is Stderr before Main wrapped it in a safeWriter: only the
	// progress bar writes to it, for its own control sequences.
	rawStderr io.Writer
}

// OSEnv is the real environment.
func OSEnv() *Env {
	return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: osGetenv,
		Unsetenv: osUnsetenv, IsTerminal: isTerminal, ReadPassword: readPassword}
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env *Env, args []string) int
}

func commands() []command {
	return []command{
		{"backup", "copy every message of every folder into a local archive", runBackup},
		{"demo", "run the whole flow against a built-in demo account (no real account needed)", runDemo},
		{"contacts", "list the people in the mail, or export them as vCard and CSV", runContacts},
		{"search", "search an archive (subject, people, text; Japanese too)", runSearch},
		{"stores", "list the mail apps' stores on this computer (Thunderbird, Apple Mail, mbox…): account, messages, dates", runStores},
		{"import", "copy a mail app's store (Thunderbird, Apple Mail, mbox, Maildir…) into the archive", runImport},
		{"show", "print one archived message (an id from search), or save it as .eml or its attachments", runShow},
		{"restore", "write every archived message back out as .eml files, from SQLite alone", runRestore},
		{"folders", "list an archive's folders and counts", runFolders},
		{"repair", "rebuild mbox files changed outside Mailark from SQLite, and SQLite from intact mbox files", runRepair},
		{"verify", "check the archive against the server; exits 0 only when it is safe to remove the account", runVerify},
		{"report", "write the removal report (HTML for the customer, JSON for support)", runReport},
		{"remove", "forget the account, and optionally delete the verified mail from the server, once it is safe", runRemove},
		{"migrate", "copy the archive into the new account (folders mapped, nothing twice)", runMigrate},
		{"desk", "support-desk mode: many customers' accounts from one queue, a live board, a report each", runDesk},
		{"announce", "draft \"my address has changed\" to your contacts in the new account (never sends)", runAnnounce},
	}
}

// Main runs the command line and returns the exit code. Everything the
// command writes passes through a safeWriter: no control character from a
// server or a message reaches the terminal.
func Main(ctx context.Context, env *Env, args []string) int {
	stdout, stderr := newSafeWriter(env.Stdout), newSafeWriter(env.Stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	wrapped := *env
	wrapped.Stdout, wrapped.Stderr, wrapped.rawStderr = stdout, stderr, env.Stderr
	return main(ctx, &wrapped, args)
}

func main(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(env.Stdout, "mailark", Version)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "mailark: unknown command %q. Run 'mailark help' for the list.\n", args[0])
	return ExitUsage
}

// Version is what `mailark version` prints; main sets it from FyneApp.toml.
var Version = "dev"

func usage(w io.Writer) {
	fmt.Fprintln(w, `Mailark keeps a complete copy of a mail account before it goes away.

Usage: mailark <command> [flags]

Commands:`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, `
The password is never a command-line argument: set MAILARK_PASSWORD, use
--password-file FILE, or type it at the prompt.

Run 'mailark <command> -h' for a command's flags.`)
}

// newFlags returns a FlagSet that reports errors to env.Stderr.
func newFlags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: mailark %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; it returns false with the exit code when the command
// should stop (help asked, or bad flags).
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	if fs.NArg() > 0 && !strings.HasPrefix(fs.Name(), "search") {
		fmt.Fprintf(fs.Output(), "mailark %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return ExitUsage, false
	}
	return 0, true
}

// required tells, as a usage error, that a flag (named with its value:
// "--archive DIR") was left out; why, when not empty, says what it is for.
func required(fs *flag.FlagSet, name, why string) int {
	if why != "" {
		why = " (" + why + ")"
	}
	fmt.Fprintf(fs.Output(), "mailark %s: %s is required%s\n", fs.Name(), name, why)
	return ExitUsage
}
