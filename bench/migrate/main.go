// Command migrate measures `mailark migrate` (migrate.Copy) next to mbsync
// pushing the same messages into an empty account, in one run, on one
// private Dovecot over TLS on loopback:
//
//	go run ./bench/migrate [-n 20000] [-seed 1] [-big 0.03] [-inflight 16] [-conns 2] [-rounds 1] [-rtt 0] [-keep] [-cpuprofile F]
//
// It starts a private Dovecot (internal/testimap's LaunchDovecot) with three
// accounts, seeds -n generated messages into the first (corpus.go: mostly
// 2–30 KB, a share -big with a 0.5–5 MB attachment, one of 25 MB; INBOX,
// Sent, Archive/2019, 取引先; flags and dates), and backs it up with
// backup.Run into an archive (untimed setup). It then writes the archive's
// messages, byte for byte apart from line ends (a Maildir holds LF; mbsync
// turns LF back into CRLF when it uploads), into a Maildir with their flags
// in the file names, and times, each as its own process:
//
//   - mailark: this program in its "child-migrate" mode, which runs
//     migrate.Copy from the archive into the second, empty account;
//   - rerun: the same again, with everything already there;
//   - mbsync: isync's mbsync with Sync Push and Create Far, from the
//     Maildir into the third, empty account, other settings its defaults.
//
// Wall time is from process start to exit; messages/s and MB/s (10^6 bytes)
// divide the corpus by it; peak RSS is the child's ru_maxrss, read by a
// small launcher process (as bench/ does, so the child does not inherit
// this program's peak); CPU is user+system. After the timing, each account
// is read back and every message's SHA-256 compared with the archive's, by
// folder: "exact" counts messages that arrived byte for byte. The machine is
// shared and noisy: compare within one run.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mailark/mailark/bench/internal/launch"
)

func main() {
	launch.Children("bench/migrate", map[string]func([]string) error{"child-migrate": runMigrate})
	var cfg config
	flag.IntVar(&cfg.n, "n", 20000, "messages in the corpus")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the corpus generator")
	flag.Float64Var(&cfg.big, "big", 0.03, "share of messages with a 0.5–5 MB attachment")
	flag.IntVar(&cfg.inFlight, "inflight", 0, "migrate.CopyOptions.InFlight (0: its default)")
	flag.IntVar(&cfg.conns, "conns", 0, "migrate.CopyOptions.Connections (0: its default)")
	flag.DurationVar(&cfg.rtt, "rtt", 0, "put this round-trip time between the contenders and Dovecot (a proxy; 0: none)")
	flag.IntVar(&cfg.rounds, "rounds", 1, "run each contender this many times, interleaved, into fresh accounts; the table shows each one's fastest")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work folder and print where it is")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the first mailark run to this file")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/migrate:", err)
		os.Exit(1)
	}
}
