package main

import (
	"os"
	"time"

	"github.com/mailark/mailark/bench/internal/proc"
)

// serverCPU is the CPU time Dovecot has used so far: its master (started by
// this program) with the children it reaped, and its live children.
func serverCPU() time.Duration {
	procs := proc.Processes()
	var cpu time.Duration
	for _, master := range procs {
		if master.Name != "dovecot" || master.PPID != os.Getpid() {
			continue
		}
		cpu += master.CPU + master.ChildCPU
		for _, c := range procs {
			if c.PPID == master.PID {
				cpu += c.CPU
			}
		}
	}
	return cpu
}
