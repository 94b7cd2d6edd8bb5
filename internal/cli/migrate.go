package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/migrate"
)

// runMigrate copies the archive into the new account (the connection flags
// with a "to-" prefix), or with --show-mapping prints where each folder
// would go, or with --check checks that every archived message is there.
func runMigrate(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "migrate", "--archive DIR --to-host H --to-user U [--map OLD=NEW]... [--show-mapping | --check [--deep]] [flags]\n\n"+
		"Copies the archive (not the old server) into the new account; a rerun adds nothing twice.\n"+
		"Refuses an archive that is not a verified, complete copy of the old account (the last backup stopped or\n"+
		"failed, or it was never verified) unless --from-incomplete-backup is given.\n"+
		"The new account's password: MAILARK_TO_PASSWORD, --to-password-file or a prompt.\n"+
		"Exit status: 0 every message is in the new account; 3 some messages were refused (listed) or, with --check,\n"+
		"are missing, or the archive is not the whole old account; 4 refused: the archive is not a verified, complete copy;\n"+
		"1 error (also: the new account is full); 2 bad command line; 130 stopped (run again to continue).")
	conn := addConnFlags(fs, "to-", "MAILARK_TO_PASSWORD")
	archiveDir := fs.String("archive", "", "archive folder to copy from")
	var maps multiFlag
	fs.Var(&maps, "map", "put an archive folder (and those under it) elsewhere: OLD=NEW, NEW written with the new server's delimiter (repeatable)")
	showMapping := fs.Bool("show-mapping", false, "print where each folder would go and copy nothing")
	oldGens := fs.Bool("old-generations", false, "also copy older folder generations (kept when the old server changed UIDVALIDITY), as \"NAME (uidvalidity N)\"")
	check := fs.Bool("check", false, "copy nothing: check that every archived message is in the new account")
	deep := fs.Bool("deep", false, "with --check: fetch every message from the new account and compare its bytes")
	conns := fs.Int("connections", 0, "connections that copy at once (default: 1 to a server within 5 ms, else 4; more help over a slow link, if the provider allows them)")
	inFlight := fs.Int("in-flight", 0, "APPENDs sent on each connection before waiting for answers (default 16)")
	incomplete := fs.Bool("from-incomplete-backup", false, "copy even when the archive is not a verified, complete copy of the old account (the last backup stopped or failed, or it was never verified); what it lacks is not copied")
	quiet := fs.Bool("quiet", false, "print only problems and the summary")
	jsonOut := fs.Bool("json", false, "print the result as JSON on standard output")
	verbose := fs.Bool("verbose", false, "print error details")
	lf := addLimitFlags(fs, env, "Gmail takes 500 MB a day")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *archiveDir == "" {
		return required(fs, "--archive DIR", "the archive made by mailark backup")
	}
	opts := migrate.CopyOptions{ArchiveDir: *archiveDir, OldGenerations: *oldGens, Deep: *deep, InFlight: *inFlight, Connections: *conns,
		FromIncompleteBackup: *incomplete}
	for _, m := range maps {
		o, err := migrate.ParseMappingOverride(m)
		if err != nil {
			fmt.Fprintln(env.Stderr, "mailark migrate:", safe(userMessageFor(conn.prefix, err)))
			return ExitUsage
		}
		opts.Map = append(opts.Map, o)
	}
	cfg, err := conn.config(env)
	if err != nil {
		return failFor(conn.prefix, env.Stderr, err, *verbose)
	}
	opts.Conn = cfg
	if opts.Limits, err = lf.table(); err != nil {
		return failFor(conn.prefix, env.Stderr, err, *verbose)
	}
	opts.WaitForBudget = *lf.wait
	d := newDisplay(env, *quiet)
	d.lang = gate.ParseLang(*lf.lang)
	opts.Progress = d.sink
	switch {
	case *showMapping:
		plan, err := migrate.CopyMapping(ctx, opts)
		if err != nil {
			return failFor(conn.prefix, env.Stderr, err, *verbose)
		}
		if *jsonOut {
			printJSON(env.Stdout, plan)
		} else {
			printMapping(env.Stdout, plan)
		}
		return ExitOK
	case *check:
		res, err := migrate.CheckDestination(ctx, opts)
		d.done()
		if err != nil {
			return failFor(conn.prefix, env.Stderr, err, *verbose)
		}
		if *jsonOut {
			printJSON(env.Stdout, res)
		} else {
			printCopyCheck(env.Stdout, res)
		}
		if !res.OK() {
			return ExitFailures
		}
		if !res.Source.Complete && !*incomplete {
			fmt.Fprintln(env.Stderr, "mailark: every archived message is in the new account, but the archive is not the whole old account (see above).")
			return ExitFailures
		}
		return ExitOK
	}
	sum, err := migrate.Copy(ctx, opts)
	d.done()
	if errors.Is(err, migrate.ErrIncompleteSource) {
		fmt.Fprintf(env.Stderr, "mailark: Nothing copied: the archive is not a verified, complete copy of the old account. %s "+
			"To copy what the archive holds anyway, add --from-incomplete-backup.\n", safe(sum.Source.Text(gate.English)))
		if *verbose {
			fmt.Fprintln(env.Stderr, "  detail:", safe(err.Error()))
		}
		return ExitGateClosed
	}
	if *jsonOut {
		printJSON(env.Stdout, sum)
	} else {
		printCopySummary(env.Stdout, sum)
	}
	switch {
	case errors.Is(err, migrate.ErrCopyQuota):
		fmt.Fprintf(env.Stderr, "mailark: The new account %s on %s is full: %d message(s), %s, are not copied yet. "+
			"Free space there or ask the provider for more, then run the same command again.\n", safe(sum.User), safe(sum.Host), sum.Left, progress.Bytes(sum.LeftBytes))
		if *verbose {
			fmt.Fprintln(env.Stderr, "  detail:", safe(err.Error()))
		}
		return ExitError
	case err != nil:
		if code, ok := lf.budgetStop(env, err); ok {
			return code
		}
		return failFor(conn.prefix, env.Stderr, err, *verbose)
	case len(sum.Refused) > 0:
		fmt.Fprintf(env.Stderr, "mailark: the new server refused %d message(s) (listed above, with its reasons); everything else is copied. "+
			"They stay in the archive.\n", len(sum.Refused))
		return ExitFailures
	case !sum.Source.Complete:
		fmt.Fprintln(env.Stderr, "mailark: what the archive holds is copied, but the archive is not the whole old account (see above).")
		return ExitFailures
	}
	return ExitOK
}

func printMapping(w io.Writer, plan []migrate.MappingEntry) {
	t := newTable("archive folder", "", "new account folder", "messages", "size", "why").alignRight(3, 4)
	for _, e := range plan {
		dest := safe(e.Dest)
		if !e.Exists {
			dest += " (new)"
		}
		t.add(safe(e.Folder), "→", dest, fmt.Sprint(e.Messages), progress.Bytes(e.Bytes), safe(e.Why))
	}
	t.write(w)
}

func printCopySummary(w io.Writer, s migrate.CopySummary) {
	if len(s.Folders) > 0 {
		t := newTable("archive folder", "", "new account folder", "messages", "already", "copied", "found", "refused").alignRight(3, 4, 5, 6, 7)
		for _, f := range s.Folders {
			t.add(safe(f.Folder), "→", safe(f.Dest), fmt.Sprint(f.Messages), fmt.Sprint(f.Already), fmt.Sprint(f.Copied), fmt.Sprint(f.Found), fmt.Sprint(f.Refused))
		}
		t.write(w)
	}
	for _, r := range s.Refused {
		fmt.Fprintf(w, "REFUSED: %s uid %d (%s) → %s: %s\n", safe(r.Folder), r.UID, progress.Bytes(r.Size), safe(r.Dest), safe(r.Reason))
	}
	fmt.Fprintf(w, "%d message(s) copied (%s) in %s; %d were there already", s.Copied, progress.Bytes(s.CopiedBytes), s.Elapsed.Round(1e7), s.Already+s.Found)
	if s.Retries > 0 {
		fmt.Fprintf(w, " (%d reconnect(s))", s.Retries)
	}
	fmt.Fprintf(w, "; %d of %d archived message(s) in the new account %s on %s.\n", s.Messages-s.Left, s.Messages, safe(s.User), safe(s.Host))
	fmt.Fprintln(w, safe(s.Source.Text(gate.English)))
	if s.Quota != "" {
		fmt.Fprintf(w, "The server said: %s", safe(s.Quota))
		if s.QuotaLimit > 0 {
			fmt.Fprintf(w, " (%s of %s used)", progress.Bytes(s.QuotaUsed), progress.Bytes(s.QuotaLimit))
		}
		fmt.Fprintln(w)
	}
}

func printCopyCheck(w io.Writer, r migrate.CopyCheck) {
	t := newTable("archive folder", "", "new account folder", "archived", "present", "missing").alignRight(3, 4, 5)
	for _, f := range r.Folders {
		t.add(safe(f.Folder), "→", safe(f.Dest), fmt.Sprint(f.Messages), fmt.Sprint(f.Present), fmt.Sprint(f.Missing))
	}
	t.write(w)
	for _, m := range r.Missing {
		fmt.Fprintf(w, "MISSING: %s uid %d (%s): %s\n", safe(m.Folder), m.UID, progress.Bytes(m.Size), safe(m.Detail))
	}
	if int64(len(r.Missing)) < r.MissingCount {
		fmt.Fprintf(w, "... and %d more\n", r.MissingCount-int64(len(r.Missing)))
	}
	how := "by the copy records and sizes"
	if r.Deep {
		how = "byte for byte"
	}
	fmt.Fprintf(w, "%d of %d archived message(s) are in the new account %s on %s (checked %s).\n", r.Present, r.Messages, safe(r.User), safe(r.Host), how)
	fmt.Fprintln(w, safe(r.Source.Text(gate.English)))
}
