package main

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/mailark/mailark/bench/internal/launch"
)

// measured is what one contender's process cost.
type measured struct {
	wall      time.Duration
	maxRSSKiB int64 // ru_maxrss: KiB on Linux
	cpu       time.Duration
	serverCPU time.Duration // Dovecot's CPU time meanwhile
	stdout    string
	err       error
}

// runChild runs one contender as its own process through the launcher
// (bench/internal/launch) and times it from start to exit.
func runChild(self string, env []string, logFile, name string, args ...string) measured {
	r := launch.Run(self, env, logFile, append([]string{name}, args...)...)
	return measured{wall: r.Wall, maxRSSKiB: r.MaxRSSKiB, cpu: r.CPU, stdout: r.Stdout, err: r.Err}
}

// dropCaches writes dirty pages back and empties the page cache, so each
// contender reads the corpus from disk. It reports whether it could.
func dropCaches() bool {
	syscall.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0o200) == nil
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func nproc() int { return runtime.NumCPU() }
