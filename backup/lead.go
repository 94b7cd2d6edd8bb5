package backup

import (
	"io"
	"sync"
	"time"
)

// When the next UID FETCH goes out. A connection pipelines: the next
// unit's UID FETCH is sent while the current one's answer still comes, so
// that no round trip stands idle between them. Sent as soon as the current
// one starts (as it was), each connection holds two units of work, and
// towards the end of a run the one that took its second unit first, far
// ahead of need, still fetches alone while the others stand idle: measured
// at RTT 100 ms and 2 MB/s per connection, four connections finished 29.1,
// 30.3, 31.4 and 32.3 s into the run (about 1.5 s of the run lost). So the
// next unit is taken only when what is left of the current one would take
// about two round trips at the rate it comes: just early enough that its
// first bytes follow the current one's last, and late enough that a
// connection which finishes sooner takes it instead. Measured the same way
// since: the four finish within 0.8 s of each other.
//
// The round trip is measured on the connection: the time from a UID FETCH
// sent with nothing else in flight to its first message's bytes (the
// server's own delay included, which pipelining has to cover as well).
// Until it is measured, and for a unit small enough, the next one goes out
// at once.

// minLead is the least of a unit left when the next one goes out.
const minLead = 256 << 10

// leadRoundTrips is how many round trips' worth of a unit is left when
// the next one goes out.
const leadRoundTrips = 2

// lead watches one UID FETCH's answer come in, and tells (near) when the
// next one should go out behind it.
type lead struct {
	f         *fetcher
	bytes     int64     // the server's sizes of the messages asked for
	sent      time.Time // when the command went out
	timesTrip bool      // nothing else was in flight: its first bytes time the round trip
	near      chan struct{}

	mu    sync.Mutex
	got   int64
	first time.Time // its first message's first bytes
	done  bool      // near is closed
}

func (f *fetcher) newLead(bytes int64, alone bool) *lead {
	w := &lead{f: f, bytes: bytes, sent: time.Now(), timesTrip: alone, near: make(chan struct{})}
	if bytes <= minLead {
		w.closeNear()
	}
	return w
}

func (w *lead) closeNear() {
	if !w.done {
		w.done = true
		close(w.near)
	}
}

// note counts n bytes of the answer's messages, read at now.
func (w *lead) note(n int64, now time.Time) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first.IsZero() {
		w.first = now
		if w.timesTrip {
			w.f.sampleTrip(now.Sub(w.sent))
		}
	}
	w.got += n
	if w.done {
		return
	}
	trip := time.Duration(w.f.trip.Load())
	left := w.bytes - w.got
	if trip <= 0 || left <= minLead {
		w.closeNear() // no round trip measured: at once, as before
		return
	}
	elapsed := now.Sub(w.first)
	if elapsed < trip {
		return // too soon to tell the rate
	}
	if rate := float64(w.got) / elapsed.Seconds(); float64(left) <= rate*leadRoundTrips*trip.Seconds() {
		w.closeNear()
	}
}

// sampleTrip keeps the shortest round trip seen on the connection.
func (f *fetcher) sampleTrip(d time.Duration) {
	for {
		old := f.trip.Load()
		if old > 0 && old <= int64(d) {
			return
		}
		if f.trip.CompareAndSwap(old, int64(max(d, time.Microsecond))) {
			return
		}
	}
}

// pipelineHook, when set (tests), is called when a connection is about to
// take the unit it sends behind the one in flight.
var pipelineHook func(pend *inflight)

// leadReader counts what a literal's reads bring for w.
type leadReader struct {
	r io.Reader
	w *lead
}

func (l leadReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		l.w.note(int64(n), time.Now())
	}
	return n, err
}
