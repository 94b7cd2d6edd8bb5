package desk_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/testimap"
)

// maxWorkerRSS bounds the peak memory of a worker process with 2 workers,
// however many accounts it works (bench/desk measured 55 MB for 10, 40 and
// 100 accounts of 200 messages).
const maxWorkerRSS = 100 << 20

// TestDeskMemoryChild is the worker process of TestWorkerMemoryBounded: it
// works the desk until idle and prints its own peak memory.
func TestDeskMemoryChild(t *testing.T) {
	dir := os.Getenv("MAILARK_DESK_MEMORY_CHILD")
	if dir == "" {
		t.Skip("only run as the worker process of TestWorkerMemoryBounded")
	}
	d, err := desk.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := desk.ReadSecrets(os.Getenv("MAILARK_DESK_SECRETS"), "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Work(context.Background(), desk.WorkOptions{Secrets: s, Workers: 2, UntilIdle: true})
	fmt.Printf("done %d %v\n", res.Done, err)
	// VmHWM: this process's own peak since exec (rusage's maxrss would
	// count the parent's memory, shared until exec).
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				fmt.Printf("peak %s\n", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			}
		}
	}
}

// TestWorkerMemoryBounded: a worker process's memory does not grow with
// the accounts it works. Each step opens the customer's archive and
// closes it; an archive (or its SQLite page cache) kept open per account,
// or any other per-account leak, would pass the bound. The server, in this
// process, holds the mail; the child's own peak is read from /proc.
func TestWorkerMemoryBounded(t *testing.T) {
	const accounts, messages = 40, 30
	var srv *testimap.Server
	var csv, secrets strings.Builder
	csv.WriteString("customer,old_host,old_port,old_security,old_user,secret\n")
	for i, a := range testimap.ManyAccounts(accounts, messages, "m%02d@old-isp.example", "pw%02d") {
		if srv == nil {
			srv = testimap.Start(t, a)
		} else if err := srv.Mem.AddAccount(a); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&csv, "c%02d,%s,%d,plain,%s,s%d\n", i, srv.Host, srv.Port, a.User, i)
		fmt.Fprintf(&secrets, "s%d=%s\n", i, a.Password)
	}
	dir := filepath.Join(t.TempDir(), "desk")
	d, err := desk.Init(context.Background(), dir, desk.Config{DefaultConnections: 4, RetryBaseSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	addCSV(t, d, csv.String())
	d.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeskMemoryChild$")
	cmd.Env = append(os.Environ(), "MAILARK_DESK_MEMORY_CHILD="+dir, "GOGC=", "GOMEMLIMIT=",
		"MAILARK_DESK_SECRETS="+writeFile(t, filepath.Join(t.TempDir(), "secrets"), secrets.String(), 0o600))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("worker process: %v\n%s", err, out)
	}
	var peak int64
	done := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "peak "); ok {
			kb, _ := strconv.ParseInt(v, 10, 64)
			peak = kb << 10
		}
		if v, ok := strings.CutPrefix(sc.Text(), "done "); ok {
			done = v
		}
	}
	if done != fmt.Sprintf("%d <nil>", accounts) {
		t.Fatalf("worker process: done %q, want %d accounts done\n%s", done, accounts, out)
	}
	if peak == 0 {
		t.Skip("no /proc/self/status: peak memory not measured")
	}
	t.Logf("worker process peak RSS %d MB for %d accounts", peak>>20, accounts)
	if peak > maxWorkerRSS {
		t.Errorf("a worker process working %d accounts reached %d MB, more than %d MB", accounts, peak>>20, maxWorkerRSS>>20)
	}
}
