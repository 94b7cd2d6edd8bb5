package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/migrate"
)

// runAnnounce composes the "my address has changed" message to the chosen
// contacts and saves it as drafts in the new account (and/or .eml files).
// Mailark never sends it.
func runAnnounce(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "announce", "--archive DIR --new-address ADDR (--to-contact ADDR... | --all-contacts | --contacts-file F)\n"+
		"         [--to-host H --to-user U] [--eml-dir DIR] [--lang en|ja|both] [--per-contact] [flags]\n\n"+
		"Writes drafts; it never sends mail. Open your mail app, read the drafts, and send them yourself.\n"+
		"The new account's password: MAILARK_TO_PASSWORD, --to-password-file or a prompt.\n"+
		"Exit status: 0 drafts written; 1 error; 2 bad command line; 130 stopped.\n\n"+migrate.AnnounceTemplateHelp)
	conn := addConnFlags(fs, "to-", "MAILARK_TO_PASSWORD")
	archiveDir := fs.String("archive", "", "archive folder whose address book to use")
	newAddr := fs.String("new-address", "", "your new address (default: --to-user, when it is an address)")
	oldAddr := fs.String("old-address", "", "your old address (default: the archived account)")
	name := fs.String("name", "", "your name as it should appear (default: the name on mail you sent)")
	var contacts multiFlag
	fs.Var(&contacts, "to-contact", "tell this address (repeatable)")
	all := fs.Bool("all-contacts", false, "tell every person in the address book (automated senders left out)")
	var notSelf multiFlag
	fs.Var(&notSelf, "not-self", "this address is not yours, though Mailark took it for one of yours (repeatable)")
	contactsFile := fs.String("contacts-file", "", "tell every address in this file (a vCard or CSV export, or one address per line)")
	lang := fs.String("lang", string(gate.LangFromEnv(env.Getenv)), "language of the message: en, ja or both")
	tmplFile := fs.String("template", "", "use this template file instead of the built-in text")
	perContact := fs.Bool("per-contact", false, "one draft per person, greeting them by name (default: Bcc, 50 per draft)")
	emlDir := fs.String("eml-dir", "", "also write each draft as an .eml file into this folder")
	dryRun := fs.Bool("dry-run", false, "print who would be told and the first draft; save nothing")
	jsonOut := fs.Bool("json", false, "print the result as JSON on standard output")
	verbose := fs.Bool("verbose", false, "print error details")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *archiveDir == "" {
		return required(fs, "--archive DIR", "")
	}
	opts := migrate.AnnounceOptions{ArchiveDir: *archiveDir, NewAddress: *newAddr, OldAddress: *oldAddr, Name: *name,
		Contacts: contacts, AllContacts: *all, NotSelf: notSelf, Lang: *lang, PerContact: *perContact, EMLDir: *emlDir}
	if opts.NewAddress == "" && strings.Contains(conn.user, "@") {
		opts.NewAddress = conn.user
	}
	if *contactsFile != "" {
		b, err := os.ReadFile(*contactsFile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "mailark announce: cannot read %s: %v\n", safe(*contactsFile), safe(err.Error()))
			return ExitUsage
		}
		opts.Contacts = append(opts.Contacts, addressesIn(string(b))...)
	}
	if *tmplFile != "" {
		b, err := os.ReadFile(*tmplFile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "mailark announce: cannot read %s: %v\n", safe(*tmplFile), safe(err.Error()))
			return ExitUsage
		}
		opts.Template = string(b)
	}
	if *dryRun {
		res, err := migrate.ComposeAnnouncements(ctx, opts)
		if err != nil {
			return failFor(conn.prefix, env.Stderr, err, *verbose)
		}
		printAnnouncePreview(env.Stdout, res, *jsonOut)
		return ExitOK
	}
	if conn.host == "" && *emlDir == "" {
		fmt.Fprintln(env.Stderr, "mailark announce: say where the drafts go: the new account (--to-host, --to-user) or a folder (--eml-dir)")
		return ExitUsage
	}
	if conn.host != "" {
		cfg, err := conn.config(env)
		if err != nil {
			return failFor(conn.prefix, env.Stderr, err, *verbose)
		}
		opts.Conn = cfg
	}
	res, err := migrate.Announce(ctx, opts)
	if err != nil {
		return failFor(conn.prefix, env.Stderr, err, *verbose)
	}
	if *jsonOut {
		printJSON(env.Stdout, res)
		return ExitOK
	}
	saved, existed := 0, 0
	for _, d := range res.Drafts {
		if d.Saved {
			saved++
		}
		if d.Existed {
			existed++
		}
	}
	fmt.Fprintf(env.Stdout, "%d draft(s) telling %d people that %s is now %s.\n", len(res.Drafts), len(res.Recipients), safe(res.OldAddress), safe(res.NewAddress))
	if res.DraftsFolder != "" {
		fmt.Fprintf(env.Stdout, "Saved %d in %q on %s (%d were there already).\n", saved, safe(res.DraftsFolder), safe(opts.Conn.Host), existed)
	}
	if *emlDir != "" {
		fmt.Fprintf(env.Stdout, "Written as .eml files in %s.\n", safe(*emlDir))
	}
	fmt.Fprintln(env.Stdout, "Nothing was sent: open your mail app, read the drafts, and send them yourself.")
	return ExitOK
}

var addressPattern = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+`)

// addressesIn finds every address in a vCard or CSV export or a plain list.
func addressesIn(text string) []string {
	return addressPattern.FindAllString(text, -1)
}

func printAnnouncePreview(w io.Writer, res migrate.AnnounceResult, jsonOut bool) {
	if jsonOut {
		printJSON(w, res)
		return
	}
	fmt.Fprintf(w, "From: %s <%s> (old address %s)\n%d people would be told, in %d draft(s):\n",
		safe(res.Name), safe(res.NewAddress), safe(res.OldAddress), len(res.Recipients), len(res.Drafts))
	for _, r := range res.Recipients {
		if r.Name != "" {
			fmt.Fprintf(w, "  %s <%s>\n", safe(r.Name), safe(r.Email))
		} else {
			fmt.Fprintf(w, "  %s\n", safe(r.Email))
		}
	}
	if len(res.Drafts) > 0 {
		d := res.Drafts[0]
		fmt.Fprintf(w, "\nThe first draft:\n\nSubject: %s\n\n%s", safe(d.Subject), safeText(strings.ReplaceAll(d.Body, "\r\n", "\n")))
	}
}
