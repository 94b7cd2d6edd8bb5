package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestLimitFollowsTheLiveHeap(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, floor},
		{16 << 20, floor},
		{100 << 20, 158 << 20}, // a large plan: the limit grows with it
	} {
		if got := limitFor(c.live); got != c.want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

// Start sets a limit and stop lifts it; a GOMEMLIMIT in the environment is
// left alone.
func TestStartAndStop(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	stop := Start()
	if got := debug.SetMemoryLimit(-1); got < floor || got == math.MaxInt64 {
		t.Fatalf("after Start the limit is %d", got)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("after stop the limit is %d, want none", got)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	Start()()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set, Start set a limit: %d", got)
	}
}
