package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/settings"
)

// runRemove forgets the account in Mailark, and with --delete-from-server
// deletes the verified messages from the old server, only through a green
// gate checked at that moment and only after the account name is typed
// (or given to --confirm, for scripts).
func runRemove(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "remove", "--host H --user U --archive DIR [--delete-from-server [--deep] [--confirm ACCOUNT]]\n\n"+
		"Exit status: 0 removed; 4 not yet safe, nothing done (reasons printed); 5 account name not confirmed, nothing done;\n"+
		"1 error (also: the server lacks UIDPLUS, nothing deleted); 2 bad command line; 130 stopped.")
	conn := addConnFlags(fs, "", "MAILARK_PASSWORD")
	archiveDir := fs.String("archive", "", "archive folder of the account")
	sf := addStoreFlags(fs)
	del := fs.Bool("delete-from-server", false, "also delete the verified messages from the old server (asks you to type the account name)")
	deep := fs.Bool("deep", false, "before deleting, compare the whole of every message with the archive, not only its size, date and header")
	confirm := fs.String("confirm", "", "for scripts: the account name, exactly, instead of typing it")
	settingsDir := fs.String("settings-dir", "", "Mailark's settings folder (default: the one the app uses)")
	verbose := fs.Bool("verbose", false, "print error details")
	lang := addLangFlag(fs, env)
	proto := addProtocolFlags(fs, "imap or pop3 (the mailbox the archive's POP3 backup is of)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *archiveDir == "" {
		return required(fs, "--archive DIR", "")
	}
	isPOP, ok := proto.pop(fs)
	if !ok {
		return ExitUsage
	}
	cfg, err := conn.config(env)
	if err != nil {
		return fail(env.Stderr, err, *verbose)
	}
	var popCfg *pop3.Config
	if isPOP {
		pc, err := pop3Of(cfg, proto.auth)
		if err != nil {
			return fail(env.Stderr, err, *verbose)
		}
		popCfg = &pc
	}
	l := gate.ParseLang(*lang)
	var warnings []string
	forgot := false
	opts := gate.RemoveOptions{Conn: cfg, POP3: popCfg, ArchiveDir: *archiveDir, DeleteFromServer: *del, Deep: *deep, Stores: sf.search(env),
		Forget: func(_ context.Context, acct gate.Account) error {
			w, found, err := forgetSettings(*settingsDir, acct)
			warnings = append(warnings, w...)
			forgot = found && err == nil
			return err
		},
		Confirm: func(account string, n int64) (string, error) {
			if *confirm != "" {
				return *confirm, nil
			}
			fmt.Fprintf(env.Stderr, "This deletes %d verified message(s) of %s from %s for good. They stay in the archive at %s.\n"+
				"Type the account name (%s) to go on, anything else to stop: ", n, safe(account), safe(cfg.Host), safe(*archiveDir), safe(account))
			line, err := bufio.NewReader(env.Stdin).ReadString('\n')
			if err != nil && line == "" {
				return "", err
			}
			return line, nil
		},
	}
	res, err := gate.Remove(ctx, opts)
	for _, d := range res.Deleted {
		fmt.Fprintf(env.Stdout, "deleted from the server: %s: %d message(s) (UIDs %s)\n", safe(d.Folder), d.Messages, safe(d.UIDs))
	}
	switch {
	case errors.Is(err, gate.ErrGateClosed):
		printVerdict(env.Stdout, res.Verdict, l)
		fmt.Fprintln(env.Stderr, "mailark: not removed: the account is not yet safe to remove (reasons above). Nothing was deleted.")
		return ExitGateClosed
	case errors.Is(err, gate.ErrNotConfirmed):
		fmt.Fprintf(env.Stderr, "\nmailark: the account name was not typed exactly (%s). Nothing was deleted and nothing forgotten.\n", safe(res.Account.User))
		return ExitNotConfirmed
	case errors.Is(err, gate.ErrNoUIDPlus):
		fmt.Fprintf(env.Stderr, "mailark: %s cannot delete messages by UID (no UIDPLUS), so Mailark cannot be sure to delete only the verified ones. "+
			"Nothing was deleted. Delete them with the provider's own tools, or run remove without --delete-from-server.\n", safe(cfg.Host))
		return ExitError
	case err != nil:
		return fail(env.Stderr, err, *verbose)
	}
	for _, w := range warnings {
		fmt.Fprintln(env.Stderr, "mailark: warning:", safe(w))
	}
	if *del {
		fmt.Fprintf(env.Stdout, "%d message(s) deleted from %s; every one of them is in the archive at %s.\n", res.Messages, safe(cfg.Host), safe(*archiveDir))
	}
	if forgot {
		fmt.Fprintf(env.Stdout, "Mailark's saved settings and password for %s are deleted.\n", safe(fmt.Sprint(res.Account)))
	} else {
		fmt.Fprintf(env.Stdout, "Mailark had no saved settings or password for %s.\n", safe(fmt.Sprint(res.Account)))
	}
	fmt.Fprintf(env.Stdout, "The archive records that %s was removed (%s).\n", safe(fmt.Sprint(res.Account)), res.RemovedAt.In(time.Local).Format("2006-01-02 15:04 MST"))
	return ExitOK
}

// forgetSettings removes the account's profiles and stored passwords from
// Mailark's settings. A profile is the account's when its id or email is the
// archive's user, or its user and host are the archive's.
func forgetSettings(dir string, acct gate.Account) (warnings []string, found bool, err error) {
	if dir == "" {
		if dir, err = settings.DefaultDir(); err != nil {
			return nil, false, err
		}
	}
	store, err := settings.Load(dir)
	if err != nil {
		return nil, false, err
	}
	for _, a := range store.Accounts() {
		if a.ID != settings.AccountID(acct.User) && !strings.EqualFold(a.Email, acct.User) &&
			!(strings.EqualFold(a.User, acct.User) && strings.EqualFold(a.Host, acct.Host)) {
			continue
		}
		found = true
		if err := store.Forget(a.ID); err != nil {
			if !errors.Is(err, settings.ErrNoKeyring) {
				return warnings, found, err
			}
			warnings = append(warnings, err.Error())
		}
	}
	return warnings, found, nil
}
