package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Dovecot's CPU time, to show what the server spent for each contender (on
// 2 cores the client and the server compete). Every Dovecot process is in
// the master's process group; the per-connection processes (imap, and
// imap-login, which proxies TLS) exit when the connection ends and are
// reaped by the master, so their time lands in the master's cutime and
// cstime.

// clockTick is USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// serverCPU is the CPU time used so far by the Dovecot whose base_dir is
// dir, counting its exited children.
func serverCPU(dir string) time.Duration {
	b, err := os.ReadFile(filepath.Join(dir, "run", "master.pid"))
	if err != nil {
		return 0
	}
	pgid := strings.TrimSpace(string(b))
	entries, _ := os.ReadDir("/proc")
	var ticks int64
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		// After "pid (comm)": state ppid pgrp session tty tpgid flags
		// minflt cminflt majflt cmajflt utime stime cutime cstime ...
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 15 || f[2] != pgid {
			continue
		}
		for _, v := range f[11:15] {
			n, _ := strconv.ParseInt(v, 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * clockTick
}

// settledServerCPU waits until the connection's processes are reaped (the
// count stops moving for 100 ms, at most 2 s) and returns serverCPU.
func settledServerCPU(dir string) time.Duration {
	last := serverCPU(dir)
	for range 20 {
		time.Sleep(100 * time.Millisecond)
		now := serverCPU(dir)
		if now == last {
			return now
		}
		last = now
	}
	return last
}
