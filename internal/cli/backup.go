package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/progress"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func runBackup(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "backup", "--host H --user U --archive DIR [flags]")
	conn := addConnFlags(fs, "", "MAILARK_PASSWORD")
	archiveDir := fs.String("archive", "", "archive folder (created if missing; private to you)")
	quiet := fs.Bool("quiet", false, "print only problems and the summary")
	jsonOut := fs.Bool("json", false, "print the summary as JSON on standard output")
	verbose := fs.Bool("verbose", false, "print error details")
	noSpaceCheck := fs.Bool("no-space-check", false, "start even when the archive's disk seems too small")
	stall := fs.Duration("stall-timeout", 3*time.Minute, "give up when the server sends nothing useful for this long (a server silent or dribbling for half of it is reconnected)")
	proto := addProtocolFlags(fs, "imap or pop3 (pop3: port 995 for tls, 110 for starttls and plain; one folder, INBOX)")
	same := fs.Bool("same-account-as-before", false, "the archive's account, reached by another name (127.0.0.1 and localhost, an alias of the host, the login written differently): go on and record the new names")
	conns := fs.Int("connections", 4, "connections that fetch at once (fewer when the server refuses more; at most 10, 15 for Gmail)")
	compress := fs.String("compress", "auto", "COMPRESS=DEFLATE when the server offers it: auto (only on a link slow enough to gain), on or off")
	var folders multiFlag
	fs.Var(&folders, "folder", "back up only this folder (repeatable); default: every folder")
	lf := addLimitFlags(fs, env, "Gmail allows 2.5 GB a day")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *archiveDir == "" {
		return required(fs, "--archive DIR", "the folder to keep the copy in")
	}
	if *conns < 1 {
		fmt.Fprintln(env.Stderr, "mailark backup: --connections must be 1 or more")
		return ExitUsage
	}
	compressMode, err := backup.ParseCompress(*compress)
	if err != nil {
		fmt.Fprintf(env.Stderr, "mailark backup: --compress %q: use auto, on or off\n", *compress)
		return ExitUsage
	}
	isPOP, ok := proto.pop(fs)
	if !ok {
		return ExitUsage
	}
	if isPOP {
		if len(folders) > 0 {
			fmt.Fprintln(env.Stderr, "mailark backup: --folder does not apply to pop3 (a POP3 mailbox has one folder)")
			return ExitUsage
		}
		return runBackupPOP3(ctx, env, conn, proto.auth, *archiveDir, *quiet, *jsonOut, *verbose)
	}
	cfg, err := conn.config(env)
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	tab, err := lf.table()
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	opts := backup.Options{Conn: cfg, ArchiveDir: *archiveDir, Folders: folders, StallTimeout: *stall,
		SameAccountAsBefore: *same, Connections: *conns, Compress: compressMode, Limits: tab, WaitForBudget: *lf.wait,
		SpaceCheck: !*noSpaceCheck}
	d := newDisplay(env, *quiet)
	d.lang = gate.ParseLang(*lf.lang)
	opts.Progress = d.sink
	sum, err := backup.Run(ctx, opts)
	d.done()
	if code, refused := spaceRefused(env, err); refused {
		return code
	}
	switch {
	case *jsonOut:
		printJSON(env.Stdout, sum)
	case err != nil && len(sum.Folders) == 0 && sum.New == 0:
		// Stopped before any folder was planned: a summary would read
		// "0 message(s) in the archive" about an archive it never counted.
	default:
		printSummary(env.Stdout, sum)
		if sum.Unindexed > 0 {
			fmt.Fprintln(env.Stdout, indexWord(gate.LangFromEnv(env.Getenv), "left", sum.Unindexed))
		}
	}
	if code, ok := lf.budgetStop(env, err); ok {
		return code
	}
	return backupExit(env, sum, err, *verbose)
}

// backupExit prints what a finished backup (IMAP or POP3) still lacks and
// returns its exit code.
func backupExit(env *Env, sum backup.Summary, err error, verbose bool) int {
	if err != nil {
		return fail(env.Stderr, err, verbose)
	}
	if !sum.OK() {
		if len(sum.Failures) > 0 {
			fmt.Fprintf(env.Stderr, "mailark: %d message(s) could not be saved (listed above). Run the same command again to retry them.\n",
				len(sum.Failures))
		}
		if len(sum.FolderErrors) > 0 {
			fmt.Fprintf(env.Stderr, "mailark: %d folder(s) could not be read (listed above); every other folder was saved. Run the same command again to retry, or ask the provider about those folders.\n",
				len(sum.FolderErrors))
		}
		return ExitFailures
	}
	return ExitOK
}

func printSummary(w io.Writer, s backup.Summary) {
	if len(s.Folders) > 0 {
		t := newTable("folder", "on server", "archived", "new", "new size", "failed").alignRight(1, 2, 3, 4, 5)
		for _, f := range s.Folders {
			name := safe(f.Name)
			if f.NewGeneration {
				name += " (new UIDVALIDITY: fresh copy, old kept)"
			}
			t.add(name, fmt.Sprint(f.ServerMessages), fmt.Sprint(f.Archived), fmt.Sprint(f.New), progress.Bytes(f.NewBytes), fmt.Sprint(f.Failed))
		}
		t.write(w)
	}
	for _, f := range s.Failures {
		fmt.Fprintf(w, "NOT SAVED: %s uid %d: %s\n", safe(f.FolderName), f.UID, safe(f.Reason))
	}
	for _, f := range s.FolderErrors {
		fmt.Fprintf(w, "FOLDER NOT READ: %s: %s\n", safe(f.Name), safe(withNextStep(f.Reason, f.Err)))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "NOTE: %s\n", safe(n))
	}
	fmt.Fprintf(w, "%d new message(s), %s, in %s; %d message(s) in the archive at %s",
		s.New, progress.Bytes(s.NewBytes), s.Elapsed.Round(1e7), s.Total, safe(s.ArchiveDir))
	if s.Retries > 0 {
		fmt.Fprintf(w, " (%d reconnect(s))", s.Retries)
	}
	if s.Compression.Reason != "" {
		fmt.Fprintf(w, "; %s", s.Compression.Reason)
	}
	fmt.Fprintln(w)
}

func printJSON(w io.Writer, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	w.Write(safeJSON(b.Bytes()))
}

// spaceRefused says why a backup refused to start on a disk too small for
// what it planned (backup.Options.SpaceCheck; the window shows the same
// numbers on "Before you start"). The backup stops cleanly on a full disk
// anyway: --no-space-check starts it.
func spaceRefused(env *Env, err error) (int, bool) {
	var se *backup.SpaceError
	if !errors.As(err, &se) {
		return 0, false
	}
	fmt.Fprintf(env.Stderr, "mailark: the backup needs about %s but the disk holding %s has %s free. "+
		"Free some space or choose another --archive folder; --no-space-check starts anyway.\n",
		progress.Bytes(se.Needed), se.Dir, progress.Bytes(se.Free))
	return ExitError, true
}
