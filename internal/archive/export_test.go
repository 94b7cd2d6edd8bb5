package archive

import (
	"context"
	"database/sql"
	"os"
)

// SetWALLimits sets the log's restart and fold-in sizes for a test.
func SetWALLimits(restart, max int64) (undo func()) {
	r, m := walRestartBytes, maxWALBytes
	walRestartBytes, maxWALBytes = restart, max
	return func() { walRestartBytes, maxWALBytes = r, m }
}

// DB gives this package's tests the database, to look at what was written
// and to damage it on purpose.
func DB(a *Archive) *sql.DB { return a.db }

// Durability events (durable.go).
const (
	EventMboxSync = eventMboxSync
	EventCommit   = eventCommit
)

// SetDurableHook has fn told of every mbox fsync and batch commit.
func SetDurableHook(fn func(event, path string, upTo int64)) (undo func()) {
	durableHook = fn
	return func() { durableHook = nil }
}

// OpenUnseenReader opens dir read-only without the reader's lock that
// sends a bulk writer back to WAL: a reader as it is between its open and
// the writer's next batch.
func OpenUnseenReader(ctx context.Context, dir string) (*Archive, error) {
	a, err := Open(ctx, dir, Options{ReadOnly: true})
	if err == nil && a.reader != nil {
		a.reader.Close()
		a.reader = nil
	}
	return a, err
}

// WaitCheckpointed waits until the checkpointer (wal.go) has finished a
// checkpoint that covers every commit so far; at once when there is none.
func WaitCheckpointed(a *Archive) {
	c := a.ckpt.Load()
	if c == nil {
		return
	}
	c.mu.Lock()
	for c.covered < c.commits {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

// HeldDBFile is the descriptor the writer holds of its database file
// (pagecache.go), nil where it holds none.
func HeldDBFile(a *Archive) *os.File { return a.dbFile }
