//go:build linux

package archive_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// writeCalls is how many write system calls the process made so far
// (/proc/self/io's syscw).
func writeCalls(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "syscw: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no syscw in /proc/self/io")
	return 0
}

// TestBatchKeepsNoStatementJournal adds 200 small messages to a batch of
// a bulk archive, as a backup does: until the commit, nothing is written
// to disk. SQLite kept a statement journal for every INSERT that fired a
// content trigger (a file, one write per 64 KiB page the statement
// touched): at least two writes a message. After the commit and after an
// abort, the pool's connections check foreign keys again.
func TestBatchKeepsNoStatementJournal(t *testing.T) {
	ctx := context.Background()
	a, err := archive.Open(ctx, t.TempDir(), archive.Options{Bulk: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 7})
	if err != nil {
		t.Fatal(err)
	}
	run, err := a.BeginRun(ctx, "backup")
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	before := writeCalls(t)
	for uid := uint32(1); uid <= n; uid++ {
		e := entry(uid, fmt.Sprintf("Subject: %d\r\n\r\nbody %d\r\n", uid, uid))
		e.IndexLater = true
		if err := b.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if w := writeCalls(t) - before; w > n/4 {
		t.Errorf("%d write calls while adding %d messages, want none to speak of: a statement journal is kept", w, n)
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	checkForeignKeys(t, a, "after a commit")

	b, err = a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Add(ctx, entry(n+1, "Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	b.Abort()
	checkForeignKeys(t, a, "after an abort")

	// A message added twice fails its INSERT OR FAIL, and the batch rolls
	// back whole: the message added before it in the batch is not kept.
	b, err = a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Add(ctx, entry(n+2, "Subject: y\r\n\r\ny\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(ctx, entry(n, "Subject: again\r\n\r\nagain\r\n")); err == nil {
		t.Errorf("Add() of UID %d, archived already, = nil", n)
	}
	b.Abort()
	if got, err := a.MessageCount(ctx); err != nil || got != n {
		t.Errorf("MessageCount() = %d, %v after the failed batch, want %d", got, err, n)
	}
	checkForeignKeys(t, a, "after a failed batch")
}

// checkForeignKeys fails unless both connections of a's pool check
// foreign keys.
func checkForeignKeys(t *testing.T, a *archive.Archive, when string) {
	t.Helper()
	ctx := context.Background()
	db := archive.DB(a)
	for i := range 2 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var on int
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil {
			t.Fatal(err)
		}
		if on != 1 {
			t.Errorf("%s: connection %d of the pool has foreign keys off", when, i+1)
		}
	}
}
