package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/bench/internal/proc"
)

// Dovecot's CPU time, to show what the server spent for each contender (on
// 2 cores the client and the server compete). Every Dovecot process is in
// the master's process group; the per-connection processes (imap, and
// imap-login, which proxies TLS) exit when the connection ends and are
// reaped by the master, so their time lands in the master's cutime and
// cstime.

// serverCPU is the CPU time used so far by the Dovecot whose base_dir is
// dir, counting its exited children.
func serverCPU(dir string) time.Duration {
	b, err := os.ReadFile(filepath.Join(dir, "run", "master.pid"))
	if err != nil {
		return 0
	}
	pgid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	var cpu time.Duration
	for _, p := range proc.Processes() {
		if p.PGRP == pgid {
			cpu += p.CPU + p.ChildCPU
		}
	}
	return cpu
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
