package backup

import (
	"fmt"
	"io"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// A run keeps a no-progress clock. Progress is a message saved or failed, a
// folder finished, or progressBytes of mail received: a server dribbling a
// byte now and then makes none. The connection itself is cut when the
// server is silent, or trickles, for half of Options.StallTimeout (see
// connConfig); the run gives up once StallTimeout has passed without
// progress, after as many reconnects as fit in it.

// progressBytes of mail received count as progress within one message.
const progressBytes = 64 << 10

// StallError ends a run in which the server sent nothing useful for the
// run's StallTimeout, across reconnects. Everything received before is
// saved; running again continues.
type StallError struct {
	For time.Duration // the no-progress deadline that passed
	Err error         // the last connection's error
}

func (e *StallError) Error() string {
	return fmt.Sprintf("the server stopped sending for %s (%v); everything received is saved: run backup again to continue",
		Words(e.For), e.Err)
}

func (e *StallError) Unwrap() error { return e.Err }

// Words writes a duration for people: "3 minutes", "90 seconds", "400ms".
func Words(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d == time.Second:
		return "1 second"
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

// connConfig is the connection config of one session: the idle and trickle
// limits of the connection are half the stall deadline, so that two stalls
// fit in it (one retry) before the run gives up.
func (r *runner) connConfig() imapconn.Config {
	cfg := r.opts.Conn
	half := r.opts.StallTimeout / 2
	if cfg.IdleTimeout <= 0 || cfg.IdleTimeout > half {
		cfg.IdleTimeout = half
	}
	if cfg.TrickleWindow <= 0 || cfg.TrickleWindow > half {
		cfg.TrickleWindow = half
	}
	cfg.Compress = r.opts.Compress == CompressOn || r.compress.wanted()
	return cfg
}

// moved notes progress now. The stall clock is the real one, not
// Options.Now: it is measured against the connection's read deadlines, and
// a test's frozen or jumping clock must not hide a stall or invent one.
func (r *runner) moved() {
	now := time.Now()
	r.movedMu.Lock()
	r.lastMoved = now
	r.movedMu.Unlock()
}

// received counts n bytes of mail; every progressBytes are progress.
func (r *runner) received(n int64) {
	r.sessRecv.Add(n)
	if r.recv.Add(n) >= progressBytes {
		r.recv.Store(0)
		r.moved()
	}
}

// stalled returns the error that ends the run when nothing moved for the
// stall deadline, err being the last session's error; nil otherwise.
func (r *runner) stalled(err error) error {
	r.movedMu.Lock()
	quiet := time.Since(r.lastMoved)
	r.movedMu.Unlock()
	if quiet < r.opts.StallTimeout {
		return nil
	}
	if mailerr.KindOf(err) != mailerr.Timeout {
		return fmt.Errorf("gave up after %s without progress: %w", Words(r.opts.StallTimeout), err)
	}
	return mailerr.New(mailerr.Timeout, "backup", r.opts.Conn.Host, &StallError{For: r.opts.StallTimeout, Err: err})
}

// countingReader reports every read's bytes.
type countingReader struct {
	r    io.Reader
	note func(n int64)
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.note(int64(n))
	}
	return n, err
}
