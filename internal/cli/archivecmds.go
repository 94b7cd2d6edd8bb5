package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/mailark/mailark/internal/archive"
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
	hits, err := a.Search(ctx, query, *limit)
	if err != nil {
		return fail(env.Stderr, err, false)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "date\tfolder\tfrom\tsubject")
	for _, m := range hits {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safe(short(m.InternalDate, 10)), safe(m.FolderName), safe(short(m.From, 40)), safe(short(m.Subject, 60)))
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "%d message(s) found\n", len(hits))
	return ExitOK
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
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
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "folder\trole\tmessages\tsize\tuidvalidity\tmbox file")
	for _, s := range stats {
		name := safe(s.Folder.Name)
		if !s.Folder.Current {
			name += " (older generation)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\n", name, safe(s.Folder.Role), s.Messages, progress.Bytes(s.Bytes), s.Folder.UIDValidity, safe(s.Folder.MboxPath))
	}
	tw.Flush()
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
		fmt.Fprintln(env.Stderr, "mailark restore: --out DIR is required")
		return ExitUsage
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
