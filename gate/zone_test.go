package gate_test

import (
	"testing"
	"time"

	"github.com/mailark/mailark/gate"
)

// Every time a person reads is in one zone, the user's, and named: a stamp
// recorded in UTC and one recorded at +09:00 read the same.
func TestFormatTimeInTheUsersZone(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("JST", 9*3600)
	defer func() { time.Local = saved }()
	for _, s := range []string{"2026-03-01T10:00:00Z", "2026-03-01T19:00:00+09:00", "2026-03-01T11:00:00+01:00"} {
		if got, want := gate.FormatTime(s, gate.English), "1 Mar 2026 19:00 (JST)"; got != want {
			t.Errorf("FormatTime(%s, en) = %q, want %q", s, got, want)
		}
		if got, want := gate.FormatTime(s, gate.Japanese), "2026年3月1日 19:00 (JST)"; got != want {
			t.Errorf("FormatTime(%s, ja) = %q, want %q", s, got, want)
		}
	}
}
