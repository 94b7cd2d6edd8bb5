// Package launch runs a benchmark's contender as its own process and
// reports what it cost: wall time from start to exit, peak RSS and CPU time.
//
// It goes through a launcher, a mode of the benchmark binary itself (Mode):
// Linux gives an exec'd child the peak RSS of the memory it was forked from
// (Go forks with CLONE_VM, so the benchmark's own peak, corpus and all), and
// the launcher's small memory keeps that floor low.
package launch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Mode is the first argument that makes a benchmark binary call Exec.
const Mode = "child-exec"

// Children runs the child mode that os.Args[1] names ("child-…": Mode or
// one of modes) and exits; it returns at once in a process that is no
// child. name starts the line of an error.
func Children(name string, modes map[string]func(args []string) error) {
	if len(os.Args) < 2 || !strings.HasPrefix(os.Args[1], "child-") {
		return
	}
	run := modes[os.Args[1]]
	if os.Args[1] == Mode {
		run = Exec
	}
	err := fmt.Errorf("unknown child mode %s", os.Args[1])
	if run != nil {
		err = run(os.Args[2:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Result is what one process cost.
type Result struct {
	Wall      time.Duration
	MaxRSSKiB int64 // ru_maxrss: KiB on Linux
	CPU       time.Duration
	// User and Sys split CPU; MinFlt is the minor page faults (ru_minflt):
	// memory first touched, which the kernel pays for in Sys.
	User, Sys time.Duration
	MinFlt    int64
	// InBlock is what it read from the disk (ru_inblock, 512-byte blocks):
	// a read the page cache did not have.
	InBlock int64
	Stdout  string
	Err     error
}

// launched is what the launcher writes of the process it ran.
type launched struct {
	Wall      time.Duration
	MaxRSSKiB int64
	CPU       time.Duration
	User, Sys time.Duration
	MinFlt    int64
	InBlock   int64
}

// Run runs args through self's launcher with env added to this process's
// environment; the standard error goes to logFile, the rusage beside it.
func Run(self string, env []string, logFile string, args ...string) Result {
	resFile := logFile + ".rusage"
	cmd := exec.Command(self, append([]string{Mode, resFile}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	f, err := os.Create(logFile)
	if err != nil {
		return Result{Err: err}
	}
	defer f.Close()
	cmd.Stderr = f
	err = cmd.Run()
	r := Result{Stdout: out.String()}
	var l launched
	if b, rerr := os.ReadFile(resFile); rerr == nil && json.Unmarshal(b, &l) == nil {
		r.Wall, r.MaxRSSKiB, r.CPU = l.Wall, l.MaxRSSKiB, l.CPU
		r.User, r.Sys, r.MinFlt, r.InBlock = l.User, l.Sys, l.MinFlt, l.InBlock
	}
	if err != nil {
		r.Err = fmt.Errorf("%s: %w%s", strings.Join(args, " "), err, Tail(logFile))
	}
	return r
}

// Exec is the launcher: it runs args[1:] with this process's standard files
// and environment, writes its wall time and rusage to args[0] as JSON, and
// exits with its status.
func Exec(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("%s: want RESULTFILE COMMAND [ARG...]", Mode)
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	runErr := cmd.Run()
	l := launched{Wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return runErr
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		l.MaxRSSKiB = ru.Maxrss
		l.User, l.Sys = time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
		l.CPU = l.User + l.Sys
		l.MinFlt, l.InBlock = ru.Minflt, ru.Inblock
	}
	b, _ := json.Marshal(l)
	if err := os.WriteFile(args[0], b, 0o600); err != nil {
		return err
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		os.Exit(code)
	}
	return runErr
}

// Tail is the end of a log file, after a newline, for errors ("" when empty).
func Tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(b) == 0 {
		return ""
	}
	return "\n" + string(b)
}
