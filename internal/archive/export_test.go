package archive

import "database/sql"

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
