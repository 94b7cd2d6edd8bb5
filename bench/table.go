package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mailark/mailark/bench/internal/proc"
)

// row is one contender over all rounds: its fastest run, the highest peak
// RSS, the worst byte-exact count, and every wall time.
type row struct {
	best   result
	rssKiB int64
	exact  string
	walls  []string
	notes  []string
}

func (s *session) rows() []*row {
	var order []string
	rows := map[string]*row{}
	for _, r := range s.results {
		w := rows[r.name]
		if w == nil {
			w = &row{best: r, exact: r.exact}
			rows[r.name] = w
			order = append(order, r.name)
		}
		if r.m.wall < w.best.m.wall {
			w.best = r
		}
		w.rssKiB = max(w.rssKiB, r.m.maxRSSKiB)
		if r.exact != w.exact && exactCount(r.exact) < exactCount(w.exact) {
			w.exact = r.exact
		}
		cpu := fmt.Sprintf("CPU %.1f s", r.m.cpu.Seconds())
		if r.m.user+r.m.sys > 0 {
			cpu += fmt.Sprintf(" = user %.1f + system %.1f, %dk page faults, %.1f MB read from the disk", r.m.user.Seconds(), r.m.sys.Seconds(), r.m.minFlt/1000, float64(r.m.inBlock)*512/1e6)
		}
		if r.durable > 0 {
			cpu = fmt.Sprintf("durable at %.2f s, %s", r.durable.Seconds(), cpu)
		}
		w.walls = append(w.walls, fmt.Sprintf("%.2f (%s, load %s)", r.m.wall.Seconds(), cpu, r.load))
		for _, n := range r.notes {
			if !slices.Contains(w.notes, n) {
				w.notes = append(w.notes, n)
			}
		}
	}
	out := make([]*row, len(order))
	for i, name := range order {
		out[i] = rows[name]
	}
	return out
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return "?"
}

func exactCount(s string) int {
	var n int
	fmt.Sscanf(s, "%d/", &n)
	return n
}

// printTable prints every contender side by side, each rate also as a share
// of the wire limit's, then the notes.
func (s *session) printTable(loadBefore string) {
	rows := s.rows()
	var wireRate float64
	if len(rows) > 0 && rows[0].best.msgs > 0 {
		wireRate = float64(rows[0].best.msgs) / rows[0].best.m.wall.Seconds()
	}
	rounds := ""
	if s.cfg.rounds > 1 {
		rounds = fmt.Sprintf("; fastest of %d interleaved rounds", s.cfg.rounds)
	}
	fmt.Printf("\nN = %d messages, %.0f MB as sent, over TLS; link: %s%s\n\n",
		s.corpus.n, mb(s.refBytes), s.prof.Name+s.compressWords(), rounds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "contender\t wall s\t msgs/s\t MB/s\t peak RSS MiB\t CPU s\t server CPU s\t machine busy\t byte-exact\t vs wire\t conns\t link idle s\t load\t")
	for _, w := range rows {
		r := w.best
		rate, mbs, ratio := "-", "-", "-"
		if r.msgs > 0 {
			perSec := float64(r.msgs) / r.m.wall.Seconds()
			rate = fmt.Sprintf("%.0f", perSec)
			mbs = fmt.Sprintf("%.1f", mb(r.bytes)/r.m.wall.Seconds())
			if wireRate > 0 {
				ratio = fmt.Sprintf("%.0f%%", 100*perSec/wireRate)
			}
		}
		conns, idle := "-", "-"
		if s.shaper != nil || r.conns > 0 {
			conns, idle = fmt.Sprint(r.conns), fmt.Sprintf("%.1f", r.idle.Seconds())
			if r.refused > 0 {
				conns += fmt.Sprintf(" (+%d refused)", r.refused)
			}
		}
		fmt.Fprintf(tw, "%s\t %.2f\t %s\t %s\t %.1f\t %.1f\t %.1f\t %.0f%%\t %s\t %s\t %s\t %s\t %s\t\n", r.name, r.m.wall.Seconds(), rate, mbs,
			float64(w.rssKiB)/1024, r.m.cpu.Seconds(), r.m.serverCPU.Seconds(), 100*r.m.machine.busyShare(), w.exact, ratio, conns, idle, r.load)
	}
	for _, k := range s.idealConns() {
		if d := s.prof.Ideal(s.refBytes, k); d > 0 {
			perSec := float64(len(s.refs)) / d.Seconds()
			fmt.Fprintf(tw, "ideal, %d connection(s) at the caps\t %.2f\t %.0f\t %.1f\t -\t -\t -\t -\t -\t %.0f%%\t %d\t 0\t -\t\n", k, d.Seconds(), perSec,
				mb(s.refBytes)/d.Seconds(), 100*perSec/max(wireRate, 1e-9), k)
		}
	}
	tw.Flush()
	s.printTarget(rows)
	fmt.Println()
	cache := "page cache dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before each contender: every run reads the corpus from disk"
	if !s.cold {
		cache = "page cache NOT dropped (not permitted, or -warm): one warm-up fetch first, every contender runs warm"
	}
	fmt.Println("- " + cache)
	fmt.Printf("- load: 1-minute load average when that run started → ended (%d CPUs); before seeding %s, at the end %s\n",
		nproc(), loadBefore, proc.LoadAvg())
	fmt.Printf("- peak RSS is the contender's ru_maxrss (highest of all rounds); it cannot read below %.1f MiB (what /bin/true shows: Linux counts the memory it was forked from)\n",
		float64(s.rssFloor)/1024)
	fmt.Println("- MB = 10^6 bytes as sent by the server; CPU = the contender's user+system time; server CPU = Dovecot's meanwhile (imap and the imap-login TLS proxy)")
	fmt.Printf("- machine busy: share of all %d CPUs' time that the whole machine (every process and the kernel, /proc/stat) was busy during the run; the rest was idle or waiting for the disk\n", nproc())
	if s.prof.Shaped() {
		fmt.Println("- through the shaping proxy (bench/internal/shape): RTT as a pipe delay of RTT/2 each way, token-bucket caps per connection and in all; conns = connections the contender opened (and those the proxy refused for the limit); link idle = time the server's side of each connection stood idle (waits over 5 ms that ended with data), summed over connections")
	}
	if s.prof.ConnLimit > 0 {
		fmt.Printf("- Dovecot allowed %d connections per user and address (mail_max_userip_connections): a login beyond is answered NO [LIMIT]\n", s.prof.ConnLimit)
	}
	fmt.Println("- byte-exact: equal to what the server sent (the wire run's SHA-256; worst of all rounds); wire is checked against the seeded messages")
	for _, w := range rows {
		if len(w.walls) > 1 {
			fmt.Printf("- %s: wall s per round: %s\n", w.best.name, strings.Join(w.walls, ", "))
		} else {
			fmt.Printf("- %s: wall s: %s\n", w.best.name, w.walls[0])
		}
		for _, n := range w.notes {
			fmt.Printf("- %s: %s\n", w.best.name, n)
		}
	}
}

// idealConns is the connection counts the ideal rows are shown for: one
// and each of mailark's, within the server's limit.
func (s *session) idealConns() []int {
	ks := []int{1}
	for _, k := range s.cfg.conns {
		if s.prof.ConnLimit > 0 {
			k = min(k, s.prof.ConnLimit)
		}
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	return ks
}

// printTarget compares each mailark backup with mbsync FSync no, by the
// loopback target (issue 17): wall time until the last message is durable
// in both archives at least 0.9x mbsync's speed, client CPU at most 1.5x
// mbsync's, and the full-text index done within 1.3x of that wall time.
func (s *session) printTarget(rows []*row) {
	var mbsync *result
	for _, w := range rows {
		if w.best.name == "mbsync (FSync no)" {
			mbsync = &w.best
		}
	}
	if mbsync == nil {
		return
	}
	fmt.Println("\nloopback target, against mbsync FSync no (speed >= 0.9x, CPU <= 1.5x, index done <= 1.3x the durable wall time):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "contender\t durable s\t index done s\t CPU s\t speed vs mbsync\t CPU vs mbsync\t index / durable\t")
	fmt.Fprintf(tw, "%s\t %.2f\t -\t %.1f\t 1.00x\t 1.00x\t -\t\n", mbsync.name, mbsync.m.wall.Seconds(), mbsync.m.cpu.Seconds())
	for _, w := range rows {
		r := w.best
		if r.durable <= 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t %.2f\t %.2f\t %.1f\t %.2fx\t %.2fx\t %.2fx\t\n", r.name, r.durable.Seconds(), r.indexed.Seconds(),
			r.m.cpu.Seconds(), mbsync.m.wall.Seconds()/r.durable.Seconds(), r.m.cpu.Seconds()/max(mbsync.m.cpu.Seconds(), 1e-9),
			r.indexed.Seconds()/r.durable.Seconds())
	}
	tw.Flush()
}
