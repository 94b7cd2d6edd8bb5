package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

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
	proto := addProtocolFlags(fs, "imap or pop3")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *archiveDir == "" {
		return required(fs, "--archive DIR", "")
	}
	l := gate.ParseLang(*lang)
	isPOP, ok := proto.pop(fs)
	if !ok {
		return ExitUsage
	}
	// The server's or the mailbox's verification, then the gate's verdict
	// on the same connection settings.
	gopts := gate.GateOptions{ArchiveDir: *archiveDir}
	var verify func(progress.Sink) (gate.Result, error)
	if isPOP {
		cfg, err := conn.pop3Config(env, proto.auth)
		if err != nil {
			return fail(env.Stderr, err, *verbose)
		}
		gopts.POP3 = &cfg
		verify = func(sink progress.Sink) (gate.Result, error) {
			return gate.VerifyPOP3(ctx, gate.VerifyPOP3Options{Conn: cfg, ArchiveDir: *archiveDir, Deep: *deep, Progress: sink})
		}
	} else {
		cfg, err := conn.config(env)
		if err != nil {
			return fail(env.Stderr, err, *verbose)
		}
		gopts.Conn = cfg
		verify = func(sink progress.Sink) (gate.Result, error) {
			return gate.Verify(ctx, gate.VerifyOptions{Conn: cfg, ArchiveDir: *archiveDir, Deep: *deep, Progress: sink})
		}
	}
	d := newDisplay(env, *quiet)
	res, err := verify(d.sink)
	d.done()
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	gopts.Stores = sf.search(env)
	v, err := gate.Check(ctx, gopts)
	switch {
	case *jsonOut:
		printJSON(env.Stdout, struct {
			Verification gate.Result  `json:"verification"`
			Verdict      gate.Verdict `json:"verdict"`
		}{res, v})
	case *quiet:
		printVerdict(env.Stdout, v, l)
	default:
		printVerification(env.Stdout, res, l)
		if !res.OK() && isPOP {
			fmt.Fprintln(env.Stdout, l.Label("cli.pop3.again"))
		}
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

// printVerification prints the folder table and what was found, in lang
// (the server's and the archive's names as they are).
func printVerification(w io.Writer, r gate.Result, l gate.Lang) {
	t := newTable(l.Label("folder"), l.Label("onserver"), l.Label("inarchive"), l.Label("verified"), l.Label("size")).alignRight(1, 2, 3, 4)
	for _, f := range r.Folders {
		name := safe(f.Name)
		switch {
		case !f.Current && f.InArchive:
			name += " (" + labelf(l, "older", "uidvalidity", fmt.Sprint(f.UIDValidity)) + ")"
		case !f.OnServer:
			name += " (" + l.Label("notonserver") + ")"
		case !f.InArchive:
			name += " (" + strings.ToUpper(l.Label("notinarchive")) + ")"
		}
		server := "-"
		if f.OnServer {
			server = fmt.Sprint(f.ServerMessages)
		}
		t.add(name, server, fmt.Sprint(f.Archived), fmt.Sprint(f.Verified), progress.Bytes(f.ArchivedBytes))
	}
	t.write(w)
	how := l.Label("shallow")
	if r.Deep {
		how = l.Label("deep")
	}
	fmt.Fprintln(w, labelf(l, "cli.verified", "verified", fmt.Sprint(r.Verified), "how", how,
		"messages", fmt.Sprint(r.Messages), "bytes", progress.Bytes(r.Bytes)))
	printDiscrepancies(w, l.Label("cli.problem"), r.Problems, l)
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, labelf(l, "cli.notes", "count", fmt.Sprint(len(r.Notes))))
		printDiscrepancies(w, l.Label("cli.note"), r.Notes, l)
	}
}

// labelf is the report's word for key in l with {name} filled from kv.
func labelf(l gate.Lang, key string, kv ...string) string {
	return strings.NewReplacer(kv2braces(kv)...).Replace(l.Label(key))
}

func kv2braces(kv []string) []string {
	out := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, "{"+kv[i]+"}", kv[i+1])
	}
	return out
}

func printDiscrepancies(w io.Writer, label string, ds []gate.Discrepancy, l gate.Lang) {
	for i, d := range ds {
		if i == maxListed {
			fmt.Fprintln(w, labelf(l, "problems.more", "count", fmt.Sprint(len(ds)-maxListed)))
			break
		}
		text := d.Detail // English: the engine's own words, with uid and offsets
		if l != gate.English {
			text = d.Text(l)
		}
		fmt.Fprintf(w, "%s: %s\n", label, safe(text))
	}
}

// printVerdict prints the headline and every condition, in lang.
func printVerdict(w io.Writer, v gate.Verdict, lang gate.Lang) {
	switch {
	case v.Open && v.Live:
		fmt.Fprintf(w, "%s\n", lang.Label("safe"))
	case v.Open:
		// Never "safe" from the archive's records alone: the server was
		// not asked now.
		fmt.Fprintf(w, "%s: %s\n", lang.Label("unchecked"), lang.Label("unchecked.sub"))
	default:
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
		if step := conditionStep[c.ID+"."+c.Code]; step != "" {
			fmt.Fprintf(w, "       → %s\n", step)
		}
		for i, d := range c.Details {
			if i == 5 {
				fmt.Fprintf(w, "         ...\n")
				break
			}
			fmt.Fprintf(w, "         %s\n", safe(d.Text(lang)))
		}
	}
}

// conditionStep is the command-line next step of a gate condition that is
// not met, where the condition's words cannot name it (the window shows a
// button instead).
var conditionStep = map[string]string{
	gate.CondVerified + ".damaged": "Run mailark repair --archive DIR (it mends each damaged copy from the other), then mailark verify.",
}
