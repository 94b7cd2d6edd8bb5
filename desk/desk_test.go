package desk_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// smallAccount is a part of the demo account (a few folders), as user.
func smallAccount(user, password string, folders int) *demo.Account {
	a := demo.OldProvider()
	a.User, a.Password = user, password
	if folders < len(a.Folders) {
		a.Folders = a.Folders[:folders]
	}
	return a
}

func writeFile(t testing.TB, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// testDesk makes a desk in a temp folder with fast retries.
func testDesk(t testing.TB, queue string) (string, *desk.Desk) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "desk")
	d, err := desk.Init(context.Background(), dir, desk.Config{Queue: queue, RetryBaseSeconds: 1, MaxAttempts: 3, LeaseSeconds: 6, RescueAfterSeconds: 5})
	if err != nil {
		t.Fatalf("Init() = %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return dir, d
}

func addCSV(t testing.TB, d *desk.Desk, csv string) {
	t.Helper()
	p := writeFile(t, filepath.Join(t.TempDir(), "accounts.csv"), csv, 0o600)
	accts, _, err := desk.ReadCSVFile(p, false)
	if err != nil {
		t.Fatalf("ReadCSVFile() = %v", err)
	}
	if _, err := d.Add(context.Background(), accts); err != nil {
		t.Fatalf("Add() = %v", err)
	}
}

func TestSQLiteDeskEndToEnd(t *testing.T) {
	srv := testimap.Start(t, smallAccount(demo.OldProviderUser, demo.OldProviderPassword, 4))
	bob := smallAccount("bob@old-isp.example", "bob-pw", 3)
	carol := smallAccount("carol@old-isp.example", "carol-pw", 2)
	for _, a := range []*demo.Account{bob, carol, demo.NewProvider()} {
		if err := srv.Mem.AddAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	_, d := testDesk(t, "")
	csv := fmt.Sprintf(`customer,old_host,old_port,old_security,old_user,secret,new_host,new_port,new_security,new_user,new_secret,deadline,phone
alice,%[1]s,%[2]d,plain,%[3]s,alice,%[1]s,%[2]d,plain,%[4]s,alice-new,2027-03-31,03-1234
bob,%[1]s,%[2]d,plain,bob@old-isp.example,bob,,,,,,,
carol,%[1]s,%[2]d,plain,carol@old-isp.example,carol,,,,,,,
`, srv.Host, srv.Port, demo.OldProviderUser, demo.NewProviderUser)
	addCSV(t, d, csv)
	secrets := writeFile(t, filepath.Join(t.TempDir(), "secrets"),
		"# desk secrets\nalice="+demo.OldProviderPassword+"\nalice-new="+demo.NewProviderPassword+"\nbob=bob-pw\ncarol=wrong-password\n", 0o600)
	s, err := desk.ReadSecrets(secrets, "")
	if err != nil {
		t.Fatalf("ReadSecrets() = %v", err)
	}
	res, err := d.Work(context.Background(), desk.WorkOptions{Secrets: s, Workers: 4, UntilIdle: true, ID: "w1"})
	if err != nil {
		t.Fatalf("Work() = %v", err)
	}
	if res.Done != 2 || len(res.Attention) != 1 || res.Attention[0].Customer != "carol" {
		t.Fatalf("Work() = %+v, want alice and bob done, carol needing a person", res)
	}
	if k := res.Attention[0].ErrorKind; k != "auth-failed" {
		t.Errorf("carol's error kind = %q (%s), want auth-failed", k, res.Attention[0].ErrorText)
	}
	list, err := d.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"alice": smallAccount("", "", 4).MessageCount(), "bob": bob.MessageCount()}
	for _, st := range list {
		n, ok := want[st.Customer]
		if !ok {
			continue
		}
		if st.State != desk.StateDone || st.Gate != "open" {
			t.Errorf("%s: state %s gate %q (%v, %s), want done and open", st.Customer, st.State, st.Gate, st.GateReasons, st.ErrorText)
		}
		dir := d.CustomerDir(st.Customer)
		for _, f := range []string{desk.ReportHTML, desk.ReportJSON, "contacts/mailark-contacts-vcard4.vcf"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", st.Customer, err)
			}
		}
		a, err := archive.Open(context.Background(), d.ArchiveDir(st.Customer), archive.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.CurrentMessageCount(context.Background())
		a.Close()
		if err != nil || got != int64(n) {
			t.Errorf("%s: %d archived message(s) (%v), want %d", st.Customer, got, err, n)
		}
	}
	// No password anywhere in the queue database.
	db, err := os.ReadFile(filepath.Join(d.Dir, desk.QueueFile))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(d.Dir, desk.QueueFile+"-wal"))
	db = append(db, wal...)
	for _, pw := range []string{demo.OldProviderPassword, demo.NewProviderPassword, "bob-pw", "wrong-password"} {
		if strings.Contains(string(db), pw) {
			t.Errorf("the queue database holds the password %q", pw)
		}
	}
}

// TestRerunDelta: after the switch-over, mail that arrived at the old
// account is backed up, verified, copied to the new account and reported
// by rerun --delta; the report's gate is open again.
func TestRerunDelta(t *testing.T) {
	srv := testimap.Start(t, smallAccount(demo.OldProviderUser, demo.OldProviderPassword, 2))
	if err := srv.Mem.AddAccount(demo.NewProvider()); err != nil {
		t.Fatal(err)
	}
	_, d := testDesk(t, "")
	addCSV(t, d, fmt.Sprintf("customer,old_host,old_port,old_security,old_user,secret,new_host,new_port,new_security,new_user,new_secret\n"+
		"hanako,%[1]s,%[2]d,plain,%[3]s,old,%[1]s,%[2]d,plain,%[4]s,new\n", srv.Host, srv.Port, demo.OldProviderUser, demo.NewProviderUser))
	s, err := desk.ReadSecrets(writeFile(t, filepath.Join(t.TempDir(), "s"),
		"old="+demo.OldProviderPassword+"\nnew="+demo.NewProviderPassword+"\n", 0o600), "")
	if err != nil {
		t.Fatal(err)
	}
	work := func() desk.Status {
		t.Helper()
		if _, err := d.Work(context.Background(), desk.WorkOptions{Secrets: s, Workers: 2, UntilIdle: true}); err != nil {
			t.Fatalf("Work() = %v", err)
		}
		st, _, err := d.AccountStatus(context.Background(), "hanako")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := work(); st.State != desk.StateDone || st.Gate != "open" {
		t.Fatalf("first round: %s %s gate %q: %s %v", st.State, st.Step, st.Gate, st.ErrorText, st.GateReasons)
	}
	before := archived(t, d, "hanako")
	// Mail arrives at the old account after the switch-over.
	msg := "From: a@example.com\r\nTo: " + demo.OldProviderUser + "\r\nSubject: late\r\nMessage-ID: <late@example.com>\r\n\r\nstill coming\r\n"
	if _, err := srv.Mem.Append("INBOX", demo.Message{Raw: []byte(msg)}); err != nil {
		t.Fatal(err)
	}
	queued, busy, err := d.Rerun(context.Background())
	if err != nil || queued != 1 || busy != 0 {
		t.Fatalf("Rerun() = %d, %d, %v; want 1 queued", queued, busy, err)
	}
	st := work()
	if st.State != desk.StateDone || st.Gate != "open" || st.Round != 1 {
		t.Fatalf("rerun: round %d %s %s gate %q: %s %v", st.Round, st.State, st.Step, st.Gate, st.ErrorText, st.GateReasons)
	}
	if got := archived(t, d, "hanako"); got != before+1 {
		t.Errorf("archived after the rerun = %d, want %d", got, before+1)
	}
}

func archived(t *testing.T, d *desk.Desk, customer string) int64 {
	t.Helper()
	return archivedAt(t, d.ArchiveDir(customer))
}

// archivedAt counts the messages of the archive in dir (0: no archive).
func archivedAt(t *testing.T, dir string) int64 {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return 0
	}
	a, err := archive.Open(context.Background(), dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	n, err := a.CurrentMessageCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
