package imapconn

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// idleConn closes a connection on which the server stalls, so a run cannot
// hang forever:
//
//   - silence: nothing arrives for idle while a read waits. The first read
//     that times out ends the connection: every later read fails at once
//     with the same error. (A timeout is a temporary error to crypto/tls,
//     and the reader above it tries again, each try waiting idle anew.)
//   - a trickle: fewer than trickleBytes arrive over trickleWindow of time
//     spent waiting in reads since the last trickleBytes did (a byte every 20 s inside a 1.5 GB literal
//     never trips the idle timeout). Time before our last write does not
//     count: the server may be silent while we send.
type idleConn struct {
	net.Conn
	idle          time.Duration
	trickleWindow time.Duration
	trickleBytes  int64

	mu        sync.Mutex
	timedOut  error
	trickle   *TrickleError // set when the trickle rule cut the connection
	waited    time.Duration // read-waiting time in the current window
	got       int64         // bytes in the current window
	lastWrite time.Time
	writing   int  // writes in progress
	above     bool // the trickle rule counts a layer above (decompressed bytes): see countAbove

	// What reads took from the network, for Conn.Link.
	wireBytes int64
	reads     int64 // reads from the network
	waitedAll time.Duration
}

func newIdleConn(c net.Conn, cfg Config) *idleConn {
	return &idleConn{Conn: c, idle: cfg.IdleTimeout, trickleWindow: cfg.TrickleWindow, trickleBytes: cfg.TrickleBytes}
}

// TrickleError is why a connection was cut for sending too little.
type TrickleError struct {
	Bytes  int64
	Window time.Duration
}

func (e *TrickleError) Error() string {
	return fmt.Sprintf("the server sent only %d bytes in %v while Mailark waited for it", e.Bytes, e.Window)
}

// Timeout reports true: a trickle is a stall.
func (e *TrickleError) Timeout() bool   { return true }
func (e *TrickleError) Temporary() bool { return false }

// trickled returns the trickle that cut the connection, or nil.
func (c *idleConn) trickled() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trickle == nil {
		return nil
	}
	return c.trickle
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writing++ // a write may block for long on a slow link
	c.mu.Unlock()
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.writing--
	if n > 0 {
		c.lastWrite = time.Now()
	}
	c.mu.Unlock()
	return n, err
}

// sending reports whether we wrote within the idle time before now: a
// server is silent while it reads a long literal (an APPEND on a slow
// link), and that silence is not a stall.
func (c *idleConn) sending(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writing > 0 || now.Sub(c.lastWrite) < c.idle
}

func (c *idleConn) Read(p []byte) (int, error) {
	if c.idle <= 0 && c.trickleWindow <= 0 {
		start := time.Now()
		n, err := c.Conn.Read(p)
		c.note(start, n)
		return n, err
	}
	c.mu.Lock()
	err := c.timedOut
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	var n int
	for {
		if c.idle > 0 {
			_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
		}
		n, err = c.Conn.Read(p)
		ne := net.Error(nil)
		if !errors.As(err, &ne) || !ne.Timeout() {
			break
		}
		if n == 0 && c.sending(time.Now()) {
			continue // we are still sending: wait on
		}
		c.cut(err)
		return n, err
	}
	c.note(start, n)
	c.mu.Lock()
	above := c.above
	c.mu.Unlock()
	if c.trickleWindow > 0 && !above {
		if terr := c.count(start, int64(n)); terr != nil {
			// Hand over what was read; the next read reports the trickle.
			c.cut(terr)
		}
	}
	return n, err
}

// note adds one read to the link's totals.
func (c *idleConn) note(start time.Time, n int) {
	d := time.Since(start)
	c.mu.Lock()
	c.wireBytes += int64(n)
	c.reads++
	c.waitedAll += d
	c.mu.Unlock()
}

// stats is what reads took from the network so far: bytes, time spent
// waiting in reads, and how many reads.
func (c *idleConn) stats() (int64, time.Duration, int64) {
	if c == nil {
		return 0, 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wireBytes, c.waitedAll, c.reads
}

// countAbove hands the trickle rule to the layer above, which then calls
// counted with the bytes it makes of the wire's (deflateConn: a stream that
// moves on the wire but decompresses to nothing is not progress).
func (c *idleConn) countAbove() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.above = true
	c.mu.Unlock()
}

// counted is count for the layer above (countAbove): n bytes came after
// waiting since start. A trickle cuts the connection and is returned.
func (c *idleConn) counted(start time.Time, n int64) error {
	if c == nil || c.trickleWindow <= 0 {
		return nil
	}
	if terr := c.count(start, n); terr != nil {
		c.cut(terr)
		return terr
	}
	return nil
}

// count adds one read to the current window and returns a *TrickleError
// when a full window brought too little.
func (c *idleConn) count(start time.Time, n int64) error {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if start.Before(c.lastWrite) {
		// We sent something meanwhile: the server had a new question
		// and the wait starts there.
		start = c.lastWrite
		c.waited, c.got = 0, 0
	}
	c.waited += now.Sub(start)
	c.got += n
	if c.got >= c.trickleBytes {
		// Enough came: the window starts again here, so a trickle is
		// caught one window after it starts, not up to two.
		c.waited, c.got = 0, 0
		return nil
	}
	if c.waited < c.trickleWindow {
		return nil
	}
	c.trickle = &TrickleError{Bytes: c.got, Window: c.waited.Round(time.Millisecond)}
	return c.trickle
}

func (c *idleConn) cut(err error) {
	c.mu.Lock()
	if c.timedOut == nil {
		c.timedOut = err
	}
	c.mu.Unlock()
	c.Conn.Close()
}

// Watch wraps c as Dial wraps its connections, for another protocol's
// client (package pop3): a read that waits cfg.IdleTimeout for the server
// (default 2 min) cuts the connection, and so does a trickle of less than
// cfg.TrickleBytes over cfg.TrickleWindow of waiting (when set). Reads after
// a cut fail with its error (a timeout: Classify says Timeout).
func Watch(c net.Conn, cfg Config) net.Conn {
	cfg.applyDefaults()
	return newIdleConn(c, cfg)
}
