package desk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// boardJSON reads the board's JSON in lang as the page does.
func boardJSON(t *testing.T, d *desk.Desk, lang string) (b struct {
	Totals   desk.Totals `json:"totals"`
	Accounts []boardLine `json:"accounts"`
	Needs    []boardLine `json:"attention"`
}) {
	t.Helper()
	rec := httptest.NewRecorder()
	d.BoardHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/board.json?lang="+lang, nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("board.json: %v\n%s", err, rec.Body)
	}
	return b
}

type boardLine struct {
	Customer     string `json:"customer"`
	State        string `json:"state"`
	ArchivePC    string `json:"archive_pc"`
	ArchivePath  string `json:"archive_path"`
	Stopped      bool   `json:"archive_pc_stopped"`
	ArchiveWords string `json:"archive_words"`
	ErrorWords   string `json:"error_words"`
}

// perWorkerDesk is a desk with per-worker archives; accounts a1 a2 b1 b2
// on one in-memory server.
func perWorkerDesk(t *testing.T, queue string) (*desk.Desk, *testimap.Server, *desk.Secrets) {
	t.Helper()
	var srv *testimap.Server
	var secrets strings.Builder
	for i, c := range []string{"a1", "a2", "b1", "b2"} {
		a := smallAccount(c+"@old-isp.example", "pw-"+c, 1+i%2)
		if srv == nil {
			srv = testimap.Start(t, a)
		} else if err := srv.Mem.AddAccount(a); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&secrets, "%s=pw-%s\n", c, c)
	}
	d, err := desk.Init(context.Background(), filepath.Join(t.TempDir(), "desk"), desk.Config{Queue: queue, RetryBaseSeconds: 1, MaxAttempts: 3,
		LeaseSeconds: 6, RescueAfterSeconds: 5, Archives: desk.ArchivesPerWorker})
	if err != nil {
		t.Fatalf("Init() = %v", err)
	}
	t.Cleanup(func() { d.Close() })
	s, err := desk.ReadSecrets(writeFile(t, filepath.Join(t.TempDir(), "s"), secrets.String(), 0o600), "")
	if err != nil {
		t.Fatal(err)
	}
	return d, srv, s
}

func perWorkerCSV(srv *testimap.Server, customers ...string) string {
	csv := "customer,old_host,old_port,old_security,old_user,secret\n"
	for _, c := range customers {
		csv += fmt.Sprintf("%s,%s,%d,plain,%s@old-isp.example,%s\n", c, srv.Host, srv.Port, c, c)
	}
	return csv
}

// TestPerWorkerArchives: on a desk with per-worker archives, PC a backs up
// a1 and a2 into its own archive root and PC b b1 and b2 into its; the
// shared desk folder gets their reports and contacts but no archive; the
// board names each account's PC and path. After rerun --delta with only
// PC b running, b's accounts are done and a's wait, on the board and in
// b's result, saying that PC a has stopped and what to do, their archives
// untouched; PC a started again finishes them. Every step of an account
// but its survey ran on the PC holding its archive (the step records).
func TestPerWorkerArchives(t *testing.T) {
	d, srv, s := perWorkerDesk(t, "")
	testPerWorker(t, d, srv, s)
}

func testPerWorker(t *testing.T, d *desk.Desk, srv *testimap.Server, s *desk.Secrets) {
	ctx := context.Background()
	roots := map[string]string{"a": t.TempDir(), "b": t.TempDir()}
	work := func(pc string) desk.WorkResult {
		t.Helper()
		res, err := d.Work(ctx, desk.WorkOptions{Secrets: s, Workers: 2, UntilIdle: true, ID: "w" + pc, PC: pc, ArchiveRoot: roots[pc]})
		if err != nil {
			dumpDesk(t, d)
			t.Fatalf("Work(%s) = %v", pc, err)
		}
		return res
	}
	addCSV(t, d, perWorkerCSV(srv, "a1", "a2"))
	if res := work("a"); res.Done != 2 || len(res.Attention) != 0 {
		dumpDesk(t, d)
		t.Fatalf("PC a: %+v, want a1 and a2 done", res)
	}
	addCSV(t, d, perWorkerCSV(srv, "b1", "b2"))
	if res := work("b"); res.Done != 4 || len(res.Attention) != 0 || res.Unfinished != 0 {
		dumpDesk(t, d)
		t.Fatalf("PC b: %+v, want every account done (a's need nothing more of PC a)", res)
	}
	pcOf := func(c string) string { return c[:1] }
	before := map[string]int64{}
	board := boardJSON(t, d, "en")
	if len(board.Needs) != 0 || board.Totals.Done != 4 {
		t.Errorf("board: %+v, want 4 done, nobody needing a person", board.Totals)
	}
	for _, r := range board.Accounts {
		want := filepath.Join(roots[pcOf(r.Customer)], r.Customer)
		if r.ArchivePC != pcOf(r.Customer) || r.ArchivePath != want || !strings.Contains(r.ArchiveWords, want) {
			t.Errorf("board row %s: archive on %q at %q (%q), want PC %s at %s", r.Customer, r.ArchivePC, r.ArchivePath, r.ArchiveWords, pcOf(r.Customer), want)
		}
		before[r.Customer] = archivedAt(t, want)
		if before[r.Customer] == 0 {
			t.Errorf("%s: nothing archived in %s", r.Customer, want)
		}
		if _, err := os.Stat(d.ArchiveDir(r.Customer)); !os.IsNotExist(err) {
			t.Errorf("%s: an archive in the desk folder too (%v)", r.Customer, err)
		}
		for _, f := range []string{desk.ReportHTML, desk.ReportJSON, "contacts/mailark-contacts-vcard4.vcf"} {
			if _, err := os.Stat(filepath.Join(d.CustomerDir(r.Customer), f)); err != nil {
				t.Errorf("%s: %v", r.Customer, err)
			}
		}
	}

	// After the switch-over: new mail for a1 (the server's first
	// account); only PC b runs.
	msg := "From: x@example.com\r\nTo: a1\r\nSubject: late\r\nMessage-ID: <late-a1@example.com>\r\n\r\nlate\r\n"
	if _, err := srv.Mem.Append("INBOX", demo.Message{Raw: []byte(msg)}); err != nil {
		t.Fatal(err)
	}
	if q, busy, err := d.Rerun(ctx); err != nil || q != 4 || busy != 0 {
		t.Fatalf("Rerun() = %d, %d, %v; want 4 queued", q, busy, err)
	}
	res := work("b")
	if res.Done != 2 || len(res.Attention) != 2 || res.Unfinished != 0 {
		dumpDesk(t, d)
		t.Fatalf("PC b alone after the rerun: %+v, want b1 b2 done, a1 a2 waiting for PC a", res)
	}
	for _, st := range res.Attention {
		if pcOf(st.Customer) != "a" || !st.WaitsForPC() || !strings.Contains(st.ErrorWords("en"), "PC a, which has stopped") {
			t.Errorf("%s needs a person: %q, want it waiting for the stopped PC a", st.Customer, st.ErrorWords("en"))
		}
		if st.State == desk.StateDone || st.Step != desk.StepBackup {
			t.Errorf("%s: %s at %s, want its rerun's backup still waiting", st.Customer, st.State, st.Step)
		}
	}
	for lang, words := range map[string]string{"en": "which has stopped: start `mailark desk work` there again", "ja": "その PC は止まっています"} {
		b := boardJSON(t, d, lang)
		if b.Totals.Attention != 2 || len(b.Needs) != 2 {
			t.Errorf("board (%s): %+v, want a1 and a2 needing a person", lang, b.Totals)
		}
		for _, r := range b.Needs {
			if r.ArchivePC != "a" || !r.Stopped || !strings.Contains(r.ErrorWords, words) || r.ArchivePath != filepath.Join(roots["a"], r.Customer) {
				t.Errorf("board (%s), needs a person: %+v, want PC a stopped, saying %q", lang, r, words)
			}
		}
	}
	if n := archivedAt(t, filepath.Join(roots["a"], "a1")); n != before["a1"] {
		t.Errorf("a1 while PC a is stopped: %d archived, want %d (nothing run elsewhere)", n, before["a1"])
	}
	if n := archivedAt(t, filepath.Join(roots["b"], "b1")); n != before["b1"] {
		t.Errorf("b1 after the rerun: %d archived, want %d", n, before["b1"])
	}
	if _, err := os.Stat(filepath.Join(roots["b"], "a1")); !os.IsNotExist(err) {
		t.Errorf("PC b made an archive for a1 (%v)", err)
	}

	// PC a starts again and finishes its accounts.
	if res := work("a"); res.Done != 4 || len(res.Attention) != 0 {
		dumpDesk(t, d)
		t.Fatalf("PC a again: %+v, want every account done", res)
	}
	if n := archivedAt(t, filepath.Join(roots["a"], "a1")); n != before["a1"]+1 {
		t.Errorf("a1 after PC a's rerun: %d archived, want %d", n, before["a1"]+1)
	}
	recs, err := d.StepRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, r := range recs {
		if r.Step == desk.StepSurvey {
			continue // reads the server only; the backup pins the account
		}
		ran++
		if !strings.HasPrefix(r.Worker, "w"+pcOf(r.Customer)+".") {
			t.Errorf("%s round %d: step %s ran on %s, not on PC %s that holds its archive", r.Customer, r.Round, r.Step, r.Worker, pcOf(r.Customer))
		}
	}
	if ran < 4*2*4 {
		t.Errorf("%d step records, want at least %d", ran, 4*2*4)
	}
}

// TestPostgresPerWorkerArchives is TestPerWorkerArchives on a PostgreSQL
// queue.
func TestPostgresPerWorkerArchives(t *testing.T) {
	d, srv, s := perWorkerDesk(t, startPostgres(t))
	testPerWorker(t, d, srv, s)
}

// TestPerWorkerBoardInBrowser: the board's page, in English and Japanese,
// names the PC and folder of a per-worker archive, and lists an account
// whose PC has stopped under "needs a person", saying so.
func TestPerWorkerBoardInBrowser(t *testing.T) {
	b := startChromium(t)
	d, srv, s := perWorkerDesk(t, "")
	root := t.TempDir()
	addCSV(t, d, perWorkerCSV(srv, "a1"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if res, err := d.Work(ctx, desk.WorkOptions{Secrets: s, Workers: 1, UntilIdle: true, ID: "wa", PC: "a", ArchiveRoot: root}); err != nil || res.Done != 1 {
		t.Fatalf("Work() = %+v, %v", res, err)
	}
	if _, _, err := d.Rerun(ctx); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go d.ServeBoard(ctx, "127.0.0.1:0", func(a string) { addr <- a })
	url := "http://" + <-addr + "/"
	row := `document.querySelector('tr[data-customer="a1"] td.archive')`
	reason := `document.querySelector('#needs-list li[data-customer="a1"] .reason')`
	for lang, words := range map[string][2]string{
		"en": {"on PC a, in " + filepath.Join(root, "a1"), "Its archive is on PC a, which has stopped: start `mailark desk work` there again."},
		"ja": {"PC a の " + filepath.Join(root, "a1"), "その PC で `mailark desk work` をもう一度起動してください。"},
	} {
		b.navigate(url + "?lang=" + lang)
		b.waitFor(ctx, "a1's archive on PC a ("+lang+")", row+` !== null && `+row+`.textContent === `+jsString(words[0]))
		b.waitFor(ctx, "a1 waiting for PC a ("+lang+")", reason+` !== null && `+reason+`.textContent.includes(`+jsString(words[1])+`)`)
		t.Logf("board (%s): %s", lang, b.screenshot("desk-board-per-worker-"+lang))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
