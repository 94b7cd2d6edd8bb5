// Command desk measures support-desk mode: N accounts of M messages each
// (the demo's generated mail) on an in-process IMAP server, through the
// shaping proxy of bench/internal/shape (-profile, default rtt40: RTT 40 ms,
// 4 MB/s per connection), worked through a SQLite desk queue by worker
// processes. It prints one table: accounts per hour with 1, 2 and 4 workers
// in one process, and with 2 worker processes (standing for 2 PCs), and the
// peak RSS of each worker process (its own VmHWM).
//
//	go run ./bench/desk -accounts 100 -messages 200 [-profile rtt40] [-configs 1x1,1x2,1x4,2x2]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailark/mailark/bench/internal/proc"
	"github.com/mailark/mailark/bench/internal/shape"
	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

func main() {
	accounts := flag.Int("accounts", 20, "accounts")
	messages := flag.Int("messages", 200, "messages per account")
	profile := flag.String("profile", "rtt40", "the link: "+strings.Join(shape.Order, ", "))
	configs := flag.String("configs", "1x1,1x2,1x4,2x2", "PROCESSESxWORKERS to measure, comma list")
	child := flag.String("child", "", "internal: work this desk as a worker process")
	workers := flag.Int("workers", 1, "internal: workers of a worker process")
	flag.Parse()
	if *child != "" {
		os.Exit(runChild(*child, *workers))
	}
	if err := run(*accounts, *messages, *profile, *configs); err != nil {
		fmt.Fprintln(os.Stderr, "bench/desk:", err)
		os.Exit(1)
	}
}

func runChild(dir string, workers int) int {
	ctx := context.Background()
	d, err := desk.Open(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer d.Close()
	s, err := desk.ReadSecrets(filepath.Join(dir, "..", "secrets"), "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	res, err := d.Work(ctx, desk.WorkOptions{Secrets: s, Workers: workers, UntilIdle: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("MAILARK_BENCH_MEMSTATS") != "" {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		st, _ := os.ReadFile("/proc/self/status")
		rss := ""
		for _, l := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(l, "VmRSS") {
				rss = l
			}
		}
		fmt.Fprintf(os.Stderr, "heap in use %d MB, sys %d MB, goroutines %d, now %s\n", ms.HeapInuse>>20, ms.Sys>>20, runtime.NumGoroutine(), rss)
	}
	// VmHWM, this process's own peak since exec: rusage's maxrss would
	// also count the bench's own memory (the server holding every
	// account's mail), shared with the child until exec.
	fmt.Printf("rss %d done %d\n", proc.PeakRSS()*1024, res.Done)
	return 0
}

type config struct{ procs, workers int }

func parseConfigs(s string) ([]config, error) {
	var out []config
	for _, f := range strings.Split(s, ",") {
		var c config
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%dx%d", &c.procs, &c.workers); err != nil || c.procs < 1 || c.workers < 1 {
			return nil, fmt.Errorf("-configs: %q is not PROCESSESxWORKERS", f)
		}
		out = append(out, c)
	}
	return out, nil
}

func run(accounts, messages int, profileName, configList string) error {
	profs, err := shape.Parse(profileName)
	if err != nil {
		return err
	}
	if len(profs) != 1 {
		return fmt.Errorf("-profile: give one profile")
	}
	prof := profs[0]
	cfgs, err := parseConfigs(configList)
	if err != nil {
		return err
	}
	var first *demo.MemServer
	accts := testimap.ManyAccounts(accounts, messages, "user%03d@old-isp.example", "pw%03d")
	for _, a := range accts {
		if first == nil {
			m, err := demo.NewMemServer(a)
			if err != nil {
				return err
			}
			first = m
			continue
		}
		if err := first.AddAccount(a); err != nil {
			return err
		}
	}
	first.Logger = discardLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go first.Serve(ctx, ln)
	addr := ln.Addr().String()
	if prof.Shaped() {
		sh, err := shape.Start(addr, prof)
		if err != nil {
			return err
		}
		defer sh.Close()
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(sh.Port))
	}
	host, port, _ := net.SplitHostPort(addr)
	var bytes int64
	for _, a := range accts {
		for _, m := range a.Folders[0].Messages {
			bytes += int64(len(m.Raw))
		}
	}
	fmt.Printf("%d accounts × %d messages (%.1f MB in all), link: %s, %d CPUs, load %s\n\n",
		accounts, messages, float64(bytes)/1e6, prof.Name, numCPU(), proc.LoadAvg())
	fmt.Printf("%-28s %10s %14s %22s\n", "workers", "seconds", "accounts/hour", "peak RSS per process")
	for _, cfg := range cfgs {
		name := fmt.Sprintf("%d process(es) × %d worker(s)", cfg.procs, cfg.workers)
		secs, rss, err := runConfig(accts, host, port, cfg.procs, cfg.workers)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		var list []string
		for _, r := range rss {
			list = append(list, fmt.Sprintf("%.0f", float64(r)/(1<<20)))
		}
		fmt.Printf("%-28s %10.1f %14.0f %19s MB\n", name, secs, float64(accounts)/secs*3600, strings.Join(list, ", "))
	}
	fmt.Println("\n- peak RSS: each worker process's own VmHWM (the bench's server, holding every account's mail, is not counted)")
	return nil
}

func runConfig(accts []*demo.Account, host, port string, procs, workers int) (float64, []int64, error) {
	tmp, err := os.MkdirTemp("", "mailark-bench-desk-")
	if err != nil {
		return 0, nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "desk")
	d, err := desk.Init(context.Background(), dir, desk.Config{DefaultConnections: 8, RetryBaseSeconds: 1})
	if err != nil {
		return 0, nil, err
	}
	var csv, secrets strings.Builder
	csv.WriteString("customer,old_host,old_port,old_security,old_user,secret\n")
	for i, a := range accts {
		fmt.Fprintf(&csv, "c%03d,%s,%s,plain,%s,s%d\n", i, host, port, a.User, i)
		fmt.Fprintf(&secrets, "s%d=%s\n", i, a.Password)
	}
	list, _, err := desk.ParseCSV(strings.NewReader(csv.String()))
	if err == nil {
		_, err = d.Add(context.Background(), list)
	}
	d.Close()
	if err != nil {
		return 0, nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "secrets"), []byte(secrets.String()), 0o600); err != nil {
		return 0, nil, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var peak []int64
	var firstErr error
	for range procs {
		cmd := exec.Command(os.Args[0], "-child", dir, "-workers", strconv.Itoa(workers))
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				var rss int64
				var done int
				if _, err := fmt.Sscanf(sc.Text(), "rss %d done %d", &rss, &done); err == nil {
					mu.Lock()
					peak = append(peak, rss)
					mu.Unlock()
				}
			}
			if err := cmd.Wait(); err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, nil, firstErr
	}
	d, err = desk.Open(context.Background(), dir)
	if err != nil {
		return 0, nil, err
	}
	defer d.Close()
	st, err := d.Accounts(context.Background())
	if err != nil {
		return 0, nil, err
	}
	for _, s := range st {
		if s.State != desk.StateDone {
			return 0, nil, fmt.Errorf("%s ended %s at %s: %s", s.Customer, s.State, s.Step, s.ErrorText)
		}
	}
	return time.Since(start).Seconds(), peak, nil
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t:"))
}
