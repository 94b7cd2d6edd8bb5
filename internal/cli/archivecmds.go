package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/progress"
)

func openReadOnly(ctx context.Context, env *Env, dir string) (*archive.Archive, int) {
	if dir == "" {
		fmt.Fprintln(env.Stderr, "mailark: --archive DIR is required")
		return nil, ExitUsage
	}
	a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		return nil, fail(env.Stderr, err, false)
	}
	return a, ExitOK
}

func runSearch(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "search", "--archive DIR WORDS...")
	dir := fs.String("archive", "", "archive folder")
	limit := fs.Int("limit", 50, "show at most this many messages")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" {
		fmt.Fprintln(env.Stderr, "mailark search: give the words to look for")
		return ExitUsage
	}
	a, code := openReadOnly(ctx, env, *dir)
	if a == nil {
		return code
	}
	defer a.Close()
	// Messages a stopped backup saved but did not index are indexed
	// first; what cannot be (another Mailark writes the archive) is said.
	var left int64
	var leftErr error
	if n, err := a.UnindexedCount(ctx); err != nil {
		return fail(env.Stderr, err, false)
	} else if n > 0 {
		left, leftErr = backup.IndexForSearch(ctx, *dir)
	}
	hits, err := a.Search(ctx, query, *limit)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	total, err := a.SearchCount(ctx, query)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	t := newTable("id", "date", "folder", "from", "subject").alignRight(0)
	for _, m := range hits {
		t.add(fmt.Sprint(m.ID), messageDate(m), safe(mailtext.Truncate(m.FolderName, 30)), safe(mailtext.Truncate(m.From, 40)), safe(mailtext.Truncate(m.Subject, 60)))
	}
	t.write(env.Stdout)
	switch {
	case int64(len(hits)) < total:
		fmt.Fprintf(env.Stdout, "first %d of %d message(s) found (--limit %d shows more)\n", len(hits), total, total)
	default:
		fmt.Fprintf(env.Stdout, "%d message(s) found\n", len(hits))
	}
	if len(hits) > 0 {
		fmt.Fprintf(env.Stdout, "Open one: mailark show --archive %s ID [--eml FILE]\n", quoteArg(*dir))
	}
	if left > 0 {
		key := "left"
		if mailerr.KindOf(leftErr) == mailerr.ArchiveLocked {
			key = "left-busy"
		}
		fmt.Fprintln(env.Stdout, indexWord(gate.LangFromEnv(env.Getenv), key, left))
	}
	return ExitOK
}

// messageDate is the day and time the message says it was written (its
// Date header), in the local time zone; the server's arrival time when the
// message has no readable Date.
func messageDate(m *archive.MessageInfo) string {
	for _, s := range []string{m.Date, m.InternalDate} {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.Local().Format("2006-01-02 15:04")
		}
	}
	return ""
}

func runFolders(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "folders", "--archive DIR")
	dir := fs.String("archive", "", "archive folder")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	a, code := openReadOnly(ctx, env, *dir)
	if a == nil {
		return code
	}
	defer a.Close()
	stats, err := a.Stats(ctx)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	t := newTable("folder", "role", "messages", "size", "uidvalidity", "mbox file").alignRight(2, 3, 4)
	for _, s := range stats {
		name := safe(s.Folder.Name)
		if !s.Folder.Current {
			name += " (older generation)"
		}
		t.add(name, safe(s.Folder.Role), fmt.Sprint(s.Messages), progress.Bytes(s.Bytes), fmt.Sprint(s.Folder.UIDValidity), safe(s.Folder.MboxPath))
	}
	t.write(env.Stdout)
	return ExitOK
}

// runRestore writes every message from SQLite alone as .eml files, with an
// index of flags and internal dates: the proof that the database restores
// every message byte for byte.
func runRestore(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "restore", "--archive DIR --out DIR2")
	dir := fs.String("archive", "", "archive folder")
	out := fs.String("out", "", "folder to write the messages into (must not exist or be empty)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *out == "" {
		return required(fs, "--out DIR", "")
	}
	a, code := openReadOnly(ctx, env, *dir)
	if a == nil {
		return code
	}
	defer a.Close()
	n, err := archive.Restore(ctx, a, *out)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	fmt.Fprintf(env.Stdout, "%d message(s) written under %s (index: %s)\n", n, safe(*out), safe(filepath.Join(*out, "index.tsv")))
	return ExitOK
}
