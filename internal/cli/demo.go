package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/secret"
)

// runDemo runs the whole flow in the terminal against go-imap's in-memory
// server holding the generated "old provider" account and an empty "new
// provider" account: backup, a second run, search, contacts, verify and the
// gate's verdict, the report, migration, the announcement drafts, and the
// verdict again at the end.
func runDemo(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "demo", "[--no-gui] [--archive DIR]")
	dir := fs.String("archive", "", "archive folder for the demo (default: a new folder under the system's temp folder)")
	fs.Bool("no-gui", false, "the terminal demo (this one) even where a window could open")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	out := env.Stdout
	fmt.Fprintln(out, "Mailark demo: terminal flow. The demo accounts live on a mail server inside this program; no real account is used.")

	srv, err := demo.Start(ctx)
	if err != nil {
		return fail(env.Stderr, err, true)
	}
	defer srv.Stop()
	acct, newAcct := srv.Old, srv.New
	fmt.Fprintf(out, "\n1. The old provider: %s on %s holds %d messages (%s) in %d folders.\n",
		acct.User, srv.Addr(), acct.MessageCount(), progress.Bytes(acct.TotalBytes()), len(acct.Folders))

	if *dir == "" {
		d, err := os.MkdirTemp("", "mailark-demo-")
		if err != nil {
			return fail(env.Stderr, err, true)
		}
		*dir = filepath.Join(d, "archive")
	}
	work := filepath.Dir(*dir)
	cfg := imapconn.Config{Host: srv.Host, Port: srv.Port, Security: imapconn.Plain,
		User: acct.User, Password: secret.New(acct.Password)}

	fmt.Fprintf(out, "\n2. Backing up every folder into %s\n", *dir)
	d := newDisplay(env, false)
	sum, err := backup.Run(ctx, backup.Options{Conn: cfg, ArchiveDir: *dir, Progress: d.sink})
	d.done()
	printSummary(out, sum)
	if err != nil {
		return fail(env.Stderr, err, true)
	}

	fmt.Fprintln(out, "\n   Where is your mail? Not only on the server:")
	if code := demoStores(ctx, env, *dir, acct); code != ExitOK {
		return code
	}

	fmt.Fprintln(out, "\n3. A new message arrives on the old server; running the backup again fetches only that one.")
	if err := appendDemoMessage(ctx, cfg); err != nil {
		return fail(env.Stderr, err, true)
	}
	sum2, err := backup.Run(ctx, backup.Options{Conn: cfg, ArchiveDir: *dir})
	if err != nil {
		return fail(env.Stderr, err, true)
	}
	fmt.Fprintf(out, "   second run: %d new message(s) in %s; %d in the archive.\n", sum2.New, sum2.Elapsed.Round(time.Millisecond), sum2.Total)

	fmt.Fprintln(out, "\n4. Searching the archive for 会議 (meeting), a two-character Japanese word:")
	a, err := archive.Open(ctx, *dir, archive.Options{ReadOnly: true})
	if err != nil {
		return fail(env.Stderr, err, true)
	}
	hits, err := a.Search(ctx, "会議", 5)
	a.Close()
	if err != nil {
		return fail(env.Stderr, err, true)
	}
	t := newTable("id", "date", "folder", "subject").alignRight(0)
	for _, m := range hits {
		t.add(fmt.Sprint(m.ID), messageDate(m), safe(m.FolderName), safe(mailtext.Truncate(m.Subject, 50)))
	}
	t.write(indent{out})

	fmt.Fprintln(out, "\n5. The people in the mail, ready for a new address book:")
	contactsDir := filepath.Join(work, "contacts")
	if code := runContactsExport(ctx, env, []string{"--archive", *dir, "--out-dir", contactsDir}); code != ExitOK {
		return code
	}
	if code := runContactsList(ctx, env, []string{"--archive", *dir, "--limit", "5"}); code != ExitOK {
		return code
	}

	// The steps below are the commands a person would type; the demo
	// gives them the demo accounts' passwords as the variables would.
	denv := *env
	denv.Getenv = func(k string) string {
		switch k {
		case "MAILARK_PASSWORD":
			return acct.Password
		case "MAILARK_TO_PASSWORD":
			return newAcct.Password
		}
		return env.Getenv(k)
	}
	denv.Unsetenv = func(string) error { return nil }
	old := []string{"--host", srv.Host, "--port", fmt.Sprint(srv.Port), "--security", "plain", "--user", acct.User}
	to := []string{"--to-host", srv.Host, "--to-port", fmt.Sprint(srv.Port), "--to-security", "plain", "--to-user", newAcct.User}

	fmt.Fprintln(out, "\n6. Is it safe to remove the old account? mailark verify compares the archive with the server:")
	verifyCode := runVerify(ctx, &denv, append([]string{"--archive", *dir}, old...))
	if verifyCode != ExitOK && verifyCode != ExitGateClosed {
		return verifyCode
	}

	fmt.Fprintln(out, "\n7. The removal report, to print for the customer (HTML) and for support tools (JSON):")
	report := filepath.Join(work, "mailark-report.html")
	if code := runReport(ctx, &denv, append([]string{"--archive", *dir, "--html", report,
		"--json", filepath.Join(work, "mailark-report.json")}, old...)); code != ExitOK {
		return code
	}

	fmt.Fprintf(out, "\n8. Moving the mail into the new account %s (copied from the archive, folders mapped by role):\n", newAcct.User)
	if code := runMigrate(ctx, &denv, append([]string{"--archive", *dir}, to...)); code != ExitOK {
		return code
	}
	if code := runMigrate(ctx, &denv, append([]string{"--archive", *dir, "--check"}, to...)); code != ExitOK {
		return code
	}

	fmt.Fprintln(out, "\n9. Telling people: \"my address has changed\", saved as drafts in the new account (Mailark never sends mail):")
	if code := runAnnounce(ctx, &denv, append([]string{"--archive", *dir, "--new-address", newAcct.User, "--all-contacts"}, to...)); code != ExitOK {
		return code
	}

	fmt.Fprintf(out, "\n10. The archive: %s\n", *dir)
	fmt.Fprintf(out, "   %s (SQLite: every message byte for byte, flags, dates, full-text index)\n", archive.DBFile)
	fmt.Fprintf(out, "   mbox/ (one mboxrd file per folder: open read-only with mutt -R -f, Thunderbird, or Python's mailbox)\n")
	fmt.Fprintf(out, "   Try: mailark folders --archive %s\n", quoteArg(*dir))
	fmt.Fprintf(out, "        mailark search --archive %s 見積\n", quoteArg(*dir))
	fmt.Fprintf(out, "   The report: %s\n", report)

	l := gate.LangFromEnv(env.Getenv)
	fmt.Fprintln(out)
	if verifyCode == ExitOK {
		fmt.Fprintf(out, "Verdict: %s. The old account %s may be removed (mailark remove --archive %s ...).\n", l.Label("safe"), acct.User, quoteArg(*dir))
	} else {
		fmt.Fprintf(out, "Verdict: %s (the reasons are listed under step 6). Keep the old account.\n", l.Label("notsafe"))
	}
	if !sum.OK() || !sum2.OK() || verifyCode != ExitOK {
		return ExitFailures
	}
	return ExitOK
}

// indent writes each line three spaces in, under a numbered step.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	s := "   " + strings.ReplaceAll(strings.TrimSuffix(string(p), "\n"), "\n", "\n   ") + "\n"
	if _, err := io.WriteString(i.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// appendDemoMessage plays the part of a correspondent writing in.
func appendDemoMessage(ctx context.Context, cfg imapconn.Config) error {
	c, err := imapconn.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	now := time.Now()
	msg := strings.ReplaceAll(fmt.Sprintf(`From: Ichiro Suzuki <suzuki@clients.example>
To: %s
Subject: Re: next week
Date: %s
Message-ID: <demo-%d@clients.example>
Content-Type: text/plain; charset=utf-8

Hanako, are we still on for Tuesday? Ichiro
`, cfg.User, now.Format(time.RFC1123Z), now.UnixNano()), "\n", "\r\n")
	w := c.Append("INBOX", int64(len(msg)), &imap.AppendOptions{Time: now})
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_, err = w.Wait()
	return err
}

func quoteArg(s string) string {
	if strings.ContainsAny(s, " '\"$`\\") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
