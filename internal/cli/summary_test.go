package cli_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

// refusingSession answers NO to EXAMINE of one folder.
type refusingSession struct {
	imapserver.SessionIMAP4rev2
	folder string
}

func (s *refusingSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	if mailbox == s.folder {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Permission denied"}
	}
	return s.SessionIMAP4rev2.Select(mailbox, options)
}

// TestBackupSummaryCountsFoldersAndMessages: a run that could not read a
// folder but saved every message it saw exits 3 and says a folder could not
// be read, not "0 message(s) could not be saved"; messages that failed are
// counted apart.
func TestBackupSummaryCountsFoldersAndMessages(t *testing.T) {
	srv := testimap.Start(t, nil)
	const folders, messages = "mailark: 1 folder(s) could not be read", "message(s) could not be saved"
	tests := []struct {
		name    string
		wrap    func(imapserver.SessionIMAP4rev2) imapserver.Session
		say     []string
		notSay  string
		wantOut string
	}{
		{"unreadable folder", func(s imapserver.SessionIMAP4rev2) imapserver.Session {
			return &refusingSession{SessionIMAP4rev2: s, folder: "Junk"}
		}, []string{folders}, messages, "FOLDER NOT READ: Junk"},
		{"failed messages", func(s imapserver.SessionIMAP4rev2) imapserver.Session {
			return &testimap.FailingSession{SessionIMAP4rev2: s, Folder: "INBOX", Bad: map[imap.UID]bool{4: true, 5: true}}
		}, []string{"mailark: 2 " + messages}, "folder(s)", "NOT SAVED: INBOX uid 4"},
		{"both", func(s imapserver.SessionIMAP4rev2) imapserver.Session {
			return &refusingSession{folder: "Junk",
				SessionIMAP4rev2: &testimap.FailingSession{SessionIMAP4rev2: s, Folder: "INBOX", Bad: map[imap.UID]bool{4: true}}}
		}, []string{"mailark: 1 " + messages, folders}, "mailark: 0", "NOT SAVED: INBOX uid 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := srv.ServeWrapped(t, tt.wrap)
			r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
			args := []string{"backup", "--host", srv.Host, "--port", strconv.Itoa(port), "--security", "plain",
				"--user", srv.User, "--archive", filepath.Join(t.TempDir(), "a")}
			code := r.main(context.Background(), args...)
			stderr := r.stderr.String()
			ok := code == cli.ExitFailures && !strings.Contains(stderr, tt.notSay)
			for _, say := range tt.say {
				ok = ok && strings.Contains(stderr, say)
			}
			if !ok {
				t.Errorf("exit %d, want %d; stderr should say %q and not %q:\n%s", code, cli.ExitFailures, tt.say, tt.notSay, stderr)
			}
			if !strings.Contains(r.stdout.String(), tt.wantOut) {
				t.Errorf("summary does not list %q:\n%s", tt.wantOut, r.stdout)
			}
		})
	}
}

// silentSession never answers LIST: a server that stalls after login.
type silentSession struct {
	imapserver.SessionIMAP4rev2
	hold <-chan struct{}
}

func (s *silentSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	<-s.hold
	return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "gone"}
}

// TestBackupStallSaysSo: with --stall-timeout the CLI gives up on a server
// that stalls after login and says in words that it stopped sending and
// that running again continues.
func TestBackupStallSaysSo(t *testing.T) {
	srv := testimap.Start(t, nil)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	port := srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session {
		return &silentSession{SessionIMAP4rev2: s, hold: hold}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a timing
	defer cancel()
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	code := r.main(ctx, "backup", "--host", srv.Host, "--port", strconv.Itoa(port), "--security", "plain",
		"--user", srv.User, "--archive", filepath.Join(t.TempDir(), "a"), "--stall-timeout", "300ms")
	want := "127.0.0.1 stopped sending for 300ms. Everything received so far is saved; run the same command again to continue"
	if code != cli.ExitError || !strings.Contains(r.stderr.String(), want) {
		t.Fatalf("exit %d, want %d; stderr should say %q:\n%s", code, cli.ExitError, want, r.stderr)
	}
}
