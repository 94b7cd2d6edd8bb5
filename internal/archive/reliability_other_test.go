//go:build !linux

package archive_test

import "sync/atomic"

// tally: the shared test harness (testimap) builds on Linux only; here the
// counts are kept and not reported.
var tally struct{ BadInputs atomic.Int64 }
