package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/testimap"
)

func TestSpaceNeeded(t *testing.T) {
	for _, tc := range []struct {
		name        string
		res         backup.SurveyResult
		need        int64
		enoughSpace bool
	}{
		{"nothing new", backup.SurveyResult{FreeBytes: 1 << 30}, 16 << 20, true},
		// 100 MiB: 220 MiB archived, the log up to 120 MiB, 16 MiB margin.
		{"fits", backup.SurveyResult{ToFetchBytes: 100 << 20, FreeBytes: 1 << 30}, 356 << 20, true},
		{"exactly", backup.SurveyResult{ToFetchBytes: 100 << 20, FreeBytes: 356 << 20}, 356 << 20, true},
		{"does not fit", backup.SurveyResult{ToFetchBytes: 100 << 20, FreeBytes: 300 << 20}, 356 << 20, false},
		{"free unknown", backup.SurveyResult{ToFetchBytes: 100 << 20, FreeBytes: -1}, 356 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.res.SpaceNeeded(); got != tc.need {
				t.Errorf("SpaceNeeded() = %d, want %d", got, tc.need)
			}
			if got := tc.res.EnoughSpace(); got != tc.enoughSpace {
				t.Errorf("EnoughSpace() = %v, want %v", got, tc.enoughSpace)
			}
		})
	}
}

// The space asked for covers the peak measured on a real account: 288 MiB of
// mail peaked at 852 MB on disk, the write-ahead log at 234 MB of it
// (issue 18); the estimate without the log was 650 MB.
func TestSpaceNeededCoversThePeak(t *testing.T) {
	if need := (backup.SurveyResult{ToFetchBytes: 288 << 20}).SpaceNeeded(); need < 852e6 {
		t.Errorf("SpaceNeeded(288 MiB) = %d, below the 852 MB peak measured", need)
	}
}

// Preflight counts what a backup would fetch and the free space, without
// the timed sample.
func TestPreflight(t *testing.T) {
	srv := testimap.Start(t, nil)
	dir := tempArchive(t)
	ctx := context.Background()
	p, err := backup.Preflight(ctx, options(srv, dir))
	if err != nil {
		t.Fatalf("Preflight() = %v", err)
	}
	s, err := backup.Survey(ctx, options(srv, dir))
	if err != nil {
		t.Fatal(err)
	}
	if p.ToFetchBytes != s.ToFetchBytes || p.SpaceNeeded() != s.SpaceNeeded() || p.FreeBytes <= 0 {
		t.Errorf("Preflight() = %d to fetch, needs %d, %d free; Survey() %d, %d", p.ToFetchBytes, p.SpaceNeeded(),
			p.FreeBytes, s.ToFetchBytes, s.SpaceNeeded())
	}
	if p.Rate != 0 {
		t.Errorf("Preflight() measured a rate (%v): it fetched a sample", p.Rate)
	}
	if got := backup.FreeSpace(dir); got <= 0 {
		t.Errorf("FreeSpace(%s) = %d", dir, got)
	}
}

// countLogins counts the server's logins: one per connection.
type countLogins struct {
	imapserver.SessionIMAP4rev2
	n *atomic.Int32
}

func (s *countLogins) Login(user, pass string) error {
	s.n.Add(1)
	return s.SessionIMAP4rev2.Login(user, pass)
}

// With SpaceCheck, a run checks the archive's disk against what its own
// plan fetches, on its own connection (no survey before it), and a
// refused run leaves nothing where the archive goes: no new folder, none
// of the archive's files in a folder that held others, and an archive
// that was there as it was.
func TestRunSpaceCheck(t *testing.T) {
	srv := testimap.Start(t, nil)
	var logins atomic.Int32
	port := srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session { return &countLogins{s, &logins} })
	opts := func(dir string) backup.Options {
		o := options(srv, dir)
		o.Conn.Port, o.Connections, o.SpaceCheck = port, 1, true
		return o
	}
	existing := tempArchive(t)
	if _, err := backup.Run(context.Background(), options(srv, existing)); err != nil {
		t.Fatalf("first Run() = %v", err)
	}
	state := serverState(t, srv.Client(t))
	srv.AppendMessage("INBOX", []byte("From: a@example.com\r\nSubject: new\r\n\r\nnew\r\n"), nil, time.Now())
	userFolder := t.TempDir()
	if err := os.WriteFile(filepath.Join(userFolder, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	newParent := filepath.Join(t.TempDir(), "new")

	backup.SetFreeSpace(t, 8<<20) // less than the margin alone
	for _, tc := range []struct {
		name, dir string
		left      func(t *testing.T)
	}{
		{"new folder", filepath.Join(newParent, "archive"), func(t *testing.T) {
			if _, err := os.Lstat(newParent); !os.IsNotExist(err) {
				t.Errorf("the refused run left %s (%v)", newParent, err)
			}
		}},
		{"folder holding other files", userFolder, func(t *testing.T) {
			names, _ := os.ReadDir(userFolder)
			if len(names) != 1 || names[0].Name() != "notes.txt" {
				t.Errorf("the refused run left %v in %s, want only notes.txt", names, userFolder)
			}
		}},
		{"existing archive", existing, func(t *testing.T) { checkArchive(t, existing, state) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logins.Store(0)
			sum, err := backup.Run(context.Background(), opts(tc.dir))
			var se *backup.SpaceError
			if !errors.As(err, &se) || se.Free != 8<<20 || se.Needed <= se.Free || sum.New != 0 {
				t.Fatalf("Run() on a disk with 8 MiB free = %v (%+v), %d new; want a *SpaceError", err, se, sum.New)
			}
			if n := logins.Load(); n != 1 {
				t.Errorf("the refused run logged in %d times, want 1 (its own connection)", n)
			}
			tc.left(t)
		})
	}

	backup.SetFreeSpace(t, 1<<40)
	logins.Store(0)
	if sum, err := backup.Run(context.Background(), opts(existing)); err != nil || sum.New != 1 {
		t.Fatalf("Run() with room = %v, %d new; want 1", err, sum.New)
	}
	if n := logins.Load(); n != 1 {
		t.Errorf("the run logged in %d times, want 1", n)
	}
}
