package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// serverCPU is the CPU time Dovecot has used so far: its master (started by
// this program) with the children it reaped, and its live children.
func serverCPU() time.Duration {
	stats := map[int][]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s[:strings.IndexByte(s, '(')])[0])
		stats[pid] = append([]string{s[strings.IndexByte(s, '(')+1 : i]}, strings.Fields(s[i+1:])...)
	}
	// Fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
	ticks := func(f []string, k int) int64 { n, _ := strconv.ParseInt(f[k+1], 10, 64); return n }
	var total int64
	for pid, f := range stats {
		ppid, _ := strconv.Atoi(f[2])
		if f[0] != "dovecot" || ppid != os.Getpid() {
			continue
		}
		total += ticks(f, 11) + ticks(f, 12) + ticks(f, 13) + ticks(f, 14)
		for _, c := range stats {
			if cp, _ := strconv.Atoi(c[2]); cp == pid {
				total += ticks(c, 11) + ticks(c, 12)
			}
		}
	}
	return time.Duration(total) * time.Second / 100 // USER_HZ
}
