package desk_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// TestDeskWorkerChild is a worker process of the multi-worker tests: it
// runs `mailark desk work … --until-idle` and prints its exit code.
func TestDeskWorkerChild(t *testing.T) {
	dir := os.Getenv("MAILARK_DESK_CHILD")
	if dir == "" {
		t.Skip("only run as a worker process of TestPostgresDeskThreeWorkers")
	}
	code := cli.Main(context.Background(), cli.OSEnv(), []string{"desk", "work", "--desk", dir, "--secrets", os.Getenv("MAILARK_DESK_SECRETS"),
		"--workers", "2", "--until-idle", "--id", os.Getenv("MAILARK_DESK_ID")})
	fmt.Printf("exit %d\n", code)
}

// TestPostgresDeskThreeWorkers: three worker processes on one PostgreSQL
// queue work six accounts over a slow link; one worker is killed with
// SIGKILL mid-backup. At the end every account is done with its gate open
// and its report written, every archive is complete, no account was worked
// by two workers at once, and the board's JSON says the same.
func TestPostgresDeskThreeWorkers(t *testing.T) {
	url := startPostgres(t)
	srv := testimap.Start(t, smallAccount("acct0@old-isp.example", "pw0", 3))
	accts := []*demo.Account{smallAccount("acct0@old-isp.example", "pw0", 3)}
	for i := 1; i < 6; i++ {
		a := smallAccount(fmt.Sprintf("acct%d@old-isp.example", i), fmt.Sprintf("pw%d", i), 2+i%3)
		accts = append(accts, a)
		if err := srv.Mem.AddAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	// A slow link, so that a backup is caught half way.
	proxy := testimap.StartProxy(t, srv.Addr, func(int) testimap.Fault { return testimap.Fault{Delay: 3 * time.Millisecond} })
	dir, d := testDesk(t, url)
	var csv, secrets strings.Builder
	csv.WriteString("customer,old_host,old_port,old_security,old_user,secret\n")
	for i, a := range accts {
		fmt.Fprintf(&csv, "customer-%d,%s,%d,plain,%s,s%d\n", i, proxy.Host, proxy.Port, a.User, i)
		fmt.Fprintf(&secrets, "s%d=%s\n", i, a.Password)
	}
	addCSV(t, d, csv.String())
	secretsFile := writeFile(t, filepath.Join(t.TempDir(), "secrets"), secrets.String(), 0o600)

	type proc struct {
		id   string
		cmd  *exec.Cmd
		exit chan string
	}
	var procs []*proc
	for i := 1; i <= 3; i++ {
		p := &proc{id: fmt.Sprintf("pc%d", i), exit: make(chan string, 1)}
		p.cmd = exec.Command(os.Args[0], "-test.run=^TestDeskWorkerChild$")
		p.cmd.Env = append(os.Environ(), "MAILARK_DESK_CHILD="+dir, "MAILARK_DESK_SECRETS="+secretsFile, "MAILARK_DESK_ID="+p.id)
		out, err := p.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(out)
			last := ""
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "exit ") {
					last = sc.Text()
				}
			}
			p.cmd.Wait()
			p.exit <- last
		}()
		t.Cleanup(func() { p.cmd.Process.Kill() })
		procs = append(procs, p)
	}
	// Kill the first worker seen half way through a backup.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var killed *proc
	var victim string
	for killed == nil && ctx.Err() == nil {
		list, err := d.Accounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.State == desk.StateWorking && s.Step == desk.StepBackup && s.DoneBytes > 0 && s.DoneBytes < s.TotalBytes {
				for _, p := range procs {
					if p.id == s.Worker {
						killed, victim = p, s.Customer
					}
				}
			}
		}
		if killed == nil {
			d.WaitChange(ctx)
		}
	}
	if killed == nil {
		t.Fatal("no worker was seen mid-backup")
	}
	if err := killed.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %s mid-backup of %s", killed.id, victim)
	for _, p := range procs {
		select {
		case got := <-p.exit:
			if p != killed && got != "exit 0" {
				t.Errorf("worker %s: %q, want exit 0", p.id, got)
			}
		case <-ctx.Done():
			dumpDesk(t, d)
			t.Fatalf("worker %s did not finish", p.id)
		}
	}
	list, err := d.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range list {
		if s.State != desk.StateDone || s.Gate != "open" {
			t.Errorf("%s: %s at %s, gate %q: %s %v", s.Customer, s.State, s.Step, s.Gate, s.ErrorText, s.GateReasons)
		}
		if _, err := os.Stat(filepath.Join(d.CustomerDir(s.Customer), desk.ReportJSON)); err != nil {
			t.Errorf("%s: %v", s.Customer, err)
		}
		a, err := archive.Open(context.Background(), d.ArchiveDir(s.Customer), archive.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		n, err := a.CurrentMessageCount(context.Background())
		a.Close()
		if want := int64(accts[i].MessageCount()); err != nil || n != want {
			t.Errorf("%s: %d message(s) archived (%v), want %d", s.Customer, n, err, want)
		}
	}
	checkNoOverlap(t, d, killed.id)
	b, err := d.BoardData(context.Background(), "en")
	if err != nil {
		t.Fatal(err)
	}
	if b.Totals.Accounts != 6 || b.Totals.Done != 6 || len(b.Attention) != 0 {
		t.Errorf("board totals = %+v, want 6 accounts all done", b.Totals)
	}
}

// checkNoOverlap fails when two workers ran steps of one account at the
// same time (the desk's step records).
func checkNoOverlap(t *testing.T, d *desk.Desk, killed string) {
	t.Helper()
	recs, err := d.StepRecords(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]desk.StepRecord{}
	for _, r := range recs {
		by[r.Customer] = append(by[r.Customer], r)
	}
	rescued := 0
	for c, rs := range by {
		for i := range rs {
			if rs[i].FinishedAt == 0 {
				t.Errorf("%s: step %s on %s never finished", c, rs[i].Step, rs[i].Worker)
			}
			if strings.Contains(rs[i].Outcome, "stopped answering") {
				rescued++
				if !strings.HasPrefix(rs[i].Worker, killed+".") {
					t.Errorf("%s: step %s of %s, alive, was given to another worker", c, rs[i].Step, rs[i].Worker)
				}
			}
			for j := i + 1; j < len(rs); j++ {
				if rs[j].StartedAt < rs[i].FinishedAt {
					t.Errorf("%s: %s on %s and %s on %s ran at the same time", c, rs[i].Step, rs[i].Worker, rs[j].Step, rs[j].Worker)
				}
			}
		}
	}
	if rescued == 0 {
		t.Errorf("no step was given to another worker, want the killed worker's")
	}
}

func dumpDesk(t *testing.T, d *desk.Desk) {
	list, _ := d.Accounts(context.Background())
	for _, s := range list {
		t.Logf("account %s: %s %s worker %s attempt %d: %s", s.Customer, s.State, s.Step, s.Worker, s.Attempt, s.ErrorText)
	}
	recs, _ := d.StepRecords(context.Background())
	for _, r := range recs {
		t.Logf("step %s %s %s %d-%d %s", r.Customer, r.Step, r.Worker, r.StartedAt, r.FinishedAt, r.Outcome)
	}
}
