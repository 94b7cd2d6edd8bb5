package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/internal/testmail"
)

func TestShowWritesTheMessageAndItsAttachment(t *testing.T) {
	raw := testmail.WithAttachment()
	acct := &demo.Account{User: "me@example.jp", Password: "pw", Folders: []demo.Folder{
		{Name: "INBOX", Messages: []demo.Message{{Raw: raw, InternalDate: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}}}}}
	srv := testimap.Start(t, acct)
	dir := filepath.Join(t.TempDir(), "a")
	ctx := context.Background()
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(ctx, backupArgs(srv, dir)...); code != cli.ExitOK {
		t.Fatalf("backup exit %d: %s", code, r.stderr)
	}
	r = newRun(nil)
	if code := r.main(ctx, "search", "--archive", dir, "hanako"); code != cli.ExitOK {
		t.Fatalf("search exit %d: %s", code, r.stderr)
	}
	id := regexp.MustCompile(`(?m)^\s*(\d+)\s+\d{4}-`).FindStringSubmatch(r.stdout.String())
	if id == nil || !strings.Contains(r.stdout.String(), "mailark show --archive") {
		t.Fatalf("search lists no id to show, nor how:\n%s", r.stdout)
	}

	r = newRun(nil)
	if code := r.main(ctx, "show", "--archive", dir, id[1]); code != cli.ExitOK {
		t.Fatalf("show exit %d: %s", code, r.stderr)
	}
	if out := r.stdout.String(); !strings.Contains(out, "会定の件です。") || !strings.Contains(out, "attachment 1: mitsumori.pdf") {
		t.Errorf("show does not print the text and the attachment:\n%s", out)
	}

	out := t.TempDir()
	eml := filepath.Join(out, "m.eml")
	r = newRun(nil)
	if code := r.main(ctx, "show", "--archive", dir, id[1], "--eml", eml); code != cli.ExitOK {
		t.Fatalf("show --eml exit %d: %s", code, r.stderr)
	}
	if got, _ := os.ReadFile(eml); !bytes.Equal(got, raw) {
		t.Errorf("show --eml wrote %d bytes, not the message as archived (%d bytes)", len(got), len(raw))
	}
	if fi, err := os.Stat(eml); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the .eml file is not private: %v %v", fi.Mode(), err)
	}
	// An existing file is never overwritten.
	r = newRun(nil)
	if code := r.main(ctx, "show", "--archive", dir, "--eml", eml, id[1]); code != cli.ExitError || !strings.Contains(r.stderr.String(), "already exists") {
		t.Errorf("show --eml onto an existing file: exit %d, %s", code, r.stderr)
	}
	if got, _ := os.ReadFile(eml); !bytes.Equal(got, raw) {
		t.Errorf("the existing file was changed")
	}

	pdf := filepath.Join(out, "m.pdf")
	r = newRun(nil)
	if code := r.main(ctx, "show", "--archive", dir, id[1], "--attachment", "1", "--out", pdf); code != cli.ExitOK {
		t.Fatalf("show --attachment exit %d: %s", code, r.stderr)
	}
	if got, _ := os.ReadFile(pdf); string(got) != "%PDF-1.4\n" {
		t.Errorf("attachment written = %q", got)
	}
	r = newRun(nil)
	if code := r.main(ctx, "show", "--archive", dir, "99999"); code != cli.ExitError || !strings.Contains(r.stderr.String(), "mailark search") {
		t.Errorf("show of an unknown id: exit %d, %s", code, r.stderr)
	}
}
