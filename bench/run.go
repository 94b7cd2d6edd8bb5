package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mailark/mailark/bench/internal/proc"
	"github.com/mailark/mailark/bench/internal/shape"
	"github.com/mailark/mailark/internal/testimap"
)

type config struct {
	n, rounds  int
	seed       uint64
	only       string
	keep, warm bool
	mailark    string
	baseline   string
	cpuProfile string
	workDir    string
	profiles   string // comma list of link profiles (bench/internal/shape)
	conns      []int  // mailark runs with each of these --connections
	compress   []bool // Dovecot offers COMPRESS=DEFLATE (imap_zlib) or not: a table each
}

var allContenders = []string{"mailark", "rerun", "mbsync", "mbsync-nofsync"}

// session is one benchmark run.
type session struct {
	cfg      config
	work     string
	self     string // this binary, for the child modes
	d        *testimap.Dovecot
	user     string
	pass     string
	passFile string
	cold     bool // the page cache is dropped before each contender
	corpus   *corpus
	refs     map[key]ref
	refBytes int64
	results  []result
	rssFloor int64 // KiB: peak RSS reported for /bin/true through the launcher
	// startLoad and endLoad are the load average when the current
	// contender started and ended.
	startLoad, endLoad string
	// The link the contenders use now: port is Dovecot's TLS port or the
	// shaping proxy's.
	prof   shape.Profile
	shaper *shape.Shaper
	port   int
	// serverCompress: Dovecot offers COMPRESS=DEFLATE in this table.
	serverCompress bool
}

// result is one contender's run; the table shows the fastest of each.
type result struct {
	name    string
	load    string // 1-minute load average when it started and ended: "3.1→4.2"
	m       measured
	msgs    int   // messages moved, for the rates (0: no rates)
	bytes   int64 // bytes moved
	exact   string
	notes   []string
	idle    time.Duration // the link stood idle (through the shaping proxy)
	conns   int           // connections opened (through the shaping proxy)
	refused int           // connections the proxy refused for the profile's limit
	// For a mailark backup: the wall time until its last message was
	// durable in both archives, and until its full-text index was done
	// (from its --json summary; 0 when unknown).
	durable, indexed time.Duration
}

func run(cfg config) error {
	only := map[string]bool{}
	for _, c := range strings.Split(cfg.only, ",") {
		if c = strings.TrimSpace(c); c == "" || c == "wire" {
			continue
		}
		if !slices.Contains(allContenders, c) {
			return fmt.Errorf("-only: unknown contender %q (have wire, %s)", c, strings.Join(allContenders, ", "))
		}
		only[c] = true
	}
	if len(only) == 0 {
		for _, c := range allContenders {
			only[c] = true
		}
	}
	if only["rerun"] {
		only["mailark"] = true
	}
	s := &session{cfg: cfg, user: "bench@example.org", pass: "bench password"}
	var err error
	if s.self, err = os.Executable(); err != nil {
		return err
	}
	s.work = cfg.workDir
	if s.work == "" {
		if s.work, err = os.MkdirTemp("", "mailark-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(s.work, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(s.work, 0o755); err != nil { // Dovecot's mail user must reach its home below
		return err
	}
	if !cfg.keep {
		defer os.RemoveAll(s.work)
	}
	fmt.Printf("work folder %s\n", s.work)
	printMachine()
	load := proc.LoadAvg()

	if only["mailark"] && cfg.mailark == "" {
		cfg.mailark = filepath.Join(s.work, "mailark")
		t := time.Now()
		if out, err := exec.Command("go", "build", "-o", cfg.mailark, "github.com/mailark/mailark").CombinedOutput(); err != nil {
			return fmt.Errorf("go build of the mailark binary failed (pass -mailark PATH to use one built before): %v\n%s", err, out)
		}
		fmt.Printf("built mailark in %.1f s\n", time.Since(t).Seconds())
		s.cfg.mailark = cfg.mailark
	}

	s.d, err = testimap.LaunchDovecot(filepath.Join(s.work, "dovecot"), testimap.DovecotUser{Name: s.user, Password: s.pass})
	if err != nil {
		return fmt.Errorf("start dovecot: %w", err)
	}
	defer s.d.Close()
	s.port = s.d.TLSPort
	s.passFile = filepath.Join(s.work, "password")
	if err := os.WriteFile(s.passFile, []byte(s.pass), 0o600); err != nil {
		return err
	}

	t := time.Now()
	if s.corpus, err = seedCorpus(s.d, s.user, cfg.n, cfg.seed); err != nil {
		return err
	}
	printCorpus(s.corpus, time.Since(t))
	t = time.Now()
	if m := s.wire(true, ""); m.err != nil {
		return fmt.Errorf("warm-up: %w", m.err)
	}
	fmt.Printf("Dovecot indexed the corpus in %.1f s (untimed FETCH of UID FLAGS INTERNALDATE RFC822.SIZE)\n", time.Since(t).Seconds())
	s.cold = !cfg.warm && dropCaches()
	if !s.cold {
		t = time.Now()
		if m := s.wire(false, ""); m.err != nil {
			return fmt.Errorf("warm-up: %w", m.err)
		}
		fmt.Printf("warm-up fetch of every message: %.1f s\n", time.Since(t).Seconds())
	}
	if m := runChild(s.self, nil, filepath.Join(s.work, "true.log"), "true"); m.err == nil {
		s.rssFloor = m.maxRSSKiB
	}
	fmt.Printf("load average before the runs: %s\n\n", load)

	profs, err := shape.Parse(cfg.profiles)
	if err != nil {
		return err
	}
	for _, p := range profs {
		for _, cz := range cfg.compress {
			if err := s.runProfile(p, cz, only); err != nil {
				return err
			}
			s.printTable(load)
			s.results = nil
		}
	}
	if cfg.keep {
		fmt.Printf("\nkept: %s (Dovecot in dovecot/, its log dovecot/dovecot.log; stop it by ending this program)\n", s.work)
	}
	return nil
}

// runProfile runs every contender on one link profile, with Dovecot
// offering COMPRESS=DEFLATE or not (cz). Mailark then runs with
// --compress off, auto (its default) and on; mbsync uses COMPRESS when
// offered.
func (s *session) runProfile(p shape.Profile, cz bool, only map[string]bool) error {
	s.prof, s.port, s.serverCompress = p, s.d.TLSPort, cz
	if err := s.d.SetCompress(cz); err != nil {
		return fmt.Errorf("dovecot COMPRESS: %w", err)
	}
	defer s.d.SetCompress(false)
	if p.Shaped() {
		sh, err := shape.Start(s.d.TLSAddr(), p)
		if err != nil {
			return err
		}
		defer sh.Close()
		s.shaper, s.port = sh, sh.Port
		defer func() { s.shaper = nil }()
	}
	if err := s.d.SetConnectionLimit(p.ConnLimit); err != nil {
		return fmt.Errorf("dovecot connection limit: %w", err)
	}
	defer s.d.SetConnectionLimit(0)
	fmt.Printf("link: %s%s\n", p.Name, s.compressWords())
	cfg := s.cfg
	for round := 1; round <= cfg.rounds; round++ {
		if cfg.rounds > 1 {
			fmt.Printf("round %d of %d\n", round, cfg.rounds)
		}
		if err := s.runWireContender(); err != nil {
			return err
		}
		if only["mailark"] {
			modes := []string{""}
			if cz {
				modes = []string{"off", "auto", "on"}
			}
			for i, k := range cfg.conns {
				for j, mode := range modes {
					rerun := only["rerun"] && i == 0 && j == 0
					name := fmt.Sprintf("mailark backup, %d connection(s) (mbox + SQLite, durable)", k)
					if mode != "" {
						name = fmt.Sprintf("mailark, %d connection(s), --compress %s", k, mode)
					}
					if err := s.runMailarkBin(cfg.mailark, name, rerun, k, mode); err != nil {
						return err
					}
				}
			}
		}
		for _, bin := range strings.Split(cfg.baseline, ",") {
			if bin == "" {
				continue
			}
			if err := s.runMailarkBin(bin, "mailark baseline ("+filepath.Base(bin)+")", false, 0, ""); err != nil {
				return err
			}
		}
		if cfg.cpuProfile != "" && round == 1 {
			if err := s.runInProcess(); err != nil {
				return err
			}
		}
		for _, fsync := range []bool{true, false} {
			name := "mbsync"
			if !fsync {
				name = "mbsync-nofsync"
			}
			if only[name] {
				if err := s.runMbsync(name, fsync); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// prepare empties the page cache before a contender, when the run is cold.
func (s *session) prepare() {
	if s.cold {
		dropCaches()
	}
	s.startLoad = proc.LoadAvg()
	if s.shaper != nil {
		s.shaper.TakeIdle()
		s.shaper.TakeConns()
	}
}

// add records a result and prints it at once (a long run shows progress).
func (s *session) add(r result) {
	r.load = firstField(s.startLoad) + "→" + firstField(s.endLoad)
	if s.shaper != nil {
		r.idle, r.conns, r.refused = s.shaper.TakeIdle()
	}
	s.results = append(s.results, r)
	fmt.Printf("  done: %-42s %7.2f s  (load %s)\n", r.name, r.m.wall.Seconds(), proc.LoadAvg())
	if s.shaper != nil {
		printTimeline(s.shaper.TakeConns())
	}
}

func printMachine() {
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(b); m != nil {
			cpu = string(m[1])
		}
	}
	dovecot, _ := exec.Command("/usr/sbin/dovecot", "--version").Output()
	kernel, _ := exec.Command("uname", "-r").Output()
	fmt.Printf("machine: %d CPUs (%s), Linux %s, %s, Dovecot %s, %s\n", runtime.NumCPU(), cpu,
		strings.TrimSpace(string(kernel)), runtime.Version(), strings.TrimSpace(string(dovecot)), mbsyncVersion())
}

func printCorpus(c *corpus, took time.Duration) {
	var folders []string
	for _, f := range []string{"INBOX", "Sent", "Archive/2019", "取引先"} {
		folders = append(folders, fmt.Sprintf("%s %d", f, c.perFolder[f]))
	}
	fmt.Printf("corpus: %d messages, %.0f MB as sent (%.0f MB in the maildir), largest %.1f MB, %d with a bare CR or LF line; %s; seeded in %.1f s\n",
		c.n, mb(c.wireBytes), mb(c.fileBytes), mb(c.largest), c.oddEndings, strings.Join(folders, ", "), took.Seconds())
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// compressWords names the server's COMPRESS setting in a table's title.
func (s *session) compressWords() string {
	if s.serverCompress {
		return "; the server offers COMPRESS=DEFLATE"
	}
	if len(s.cfg.compress) > 1 {
		return "; no COMPRESS"
	}
	return ""
}

// printTimeline shows when each connection of a run carried the server's
// bytes, in seconds from the first connection's opening: where a run on a
// capped link lost time against the ideal (its start, or a tail where
// fewer connections than it could use were busy).
func printTimeline(conns []shape.ConnStat) {
	if len(conns) == 0 {
		return
	}
	t0 := conns[0].Opened
	var end time.Time
	for _, c := range conns {
		if c.Opened.Before(t0) {
			t0 = c.Opened
		}
		if c.Last.After(end) {
			end = c.Last
		}
	}
	at := func(t time.Time) float64 { return t.Sub(t0).Seconds() }
	for i, c := range conns {
		if c.First.IsZero() {
			fmt.Printf("        connection %d: opened at %.2f s, no data\n", i+1, at(c.Opened))
			continue
		}
		fmt.Printf("        connection %d: opened at %.2f s, data %.2f-%.2f s, %.1f MB (%.2f MB/s)\n", i+1, at(c.Opened),
			at(c.First), at(c.Last), float64(c.Bytes)/1e6, float64(c.Bytes)/1e6/c.Last.Sub(c.First).Seconds())
		if len(c.Gaps) > 0 {
			var gaps []string
			for _, g := range c.Gaps {
				gaps = append(gaps, fmt.Sprintf("%.2f+%.2f", at(g.At), g.For.Seconds()))
			}
			fmt.Printf("          waits over 50 ms for the server (at+for, s): %s\n", strings.Join(gaps, " "))
		}
	}
	fmt.Printf("        last server byte at %.2f s\n", at(end))
}
