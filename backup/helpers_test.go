package backup_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mbox"
	"github.com/mailark/mailark/internal/retry"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

func config(host string, port int, user, pass string) imapconn.Config {
	return imapconn.Config{Host: host, Port: port, Security: imapconn.Plain, User: user,
		Password: secret.New(pass), DialTimeout: 10 * time.Second}
}

// noWait is a reconnect policy whose waits end at once (when the context
// is done, with its error).
var noWait = retry.Policy{Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}

func options(srv *testimap.Server, dir string) backup.Options {
	return backup.Options{Conn: srv.Conn(), ArchiveDir: dir,
		Policy: noWait}
}

// serverMessage is what the server holds of one message.
type serverMessage = testimap.ServerMessage

// serverState reads every message of every selectable folder, read-only.
func serverState(t testing.TB, c *imapclient.Client) map[string]map[uint32]serverMessage {
	t.Helper()
	return testimap.ServerState(t, c)
}

// checkArchive compares the archive with the server message by message:
// every server message is in SQLite with the same bytes, flags and internal
// date, and in the folder's mbox file; nothing is there twice. It returns the
// number of messages checked.
func checkArchive(t testing.TB, dir string, state map[string]map[uint32]serverMessage) int {
	t.Helper()
	checked, lost, dups := compareArchive(t, dir, state)
	tally.Checked.Add(int64(checked))
	tally.Lost.Add(int64(lost))
	tally.Dups.Add(int64(dups))
	if lost != 0 || dups != 0 {
		t.Errorf("%d messages lost, %d duplicated", lost, dups)
	}
	return checked
}

// compareArchive does checkArchive's work and counts what the server has
// that the archive lacks (lost) and what the archive has twice (dups).
func compareArchive(t testing.TB, dir string, state map[string]map[uint32]serverMessage) (checked, lost, dups int) {
	t.Helper()
	ctx := context.Background()
	a := archivetest.Open(t, dir)
	defer a.Close()
	for name, msgs := range state {
		f, err := a.Folder(ctx, name)
		if f == nil && err == nil {
			f, err = sourceFolder(ctx, a, name) // an imported store's folder
		}
		if err != nil || f == nil {
			t.Errorf("folder %q not in the archive (%v)", name, err)
			lost += len(msgs)
			continue
		}
		var rows []*archive.MessageInfo
		if err := a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error { rows = append(rows, m); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(msgs) {
			t.Errorf("%s: archive has %d messages, server %d", name, len(rows), len(msgs))
		}
		seen := map[uint32]bool{}
		for _, m := range rows {
			if seen[m.UID] {
				dups++
			}
			seen[m.UID] = true
		}
		for uid := range msgs {
			if !seen[uid] {
				lost++
			}
		}
		for _, m := range rows {
			want, ok := msgs[m.UID]
			if !ok {
				t.Errorf("%s uid %d archived but not on the server", name, m.UID)
				continue
			}
			h := sha256.New()
			if _, err := io.Copy(h, a.OpenMessage(ctx, m.ID)); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA || m.SHA256 != want.SHA || m.Size != want.Size {
				b, _ := io.ReadAll(a.OpenMessage(ctx, m.ID))
				t.Errorf("%s uid %d: stored bytes differ from the server's: %d bytes stored (SHA-256 %.8s, recorded %.8s, size %d), the server's %d (%.8s); the stored ones start %q",
					name, m.UID, len(b), got, m.SHA256, m.Size, want.Size, want.SHA, b[:min(len(b), 300)])
			}
			if !sameFlags(m.Flags, want.Flags) {
				t.Errorf("%s uid %d: flags %v, server %v", name, m.UID, m.Flags, want.Flags)
			}
			if d, err := time.Parse(time.RFC3339, m.InternalDate); err != nil || !d.Equal(want.Date) {
				t.Errorf("%s uid %d: internal date %s, server %v", name, m.UID, m.InternalDate, want.Date)
			}
			checked++
		}
		// The mbox file holds the same messages in the same order.
		fh, err := os.Open(a.Path(f.MboxPath))
		if err != nil {
			if len(rows) == 0 {
				continue
			}
			t.Fatal(err)
		}
		r := mbox.NewReader(fh)
		for i := 0; ; i++ {
			e, err := r.Next()
			if err == io.EOF {
				if i != len(rows) {
					t.Errorf("%s: mbox has %d messages, SQLite %d", name, i, len(rows))
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: mbox: %v", name, err)
			}
			h := sha256.New()
			io.Copy(h, e.Body)
			if i >= len(rows) {
				t.Errorf("%s: mbox has more messages than SQLite", name)
				dups++
				continue
			}
			if hex.EncodeToString(h.Sum(nil)) != rows[i].SHA256 {
				t.Errorf("%s: mbox message %d differs from SQLite uid %d", name, i, rows[i].UID)
			}
			if e.Offset != rows[i].MboxOffset {
				t.Errorf("%s: mbox message %d at %d, SQLite says %d", name, i, e.Offset, rows[i].MboxOffset)
			}
		}
		fh.Close()
	}
	return checked, lost, dups
}

func sameFlags(a, b []string) bool {
	norm := func(s []string) []string {
		out := []string{}
		for _, f := range s {
			if !strings.EqualFold(f, `\Recent`) {
				out = append(out, strings.ToLower(f))
			}
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

func tempArchive(t testing.TB) string { return filepath.Join(t.TempDir(), "archive") }

// sourceFolder finds a source's current folder by its name.
func sourceFolder(ctx context.Context, a *archive.Archive, name string) (*archive.Folder, error) {
	all, err := a.Folders(ctx)
	for _, f := range all {
		if f.Current && f.SourceID != 0 && f.Name == name {
			return f, err
		}
	}
	return nil, err
}
