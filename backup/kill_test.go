package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testimap"
)

// hotJournals counts the kills after which a rollback journal was left.
var hotJournals atomic.Int64

var kills = testimap.SoakFlag("kills", 20, "how many times TestKilledBackupResumes kills the backup process")

// TestKillChild is the child process of TestKilledBackupResumes: it runs a
// backup and prints one line per progress event, until it is killed.
func TestKillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	env := testimap.ChildKillEnv()
	opts := backup.Options{
		Conn:          config("127.0.0.1", env.Port, env.User, env.Password),
		ArchiveDir:    env.Archive,
		BatchMessages: 7, BatchInterval: 50 * time.Millisecond,
		Progress: testimap.PrintEvent,
	}
	testimap.RunChildCall(opts, backup.Run)
}

// TestKilledBackupResumes kills the backup process with SIGKILL at several
// points, checks after each kill that the archive opens and its mbox files
// and SQLite agree, and at the end that a resumed run leaves every message
// of the server in the archive exactly once.
func TestKilledBackupResumes(t *testing.T) {
	testimap.SkipIfShort(t)
	srv := testimap.Start(t, nil)
	// A slow link, so that a run takes a few seconds and kills land
	// mid-folder, mid-batch and mid-commit.
	proxy := testimap.StartProxy(t, srv.Addr, func(int) testimap.Fault { return testimap.Fault{Delay: 3 * time.Millisecond} })
	state := serverState(t, srv.Client(t))
	dir := tempArchive(t)
	killed, started := 0, 0
	for killed < *kills && started < 4**kills {
		started++
		// Kill after the 1st, 2nd, … 5th progress event in turn: early in
		// a run and later, in every folder.
		killAt := killed%5 + 1
		env := testimap.KillEnv{Port: proxy.Port, User: srv.User, Password: srv.Password, Archive: dir}
		c := testimap.KillChild(t, "TestKillChild", env.Environ(), killAt)
		if c.Hung {
			t.Fatalf("run %d hung", started)
		}
		if c.Finished != "" {
			// This archive is complete: check it against the server and
			// start another, so that every kill interrupts real work.
			checkArchive(t, dir, state)
			dir = tempArchive(t)
			continue
		}
		killed++
		tally.Kills.Add(1)
		checkConsistent(t, dir)
	}
	t.Logf("%d of %d kills left a rollback journal behind", hotJournals.Load(), killed)
	if killed < *kills {
		t.Fatalf("only %d kills landed in %d runs", killed, started)
	}
	sum, err := backup.Run(context.Background(), options(srv, dir))
	if err != nil || !sum.OK() {
		t.Fatalf("resumed Run() = %v", err)
	}
	checkArchive(t, dir, state)
}

// openAfterKill opens the archive in dir for writing, which recovers from
// a crash; nil when the kill came before the archive was made.
func openAfterKill(t *testing.T, dir string) *archive.Archive {
	t.Helper()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	a, err := archive.Open(context.Background(), dir, archive.Options{})
	if err != nil {
		t.Fatalf("archive after kill: %v", err)
	}
	return a
}

// checkConsistent opens the archive for writing (which recovers from a
// crash) and checks that every mbox file holds exactly the messages SQLite
// lists for it.
func checkConsistent(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return // killed before the archive was made
	}
	// A reader first, before any writer recovers the archive: a backup
	// killed mid-batch in rollback-journal mode left a hot journal, which
	// the reader must play back (archive/bulk.go), and it sees what the
	// writer will.
	if _, err := os.Stat(filepath.Join(dir, archive.DBFile+"-journal")); err == nil {
		hotJournals.Add(1)
	}
	before := map[string]map[uint32]serverMessage{}
	if schemaMade(t, dir) {
		before = readState(t, dir)
	}
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatalf("archive after kill: %v", err)
	}
	a.Close()
	state := readState(t, dir)
	if !reflect.DeepEqual(before, state) {
		t.Fatalf("a reader after the kill saw %v, the archive once recovered holds %v", before, state)
	}
	// Compare the archive with itself as a "server": SQLite bytes hash to
	// the recorded sums, and the mbox holds the same messages in order.
	checkArchive(t, dir, state)
}

// schemaMade tells whether the run got as far as making the archive's
// schema: a run stopped while making it (a kill, a full disk) leaves a
// database in which a reader finds that nothing was saved yet
// (archive.ErrNothingSaved), and the next writer makes the schema.
func schemaMade(t *testing.T, dir string) bool {
	t.Helper()
	ro, err := archive.Open(context.Background(), dir, archive.Options{ReadOnly: true})
	if errors.Is(err, archive.ErrNothingSaved) {
		return false
	}
	if err == nil {
		ro.Close()
	}
	return true
}

// readState is what a reader sees of the archive in dir: per folder, its
// messages.
func readState(t *testing.T, dir string) map[string]map[uint32]serverMessage {
	t.Helper()
	ctx := context.Background()
	ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("a reader after the kill: %v", err)
	}
	defer ro.Close()
	state := map[string]map[uint32]serverMessage{}
	folders, err := ro.Folders(ctx)
	if err != nil {
		t.Fatalf("a reader after the kill: %v", err)
	}
	for _, f := range folders {
		msgs := map[uint32]serverMessage{}
		if err := ro.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error {
			d, _ := time.Parse(time.RFC3339, m.InternalDate)
			msgs[m.UID] = serverMessage{SHA: m.SHA256, Size: m.Size, Flags: m.Flags, Date: d}
			return nil
		}); err != nil {
			t.Fatalf("a reader after the kill: %v", err)
		}
		state[f.Name] = msgs
	}
	return state
}
