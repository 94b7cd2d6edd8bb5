package desk_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// TestDovecotDeskAccounts: the scenario on the one-PC queue — 30
// accounts of generated mail on the private Dovecot, worked by one
// process with 4 workers on the SQLite queue: every archive holds every
// message byte for byte, every gate is open, every report written, no
// account worked by two workers at once (the desk's step records and each
// archive's run records), and the board's JSON says so.
func TestDovecotDeskAccounts(t *testing.T) {
	const n = 30
	var users []testimap.DovecotUser
	for i := range n {
		users = append(users, testimap.DovecotUser{Name: fmt.Sprintf("user%02d", i), Password: fmt.Sprintf("pw-%02d", i)})
	}
	dc := testimap.StartDovecot(t, users...)
	inbox := demo.OldProvider().Folders[0].Messages
	want := map[string]map[string]bool{} // customer → SHA-256 of each message
	var csv, secrets strings.Builder
	csv.WriteString("customer,old_host,old_port,old_security,old_user,secret\n")
	for i, u := range users {
		msgs := inbox[i%10 : i%10+6]
		var seed []testimap.SeedMessage
		c := fmt.Sprintf("c%02d", i)
		want[c] = map[string]bool{}
		for _, m := range msgs {
			seed = append(seed, testimap.SeedMessage{Raw: m.Raw, Flags: m.Flags, InternalDate: m.InternalDate})
			h := sha256.Sum256(m.Raw)
			want[c][hex.EncodeToString(h[:])] = true
		}
		dc.Seed(t, u.Name, "INBOX", seed)
		fmt.Fprintf(&csv, "%s,%s,%d,plain,%s,%s\n", c, dc.Host, dc.PlainPort, u.Name, u.Name)
		fmt.Fprintf(&secrets, "%s=%s\n", u.Name, u.Password)
	}
	dir := filepath.Join(t.TempDir(), "desk")
	d, err := desk.Init(context.Background(), dir, desk.Config{DefaultConnections: 4, RetryBaseSeconds: 1, LeaseSeconds: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	addCSV(t, d, csv.String())
	s, err := desk.ReadSecrets(writeFile(t, filepath.Join(t.TempDir(), "secrets"), secrets.String(), 0o600), "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Work(context.Background(), desk.WorkOptions{Secrets: s, Workers: 4, UntilIdle: true})
	if err != nil || res.Done != n {
		t.Fatalf("Work() = %+v, %v; want %d done", res, err, n)
	}
	for c, hashes := range want {
		st, _, _ := d.AccountStatus(context.Background(), c)
		if st.Gate != "open" {
			t.Errorf("%s: gate %q %v", c, st.Gate, st.GateReasons)
		}
		got := archivedHashes(t, d.ArchiveDir(c))
		if len(got) != len(hashes) {
			t.Errorf("%s: %d message(s) archived, want %d", c, len(got), len(hashes))
		}
		for h := range hashes {
			if !got[h] {
				t.Errorf("%s: message %s is not archived byte for byte", c, h[:12])
			}
		}
	}
	for c := range want {
		for _, f := range []string{desk.ReportJSON, desk.ReportHTML} {
			if _, err := os.Stat(filepath.Join(d.CustomerDir(c), f)); err != nil {
				t.Errorf("%s: %v", c, err)
			}
		}
		checkRuns(t, d, c)
	}
	checkNoOverlapAll(t, d)
	checkBoard(t, d, n, want)
}

// archivedHashes reads every archived message back from SQLite and hashes
// its bytes.
func archivedHashes(t *testing.T, dir string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	a := archivetest.Open(t, dir)
	defer a.Close()
	stats, err := a.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range stats {
		err := a.EachMessage(ctx, f.Folder.ID, func(m *archive.MessageInfo) error {
			h := sha256.New()
			if _, err := io.Copy(h, a.OpenMessage(ctx, m.ID)); err != nil {
				return err
			}
			out[hex.EncodeToString(h.Sum(nil))] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkNoOverlapAll fails when two steps of one account ran at once.
func checkNoOverlapAll(t *testing.T, d *desk.Desk) {
	t.Helper()
	recs, err := d.StepRecords(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]desk.StepRecord{}
	for _, r := range recs {
		if p, ok := last[r.Customer]; ok && r.StartedAt < p.FinishedAt {
			t.Errorf("%s: %s and %s ran at the same time", r.Customer, p.Step, r.Step)
		}
		last[r.Customer] = r
	}
}
