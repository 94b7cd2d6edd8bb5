package backup

import (
	"sync"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
)

// Spooling ahead only where the link is the limit. A connection ahead of
// the writer that finds too little memory free spools its message to a
// file when the writer waits for the link (budget.starved). That pays on
// a slow link: the connections go on at their rate instead of standing
// idle. Where the link is fast (a LAN, loopback) the writer waits at
// times too, for a connection the CPU scheduler left aside, and a spooled
// message only costs CPU: it is written to a file and read back twice.
// Measured on loopback (N = 20,000, 2 GB, 4 connections, five rounds):
// 392-513 MB were spooled ahead; with this rule 32-47 MB (before the rate
// is known), and the backup took 18.3 s of CPU (median) instead of 19.2.
//
// So the run measures what its connections deliver while Mailark waits
// for them (imapconn.LinkStats, as the compression decision does: time in
// which the writer was behind does not count), and spools ahead only while
// that is below spoolAheadBelow per connection, or not measured yet.

// spoolAheadBelow is the rate per connection, in bytes of mail a second,
// below which the link counts as the limit. A connection of a far or
// capped link (the bench's RTT 40 ms at 4 MB/s, 100 ms at 2 MB/s) is far
// below it; loopback's delivered 195-363 MB/s each.
const spoolAheadBelow = 20e6

// linkRate is what a run's connections delivered while Mailark waited for
// them, summed over connections and sessions.
type linkRate struct {
	mu     sync.Mutex
	bytes  int64
	waited time.Duration
}

func (l *linkRate) add(d imapconn.LinkStats) {
	l.mu.Lock()
	l.bytes += d.Bytes
	l.waited += d.Waited
	l.mu.Unlock()
}

// rate is bytes a second per connection, once measureBytes came.
func (l *linkRate) rate() (float64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return measuredRate(imapconn.LinkStats{Bytes: l.bytes, Waited: l.waited})
}

// linkMayLimit tells whether the link may be what the writer waits for:
// it delivers less than spoolAheadBelow per connection, or too little came
// to tell.
func (r *runner) linkMayLimit() bool {
	rate, ok := r.link.rate()
	return !ok || rate < spoolAheadBelow
}
