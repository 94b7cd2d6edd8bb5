package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/progress"
)

// runShow prints one archived message (the id `search` lists), or writes it
// out: --eml the exact bytes, --attachment N --out FILE one attachment.
// The archive is only read; files written are new (never overwritten) and
// private to the user.
func runShow(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "show", "--archive DIR ID [--eml FILE | --attachment N --out FILE]")
	dir := fs.String("archive", "", "archive folder")
	eml := fs.String("eml", "", "write the message's exact bytes to this new .eml file (any mail program opens it)")
	attach := fs.Int("attachment", 0, "write attachment number N (as listed by show) to --out")
	out := fs.String("out", "", "the new file for --attachment")
	id, code, ok := parseWithID(fs, args)
	if !ok {
		return code
	}
	if (*attach > 0) != (*out != "") || *attach < 0 {
		fmt.Fprintln(env.Stderr, "mailark show: --attachment N and --out FILE go together (N as listed by show, from 1)")
		return ExitUsage
	}
	a, code := openReadOnly(ctx, env, *dir)
	if a == nil {
		return code
	}
	defer a.Close()
	m, err := a.Message(ctx, id)
	if err != nil {
		return fail(env.Stderr, mailerr.New(mailerr.BadInput, "show", *dir,
			fmt.Errorf("no message %d in %s: 'mailark search --archive %s WORDS' lists the ids", id, *dir, quoteArg(*dir))), false)
	}
	switch {
	case *eml != "":
		err := writeNew(*eml, func(w io.Writer) error {
			h := sha256.New()
			if _, err := io.Copy(io.MultiWriter(w, h), a.OpenMessage(ctx, id)); err != nil {
				return err
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != m.SHA256 {
				return mailerr.New(mailerr.ArchiveBroken, "show", *dir, fmt.Errorf(
					"message %d's bytes in the archive no longer match their SHA-256: run mailark repair --archive %s", id, quoteArg(*dir)))
			}
			return nil
		})
		if err != nil {
			return fail(env.Stderr, err, false)
		}
		fmt.Fprintf(env.Stdout, "message %d (%s, SHA-256 %s, as archived) written to %s\n", id, progress.Bytes(m.Size), m.SHA256[:12], safe(*eml))
		return ExitOK
	case *attach > 0:
		var name string
		err := writeNew(*out, func(w io.Writer) error {
			var err error
			name, err = mailtext.CopyAttachment(a.OpenMessage(ctx, id), *attach-1, w)
			if errors.Is(err, mailtext.ErrNoAttachment) {
				return mailerr.New(mailerr.BadInput, "show", *out, fmt.Errorf("message %d has no attachment %d ('mailark show --archive %s %d' lists them)", id, *attach, quoteArg(*dir), id))
			}
			return err
		})
		if err != nil {
			return fail(env.Stderr, err, false)
		}
		fmt.Fprintf(env.Stdout, "attachment %d (%s) of message %d written to %s\n", *attach, safe(name), id, safe(*out))
		return ExitOK
	}
	shown := mailtext.ForDisplay(a.OpenMessage(ctx, id))
	w := env.Stdout
	for _, f := range [][2]string{{"Subject", m.Subject}, {"From", m.From}, {"To", m.To}, {"Cc", m.Cc},
		{"Date", messageDate(m)}, {"Folder", m.FolderName}, {"Size", progress.Bytes(m.Size)}, {"SHA-256", m.SHA256}} {
		if f[1] != "" {
			fmt.Fprintf(w, "%-8s %s\n", f[0]+":", safe(f[1]))
		}
	}
	for i, n := range shown.Attachments {
		fmt.Fprintf(w, "attachment %d: %s\n", i+1, safe(n))
	}
	fmt.Fprintln(w)
	if shown.HTMLOnly {
		fmt.Fprintln(w, "(this message has only an HTML part; shown as text)")
	}
	fmt.Fprintln(w, safeText(strings.TrimRight(shown.Body, "\n")))
	if shown.Truncated {
		fmt.Fprintln(w, "(the text is cut here; --eml FILE writes the whole message)")
	}
	if len(shown.Attachments) > 0 {
		fmt.Fprintf(w, "\nSave an attachment: mailark show --archive %s %d --attachment N --out FILE\n", quoteArg(*dir), id)
	}
	return ExitOK
}

// parseWithID parses flags placed before or after the one argument, a
// message id.
func parseWithID(fs *flag.FlagSet, args []string) (int64, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0, ExitOK, false
			}
			return 0, ExitUsage, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprintf(fs.Output(), "mailark %s: give one message id (the id column of mailark search)\n", fs.Name())
		return 0, ExitUsage, false
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(fs.Output(), "mailark %s: %q is not a message id (the id column of mailark search)\n", fs.Name(), pos[0])
		return 0, ExitUsage, false
	}
	return id, 0, true
}

// writeNew creates path (it must not exist), private to the user, and
// fills it with fill; on any error the partial file is removed.
func writeNew(path string, fill func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return mailerr.New(mailerr.BadInput, "write", path, fmt.Errorf("%s already exists: choose a new file name", path))
	}
	if err != nil {
		return mailerr.FromFS("write", path, err)
	}
	err = fill(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = mailerr.FromFS("write", path, cerr)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
