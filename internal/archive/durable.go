package archive

import "os"

// The order that makes a batch durable: the mbox file is fsynced up to the
// batch's end before the SQLite transaction that records that length
// commits. A crash between the two leaves bytes past the committed length,
// which Open cuts off; the other order could leave a committed length
// pointing past what reached the disk.

// Events of the durability order, for a test to record (durableHook).
const (
	eventMboxSync = "mbox fsync"
	eventCommit   = "sqlite commit"
)

// durableHook, when set (by a test only), is told of every mbox fsync and
// every batch commit, with the file and the offset made durable.
var durableHook func(event, path string, upTo int64)

func durable(event, path string, upTo int64) {
	if durableHook != nil {
		durableHook(event, path, upTo)
	}
}

// syncMbox fsyncs an mbox file whose bytes up to upTo are written.
func syncMbox(f *os.File, upTo int64) error {
	if err := f.Sync(); err != nil {
		return err
	}
	durable(eventMboxSync, f.Name(), upTo)
	return nil
}
