package proc

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on Linux.
const clockTick = 10 * time.Millisecond

// Process is what /proc/PID/stat says of one process.
type Process struct {
	PID, PPID, PGRP int
	Name            string        // comm, as the kernel keeps it
	State           string        // R, S, Z, ...
	CPU             time.Duration // user and system time
	ChildCPU        time.Duration // user and system time of the children it reaped
}

// Processes lists the processes running now (none where there is no /proc).
func Processes() []Process {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []Process
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp session tty tpgid flags minflt
		// cminflt majflt cmajflt utime stime cutime cstime ...; comm may
		// hold spaces and ")".
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 15 {
			continue
		}
		n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
		out = append(out, Process{
			PID: pid, PPID: int(n(1)), PGRP: int(n(2)),
			Name: s[open+1 : end], State: f[0],
			CPU:      time.Duration(n(11)+n(12)) * clockTick,
			ChildCPU: time.Duration(n(13)+n(14)) * clockTick,
		})
	}
	return out
}
