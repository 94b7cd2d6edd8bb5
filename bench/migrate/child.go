package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/migrate"

	"github.com/mailark/mailark/bench/internal/launch"
	"github.com/mailark/mailark/bench/internal/proc"
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

// runChild runs a contender through the launcher (bench/internal/launch),
// which reports its wall time and rusage, and Dovecot's CPU meanwhile.
func runChild(logFile string, env []string, args ...string) measured {
	self, err := os.Executable()
	if err != nil {
		return measured{err: err}
	}
	before := serverCPU()
	r := launch.Run(self, env, logFile, args...)
	return measured{wall: r.Wall, maxRSSKiB: r.MaxRSSKiB, cpu: r.CPU, serverCPU: serverCPU() - before, stdout: r.Stdout, err: r.Err}
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
	stopProfile, err := proc.CPUProfile(os.Getenv("BENCH_CPUPROFILE"))
	if err != nil {
		return err
	}
	defer stopProfile()
	sum, err := migrate.Copy(context.Background(), migrate.CopyOptions{ArchiveDir: args[0], Conn: conn, InFlight: inFlight, Connections: conns,
		FromIncompleteBackup: true}) // the bench measures the copy; its archive is not verified
	fmt.Printf("copied %d, found %d, already %d, refused %d, left %d, retries %d, connections %d\n",
		sum.Copied, sum.Found, sum.Already, len(sum.Refused), sum.Left, sum.Retries, sum.Connections)
	return err
}
