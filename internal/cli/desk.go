package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/gate"
)

// runDesk is support-desk mode: mailark desk init|add|work|board|report|rerun.
func runDesk(ctx context.Context, env *Env, args []string) int {
	sub := map[string]func(context.Context, *Env, []string) int{
		"init": runDeskInit, "add": runDeskAdd, "work": runDeskWork, "board": runDeskBoard,
		"report": runDeskReport, "rerun": runDeskRerun,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprintln(env.Stderr, `Usage: mailark desk init|add|work|board|report|rerun [flags]

  mailark desk init DIR [--queue postgres://…] [--archives shared|per-worker]
                                                     a desk folder (SQLite queue inside it without --queue)
  mailark desk add    --desk DIR accounts.csv        validate the CSV and queue every account
  mailark desk work   --desk DIR --secrets FILE [--workers 4] [--until-idle] [--pc NAME --archive-root LOCALDIR]
  mailark desk board  --desk DIR --listen 127.0.0.1:8080
  mailark desk report --desk DIR [CUSTOMER]          a customer's removal report; without: the desk summary
  mailark desk rerun  --desk DIR --delta             after the switch-over: mail that arrived since`)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return ExitOK
		}
		return ExitUsage
	}
	return sub[args[0]](ctx, env, args[1:])
}

// parseArgs parses flags placed before or after up to max positional
// arguments.
func parseArgs(fs *flag.FlagSet, args []string, max int) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ExitOK, false
			}
			return nil, ExitUsage, false
		}
		if fs.NArg() == 0 {
			return pos, 0, true
		}
		if len(pos) == max {
			fmt.Fprintf(fs.Output(), "mailark %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
			return nil, ExitUsage, false
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func openDesk(ctx context.Context, env *Env, dir string) (*desk.Desk, int, bool) {
	if dir == "" {
		fmt.Fprintln(env.Stderr, "mailark desk: --desk DIR is required (the folder made by mailark desk init)")
		return nil, ExitUsage, false
	}
	if _, err := os.Stat(filepath.Join(dir, desk.ConfigFile)); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(env.Stderr, "mailark: %s is not a desk folder. Run mailark desk init %s first.\n", safe(dir), safe(dir))
		return nil, ExitError, false
	}
	d, err := desk.Open(ctx, dir)
	if err != nil {
		return nil, fail(env.Stderr, err, false), false
	}
	return d, 0, true
}

func runDeskInit(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "desk init", "DIR [--queue postgres://USER@HOST/DB] [--archives shared|per-worker] [--lang en|ja] [--connections N]")
	queue := fs.String("queue", "", "PostgreSQL URL of the queue shared by the desk's PCs, without a password: each PC keeps it in ~/.pgpass or PGPASSFILE (default: a SQLite queue inside DIR, for one PC)")
	lang := fs.String("lang", string(gate.LangFromEnv(env.Getenv)), "language of the reports and the board: en or ja")
	conns := fs.Int("connections", 2, "at most this many connections to one mail server across all workers")
	archives := fs.String("archives", desk.ArchivesShared, "where the archives live: shared (DIR/customers/CUSTOMER/archive) or per-worker (on the PC that backs each account up, under its desk work --archive-root; the board says which PC)")
	pos, code, ok := parseArgs(fs, args, 1)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "mailark desk init: give the desk folder: mailark desk init DIR")
		return ExitUsage
	}
	q := *queue
	if q == "" {
		q = "sqlite"
	}
	d, err := desk.Init(ctx, pos[0], desk.Config{Queue: q, Lang: string(gate.ParseLang(*lang)), DefaultConnections: *conns, Archives: *archives})
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	defer d.Close()
	where := filepath.Join(pos[0], desk.QueueFile) + " (SQLite, one PC)"
	if d.Config.IsPostgres() {
		where = "PostgreSQL"
	}
	fmt.Fprintf(env.Stdout, "Desk ready in %s; queue: %s.\n", safe(pos[0]), safe(where))
	if d.Config.PerWorker() {
		fmt.Fprintln(env.Stdout, "Archives: on each worker PC (desk work --archive-root LOCALDIR); reports and contacts in the desk folder.")
	}
	fmt.Fprintf(env.Stdout, "Next: mailark desk add --desk %s accounts.csv\n", safe(pos[0]))
	return ExitOK
}

func runDeskAdd(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "desk add", "--desk DIR [--skip-bad-rows] accounts.csv\n\n"+
		"accounts.csv: a header line, then customer,old_host,old_port,old_security,old_user,secret\n"+
		"and optionally new_host,new_port,new_security,new_user,new_secret,deadline; other columns are kept as notes.\n"+
		"secret names a line NAME=password of the workers' secrets file (never a password).")
	dir := fs.String("desk", "", "the desk folder")
	skip := fs.Bool("skip-bad-rows", false, "queue the good rows even when some rows are bad (they are listed)")
	secretsFile := fs.String("secrets", "", "also check that every secret the CSV names is in this secrets file")
	identity := fs.String("identity", env.Getenv("MAILARK_AGE_IDENTITY"), "age key file for an encrypted --secrets file")
	pos, code, ok := parseArgs(fs, args, 1)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "mailark desk add: give the accounts file: mailark desk add --desk DIR accounts.csv")
		return ExitUsage
	}
	accts, bad, err := desk.ReadCSVFile(pos[0], *skip)
	var csvErr *desk.CSVError
	if errors.As(err, &csvErr) {
		fmt.Fprintf(env.Stderr, "mailark: %s has %d bad row(s); nothing was queued. Fix them and run the same command again (or add --skip-bad-rows):\n",
			safe(pos[0]), len(csvErr.Rows))
		for _, r := range csvErr.Rows {
			fmt.Fprintf(env.Stderr, "  %s\n", safe(r.Error()))
		}
		return ExitError
	}
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	if *secretsFile != "" {
		secrets, err := desk.ReadSecrets(*secretsFile, *identity)
		if err != nil {
			return fail(env.Stderr, err, false)
		}
		if missing := desk.CheckSecretRefs(accts, secrets); len(missing) > 0 {
			fmt.Fprintf(env.Stderr, "mailark: %s names %d secret(s) that %s does not hold; nothing was queued:\n",
				safe(pos[0]), len(missing), safe(*secretsFile))
			for _, r := range missing {
				fmt.Fprintf(env.Stderr, "  %s\n", safe(r.Error()))
			}
			return ExitError
		}
	}
	for _, b := range bad {
		fmt.Fprintf(env.Stderr, "mailark: skipped %s: %s\n", safe(pos[0]), safe(b.Error()))
	}
	d, code, ok := openDesk(ctx, env, *dir)
	if !ok {
		return code
	}
	defer d.Close()
	n, err := d.Add(ctx, accts)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	fmt.Fprintf(env.Stdout, "%d account(s) queued.\nNext: mailark desk work --desk %s --secrets FILE (on every PC of the desk)\n", n, safe(*dir))
	if len(bad) > 0 {
		return ExitFailures
	}
	return ExitOK
}

func runDeskWork(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "desk work", "--desk DIR --secrets FILE [--identity KEYFILE] [--workers 4] [--until-idle] [--pc NAME --archive-root LOCALDIR]\n\n"+
		"On a desk with per-worker archives, this PC keeps the archives it backs up under --archive-root, and works\n"+
		"every later step of those accounts itself: start it again with the same --pc after a stop.\n"+
		"Exit status with --until-idle: 0 every account is done (or worked by another running PC); 3 some accounts\n"+
		"need a person (listed); 1 error.")
	dir := fs.String("desk", "", "the desk folder")
	secretsFile := fs.String("secrets", "", "private file (chmod 600) of lines NAME=password, or the same encrypted with age")
	identity := fs.String("identity", env.Getenv("MAILARK_AGE_IDENTITY"), "age key file that decrypts an encrypted --secrets file (default $MAILARK_AGE_IDENTITY)")
	workers := fs.Int("workers", 4, "steps this PC runs at once (with per-worker archives: that many from the shared queue and that many from the PC's own)")
	untilIdle := fs.Bool("until-idle", false, "exit once the queue has nothing left to do")
	id := fs.String("id", "", "this worker's name on the board (default host-pid)")
	verbose := fs.Bool("verbose", false, "log River's and the steps' details to standard error")
	pc := fs.String("pc", "", "this PC's name on a desk with per-worker archives (default: the host name, in lower case)")
	root := fs.String("archive-root", "", "on a desk with per-worker archives: this PC's folder for the archives it backs up (required there)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *secretsFile == "" {
		return required(fs, "--secrets FILE", "lines NAME=password, chmod 600")
	}
	secrets, err := desk.ReadSecrets(*secretsFile, *identity)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	d, code, ok := openDesk(ctx, env, *dir)
	if !ok {
		return code
	}
	defer d.Close()
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if d.Config.PerWorker() && *root == "" {
		fmt.Fprintln(env.Stderr, "mailark desk work: this desk keeps each archive on the PC that backs it up: give this PC's folder for them, --archive-root LOCALDIR")
		return ExitUsage
	}
	if !d.Config.PerWorker() && *root != "" {
		fmt.Fprintf(env.Stderr, "mailark desk work: this desk keeps every archive in %s: leave out --archive-root (it is for desks made with desk init --archives per-worker)\n",
			safe(filepath.Join(*dir, "customers")))
		return ExitUsage
	}
	res, err := d.Work(ctx, desk.WorkOptions{Secrets: secrets, Workers: *workers, UntilIdle: *untilIdle, ID: *id, Logger: logger,
		PC: *pc, ArchiveRoot: *root})
	if paths, serr := d.WriteSummary(context.WithoutCancel(ctx), d.Config.Lang); serr == nil && *untilIdle {
		fmt.Fprintf(env.Stdout, "Desk summary: %s\n", safe(strings.Join(paths, ", ")))
	}
	fmt.Fprintf(env.Stdout, "%d account(s): %d done, %d need a person, %d not finished.\n", res.Accounts, res.Done, len(res.Attention), res.Unfinished)
	if res.Elsewhere > 0 {
		fmt.Fprintf(env.Stdout, "%d account(s) are being worked by the other PCs that hold their archives.\n", res.Elsewhere)
	}
	for _, s := range res.Attention {
		why := s.ErrorWords("en")
		for _, r := range s.GateReasons {
			why += " " + r.EN
		}
		fmt.Fprintf(env.Stdout, "NEEDS A PERSON: %s (%s on %s), step %s: %s\n", safe(s.Customer), safe(s.OldUser), safe(s.OldHost), s.Step, safe(why))
		if s.ErrorText != "" {
			fmt.Fprintf(env.Stdout, "  detail: %s\n", safe(s.ErrorText))
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(env.Stderr, "mailark: stopped; every step stopped mid-way is taken up again by the next worker.")
			return ExitCancelled
		}
		return fail(env.Stderr, err, *verbose)
	}
	if len(res.Attention) > 0 {
		return ExitFailures
	}
	if res.Unfinished > 0 && *untilIdle {
		return ExitError
	}
	return ExitOK
}

func runDeskBoard(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "desk board", "--desk DIR [--listen 127.0.0.1:8080]")
	dir := fs.String("desk", "", "the desk folder")
	listen := fs.String("listen", "127.0.0.1:8080", "address of the board (this machine only)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	d, code, ok := openDesk(ctx, env, *dir)
	if !ok {
		return code
	}
	defer d.Close()
	err := d.ServeBoard(ctx, *listen, func(addr string) {
		fmt.Fprintf(env.Stdout, "Board: http://%s/ (日本語: http://%s/?lang=ja). Ctrl-C stops it.\n", addr, addr)
	})
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	return ExitOK
}

func runDeskReport(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "desk report", "--desk DIR [CUSTOMER]\n\n"+
		"With CUSTOMER: where that customer's account is, and its removal report. Without: writes the desk summary.\n"+
		"Exit status: 0 the report says it is safe to remove the old account; 4 not yet (or no report yet); 1 error.")
	dir := fs.String("desk", "", "the desk folder")
	lang := addLangFlag(fs, env)
	pc := fs.String("pc", "", "this PC's name, as given to desk work, on a desk with per-worker archives (default: the host name)")
	pos, code, ok := parseArgs(fs, args, 1)
	if !ok {
		return code
	}
	d, code, ok := openDesk(ctx, env, *dir)
	if !ok {
		return code
	}
	defer d.Close()
	l := string(gate.ParseLang(*lang))
	if len(pos) == 0 {
		paths, err := d.WriteSummary(ctx, l)
		if err != nil {
			return fail(env.Stderr, err, false)
		}
		fmt.Fprintf(env.Stdout, "Desk summary written: %s\n", safe(strings.Join(paths, ", ")))
		return ExitOK
	}
	s, found, err := d.AccountStatus(ctx, pos[0])
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	if !found {
		fmt.Fprintf(env.Stderr, "mailark desk report: no customer %q on this desk\n", safe(pos[0]))
		return ExitError
	}
	b := desk.StatusLine(s, l)
	fmt.Fprintln(env.Stdout, safe(b))
	html := filepath.Join(d.CustomerDir(s.Customer), desk.ReportHTML)
	if _, err := os.Stat(html); err != nil {
		fmt.Fprintln(env.Stdout, "No removal report yet: it is written by the account's last step.")
		return ExitGateClosed
	}
	fmt.Fprintf(env.Stdout, "Report: %s\n        %s\n", safe(html), safe(filepath.Join(d.CustomerDir(s.Customer), desk.ReportJSON)))
	archiveDir := d.ArchiveDir(s.Customer)
	if d.Config.PerWorker() {
		// The archive is on the PC that backed the account up; another
		// PC's folder of the same name is not it.
		here := *pc
		if here == "" {
			here = desk.DefaultPC()
		}
		if s.ArchivePC != "" && s.ArchivePC != here {
			fmt.Fprintln(env.Stdout, safe(s.ElsewhereWords(l)))
			if s.Gate == "open" && s.State == desk.StateDone {
				return ExitOK
			}
			return ExitGateClosed
		}
		if s.ArchivePC == here {
			archiveDir = s.ArchivePath
		}
	}
	r, err := gate.BuildReport(ctx, gate.ReportOptions{ArchiveDir: archiveDir})
	if err != nil {
		// A worker may hold the archive right now: the files above are the
		// last report written.
		fmt.Fprintf(env.Stdout, "The verdict cannot be read from the archive now (%s); the report above is the last one written.\n", safe(UserMessage(err)))
		if s.Gate == "open" && s.State == desk.StateDone {
			return ExitOK
		}
		return ExitGateClosed
	}
	printVerdict(env.Stdout, r.Verdict, gate.ParseLang(l))
	if !r.Verdict.Open {
		return ExitGateClosed
	}
	return ExitOK
}

func runDeskRerun(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "desk rerun", "--desk DIR --delta\n\n"+
		"After the switch-over: queue every finished account again, to back up, verify, copy and report the mail\n"+
		"that arrived at the old account since. Then run mailark desk work.")
	dir := fs.String("desk", "", "the desk folder")
	delta := fs.Bool("delta", false, "back up and move only what is new since the last round (required)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if !*delta {
		fmt.Fprintln(env.Stderr, "mailark desk rerun: give --delta (only the mail that is new since the last round is worked)")
		return ExitUsage
	}
	d, code, ok := openDesk(ctx, env, *dir)
	if !ok {
		return code
	}
	defer d.Close()
	queued, busy, err := d.Rerun(ctx)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	fmt.Fprintf(env.Stdout, "%d account(s) queued again for the mail that arrived since", queued)
	if busy > 0 {
		fmt.Fprintf(env.Stdout, "; %d still being worked (rerun again once they are done)", busy)
	}
	fmt.Fprintln(env.Stdout, ".")
	if list, err := d.Accounts(ctx); err == nil {
		for _, s := range list {
			if s.WaitsForPC() {
				fmt.Fprintf(env.Stdout, "Waits: %s: %s\n", safe(s.Customer), safe(s.ErrorWords("en")))
			}
		}
	}
	fmt.Fprintf(env.Stdout, "Next: mailark desk work --desk %s --secrets FILE\n", safe(*dir))
	return ExitOK
}
