package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/bench/internal/proc"
)

// The contenders. Each runs as its own process (contender), into a fresh
// folder, after the page cache is dropped (prepare); then what it stored is
// checked against the wire run's hashes, outside the timing.

// contender runs one contender's process (see runChild) and adds what
// Dovecot spent meanwhile.
func (s *session) contender(env []string, logFile, name string, args ...string) measured {
	before := settledServerCPU(s.d.Dir)
	machine := readMachineTime()
	m := runChild(s.self, env, logFile, name, args...)
	m.machine = readMachineTime().sub(machine)
	s.endLoad = proc.LoadAvg()
	m.serverCPU = settledServerCPU(s.d.Dir) - before
	return m
}

// wire runs the bare fetch as a child; out receives the hashes.
func (s *session) wire(meta bool, out string) measured {
	args := []string{"child-wire", "-addr", net.JoinHostPort(s.d.Host, strconv.Itoa(s.port)), "-ca", s.d.CAFile, "-user", s.user, "-passfile", s.passFile}
	if meta {
		args = append(args, "-meta")
	}
	if out != "" {
		args = append(args, "-out", out)
	}
	return s.contender(nil, filepath.Join(s.work, "wire.log"), s.self, args...)
}

func (s *session) runWireContender() error {
	s.prepare()
	out := filepath.Join(s.work, "wire-hashes.tsv")
	m := s.wire(false, out)
	if m.err != nil {
		return fmt.Errorf("wire: %w", m.err)
	}
	refs, refBytes, err := readRefs(out)
	if err != nil {
		return err
	}
	if s.refs == nil { // later rounds are checked like the first
		s.refs, s.refBytes = refs, refBytes
	}
	exact, notes := checkWire(refs, s.corpus)
	if len(refs) != s.corpus.n {
		notes = append(notes, fmt.Sprintf("fetched %d messages, seeded %d", len(refs), s.corpus.n))
	}
	s.add(result{name: "wire limit (fetch, store nothing)", m: m, msgs: len(s.refs), bytes: s.refBytes,
		exact: fmt.Sprintf("%d/%d", exact, s.corpus.n), notes: notes})
	return nil
}

var newCount = regexp.MustCompile(`(\d+) new message`)

// mailarkArgs is the backup command; conns > 0 adds --connections, and
// compress (auto, on, off) --compress.
func (s *session) mailarkArgs(dir string, conns int, compress string) []string {
	args := []string{"backup", "--host", "127.0.0.1", "--port", strconv.Itoa(s.port), "--security", "tls",
		"--ca-file", s.d.CAFile, "--user", s.user, "--archive", dir}
	if conns > 0 {
		args = append(args, "--connections", strconv.Itoa(conns))
	}
	if compress != "" {
		args = append(args, "--compress", compress)
	}
	return args
}

// linkRateNote is what mailark's summary (--json) says its connections
// delivered while it waited for them (backup.Summary.LinkRate).
func linkRateNote(m measured) string {
	var sum struct {
		LinkRate          float64
		SpooledAheadBytes int64
	}
	if json.Unmarshal([]byte(m.stdout), &sum) != nil || sum.LinkRate == 0 {
		return ""
	}
	return fmt.Sprintf("its connections delivered %.1f MB/s each while it waited for them; %.0f MB fetched ahead of the writer went to spool files",
		sum.LinkRate/1e6, float64(sum.SpooledAheadBytes)/1e6)
}

// compressDecision is what mailark's summary (--json) says about
// COMPRESS: "compression on|off: " and its reason.
func compressDecision(m measured) string {
	var sum struct {
		Compression struct {
			Used   bool
			Reason string
		}
	}
	if json.Unmarshal([]byte(m.stdout), &sum) != nil || sum.Compression.Reason == "" {
		return ""
	}
	state := "off"
	if sum.Compression.Used {
		state = "on"
	}
	return "compression " + state + ": " + sum.Compression.Reason
}

// runMailarkBin backs up with the mailark binary bin, shown as name, with
// conns connections (0: the binary's default, for a baseline that may not
// know the flag).
func (s *session) runMailarkBin(bin, name string, rerun bool, conns int, compress string) error {
	dir := filepath.Join(s.work, "mailark-archive")
	env := []string{"MAILARK_PASSWORD=" + s.pass}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	s.prepare()
	stopDisk := diskPeak(dir, s.refBytes)
	m := s.contender(env, filepath.Join(s.work, "mailark.log"), bin, append(s.mailarkArgs(dir, conns, compress), "--json")...)
	disk := stopDisk()
	if m.err != nil {
		return fmt.Errorf("%s: %w", bin, m.err)
	}
	r := result{name: name, m: m, msgs: len(s.refs), bytes: s.refBytes, notes: []string{disk}}
	if d := compressDecision(m); d != "" && s.serverCompress {
		r.notes = append(r.notes, d)
	}
	if l := linkRateNote(m); l != "" {
		r.notes = append(r.notes, l)
	}
	r.durable, r.indexed = durableAndIndexed(m)
	if err := s.checkMailark(dir, &r); err != nil {
		return err
	}
	s.add(r)
	for _, cache := range []string{"cold", "warm"} {
		if !rerun || (cache == "warm" && !s.cold) {
			break
		}
		name := "mailark rerun, nothing new"
		if s.cold {
			name += " (" + cache + " cache)"
		}
		if cache == "cold" {
			s.prepare()
		} else {
			s.startLoad = proc.LoadAvg()
		}
		m := s.contender(env, filepath.Join(s.work, "mailark-rerun.log"), bin, s.mailarkArgs(dir, conns, compress)...)
		if m.err != nil {
			return fmt.Errorf("mailark rerun: %w", m.err)
		}
		r := result{name: name, m: m, exact: "n/a"}
		if c := newCount.FindStringSubmatch(m.stdout); c == nil || c[1] != "0" {
			r.notes = append(r.notes, fmt.Sprintf("did not report 0 new messages: %q", strings.TrimSpace(m.stdout)))
		}
		s.add(r)
	}
	if !s.cfg.keep {
		os.RemoveAll(dir)
	}
	return nil
}

func (s *session) runInProcess() error {
	dir := filepath.Join(s.work, "mailark-inproc")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	s.prepare()
	m := s.contender(nil, filepath.Join(s.work, "inproc.log"), s.self, "child-backup", "-port", strconv.Itoa(s.port),
		"-ca", s.d.CAFile, "-user", s.user, "-passfile", s.passFile, "-archive", dir,
		"-cpuprofile", s.cfg.cpuProfile, "-memprofile", s.cfg.cpuProfile+".heap",
		"-trace", s.cfg.cpuProfile+".trace")
	if m.err != nil {
		return fmt.Errorf("mailark in-process: %w", m.err)
	}
	r := result{name: "mailark in-process, profiled", m: m, msgs: len(s.refs), bytes: s.refBytes}
	if err := s.checkMailark(dir, &r); err != nil {
		return err
	}
	r.notes = append(r.notes, "CPU profile: "+s.cfg.cpuProfile+" (execution trace: "+s.cfg.cpuProfile+".trace)")
	for _, line := range strings.Split(m.stdout, "\n") {
		if strings.HasPrefix(line, "memory peaks:") {
			r.notes = append(r.notes, line)
		}
	}
	s.add(r)
	if !s.cfg.keep {
		os.RemoveAll(dir)
	}
	return nil
}

func (s *session) checkMailark(dir string, r *result) error {
	c, err := checkArchive(context.Background(), dir, s.refs)
	if err != nil {
		return fmt.Errorf("check %s: %w", dir, err)
	}
	r.exact = fmt.Sprintf("%d/%d", c.exact, len(s.refs))
	if c.sqliteOK != c.exact || c.mboxOK != c.exact {
		r.notes = append(r.notes, fmt.Sprintf("SQLite bytes exact %d, mbox bytes exact %d", c.sqliteOK, c.mboxOK))
	}
	if c.missing > 0 || c.unexpected > 0 {
		r.notes = append(r.notes, fmt.Sprintf("%d missing, %d not on the server", c.missing, c.unexpected))
	}
	r.notes = append(r.notes, c.notes...)
	return nil
}

func (s *session) runMbsync(name string, fsync bool) error {
	dir := filepath.Join(s.work, name)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	rc := filepath.Join(s.work, name+".rc")
	if err := os.WriteFile(rc, []byte(mbsyncConfig(dir, fsync, s.port, s.d.CAFile, s.user, s.pass)), 0o600); err != nil {
		return err
	}
	s.prepare()
	m := s.contender(nil, filepath.Join(s.work, name+".log"), "mbsync", "-c", rc, "-q", "-a")
	if m.err != nil {
		return fmt.Errorf("%s: %w", name, m.err)
	}
	label := "mbsync (defaults: FSync yes)"
	if !fsync {
		label = "mbsync (FSync no)"
	}
	r := result{name: label, m: m, msgs: len(s.refs), bytes: s.refBytes}
	c, err := checkMaildir(dir, s.refs)
	if err != nil {
		return err
	}
	r.exact = fmt.Sprintf("%d/%d", c.exact, len(s.refs))
	if c.tuid > 0 {
		r.notes = append(r.notes, fmt.Sprintf("added its X-TUID header line to %d message(s); not counted as a change", c.tuid))
	}
	if d := c.files - c.exact; d > 0 {
		r.notes = append(r.notes, fmt.Sprintf("altered %d message(s)", d))
	}
	if c.missing > 0 || c.unexpected > 0 {
		r.notes = append(r.notes, fmt.Sprintf("%d missing, %d unexpected files", c.missing, c.unexpected))
	}
	r.notes = append(r.notes, c.notes...)
	s.add(r)
	if !s.cfg.keep {
		os.RemoveAll(dir)
	}
	return nil
}

// durableAndIndexed reads from a backup's --json summary when, in its wall
// time, the last message was durable and the index done: the run's
// Elapsed ends when every message is durable, IndexElapsed when the index
// is (a binary that indexes inside its batches has no IndexElapsed: both
// are its wall time).
func durableAndIndexed(m measured) (durable, indexed time.Duration) {
	var sum struct {
		Elapsed, IndexElapsed time.Duration
	}
	if err := json.Unmarshal([]byte(m.stdout), &sum); err != nil || sum.IndexElapsed <= sum.Elapsed {
		return m.wall, m.wall
	}
	return m.wall - (sum.IndexElapsed - sum.Elapsed), m.wall
}
