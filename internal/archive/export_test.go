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
