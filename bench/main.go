// Command bench measures Mailark's backup side by side with the wire limit
// and with mbsync, in one run, on one private Dovecot over TLS on loopback.
//
//	go run ./bench [-n 20000] [-rounds 1] [-profiles loopback,rtt10,rtt40,rtt100,limit2] [-connections 1,4] [-compress off,on] [-only mailark,rerun,mbsync,mbsync-nofsync] [-keep] [-baseline BIN[,BIN…]] [-dump FILE] [-cpuprofile F]
//	make bench N=20000 BENCHFLAGS="-rounds 2"
//
// It starts a private Dovecot (internal/testimap's launcher) with one user,
// seeds -n generated messages (see corpus.go: mostly 2–30 KB, 3% with a
// 0.5–5 MB attachment, one of 25 MB, a few with bare CR or bare LF lines) in
// INBOX, Sent, Archive/2019 and 取引先, and lets Dovecot index them (an
// untimed FETCH of the metadata). Then each contender runs as its own
// process, into a fresh folder, with the page cache dropped before it
// (when the kernel allows; otherwise after a warm-up fetch, all warm):
//
//   - wire: a bare UID FETCH of every message that stores nothing (wire.go);
//     its SHA-256 of every message is the reference for "byte-exact", and
//     is itself checked against the seeded messages in the form Dovecot
//     sends them (LF as CRLF). It always runs.
//   - mailark: the built mailark binary, `mailark backup --security tls`
//     into a new archive (mbox files and SQLite, committed durably).
//   - rerun: the same command again, with nothing new: once with the page
//     cache dropped, once right after (warm).
//   - mbsync, mbsync-nofsync: isync 1.4's mbsync pulling every folder into
//     a Maildir, with its defaults and with `FSync no` (mbsync.go).
//   - with -baseline BIN: also "mailark baseline", the same backup by
//     another mailark binary (say, one built from main), to compare a
//     change within one run; a comma list compares several.
//   - with -cpuprofile F: also "mailark-inproc", backup.Run inside the bench
//     binary with a CPU profile written to F (a heap profile to F.heap and
//     an execution trace, which shows where the stages wait, to F.trace).
//
// With -profiles it measures on each link profile in turn, each with its
// own table (bench/internal/shape): loopback (no proxy), rtt10, rtt40 (4 MB/s per
// connection), rtt100 (2 MB/s per connection, 8 MB/s in all), limit2 (a
// server that allows 2 connections, on the rtt40 link); contenders connect
// through a shaping proxy that also measures how long the link stood idle,
// and ideal rows give k connections at the caps. After each run on such a
// link it prints a timeline per connection: when it opened, when it
// carried the server's bytes and how many, and each wait over 50 ms for
// the server (a tail where one connection fetched alone shows there). -connections 1,4 runs
// mailark with each --connections. -compress off,on measures each link
// twice, Dovecot without and with COMPRESS=DEFLATE (imap_zlib): with it,
// mbsync compresses (it does when offered) and mailark runs with
// --compress off, auto (its default) and on; the notes say what auto
// decided.
//
// With -dump FILE it only writes the corpus to FILE: BenchmarkPipeline in
// backup feeds it through the backup's stages after the network (hashing,
// parsing, the mbox file, SQLite) with no server on the machine.
//
// Wall time is from process start to exit; messages/s and MB/s (10^6
// bytes, as sent on the wire) divide the corpus by it; peak RSS is the
// child's ru_maxrss (through a small launcher, child.go); CPU is its
// user+system time, and server CPU is Dovecot's meanwhile (server.go).
// Byte-exact is checked after the timing: every message of Mailark's
// archive, read back from SQLite and from the mbox file, and every file of
// mbsync's Maildir (LF turned back into CRLF, its X-TUID line removed), is
// hashed and compared with the reference. The machine is shared and noisy:
// compare ratios within one run, and use -rounds to run every contender
// several times, interleaved; the table shows each one's fastest run.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mailark/mailark/bench/internal/launch"
	"github.com/mailark/mailark/bench/internal/shape"
)

func main() {
	launch.Children("bench", map[string]func([]string) error{"child-wire": runWire, "child-backup": runBackup})
	var cfg config
	flag.IntVar(&cfg.n, "n", 20000, "messages in the corpus")
	flag.IntVar(&cfg.rounds, "rounds", 1, "run every contender this many times, interleaved; the table shows each one's fastest")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the corpus generator")
	flag.StringVar(&cfg.only, "only", "", "comma list of contenders: mailark,rerun,mbsync,mbsync-nofsync (wire always runs); default all")
	flag.BoolVar(&cfg.keep, "keep", false, "keep Dovecot's mail, the archives and Maildirs, and print where")
	flag.BoolVar(&cfg.warm, "warm", false, "do not drop the page cache: warm up with one full fetch, all contenders warm")
	flag.StringVar(&cfg.mailark, "mailark", "", "mailark binary to run (default: build one)")
	flag.StringVar(&cfg.baseline, "baseline", "", "also run this mailark binary (one built from another commit; a comma list for several), interleaved, to compare a change in one run")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "also run backup.Run in-process and write its CPU profile here")
	flag.StringVar(&cfg.workDir, "dir", "", "work folder (default: a new one in $TMPDIR)")
	flag.StringVar(&cfg.profiles, "profiles", "loopback", "comma list of links to measure on, each with its own table: "+strings.Join(shape.Order, ", "))
	connList := flag.String("connections", "1,4", "comma list: run mailark with each of these --connections")
	compressList := flag.String("compress", "off", "comma list of off,on: Dovecot without and with COMPRESS=DEFLATE (imap_zlib), a table each; with it, mailark runs with --compress off, auto and on")
	dump := flag.String("dump", "", "only write the corpus to this file, for BenchmarkPipeline in backup (no server, no contenders)")
	flag.Parse()
	for _, f := range strings.Split(*connList, ",") {
		var k int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &k); err != nil || k < 1 {
			fmt.Fprintf(os.Stderr, "bench: -connections: %q is not a number of connections\n", f)
			os.Exit(2)
		}
		cfg.conns = append(cfg.conns, k)
	}
	for _, f := range strings.Split(*compressList, ",") {
		switch strings.TrimSpace(f) {
		case "off":
			cfg.compress = append(cfg.compress, false)
		case "on":
			cfg.compress = append(cfg.compress, true)
		default:
			fmt.Fprintf(os.Stderr, "bench: -compress: %q is neither off nor on\n", f)
			os.Exit(2)
		}
	}
	if *dump != "" {
		if err := dumpCorpus(*dump, cfg.n, cfg.seed); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
