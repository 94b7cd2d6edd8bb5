// Command desk measures support-desk mode: N accounts of M messages each
// (the demo's generated mail) on an in-process IMAP server, optionally
// behind a slow link (-delay per forwarded chunk), worked through a SQLite
// desk queue by worker processes. It prints one table: accounts per hour
// with 1, 2 and 4 workers in one process, and with 2 worker processes
// (standing for 2 PCs), and the peak RSS of each worker process.
//
//	go run ./bench/desk -accounts 100 -messages 200
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
	"syscall"
	"time"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/demo"
)

func main() {
	accounts := flag.Int("accounts", 20, "accounts")
	messages := flag.Int("messages", 200, "messages per account")
	delay := flag.Duration("delay", 0, "delay per forwarded chunk (a slow link); 0: loopback")
	child := flag.String("child", "", "internal: work this desk as a worker process")
	workers := flag.Int("workers", 1, "internal: workers of a worker process")
	flag.Parse()
	if *child != "" {
		os.Exit(runChild(*child, *workers))
	}
	if err := run(*accounts, *messages, *delay); err != nil {
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
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("rss %d done %d\n", ru.Maxrss*1024, res.Done)
	return 0
}

func run(accounts, messages int, delay time.Duration) error {
	pool := demo.OldProvider().Folders[0].Messages
	for _, f := range demo.OldProvider().Folders[1:] {
		pool = append(pool, f.Messages...)
	}
	var first *demo.MemServer
	var accts []*demo.Account
	for i := range accounts {
		a := &demo.Account{User: fmt.Sprintf("user%03d@old-isp.example", i), Password: fmt.Sprintf("pw%03d", i)}
		f := demo.Folder{Name: "INBOX"}
		for j := range messages {
			f.Messages = append(f.Messages, pool[(i*7+j)%len(pool)])
		}
		a.Folders = []demo.Folder{f}
		accts = append(accts, a)
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
	if delay > 0 {
		if addr, err = slowProxy(ctx, addr, delay); err != nil {
			return err
		}
	}
	host, port, _ := net.SplitHostPort(addr)
	fmt.Printf("%d accounts × %d messages, link: %s, %d CPUs\n\n", accounts, messages, linkWords(delay), numCPU())
	fmt.Printf("%-28s %10s %14s %16s\n", "workers", "seconds", "accounts/hour", "peak RSS/process")
	for _, cfg := range []struct {
		name           string
		procs, workers int
	}{{"1 process × 1 worker", 1, 1}, {"1 process × 2 workers", 1, 2}, {"1 process × 4 workers", 1, 4}, {"2 processes × 2 workers", 2, 2}} {
		secs, rss, err := runConfig(accts, host, port, cfg.procs, cfg.workers)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.name, err)
		}
		fmt.Printf("%-28s %10.1f %14.0f %13.0f MB\n", cfg.name, secs, float64(accounts)/secs*3600, float64(rss)/(1<<20))
	}
	return nil
}

func runConfig(accts []*demo.Account, host, port string, procs, workers int) (float64, int64, error) {
	tmp, err := os.MkdirTemp("", "mailark-bench-desk-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "desk")
	d, err := desk.Init(context.Background(), dir, desk.Config{DefaultConnections: 8, RetryBaseSeconds: 1})
	if err != nil {
		return 0, 0, err
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
		return 0, 0, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "secrets"), []byte(secrets.String()), 0o600); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var peak int64
	var firstErr error
	for range procs {
		cmd := exec.Command(os.Args[0], "-child", dir, "-workers", strconv.Itoa(workers))
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, 0, err
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
					peak = max(peak, rss)
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
		return 0, 0, firstErr
	}
	d, err = desk.Open(context.Background(), dir)
	if err != nil {
		return 0, 0, err
	}
	defer d.Close()
	st, err := d.Accounts(context.Background())
	if err != nil {
		return 0, 0, err
	}
	for _, s := range st {
		if s.State != desk.StateDone {
			return 0, 0, fmt.Errorf("%s ended %s at %s: %s", s.Customer, s.State, s.Step, s.ErrorText)
		}
	}
	return time.Since(start).Seconds(), peak, nil
}

// slowProxy forwards to target with delay after each chunk read.
func slowProxy(ctx context.Context, target string, delay time.Duration) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { <-ctx.Done(); ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				s, err := net.Dial("tcp", target)
				if err != nil {
					c.Close()
					return
				}
				pipe := func(dst, src net.Conn, slow bool) {
					buf := make([]byte, 32<<10)
					for {
						n, err := src.Read(buf)
						if n > 0 {
							if slow {
								time.Sleep(delay)
							}
							if _, werr := dst.Write(buf[:n]); werr != nil {
								break
							}
						}
						if err != nil {
							break
						}
					}
					dst.Close()
					src.Close()
				}
				go pipe(s, c, false)
				pipe(c, s, true)
			}()
		}
	}()
	return ln.Addr().String(), nil
}

func linkWords(d time.Duration) string {
	if d == 0 {
		return "loopback"
	}
	return fmt.Sprintf("%s per 32 KB chunk", d)
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t:"))
}
