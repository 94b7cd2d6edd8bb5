package archive

import (
	"context"
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
// The switch out of WAL needs the database to be open in no other
// connection: a reader that has it open (the archive window) keeps the
// backup in WAL, which is as before and correct. The switch back waits for
// readers (busy_timeout); if it still cannot, the archive stays in rollback
// mode, correct too, until the next writer opens it in WAL.

// beginBulk switches the database, on the pool's first and only
// connection, to a rollback journal when no other connection has it open.
// Otherwise it stays in (or goes back to) WAL.
func (a *Archive) beginBulk(ctx context.Context) error {
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Leaving WAL must not wait for a reader that keeps the archive open.
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		return err
	}
	var mode string
	bulkErr := conn.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode)
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 15000`); err != nil {
		return err
	}
	if bulkErr == nil && mode == "delete" {
		a.bulk = true
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
}

// endBulk returns the archive to WAL (Close).
func (a *Archive) endBulk() {
	var mode string
	_ = a.db.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode)
	a.bulk = false
}

// readerDSN is how a reader opens the database: read-only, unless a
// rollback journal is there, which may be hot (see above).
func readerDSN(dbPath string) string {
	if st, err := os.Stat(dbPath + "-journal"); err == nil && st.Size() > 0 {
		return "file:" + uriPath(dbPath) + "?mode=rw&_pragma=busy_timeout(15000)&_pragma=query_only(1)"
	}
	return "file:" + uriPath(dbPath) + "?mode=ro&_pragma=busy_timeout(15000)"
}
