package archive

import (
	"context"
	"database/sql"
	"os"
)

// Bulk writing. In WAL mode every byte a batch writes goes to the log, and
// again into the database when the checkpointer folds the log in (with a
// read of it in between). With a rollback journal, pages a transaction
// appends to the database are written once, in place, and only the few
// pages that were there before it began are copied to the journal first.
// Measured on the backup's engine alone (BenchmarkPipeline), a backup then
// takes about a quarter less CPU. So a backup (Options.Bulk) writes with
// journal_mode=DELETE, and Close returns the archive to WAL.
//
// What a reader sees meanwhile: SQLite's rollback journal never shows a
// torn state. A batch's changes stay in its connection (and the journal
// holds the pages it replaced) until it commits; from the time it first
// writes the database file until its commit ends, it holds the exclusive
// lock, and a reader waits for it (busy_timeout, 15 s: a batch is at most
// 64 MiB or 2 s of mail), then reads the state after the commit. A reader
// already reading keeps the state before: the writer waits for it to end.
//
// After a kill, the journal left behind is "hot": the next connection that
// can write the database plays it back before reading, so the archive is
// as the last commit left it. A read-only connection (mode=ro) cannot play
// it back, so a reader that finds a journal opens the database for
// writing but with query_only on (readerDSN): SQLite plays a journal back
// only when no writer holds the database, so a live writer's journal is
// left alone.
//
// A reader that comes during the backup could hold one read open longer
// than the busy timeout (a migration reads the archive as it uploads): the
// writer would then fail to commit. So every reader holds a shared flock
// on ReadersFile while it has the archive open, a bulk backup starts only
// when none does, and before each batch (and each index transaction) a
// bulk writer looks again: when a reader has come, it goes back to WAL
// there, where a reader never holds the writer up. (The switch needs the
// reader to be between two reads; it is tried again before every batch.)
// Where there is no flock (Windows) a backup keeps WAL.
//
// The switch out of WAL also needs the database to be open in no other
// connection: one the lock does not show (sqlite3) keeps the backup in
// WAL too. The switch back at Close waits for readers (busy_timeout); if
// it still cannot, the archive stays in rollback mode, correct too, until
// the next writer opens it in WAL.

// beginBulk switches the database, on the pool's first and only
// connection, to a rollback journal when no other connection has it open.
// Otherwise it stays in (or goes back to) WAL.
func (a *Archive) beginBulk(ctx context.Context) error {
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	mode := "wal"
	if readersSeen && !lookForReaders(a.Path(ReadersFile)) {
		mode = "delete"
	}
	// Leaving WAL must not wait for a connection that has it open.
	got, err := setJournal(ctx, conn, mode, false)
	if err == nil && got == "delete" {
		a.bulk.Store(true)
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = setJournal(ctx, conn, "wal", true)
	return err
}

// setJournal sets the journal mode on conn and returns the one it is in;
// without wait it does not wait for other connections.
func setJournal(ctx context.Context, conn *sql.Conn, mode string, wait bool) (string, error) {
	if !wait {
		if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
			return "", err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA busy_timeout = 15000`)
	}
	var got string
	err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = `+mode).Scan(&got)
	return got, err
}

// leaveBulkForReader goes back to WAL when a reader has come. The caller
// holds a.batches for writing: no batch or index transaction is open.
func (a *Archive) leaveBulkForReader() {
	if a.bulk.Load() && lookForReaders(a.Path(ReadersFile)) {
		a.endBulk(false)
	}
}

// endBulk returns the archive to WAL (Close, or a reader came): waiting
// for readers only at Close.
func (a *Archive) endBulk(wait bool) {
	ctx := context.Background()
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if mode, err := setJournal(ctx, conn, "wal", wait); err != nil || mode != "wal" {
		return // still bulk: tried again before the next batch
	}
	a.bulk.Store(false)
	if !wait {
		a.startCheckpointer()
	}
}

// readerDSN is how a reader opens the database: read-only, unless a
// rollback journal is there, which may be hot (see above).
func readerDSN(dbPath string) string {
	if st, err := os.Stat(dbPath + "-journal"); err == nil && st.Size() > 0 {
		return "file:" + uriPath(dbPath) + "?mode=rw&_pragma=busy_timeout(15000)&_pragma=query_only(1)"
	}
	return "file:" + uriPath(dbPath) + "?mode=ro&_pragma=busy_timeout(15000)"
}
