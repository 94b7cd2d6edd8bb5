package archive

import (
	"os"
	"sync"
)

// The write-ahead log. SQLite's automatic checkpoint runs inside the
// committing connection and would stall the writer while it copies the log
// into the database; the writer turns it off (wal_autocheckpoint=0) and a
// checkpointer goroutine runs a passive checkpoint on the second connection
// after every commit, while the next batch is written.
//
// A passive checkpoint never restarts the log: SQLite writes from its start
// again only when a write transaction begins with every frame of it copied.
// A writer that never waits keeps a step ahead, and the log would grow by
// the size of the whole archive. So when the log holds walRestartBytes or
// more, the next batch waits for the checkpoint that follows the last
// commit (it has been copying meanwhile; the wait is for its tail) and then
// begins on a log that starts over. If a reader holds the log, so that it
// cannot restart, past maxWALBytes the writer folds it in itself.

var (
	walRestartBytes int64 = 128 << 20
	maxWALBytes     int64 = 256 << 20 // variables for the tests
)

type checkpointer struct {
	a       *Archive
	kick    chan struct{}
	stopped chan struct{}

	mu   sync.Mutex
	cond *sync.Cond
	// commits counts commits; covered is how many of them the last
	// finished checkpoint started after.
	commits, covered int64
	// logBytes and copied are the log's size and how much of it the last
	// checkpoint left copied into the database.
	logBytes, copied int64
}

// startCheckpointer starts the goroutine that checkpoints after commits.
func (a *Archive) startCheckpointer() {
	c := &checkpointer{a: a, kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	var pageSize int64
	if err := a.db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil || pageSize <= 0 {
		pageSize = 4096
	}
	go func() {
		defer close(c.stopped)
		for range c.kick {
			c.mu.Lock()
			start := c.commits
			c.mu.Unlock()
			var busy, logFrames, copiedFrames int64
			size := a.dbSize()
			err := a.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copiedFrames)
			// What the checkpoint added to the database file, as a
			// batch's commit in bulk mode (pagecache.go): once the whole
			// log is copied SQLite has synced the file, and pages not yet
			// on the disk stay cached anyway.
			a.dropAddedPages(size)
			c.mu.Lock()
			c.covered = start
			if err == nil && logFrames >= 0 {
				c.logBytes, c.copied = logFrames*pageSize, copiedFrames*pageSize
			}
			c.cond.Broadcast()
			c.mu.Unlock()
			// After the batch that may be waiting for this checkpoint
			// goes on: let go of the cache's clean pages (see BeginBatch).
			_, _ = a.db.Exec(`PRAGMA shrink_memory`)
		}
	}()
	a.ckpt.Store(c)
}

// committed tells the checkpointer that the log grew.
func (c *checkpointer) committed() {
	c.mu.Lock()
	c.commits++
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default: // one is pending already
	}
}

// beforeBatch lets the log start over before a batch, when it is long.
func (c *checkpointer) beforeBatch() {
	c.mu.Lock()
	if c.logBytes < walRestartBytes {
		c.mu.Unlock()
		return
	}
	// The last commit kicked the checkpointer, so a checkpoint covering it
	// finishes: the kick channel keeps one more while one runs.
	for c.covered < c.commits {
		c.cond.Wait()
	}
	restarts := c.copied >= c.logBytes
	if restarts {
		c.logBytes, c.copied = 0, 0 // the batch writes it from the start
	}
	c.mu.Unlock()
	if restarts {
		return
	}
	if st, err := os.Stat(c.a.Path(DBFile) + "-wal"); err == nil && st.Size() > maxWALBytes {
		_, _ = c.a.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
}

// stop ends the goroutine.
func (c *checkpointer) stop() {
	close(c.kick)
	<-c.stopped
}
