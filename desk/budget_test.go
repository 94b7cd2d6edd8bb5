package desk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/testimap"
)

// Two workers (two handles on one queue, as two PCs have) taking from one
// account's daily budget at once never take more than it allows together.
func TestDeskBudgetSharedByWorkers(t *testing.T) {
	dir, d1 := testDesk(t, "")
	d2, err := desk.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	ctx := context.Background()
	key := limits.Key(limits.Download, "imap.gmail.com", "hanako@gmail.com")
	const limit, step = 1_000_000, 30_000
	var mu sync.Mutex
	total := int64(0)
	var wg sync.WaitGroup
	for _, d := range []*desk.Desk{d1, d2, d1, d2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := d.ReserveDaily(ctx, key, "2026-12-06", step, limit)
				if err != nil {
					t.Error(err)
					return
				}
				if got == 0 {
					return
				}
				mu.Lock()
				total += got
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	used, err := d1.DailyUsed(ctx, key, "2026-12-06")
	if err != nil || total != limit || used != limit {
		t.Fatalf("workers took %d, the queue says %d (%v): want exactly %d", total, used, err, limit)
	}
	if err := d2.RefundDaily(ctx, key, "2026-12-06", step); err != nil {
		t.Fatal(err)
	}
	if used, _ := d1.DailyUsed(ctx, key, "2026-12-06"); used != limit-step {
		t.Errorf("after a refund: %d", used)
	}
}

// A desk with a 1 MB daily download budget for the server (DIR/limits.json):
// the backup step stops for the day without using a try or needing a
// person, the board says why in the desk's words, and the workers' count
// in the queue stays within the budget.
func TestDeskTinyBudget(t *testing.T) {
	srv := testimap.Start(t, smallAccount("bob@old-isp.example", "bob-pw", 3))
	dir, d := testDesk(t, "")
	writeFile(t, filepath.Join(dir, desk.LimitsFile),
		`{"hosts": [{"match": "127.0.0.1", "provider": "TestMail", "download_mb_per_day": 1}]}`, 0o600)
	addCSV(t, d, fmt.Sprintf("customer,old_host,old_port,old_security,old_user,secret\nbob,%s,%d,plain,bob@old-isp.example,bob\n", srv.Host, srv.Port))
	s, err := desk.ReadSecrets(writeFile(t, filepath.Join(t.TempDir(), "secrets"), "bob=bob-pw\n", 0o600), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := d.Work(ctx, desk.WorkOptions{Secrets: s, Workers: 2, ID: "w1"})
		done <- err
	}()
	var st desk.Status
	for {
		var ok bool
		st, ok, err = d.AccountStatus(context.Background(), "bob")
		if err != nil || !ok {
			t.Fatalf("AccountStatus() = %v, %v", ok, err)
		}
		if st.State == desk.StateWaiting || st.State == desk.StateAttention || st.State == desk.StateDone {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Work() ended early: %v", err)
		default:
		}
		d.WaitChange(context.Background())
	}
	cancel()
	<-done
	if st.State != desk.StateWaiting || st.ErrorKind != "budget" || !strings.Contains(st.ErrorText, "TestMail allows 1 MB a day") {
		t.Fatalf("bob: state %s, error %s: %q; want waiting for the budget", st.State, st.ErrorKind, st.ErrorText)
	}
	used, err := d.DailyUsed(context.Background(), limits.Key(limits.Download, srv.Host, "bob@old-isp.example"), limits.Day(nowUTC()))
	if err != nil || used == 0 || used > limits.MB {
		t.Errorf("the queue counts %d bytes today (%v): want some, at most 1 MB", used, err)
	}
}

func nowUTC() time.Time { return time.Now().UTC() }
