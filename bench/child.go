package main

import (
	"os"
	"runtime"
	"strconv"
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
	user, sys time.Duration // cpu split
	minFlt    int64         // minor page faults
	inBlock   int64         // 512-byte blocks read from the disk
	serverCPU time.Duration // Dovecot's CPU time meanwhile
	machine   machineTime   // the whole machine's CPU time meanwhile
	stdout    string
	err       error
}

// runChild runs one contender as its own process through the launcher
// (bench/internal/launch) and times it from start to exit.
func runChild(self string, env []string, logFile, name string, args ...string) measured {
	r := launch.Run(self, env, logFile, append([]string{name}, args...)...)
	return measured{wall: r.Wall, maxRSSKiB: r.MaxRSSKiB, cpu: r.CPU, user: r.User, sys: r.Sys, minFlt: r.MinFlt, inBlock: r.InBlock, stdout: r.Stdout, err: r.Err}
}

// dropCaches writes dirty pages back and empties the page cache, so each
// contender reads the corpus from disk. It reports whether it could.
func dropCaches() bool {
	syscall.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0o200) == nil
}

func nproc() int { return runtime.NumCPU() }

// machineTime is CPU time of the whole machine, every CPU summed, from
// /proc/stat: what every process and the kernel spent (busy), and what was
// idle or waiting for the disk.
type machineTime struct {
	busy, idle, iowait time.Duration
}

func readMachineTime() machineTime {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTime{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return machineTime{}
	}
	// user nice system idle iowait irq softirq steal (guest is in user);
	// steal, time the hypervisor gave to other machines, is left out.
	var t [8]int64
	for i := range t {
		if i+1 < len(f) {
			t[i], _ = strconv.ParseInt(f[i+1], 10, 64)
		}
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / 100 } // USER_HZ
	return machineTime{busy: tick(t[0] + t[1] + t[2] + t[5] + t[6]), idle: tick(t[3]), iowait: tick(t[4])}
}

func (m machineTime) sub(o machineTime) machineTime {
	return machineTime{busy: m.busy - o.busy, idle: m.idle - o.idle, iowait: m.iowait - o.iowait}
}

// busyShare is the share of all CPUs' time that was busy.
func (m machineTime) busyShare() float64 {
	all := m.busy + m.idle + m.iowait
	if all <= 0 {
		return 0
	}
	return float64(m.busy) / float64(all)
}
