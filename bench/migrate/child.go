package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/migrate"
)

// measured is what one contender's process cost.
type measured struct {
	wall      time.Duration
	maxRSSKiB int64
	cpu       time.Duration
	serverCPU time.Duration // Dovecot's CPU time meanwhile
	stdout    string
	err       error
}

type launched struct {
	Wall      time.Duration
	MaxRSSKiB int64
	CPU       time.Duration
}

// runChild runs a contender through the launcher (mode child-exec), a small
// process that runs it and reports its wall time and rusage: a process
// exec'd straight from this one would start with this one's peak RSS.
func runChild(logFile string, env []string, args ...string) measured {
	self, err := os.Executable()
	if err != nil {
		return measured{err: err}
	}
	resFile := logFile + ".rusage"
	cmd := exec.Command(self, append([]string{"child-exec", resFile}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	f, err := os.Create(logFile)
	if err != nil {
		return measured{err: err}
	}
	defer f.Close()
	cmd.Stderr = f
	before := serverCPU()
	err = cmd.Run()
	m := measured{stdout: out.String(), serverCPU: serverCPU() - before}
	var r launched
	if b, rerr := os.ReadFile(resFile); rerr == nil && json.Unmarshal(b, &r) == nil {
		m.wall, m.maxRSSKiB, m.cpu = r.Wall, r.MaxRSSKiB, r.CPU
	}
	if err != nil {
		b, _ := os.ReadFile(logFile)
		m.err = fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, tailOf(b))
	}
	return m
}

func tailOf(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// runExec is the launcher: it runs args[1:], then writes wall time and
// rusage to args[0] as JSON.
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
	return runErr
}

// runMigrate is the mailark contender: migrate.Copy from an archive into an
// account over TLS. Args: ARCHIVE PORT CAFILE USER INFLIGHT CONNECTIONS;
// the password is in BENCH_PASS.
func runMigrate(args []string) error {
	if len(args) != 6 {
		return fmt.Errorf("child-migrate: want ARCHIVE PORT CAFILE USER INFLIGHT CONNECTIONS")
	}
	port, _ := strconv.Atoi(args[1])
	inFlight, _ := strconv.Atoi(args[4])
	conns, _ := strconv.Atoi(args[5])
	conn := imapconn.Config{Host: "127.0.0.1", Port: port, Security: imapconn.TLS, CAFile: args[2], User: args[3],
		Password: secret.New(os.Getenv("BENCH_PASS"))}
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	sum, err := migrate.Copy(context.Background(), migrate.CopyOptions{ArchiveDir: args[0], Conn: conn, InFlight: inFlight, Connections: conns})
	fmt.Printf("copied %d, found %d, already %d, refused %d, left %d, retries %d, connections %d\n",
		sum.Copied, sum.Found, sum.Already, len(sum.Refused), sum.Left, sum.Retries, sum.Connections)
	return err
}
