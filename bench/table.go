package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
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
		w.walls = append(w.walls, fmt.Sprintf("%.2f (load %s)", r.m.wall.Seconds(), r.load))
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
	fmt.Printf("\nN = %d messages, %.0f MB as sent, over TLS on loopback, one connection each%s\n\n",
		s.corpus.n, mb(s.refBytes), rounds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "contender\t wall s\t msgs/s\t MB/s\t peak RSS MiB\t CPU s\t server CPU s\t machine busy\t byte-exact\t vs wire\t load\t")
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
		fmt.Fprintf(tw, "%s\t %.2f\t %s\t %s\t %.1f\t %.1f\t %.1f\t %.0f%%\t %s\t %s\t %s\t\n", r.name, r.m.wall.Seconds(), rate, mbs,
			float64(w.rssKiB)/1024, r.m.cpu.Seconds(), r.m.serverCPU.Seconds(), 100*r.m.machine.busyShare(), w.exact, ratio, r.load)
	}
	tw.Flush()
	fmt.Println()
	cache := "page cache dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before each contender: every run reads the corpus from disk"
	if !s.cold {
		cache = "page cache NOT dropped (not permitted, or -warm): one warm-up fetch first, every contender runs warm"
	}
	fmt.Println("- " + cache)
	fmt.Printf("- load: 1-minute load average when that run started → ended (%d CPUs); before seeding %s, at the end %s\n",
		nproc(), loadBefore, loadAvg())
	fmt.Printf("- peak RSS is the contender's ru_maxrss (highest of all rounds); it cannot read below %.1f MiB (what /bin/true shows: Linux counts the memory it was forked from)\n",
		float64(s.rssFloor)/1024)
	fmt.Println("- MB = 10^6 bytes as sent by the server; CPU = the contender's user+system time; server CPU = Dovecot's meanwhile (imap and the imap-login TLS proxy)")
	fmt.Printf("- machine busy: share of all %d CPUs' time that the whole machine (every process and the kernel, /proc/stat) was busy during the run; the rest was idle or waiting for the disk\n", nproc())
	fmt.Println("- byte-exact: equal to what the server sent (the wire run's SHA-256; worst of all rounds); wire is checked against the seeded messages")
	for _, w := range rows {
		if len(w.walls) > 1 {
			fmt.Printf("- %s: wall s per round: %s\n", w.best.name, strings.Join(w.walls, ", "))
		}
		for _, n := range w.notes {
			fmt.Printf("- %s: %s\n", w.best.name, n)
		}
	}
}
