package cli

import (
	"context"
	"fmt"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
)

// runReport writes the removal report. With the connection flags the gate
// is checked live; without, from what the archive recorded (the report says
// which). It exits 0 when the report is written and says the account is
// safe to remove (only ever after asking the server now), 4 when it is
// written and says not yet (or could not ask the server).
func runReport(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "report", "--archive DIR --html FILE --json FILE [--lang ja|en] [--host H --user U ...]\n\n"+
		"Without the connection flags the report is made from the archive's records and never says \"safe to remove\".\n"+
		"Exit status: 0 written, and safe to remove (the server was asked now); 4 written, not yet safe or not checked now;\n"+
		"1 error; 2 bad command line.")
	conn := addConnFlags(fs, "", "MAILARK_PASSWORD")
	archiveDir := fs.String("archive", "", "archive folder")
	sf := addStoreFlags(fs)
	htmlPath := fs.String("html", "", "write the printable report for the customer here")
	jsonPath := fs.String("json", "", "write the report for support tools here")
	verbose := fs.Bool("verbose", false, "print error details")
	lang := addLangFlag(fs, env)
	proto := addProtocolFlags(fs, "imap or pop3: how the server is asked, with the connection flags")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *archiveDir == "" || (*htmlPath == "" && *jsonPath == "") {
		fmt.Fprintln(env.Stderr, "mailark report: --archive DIR and at least one of --html FILE and --json FILE are required")
		return ExitUsage
	}
	isPOP, ok := proto.pop(fs)
	if !ok {
		return ExitUsage
	}
	var cfg imapconn.Config
	var popCfg *pop3.Config
	if conn.host != "" {
		var err error
		if cfg, err = conn.config(env); err != nil {
			return fail(env.Stderr, err, *verbose)
		}
		if isPOP {
			pc, err := pop3Of(cfg, proto.auth)
			if err != nil {
				return fail(env.Stderr, err, *verbose)
			}
			popCfg = &pc
		}
	}
	r, err := gate.BuildReport(ctx, gate.ReportOptions{ArchiveDir: *archiveDir, Conn: cfg, POP3: popCfg, Stores: sf.search(env)})
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	l := gate.ParseLang(*lang)
	for _, out := range []struct {
		path string
		save func(string) error
	}{
		{*htmlPath, func(p string) error { return r.SaveHTML(ctx, p, l) }},
		{*jsonPath, func(p string) error { return r.SaveJSON(ctx, p) }},
	} {
		if out.path == "" {
			continue
		}
		if err := out.save(out.path); err != nil {
			return fail(env.Stderr, err, *verbose)
		}
		fmt.Fprintf(env.Stdout, "Report written: %s\n", safe(out.path))
	}
	printVerdict(env.Stdout, r.Verdict, l)
	if !r.Verdict.Live {
		fmt.Fprintln(env.Stdout, l.Label("cli.offline"))
	}
	if !r.SafeToRemove {
		return ExitGateClosed
	}
	return ExitOK
}
