package desk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testimap"
)

// TestTwoLiveWorkersOneAccount: worker A's backup of an account is slow
// (the server's answers are held back) and A's link to the queue stalls,
// so its claim lapses while A still runs. Worker B, alive too, takes the
// step over through River and claims the account. When the server's
// answers reach A at last, A must write nothing to the archive: every
// write it commits first checks its claim (the fence), so the queue, not
// only the archive's lock, keeps the two runs apart. At the end the
// account is done, its archive complete, and the archive's runs show A's
// backup saved nothing.
func TestTwoLiveWorkersOneAccount(t *testing.T) {
	acct := smallAccount("race@old-isp.example", "race-pw", 3)
	srv := testimap.Start(t, acct)
	hold := make(chan struct{})
	// The first connection is A's survey; every later one (A's backup) is
	// held until the test lets it go.
	proxy := testimap.StartProxy(t, srv.Addr, func(n int) testimap.Fault {
		if n == 0 {
			return testimap.Fault{}
		}
		return testimap.Fault{Hold: hold}
	})
	dir := filepath.Join(t.TempDir(), "desk")
	d, err := desk.Init(context.Background(), dir, desk.Config{RetryBaseSeconds: 1, MaxAttempts: 5, LeaseSeconds: 2, RescueAfterSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	addCSV(t, d, fmt.Sprintf("customer,old_host,old_port,old_security,old_user,secret\nrace,%s,%d,plain,%s,s\n", proxy.Host, proxy.Port, acct.User))
	secrets, err := desk.ReadSecrets(writeFile(t, filepath.Join(t.TempDir(), "secrets"), "s="+acct.Password+"\n", 0o600), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type result struct {
		res desk.WorkResult
		err error
	}
	work := func(ctx context.Context, id string) chan result {
		out := make(chan result, 1)
		dd, err := desk.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer dd.Close()
			res, err := dd.Work(ctx, desk.WorkOptions{Secrets: secrets, Workers: 1, UntilIdle: true, ID: id})
			out <- result{res, err}
		}()
		return out
	}
	desk.StallLink("pcA")
	actx, stopA := context.WithCancel(ctx)
	defer stopA()
	doneA := work(actx, "pcA")
	// A's backup has begun (and waits for the server).
	waitStep(ctx, t, d, func(r desk.StepRecord) bool {
		return r.Step == desk.StepBackup && strings.HasPrefix(r.Worker, "pcA.")
	})
	doneB := work(ctx, "pcB")
	// B has taken the step over and claimed the account: let the server
	// answer A now.
	waitStep(ctx, t, d, func(r desk.StepRecord) bool {
		return r.Step == desk.StepBackup && strings.HasPrefix(r.Worker, "pcB.")
	})
	close(hold)
	// A's run ends, having lost the account.
	a := waitStep(ctx, t, d, func(r desk.StepRecord) bool {
		return r.Step == desk.StepBackup && strings.HasPrefix(r.Worker, "pcA.") && r.FinishedAt != 0
	})
	t.Logf("A's backup ended: %s", a.Outcome)
	stopA()
	<-doneA
	if r := <-doneB; r.err != nil || r.res.Done != 1 {
		dumpDesk(t, d)
		t.Fatalf("B: Work() = %+v, %v; want the account done", r.res, r.err)
	}
	if got, want := archived(t, d, "race"), int64(acct.MessageCount()); got != want {
		t.Errorf("archived %d message(s), want %d", got, want)
	}
	runs := checkRuns(t, d, "race")
	// A's backup run is the archive's first: it began while A held the
	// claim, and every message came after B took the account.
	for _, r := range runs {
		if r.Kind == "backup" {
			if r.Messages != 0 {
				t.Errorf("A's backup run saved %d message(s) after B took the account over (%s, %s)", r.Messages, r.Status, r.Error)
			}
			break
		}
	}
}

// waitStep waits until a step record matches.
func waitStep(ctx context.Context, t *testing.T, d *desk.Desk, match func(desk.StepRecord) bool) desk.StepRecord {
	t.Helper()
	for ctx.Err() == nil {
		recs, err := d.StepRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if match(r) {
				return r
			}
		}
		d.WaitChange(ctx)
	}
	dumpDesk(t, d)
	t.Fatal("the step was never seen")
	return desk.StepRecord{}
}

// checkRuns fails when two runs of the customer's archive overlap: each
// began after the one before ended (the runs table's times are whole
// seconds). It returns the runs.
func checkRuns(t *testing.T, d *desk.Desk, customer string) []archive.Run {
	t.Helper()
	a, err := archive.Open(context.Background(), d.ArchiveDir(customer), archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := a.Runs(context.Background())
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(runs); i++ {
		prev, r := runs[i-1], runs[i]
		if prev.FinishedAt == "" || r.StartedAt < prev.FinishedAt {
			t.Errorf("%s: run %d (%s %s, %s) and run %d (%s from %s) overlap", customer, prev.ID, prev.Kind, prev.Status, prev.FinishedAt, r.ID, r.Kind, r.StartedAt)
		}
	}
	return runs
}
