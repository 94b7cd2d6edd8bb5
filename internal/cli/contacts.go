package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// runContacts dispatches `mailark contacts list|export`.
func runContacts(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "export") {
		w, code := env.Stderr, ExitUsage
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help" || args[0] == "-help") {
			w, code = env.Stdout, ExitOK
		}
		fmt.Fprintln(w, `Usage: mailark contacts list|export --archive DIR [flags]

Subcommands:
  list     print the people in the mail, ranked (the people you wrote to first)
  export   write them as vCard 4, vCard 3, Google CSV and Outlook CSV

Run 'mailark contacts list -h' or 'mailark contacts export -h' for the flags.`)
		return code
	}
	if args[0] == "list" {
		return runContactsList(ctx, env, args[1:])
	}
	return runContactsExport(ctx, env, args[1:])
}

// bookFlags say whose addresses are the user's own and which of the mail
// apps' own address books join the mail's.
type bookFlags struct {
	self    multiFlag
	notSelf multiFlag
	home    *string
	goos    *string
	paths   multiFlag
	none    *bool
}

func addBookFlags(fs *flag.FlagSet) *bookFlags {
	b := &bookFlags{
		home: fs.String("home", "", "look for the mail apps' address books under this home folder (a copy of the customer's disk) instead of yours"),
		goos: fs.String("os", runtime.GOOS, "with --home: whose default places: darwin, windows or linux"),
		none: fs.Bool("no-address-books", false, "leave out the address books of the mail apps on this computer (Apple Contacts, Thunderbird, Windows Contacts, Becky!)"),
	}
	fs.Var(&b.paths, "address-book", "also read this address book (.abcddb, abook.sqlite, .contact, .vcf, .csv, .bab; repeatable)")
	fs.Var(&b.self, "self", "another address of yours, to leave out (repeatable)")
	fs.Var(&b.notSelf, "not-self", "this address is not yours, though Mailark took it for one of yours: list it as a contact (repeatable)")
	return b
}

// extract builds the address book of the archive, with the contacts of
// the address books bf names; a book that cannot be read is said on w
// and the rest goes on.
func extract(ctx context.Context, env *Env, a *archive.Archive, bf *bookFlags) (*addressbook.Book, error) {
	opts := addressbook.Options{Self: bf.self, NotSelf: bf.notSelf}
	if !*bf.none || len(bf.paths) > 0 {
		home := *bf.home
		if home == "" {
			home = env.Getenv("HOME")
		}
		if *bf.none {
			home = ""
		}
		var problems []string
		opts.Saved, problems = addressbook.FindSaved(ctx, home, *bf.goos, bf.paths)
		for _, p := range problems {
			fmt.Fprintf(env.Stderr, "mailark contacts: an address book could not be read, the rest was: %s\n", safe(p))
		}
	}
	return addressbook.FromArchive(ctx, a, opts)
}

func runContactsList(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "contacts list", "--archive DIR [--query TEXT] [--include-automated] [--written-to] [--limit N]")
	dir := fs.String("archive", "", "archive folder")
	query := fs.String("query", "", "only contacts whose name or address contains this")
	automated := fs.Bool("include-automated", false, "also list automated senders (newsletters, no-reply, bounces)")
	writtenTo := fs.Bool("written-to", false, "only people you have sent mail to")
	limit := fs.Int("limit", 0, "show at most this many (0: all)")
	books := addBookFlags(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	a, code := openReadOnly(ctx, env, *dir)
	if a == nil {
		return code
	}
	defer a.Close()
	book, err := extract(ctx, env, a, books)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	if err := addressbook.WriteTable(env.Stdout, book, addressbook.TableFilter{Query: *query,
		IncludeAutomated: *automated, OnlyWrittenTo: *writtenTo, Limit: *limit}); err != nil {
		return fail(env.Stderr, err, false)
	}
	people := book.Select(false)
	fmt.Fprintf(env.Stdout, "%d people, %d automated senders; your own addresses (left out): %s\n",
		len(people), len(book.Contacts)-len(people), safe(selfList(book)))
	if n := savedCount(book); n > 0 {
		fmt.Fprintf(env.Stdout, "%d of them are in your own address books too (their note says which)\n", n)
	}
	return ExitOK
}

func savedCount(book *addressbook.Book) int {
	n := 0
	for _, c := range book.Contacts {
		if len(c.SavedIn) > 0 {
			n++
		}
	}
	return n
}

func selfList(book *addressbook.Book) string {
	var s []string
	for _, a := range book.Self {
		s = append(s, a.Email)
	}
	if len(s) == 0 {
		return "none found (use --self ADDRESS)"
	}
	return strings.Join(s, ", ") + " (one that is not yours: --not-self ADDRESS)"
}

func runContactsExport(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "contacts export", "--archive DIR [--format F --out FILE] [flags]")
	dir := fs.String("archive", "", "archive folder")
	format := fs.String("format", "", "vcard4, vcard3, google-csv or outlook-csv (default: all four, into --out-dir)")
	out := fs.String("out", "", "the file to write (with --format)")
	outDir := fs.String("out-dir", ".", "where to write the four files when no --format is given")
	automated := fs.Bool("include-automated", false, "also export automated senders (newsletters, no-reply, bounces)")
	encoding := fs.String("encoding", "utf-8-bom", "CSV text encoding: utf-8-bom (Excel, Outlook), utf-8, or shift_jis (older Japanese Outlook)")
	replace := fs.Bool("replace-unencodable", false, "with shift_jis: replace characters it cannot hold instead of stopping")
	books := addBookFlags(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *dir == "" {
		return required(fs, "--archive DIR", "")
	}
	var enc addressbook.Encoding
	switch strings.ToLower(*encoding) {
	case "utf-8-bom", "utf8-bom", "":
		enc = addressbook.UTF8BOM
	case "utf-8", "utf8":
		enc = addressbook.UTF8
	case "shift_jis", "shift-jis", "sjis", "cp932":
		enc = addressbook.ShiftJIS
	default:
		fmt.Fprintf(env.Stderr, "mailark contacts export: unknown --encoding %q (utf-8-bom, utf-8 or shift_jis)\n", *encoding)
		return ExitUsage
	}
	type job struct {
		format addressbook.Format
		path   string
	}
	var jobs []job
	if *format == "" {
		if *out != "" {
			fmt.Fprintln(env.Stderr, "mailark contacts export: --out needs --format (or use --out-dir for all formats)")
			return ExitUsage
		}
		for _, f := range addressbook.Formats() {
			jobs = append(jobs, job{f, filepath.Join(*outDir, "mailark-contacts-"+string(f)+f.Extension())})
		}
	} else {
		f, err := addressbook.ParseFormat(*format)
		if err != nil {
			fmt.Fprintln(env.Stderr, "mailark contacts export:", safe(UserMessage(err)))
			return ExitUsage
		}
		p := *out
		if p == "" {
			p = filepath.Join(*outDir, "mailark-contacts-"+string(f)+f.Extension())
		}
		jobs = append(jobs, job{f, p})
	}
	// Opened for writing: the export is recorded in the archive, where the
	// removal gate looks for it.
	a, err := archive.Open(ctx, *dir, archive.Options{Existing: true})
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	defer a.Close()
	if _, err := os.Stat(a.Path(archive.DBFile)); err != nil {
		return fail(env.Stderr, err, false)
	}
	acct, err := a.Account(ctx)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	if acct.User == "" {
		return fail(env.Stderr, mailerr.New(mailerr.BadInput, "contacts", *dir,
			fmt.Errorf("%s holds no backup yet: run mailark backup first", *dir)), false)
	}
	book, err := extract(ctx, env, a, books)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	opts := addressbook.ExportOptions{IncludeAutomated: *automated, Encoding: enc, ReplaceUnencodable: *replace}
	lossy := false
	for _, j := range jobs {
		if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
			return fail(env.Stderr, mailerr.New(mailerr.Permission, "create folder", filepath.Dir(j.path), err), false)
		}
		rec, err := addressbook.ExportToArchive(ctx, a, j.path, j.format, book, opts)
		if err != nil {
			return fail(env.Stderr, err, false)
		}
		fmt.Fprintf(env.Stdout, "%-11s %d contacts → %s%s\n", j.format, rec.Contacts, safe(rec.Path), formatHint(j.format))
		for _, r := range rec.Replaced {
			fmt.Fprintf(env.Stdout, "  note: characters Shift_JIS cannot hold were replaced in the name or note of %s (the address is unchanged)\n", safe(r))
		}
		for _, r := range rec.Skipped {
			fmt.Fprintf(env.Stdout, "  LEFT OUT: %s: Shift_JIS cannot hold this address, and Mailark never changes an address\n", safe(r))
		}
		if len(rec.Skipped) > 0 {
			lossy = true
			fmt.Fprintf(env.Stdout, "  This file lacks %d contact(s), so it does not count as the address book for the removal gate: "+
				"export with --encoding utf-8-bom as well.\n", len(rec.Skipped))
		}
	}
	fmt.Fprintf(env.Stdout, "Your own addresses (left out): %s. Exported %s.\n", safe(selfList(book)), time.Now().Format("2006-01-02 15:04 MST"))
	if lossy {
		return ExitFailures
	}
	return ExitOK
}

func formatHint(f addressbook.Format) string {
	switch f {
	case addressbook.FormatVCard4:
		return "  (most address books, Thunderbird, Android)"
	case addressbook.FormatVCard3:
		return "  (iPhone/Apple Contacts, older phones)"
	case addressbook.FormatGoogleCSV:
		return "  (Google Contacts: Import)"
	case addressbook.FormatOutlookCSV:
		return "  (Outlook: Import from a file)"
	}
	return ""
}
