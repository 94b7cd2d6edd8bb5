// Package proc measures what the benchmarks report of the machine and of
// their own process: memory and load from /proc (Linux), and CPU profiles
// and execution traces for finding where the time goes.
package proc

import (
	"os"
	"strconv"
	"strings"
)

// ResetPeakRSS starts the peak-memory count (VmHWM) over from now.
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSS is this process's VmHWM in KiB, 0 where /proc has none.
func PeakRSS() int64 { return statusKiB("VmHWM:") }

// RSS is this process's resident size now (VmRSS) in KiB, 0 where /proc
// has none.
func RSS() int64 { return statusKiB("VmRSS:") }

// statusKiB reads one "Name:  123 kB" field of /proc/self/status.
func statusKiB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v
		}
	}
	return 0
}

// LoadAvg is the first three fields of /proc/loadavg, "?" without them.
func LoadAvg() string {
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
