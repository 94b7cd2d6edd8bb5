package migrate

import (
	"time"

	"github.com/mailark/mailark/internal/imapconn"
)

// WithRoundTrip makes Copy see the server answer a NOOP in rtt, so that a
// test, not the machine's timing, chooses how many connections are used
// when CopyOptions.Connections is 0.
func WithRoundTrip(o CopyOptions, rtt time.Duration) CopyOptions {
	o.roundTrip = func(*imapconn.Conn) (time.Duration, error) { return rtt, nil }
	return o
}
