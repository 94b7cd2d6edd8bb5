package desk_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailark/mailark/desk"
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

// TestPostgresDeskThreeWorkers is the scenario: the private
// Dovecot holds 30 accounts of generated mail; three worker processes on
// one private PostgreSQL queue work them over a slow link, and one worker
// is killed with SIGKILL mid-backup. At the end every archive holds every
// message byte for byte and is verified (its gate open), every report
// exists, no account was worked by two workers at once (the desk's step
// records and the archive's own run records), and the board's JSON says
// the same.
func TestPostgresDeskThreeWorkers(t *testing.T) {
	url := startPostgres(t)
	const n = 30
	var users []testimap.DovecotUser
	for i := range n {
		users = append(users, testimap.DovecotUser{Name: fmt.Sprintf("user%02d", i), Password: fmt.Sprintf("pw-%02d", i)})
	}
	dc := testimap.StartDovecot(t, users...)
	var pool []demo.Message
	for _, f := range demo.OldProvider().Folders {
		pool = append(pool, f.Messages...)
	}
	// A slow link, so that a backup is caught half way: each piece the
	// server sends waits 20 ms (at 5 ms, a CI run once finished the three
	// larger backups between two looks at the board, after the backup
	// stopped spooling ahead to files on a fast link).
	proxy := testimap.StartProxy(t, net.JoinHostPort(dc.Host, strconv.Itoa(dc.PlainPort)),
		func(int) testimap.Fault { return testimap.Fault{Delay: 20 * time.Millisecond} })
	dir, d := testDesk(t, url)
	want := map[string]map[string]bool{} // customer → SHA-256 of each message
	var csv, secrets strings.Builder
	csv.WriteString("customer,old_host,old_port,old_security,old_user,secret\n")
	for i, u := range users {
		c := fmt.Sprintf("customer-%02d", i)
		want[c] = map[string]bool{}
		for k, folder := range []string{"INBOX", "Archive"} {
			var seed []testimap.SeedMessage
			count := 6
			if k == 0 && i < 3 {
				// Three larger mailboxes: their backups take long
				// enough that one is surely seen half way however busy
				// the machine (a 12-message backup is one batch; 160
				// was once missed after the backup got faster).
				count = 400
			}
			for j := range count {
				m := pool[(i*7+k*400+j)%len(pool)]
				seed = append(seed, testimap.SeedMessage{Raw: m.Raw, Flags: m.Flags, InternalDate: m.InternalDate})
				h := sha256.Sum256(m.Raw)
				want[c][hex.EncodeToString(h[:])] = true
			}
			dc.Seed(t, u.Name, folder, seed)
		}
		fmt.Fprintf(&csv, "%s,%s,%d,plain,%s,s%d\n", c, proxy.Host, proxy.Port, u.Name, i)
		fmt.Fprintf(&secrets, "s%d=%s\n", i, u.Password)
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
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
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
	if len(list) != n {
		t.Fatalf("%d accounts on the desk, want %d", len(list), n)
	}
	for _, s := range list {
		if s.State != desk.StateDone || s.Gate != "open" {
			t.Errorf("%s: %s at %s, gate %q: %s %v", s.Customer, s.State, s.Step, s.Gate, s.ErrorText, s.GateReasons)
		}
		for _, f := range []string{desk.ReportJSON, desk.ReportHTML} {
			if _, err := os.Stat(filepath.Join(d.CustomerDir(s.Customer), f)); err != nil {
				t.Errorf("%s: %v", s.Customer, err)
			}
		}
		got := archivedHashes(t, d.ArchiveDir(s.Customer))
		if len(got) != len(want[s.Customer]) {
			t.Errorf("%s: %d message(s) archived, want %d", s.Customer, len(got), len(want[s.Customer]))
		}
		for h := range want[s.Customer] {
			if !got[h] {
				t.Errorf("%s: message %s is not archived byte for byte", s.Customer, h[:12])
			}
		}
		checkRuns(t, d, s.Customer)
	}
	checkNoOverlap(t, d, killed.id)
	checkBoard(t, d, n, want)
}

// checkBoard checks the board's JSON, as the page and support tools read
// it: n accounts, all done with their gates open, each row with its
// archived message count (want: customer → its messages' hashes) and a
// report, nobody needing a person.
func checkBoard(t *testing.T, d *desk.Desk, n int, want map[string]map[string]bool) {
	t.Helper()
	rec := httptest.NewRecorder()
	d.BoardHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/board.json", nil))
	var b struct {
		Totals   desk.Totals `json:"totals"`
		Accounts []struct {
			Customer string `json:"customer"`
			State    string `json:"state"`
			Gate     string `json:"gate"`
			Messages int64  `json:"archived_messages"`
			Report   string `json:"report"`
		} `json:"accounts"`
		Attention []any `json:"attention"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("board.json: %v\n%s", err, rec.Body)
	}
	if b.Totals != (desk.Totals{Accounts: n, Done: n}) || len(b.Attention) != 0 || len(b.Accounts) != n {
		t.Errorf("board totals = %+v (%d rows, %d needing a person), want %d accounts all done", b.Totals, len(b.Accounts), len(b.Attention), n)
	}
	for _, r := range b.Accounts {
		if r.State != desk.StateDone || r.Gate != "open" || r.Messages != int64(len(want[r.Customer])) || r.Report == "" {
			t.Errorf("board row %+v, want done, gate open, %d messages, a report", r, len(want[r.Customer]))
		}
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
