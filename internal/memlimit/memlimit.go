// Package memlimit keeps the memory the Go runtime holds close to what the
// program uses. A backup moves gigabytes through message buffers of up to
// 4 MiB; the garbage collector frees them, but the runtime kept the freed
// pages mapped: on the bench's loopback run with 4 connections the Go
// runtime held 72 MiB for a live heap of about 16 MiB, and the process
// peaked at 96.7 MiB, over the 100 MB issue 17 allows. A soft memory limit
// makes the runtime return such pages early (measured: peak RSS 77.5 MiB
// against 93.9 MiB with a limit of 40 MiB, in one run, at no cost in CPU).
//
// The limit follows the live heap (limitFor), so that a run whose live
// heap is large (the plan of a folder of a million messages) never has the
// collector run without end to stay under a fixed number.
package memlimit

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

const (
	// floor is the lowest limit: the runtime's own needs and a backup's
	// in-flight messages (16 MiB) with room to spare. Measured with a fixed
	// limit on the bench (loopback, 4 connections, peak RSS): 40 MiB gave
	// 75–78 MiB against 89–94 without; 48 MiB did not lower it.
	floor = 40 << 20
	every = 250 * time.Millisecond
)

// limitFor is the limit for a live heap of live bytes: one and a half
// times it and 8 MiB for stacks and the runtime, never below floor. (The
// collector's own goal is twice the live heap: the limit makes it collect
// earlier on a large heap, never without end.)
func limitFor(live uint64) int64 {
	return max(floor, int64(live)*3/2+8<<20)
}

// Start sets the runtime's soft memory limit and follows the live heap
// until stop is called, which lifts the limit. A GOMEMLIMIT in the
// environment wins: then it does nothing.
func Start() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(limitFor(sample[0].Value.Uint64()))
		}
	}
	set()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				set()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetMemoryLimit(math.MaxInt64) // no limit
	}
}
