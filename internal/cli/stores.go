package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/progress"
)

// storeFlags are the flags of stores and import that say where to look.
type storeFlags struct {
	home, goos *string
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		home: fs.String("home", "", "look in the mail apps' default places under this home folder (a copy of an old disk); default: yours"),
		goos: fs.String("os", runtime.GOOS, "the default places of this system: linux, darwin (macOS) or windows (with --home, for a disk from another computer)"),
	}
}

// homeDir is --home, else the user's home folder.
func (sf storeFlags) homeDir(env *Env) string {
	if *sf.home != "" {
		return *sf.home
	}
	if h := env.Getenv("HOME"); h != "" {
		return h
	}
	if h := env.Getenv("USERPROFILE"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// search is where the removal gate looks for the account's stores.
func (sf storeFlags) search(env *Env) gate.StoreSearch {
	return gate.StoreSearch{Home: sf.homeDir(env), GOOS: *sf.goos}
}

// find returns the stores at paths, or in the default places.
func (sf storeFlags) find(env *Env, kind string, paths []string) ([]*mailstore.Store, []error) {
	var out []*mailstore.Store
	var errs []error
	if len(paths) == 0 {
		s, err := mailstore.FindAll(sf.homeDir(env), *sf.goos, kind)
		if err != nil {
			errs = append(errs, err)
		}
		return s, errs
	}
	for _, p := range paths {
		s, err := mailstore.ProbePath(p, kind)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		case len(s) == 0 && kind != "":
			errs = append(errs, fmt.Errorf("%s: not a %s store that Mailark recognises", p, kind))
		case len(s) == 0:
			errs = append(errs, fmt.Errorf("%s: no mail store that Mailark recognises (Thunderbird, Apple Mail, Outlook Express, Windows Live Mail, Becky!, mbox, Maildir, .eml)", p))
		}
		out = append(out, s...)
	}
	return out, errs
}

// parseWithPaths parses flags, leaving paths as arguments.
func parseWithPaths(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	return 0, true
}

// accountLine is how a store's account is shown: "taro@example.net
// (pop.example.net, POP)".
func accountLine(a mailstore.Account) string {
	if who := a.Line(); who != "" {
		return who
	}
	return "local folders"
}

func yearRange(sv *mailstore.Survey) string {
	if sv.Oldest.IsZero() {
		return "no dates"
	}
	return sv.Oldest.Format("2006-01-02") + " – " + sv.Newest.Format("2006-01-02")
}

func runStores(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "stores", "[--home DIR] [--os OS] [PATH...]")
	sf := addStoreFlags(fs)
	if code, ok := parseWithPaths(fs, args); !ok {
		return code
	}
	stores, errs := sf.find(env, "", fs.Args())
	for _, err := range errs {
		fmt.Fprintln(env.Stderr, "mailark:", safe(err.Error()))
	}
	if len(stores) == 0 {
		fmt.Fprintf(env.Stdout, "No mail-app store found under %s. Give the path of a store (a Thunderbird profile, a Mail folder, an mbox file…) to look there.\n",
			safe(sf.homeDir(env)))
		if len(errs) > 0 {
			return ExitError
		}
		return ExitOK
	}
	code := ExitOK
	for i, s := range stores {
		if i > 0 {
			fmt.Fprintln(env.Stdout)
		}
		fmt.Fprintf(env.Stdout, "%s — %s\n  %s\n", safe(s.App), safe(accountLine(s.Account)), safe(s.Path))
		if s.NotRead != "" {
			fmt.Fprintf(env.Stdout, "  %s, NOT READ: %s\n", progress.Bytes(s.Bytes), safe(s.NotRead))
			continue
		}
		sv, err := mailstore.SurveyStore(ctx, s)
		if err != nil {
			if ctx.Err() != nil {
				return fail(env.Stderr, ctx.Err(), false)
			}
			fmt.Fprintf(env.Stdout, "  cannot be read: %s\n", safe(err.Error()))
			code = ExitFailures
			continue
		}
		fmt.Fprintf(env.Stdout, "  %d folder(s), %d message(s)", sv.Folders, sv.Messages)
		if sv.Deleted > 0 {
			fmt.Fprintf(env.Stdout, " (%d marked deleted in the app, not yet removed)", sv.Deleted)
		}
		fmt.Fprintf(env.Stdout, ", %s, %s\n", progress.Bytes(s.Bytes), yearRange(sv))
		for _, e := range sv.Errors {
			fmt.Fprintf(env.Stdout, "  FOLDER NOT READ: %s\n", safe(e.Error()))
			code = ExitFailures
		}
		fmt.Fprintf(env.Stdout, "  import: mailark import --archive DIR --from %s %s\n", s.Kind, shellQuote(s.Path))
	}
	return code
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"\\$`!*?[]{}()<>|&;#~\t") {
		return safe(s)
	}
	return safe("'" + strings.ReplaceAll(s, "'", `'\''`) + "'")
}

func runImport(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "import", "--archive DIR --from APP [--home DIR] [PATH...]")
	dir := fs.String("archive", "", "archive folder (created if missing; private to you)")
	from := fs.String("from", "", "the app or format: thunderbird, apple-mail, outlook-express, windows-live-mail, becky, mbox, maildir, eml")
	quiet := fs.Bool("quiet", false, "print only problems and the summary")
	verbose := fs.Bool("verbose", false, "print error details")
	sf := addStoreFlags(fs)
	if code, ok := parseWithPaths(fs, args); !ok {
		return code
	}
	if *dir == "" {
		return required(fs, "--archive DIR", "the folder to keep the copy in")
	}
	var kinds []string
	for _, f := range mailstore.Formats() {
		kinds = append(kinds, f.Kind())
	}
	if *from == "" && fs.NArg() == 0 {
		fmt.Fprintf(env.Stderr, "mailark import: say which app with --from (%s), or give the store's path\n", strings.Join(kinds, ", "))
		return ExitUsage
	}
	if *from != "" && mailstore.Lookup(*from) == nil {
		fmt.Fprintf(env.Stderr, "mailark import: Mailark cannot read %q stores; it reads: %s\n", safe(*from), strings.Join(kinds, ", "))
		return ExitUsage
	}
	stores, errs := sf.find(env, *from, fs.Args())
	for _, err := range errs {
		fmt.Fprintln(env.Stderr, "mailark:", safe(err.Error()))
	}
	if len(stores) == 0 {
		if len(errs) == 0 {
			fmt.Fprintf(env.Stderr, "mailark import: no %s store found under %s; give its path\n", safe(*from), safe(sf.homeDir(env)))
		}
		return ExitError
	}
	a, err := archive.Open(ctx, *dir, archive.Options{})
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	defer a.Close()
	d := newDisplay(env, *quiet)
	code := ExitOK
	if len(errs) > 0 {
		code = ExitFailures
	}
	for _, s := range stores {
		if s.NotRead != "" {
			fmt.Fprintf(env.Stdout, "NOT READ: %s %s: %s\n", safe(s.App), safe(s.Path), safe(s.NotRead))
			code = ExitFailures
			continue
		}
		sum, err := backup.Import(ctx, a, s, backup.ImportOptions{Progress: d.sink})
		d.done()
		printImport(env.Stdout, sum)
		if err != nil {
			return fail(env.Stderr, err, *verbose)
		}
		if !sum.Whole() {
			code = ExitFailures
		}
	}
	if code == ExitFailures {
		fmt.Fprintln(env.Stderr, "mailark: some mail was not imported (listed above). Close the mail app and run the same command again; what was imported stays.")
	}
	return code
}

func printImport(w io.Writer, s *backup.ImportSummary) {
	label := s.Store.App + " " + s.Store.Path
	if s.Source != nil {
		label = s.Source.Label
	}
	fmt.Fprintf(w, "%s — %s\n", safe(label), safe(accountLine(s.Store.Account)))
	if len(s.Folders) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "folder\t new\t already archived\t failed\t incomplete in the app\t")
		for _, f := range s.Folders {
			name := safe(f.Name)
			if f.Unchanged {
				name += " (unchanged since the last import)"
			}
			fmt.Fprintf(tw, "%s\t %d\t %d\t %d\t %d\t\n", name, f.Added, f.Skipped, f.Failed, f.Partial)
		}
		tw.Flush()
	}
	for _, f := range s.Folders {
		if f.Err != nil {
			fmt.Fprintf(w, "FOLDER NOT READ: %s: %s\n", safe(f.Name), safe(f.Err.Error()))
		}
	}
	for _, p := range s.Partials {
		fmt.Fprintf(w, "INCOMPLETE IN THE APP (archived as it is): %s\n", safe(p))
	}
	for _, p := range s.Warnings {
		fmt.Fprintf(w, "FLAGS NOT READ (message archived): %s\n", safe(p))
	}
	fmt.Fprintf(w, "%d new message(s), %s; %d already in the archive", s.Added, progress.Bytes(s.Bytes), s.Skipped)
	if s.Failed > 0 {
		fmt.Fprintf(w, "; %d could not be read", s.Failed)
	}
	fmt.Fprintln(w)
}
