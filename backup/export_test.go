package backup

// Describe fills an archive entry's index fields from a message, as a
// backup stores them: for the decoding test, which reads them from outside.
var Describe = describe

// HoldIndex makes the indexer call hold before each page it adds to the
// index: for the test that kills a run between durable and indexed.
func HoldIndex(hold func()) { indexHold = hold }

// SetFreeSpace makes the space check (Options.SpaceCheck) see free
// bytes on the archive's disk, for the test.
func SetFreeSpace(t interface{ Cleanup(func()) }, free int64) {
	old := freeSpace
	freeSpace = func(string) int64 { return free }
	t.Cleanup(func() { freeSpace = old })
}

// PoisonReleasedBuffers makes every message buffer given back filled with
// a poison byte, so that a message read after its release is archived
// wrong. TestMain sets it for every test of the package.
func PoisonReleasedBuffers() { poisonReleased = true }

// WatchPipelining calls f each time a connection is about to take the
// unit it sends behind the UID FETCH in flight, with how many bytes of
// that one's messages came so far, of how many, and whether its answer
// had ended.
func WatchPipelining(t interface{ Cleanup(func()) }, f func(got, of int64, answered bool)) {
	pipelineHook = func(pend *inflight) {
		pend.lead.mu.Lock()
		got, of := pend.lead.got, pend.lead.bytes
		pend.lead.mu.Unlock()
		answered := false
		select {
		case <-pend.done:
			answered = true
		default:
		}
		f(got, of, answered)
	}
	t.Cleanup(func() { pipelineHook = nil })
}
