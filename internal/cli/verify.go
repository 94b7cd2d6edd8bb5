package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/progress"
)

// Exit codes of verify and remove, besides ExitOK, ExitError, ExitUsage and
// ExitCancelled.
const (
	// ExitGateClosed: the removal gate is closed (not yet safe to remove the
	// account); the reasons were printed. verify and remove.
	ExitGateClosed = 4
	// ExitNotConfirmed: remove --delete-from-server without the exact
	// account name typed (or given to --confirm); nothing was deleted.
	ExitNotConfirmed = 5
)

// maxListed is how many discrepancies a command prints; all are stored in
// the archive and the report lists more.
const maxListed = 30

func addLangFlag(fs *flag.FlagSet, env *Env) *string {
	return fs.String("lang", string(gate.LangFromEnv(env.Getenv)), "language of the verdict and the report: en or ja (default from LANG)")
}

func runVerify(ctx context.Context, env *Env, args []string) int {
	// --destination checks the new account instead: every archived message
	// must be there (migrate --check, with its --to-* flags).
	for i, a := range args {
		if a == "--destination" || a == "-destination" {
			rest := append(append([]string{"--check"}, args[:i]...), args[i+1:]...)
			return runMigrate(ctx, env, rest)
		}
	}
	fs := newFlags(env, "verify", "--host H --user U --archive DIR [--deep] [flags]\n\n"+
		"Exit status: 0 safe to remove the account; 4 not yet (every reason is printed); 1 error; 2 bad command line; 130 stopped.")
	conn := addConnFlags(fs, "", "MAILARK_PASSWORD")
	archiveDir := fs.String("archive", "", "archive folder to verify")
	sf := addStoreFlags(fs)
	deep := fs.Bool("deep", false, "fetch every message again and compare its bytes (slower; reads the whole account)")
	quiet := fs.Bool("quiet", false, "print only the verdict")
	jsonOut := fs.Bool("json", false, "print the verification and the verdict as JSON on standard output")
	verbose := fs.Bool("verbose", false, "print error details")
	lang := addLangFlag(fs, env)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *archiveDir == "" {
		fmt.Fprintln(env.Stderr, "mailark verify: --archive DIR is required")
		return ExitUsage
	}
	cfg, err := conn.config(env)
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	d := newDisplay(env, *quiet)
	res, err := gate.Verify(ctx, gate.VerifyOptions{Conn: cfg, ArchiveDir: *archiveDir, Deep: *deep, Progress: d.sink})
	d.done()
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	v, err := gate.Check(ctx, gate.GateOptions{Conn: cfg, ArchiveDir: *archiveDir, Stores: sf.search(env)})
	l := gate.ParseLang(*lang)
	switch {
	case *jsonOut:
		printJSON(env.Stdout, struct {
			Verification gate.Result  `json:"verification"`
			Verdict      gate.Verdict `json:"verdict"`
		}{res, v})
	case *quiet:
		printVerdict(env.Stdout, v, l)
	default:
		printVerification(env.Stdout, res)
		fmt.Fprintln(env.Stdout)
		printVerdict(env.Stdout, v, l)
	}
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	if !v.Open {
		return ExitGateClosed
	}
	return ExitOK
}

func printVerification(w io.Writer, r gate.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "folder\t on server\t archived\t verified\t size\t")
	for _, f := range r.Folders {
		name := safe(f.Name)
		switch {
		case !f.Current && f.InArchive:
			name += fmt.Sprintf(" (older generation, UIDVALIDITY %d)", f.UIDValidity)
		case !f.OnServer:
			name += " (no longer on the server)"
		case !f.InArchive:
			name += " (NOT IN THE ARCHIVE)"
		}
		server := "-"
		if f.OnServer {
			server = fmt.Sprint(f.ServerMessages)
		}
		fmt.Fprintf(tw, "%s\t %s\t %d\t %d\t %s\t\n", name, server, f.Archived, f.Verified, progress.Bytes(f.ArchivedBytes))
	}
	tw.Flush()
	how := "sizes compared with the server, archive files re-read and hashed"
	if r.Deep {
		how = "every message fetched again and compared byte for byte"
	}
	fmt.Fprintf(w, "%d message(s) verified (%s); %d archived message(s), %s, checked.\n", r.Verified, how, r.Messages, progress.Bytes(r.Bytes))
	printDiscrepancies(w, "PROBLEM", r.Problems)
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "%d note(s) (the mail is safe in the archive):\n", len(r.Notes))
		printDiscrepancies(w, "note", r.Notes)
	}
}

func printDiscrepancies(w io.Writer, label string, ds []gate.Discrepancy) {
	for i, d := range ds {
		if i == maxListed {
			fmt.Fprintf(w, "... and %d more (all are stored in the archive; mailark report lists them)\n", len(ds)-maxListed)
			break
		}
		fmt.Fprintf(w, "%s: %s\n", label, safe(d.Detail))
	}
}

// printVerdict prints the headline and every condition, in lang.
func printVerdict(w io.Writer, v gate.Verdict, lang gate.Lang) {
	if v.Open {
		fmt.Fprintf(w, "%s\n", lang.Label("safe"))
	} else {
		fmt.Fprintf(w, "%s\n", lang.Label("notsafe"))
	}
	if s := v.OnlyHere(lang); s != "" {
		fmt.Fprintf(w, "%s\n", safe(s))
	}
	for _, c := range v.Conditions {
		mark := "[ok]"
		if !c.OK {
			mark = "[--]"
		}
		fmt.Fprintf(w, "  %s %s\n", mark, safe(c.Text(lang)))
		for i, d := range c.Details {
			if i == 5 {
				fmt.Fprintf(w, "         ...\n")
				break
			}
			fmt.Fprintf(w, "         %s\n", safe(d.Text(lang)))
		}
	}
}
