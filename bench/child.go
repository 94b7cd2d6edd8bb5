package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
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

// runChild runs one contender as its own process and times it from start
// to exit. It goes through a launcher (this binary's mode "child-exec"):
// Linux gives an exec'd child the peak RSS of the memory it was forked
// from (Go forks with CLONE_VM, so the bench's own peak, corpus and all),
// and the launcher's small memory keeps that floor low (see rssFloor).
func runChild(self string, env []string, logFile, name string, args ...string) measured {
	resFile := logFile + ".rusage"
	cmd := exec.Command(self, append([]string{"child-exec", resFile, name}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	f, err := os.Create(logFile)
	if err != nil {
		return measured{err: err}
	}
	defer f.Close()
	cmd.Stderr = f
	err = cmd.Run()
	m := measured{stdout: out.String()}
	if b, rerr := os.ReadFile(resFile); rerr == nil {
		var r launched
		if jerr := json.Unmarshal(b, &r); jerr == nil {
			m.wall, m.maxRSSKiB, m.cpu = r.Wall, r.MaxRSSKiB, r.CPU
		}
	}
	if err != nil {
		m.err = fmt.Errorf("%s %s: %w%s", name, strings.Join(args, " "), err, tail(logFile))
	}
	return m
}

// launched is what the launcher reports of the process it ran.
type launched struct {
	Wall      time.Duration
	MaxRSSKiB int64
	CPU       time.Duration
}

// runExec is the launcher: it runs args[1:] with this process's standard
// files and environment, writes its wall time and rusage to args[0] as
// JSON, and exits with its status.
func runExec(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("child-exec: want RESULTFILE COMMAND [ARG...]")
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	runErr := cmd.Run()
	r := launched{Wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return runErr
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSSKiB = ru.Maxrss
		r.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b, _ := json.Marshal(r)
	if err := os.WriteFile(args[0], b, 0o600); err != nil {
		return err
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		os.Exit(code)
	}
	return runErr
}

// tail is the end of a log file, for errors.
func tail(path string) string {
	if path == "" {
		return ""
	}
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(b) == 0 {
		return ""
	}
	return "\n" + string(b)
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
