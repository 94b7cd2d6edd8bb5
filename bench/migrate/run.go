package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

type config struct {
	n          int
	seed       uint64
	big        float64
	inFlight   int
	rounds     int
	rtt        time.Duration
	conns      int
	keep       bool
	cpuProfile string
}

const (
	oldUser   = "hanako@old-isp.example"
	benchPass = "bench-password"
	seedBatch = 500
)

// target is the empty account a contender fills in a round.
func target(who string, round int) string { return fmt.Sprintf("%s%d@new-isp.example", who, round+1) }

// row is one line of the table.
type row struct {
	name                         string
	m                            measured
	exact, missing, extra, total int
	kept                         int // byte-exact with flags and internal date
	note                         string
}

func run(cfg config) error {
	work, err := os.MkdirTemp("", "mailark-bench-migrate-")
	if err != nil {
		return err
	}
	if err := os.Chmod(work, 0o755); err != nil { // Dovecot's mail user must reach work/dovecot/home
		return err
	}
	if cfg.keep {
		fmt.Println("work folder:", work)
	} else {
		defer os.RemoveAll(work)
	}
	users := []testimap.DovecotUser{{Name: oldUser, Password: benchPass}}
	for i := range cfg.rounds {
		users = append(users, testimap.DovecotUser{Name: target("mailark", i), Password: benchPass},
			testimap.DovecotUser{Name: target("mbsync", i), Password: benchPass})
	}
	d, err := testimap.LaunchDovecot(filepath.Join(work, "dovecot"), users...)
	if err != nil {
		return err
	}
	defer d.Close()

	start := time.Now()
	var bytes int64
	for lo := 0; lo < cfg.n; lo += seedBatch {
		byFolder := map[string][]testimap.SeedMessage{}
		var order []string
		for i := lo; i < min(lo+seedBatch, cfg.n); i++ {
			m := generate(cfg.seed, cfg.big, i, cfg.n)
			if byFolder[m.folder] == nil {
				order = append(order, m.folder)
			}
			byFolder[m.folder] = append(byFolder[m.folder], testimap.SeedMessage{Raw: m.raw, Flags: m.flags, InternalDate: m.date})
			bytes += int64(len(m.raw))
		}
		for _, f := range order {
			if err := d.SeedFolder(oldUser, f, byFolder[f]); err != nil {
				return err
			}
		}
	}
	fmt.Printf("corpus: %d messages, %.0f MB, seeded in %v\n", cfg.n, float64(bytes)/1e6, time.Since(start).Round(time.Millisecond))

	archiveDir := filepath.Join(work, "archive")
	start = time.Now()
	oldConn := imapconn.Config{Host: d.Host, Port: d.TLSPort, Security: imapconn.TLS, CAFile: d.CAFile, User: oldUser, Password: secret.New(benchPass)}
	sum, err := backup.Run(context.Background(), backup.Options{Conn: oldConn, ArchiveDir: archiveDir})
	if err != nil || !sum.OK() {
		return fmt.Errorf("backup: %v (%d failures)", err, len(sum.Failures))
	}
	fmt.Printf("setup: backed up into the archive in %v\n", time.Since(start).Round(time.Millisecond))
	refs, fullRefs, err := archiveRefs(archiveDir)
	if err != nil {
		return err
	}
	maildir := filepath.Join(work, "maildir")
	if err := writeMaildir(archiveDir, maildir); err != nil {
		return err
	}
	port := d.TLSPort
	if cfg.rtt > 0 {
		p, stop, err := latencyProxy(d.TLSAddr(), cfg.rtt)
		if err != nil {
			return err
		}
		defer stop()
		port = p
	}
	migrateArgs := func(round int) []string {
		self, _ := os.Executable()
		return []string{self, "child-migrate", archiveDir, fmt.Sprint(port), d.CAFile, target("mailark", round),
			fmt.Sprint(cfg.inFlight), fmt.Sprint(cfg.conns)}
	}
	env := []string{"BENCH_PASS=" + benchPass}
	best := map[string]*row{}
	var order []string
	keep := func(name string, m measured) {
		if best[name] == nil {
			order = append(order, name)
			best[name] = &row{name: name, m: m}
		} else if m.err == nil && (best[name].m.err != nil || m.wall < best[name].m.wall) {
			best[name].m = m
		}
	}
	for round := range cfg.rounds {
		fmt.Printf("round %d: mailark ...\n", round+1)
		first := env
		if cfg.cpuProfile != "" && round == 0 {
			abs, _ := filepath.Abs(cfg.cpuProfile)
			first = append(first, "BENCH_CPUPROFILE="+abs)
		}
		keep("mailark migrate", runChild(filepath.Join(work, fmt.Sprintf("mailark%d.log", round)), first, migrateArgs(round)...))
		if round == 0 {
			fmt.Println("round 1: rerun ...")
			keep("mailark rerun", runChild(filepath.Join(work, "rerun.log"), env, migrateArgs(round)...))
		}
		fmt.Printf("round %d: mbsync ...\n", round+1)
		conf := filepath.Join(work, fmt.Sprintf("mbsyncrc%d", round))
		state := filepath.Join(work, fmt.Sprintf("mbsync-state%d", round))
		if err := os.MkdirAll(state, 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(conf, []byte(mbsyncConfig(maildir, state, port, d.CAFile, target("mbsync", round))), 0o600); err != nil {
			return err
		}
		keep("mbsync push", runChild(filepath.Join(work, fmt.Sprintf("mbsync%d.log", round)), nil, "mbsync", "-c", conf, "-a", "-q"))
	}
	// Read back the first round's accounts (each round's is alike).
	var rows []row
	for _, name := range order {
		r := *best[name]
		user, strip := target("mailark", 0), false
		if strings.HasPrefix(name, "mbsync") {
			user, strip = target("mbsync", 0), true
		}
		got, full, err := readAccount(d, user, strip)
		if err != nil {
			r.note = "check failed: " + err.Error()
		} else {
			r.total, r.exact, r.missing, r.extra = compare(refs, got)
			_, r.kept, _, _ = compare(fullRefs, full)
		}
		if strip {
			r.note = "byte-exact once the X-TUID header line mbsync adds to every message is removed; internal dates not kept"
		}
		rows = append(rows, r)
	}
	printTable(cfg, bytes, rows)
	return nil
}

func printTable(cfg config, bytes int64, rows []row) {
	load, _ := os.ReadFile("/proc/loadavg")
	link := "loopback"
	if cfg.rtt > 0 {
		link = fmt.Sprintf("loopback with %v round trip", cfg.rtt)
	}
	fmt.Printf("\nN = %d messages, %.0f MB; Dovecot over TLS on %s; %d CPUs; load %s\n",
		cfg.n, float64(bytes)/1e6, link, runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "contender\twall\tmsgs/s\tMB/s\tpeak RSS\tCPU\tDovecot CPU\tbyte-exact\t+flags+date\tmissing\textra\t")
	for _, r := range rows {
		if r.m.err != nil {
			fmt.Fprintf(tw, "%s\tfailed: %v\t\t\t\t\t\t\t\t\n", r.name, r.m.err)
			continue
		}
		secs := r.m.wall.Seconds()
		fmt.Fprintf(tw, "%s\t%.2f s\t%.0f\t%.1f\t%.0f MB\t%.1f s\t%.1f s\t%d/%d\t%d\t%d\t%d\t\n", r.name, secs, float64(cfg.n)/secs,
			float64(bytes)/1e6/secs, float64(r.m.maxRSSKiB)/1024, r.m.cpu.Seconds(), r.m.serverCPU.Seconds(), r.exact, r.total, r.kept, r.missing, r.extra)
	}
	tw.Flush()
	for _, r := range rows {
		if out := strings.TrimSpace(r.m.stdout); out != "" {
			fmt.Printf("%s: %s\n", r.name, out)
		}
		if r.note != "" {
			fmt.Printf("%s: %s\n", r.name, r.note)
		}
	}
}
