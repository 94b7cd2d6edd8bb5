package gate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/golden"
)

func (e *env) report(live bool) *gate.Report {
	e.t.Helper()
	e.step()
	opts := gate.ReportOptions{ArchiveDir: e.dir, Now: e.clk.Now}
	if live {
		opts.Conn = e.conn
	}
	r, err := gate.BuildReport(context.Background(), opts)
	if err != nil {
		e.t.Fatalf("BuildReport() = %v", err)
	}
	return r
}

// checkFiles asserts that the report's hashes are those of the files, the
// database included (as it stands after the report: checkpointed).
func checkFiles(t testing.TB, e *env, r *gate.Report) {
	t.Helper()
	if len(r.Files) == 0 || r.Files[0].Path != "archive.sqlite" {
		t.Fatalf("files %v: want archive.sqlite first", r.Files)
	}
	for _, f := range r.Files {
		data, err := os.ReadFile(filepath.Join(e.dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != int64(len(data)) {
			t.Errorf("%s: report says %d bytes, sha256 %s; the file has %d, %x", f.Path, f.Bytes, f.SHA256, len(data), sum)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "archive.sqlite-wal")); err == nil {
		if st, _ := os.Stat(filepath.Join(e.dir, "archive.sqlite-wal")); st.Size() != 0 {
			t.Errorf("archive.sqlite-wal holds %d bytes after the report: the hash misses them", st.Size())
		}
	}
}

// normalize replaces what differs from run to run (temporary folder, the
// test server's port, the database file's bytes) so the rest can be
// compared with golden files.
func normalize(e *env, r *gate.Report) {
	r.ArchiveDir = "/home/hanako/Mailark/demo@old-isp.example"
	r.Account.Port = 993
	r.Files[0].Bytes, r.Files[0].SHA256 = 4096, strings.Repeat("0", 64)
}

// checkReport checks r's file hashes, then compares its JSON and its
// English and Japanese pages, normalized, with testdata/NAME.*.golden.
func checkReport(t testing.TB, e *env, r *gate.Report, name string) {
	t.Helper()
	checkFiles(t, e, r)
	normalize(e, r)
	golden.Check(t, name+".json", render(t, r, gate.English, false))
	golden.Check(t, name+".en.html", render(t, r, gate.English, true))
	golden.Check(t, name+".ja.html", render(t, r, gate.Japanese, true))
}

func render(t testing.TB, r *gate.Report, lang gate.Lang, html bool) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	if html {
		err = r.WriteHTML(&b, lang)
	} else {
		err = r.WriteJSON(&b)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReportSafeToRemove(t *testing.T) {
	e := ready(t)
	r := e.report(true)
	if !r.SafeToRemove || !r.Verdict.Open || !r.Verdict.Live {
		t.Fatalf("report: safe %v, verdict %+v", r.SafeToRemove, r.Verdict)
	}
	if r.Totals.ServerMessages != 615 || r.Totals.Archived != 615 || r.Totals.Verified != 615 || r.Totals.ArchivedBytes != 9779962 {
		t.Errorf("totals %+v", r.Totals)
	}
	if len(r.Folders) != 9 || len(r.Files) != 10 || r.Contacts == nil || r.LastBackup == nil || r.LastVerification == nil {
		t.Errorf("report has %d folders, %d files, contacts %v, backup %v, verification %v",
			len(r.Folders), len(r.Files), r.Contacts, r.LastBackup, r.LastVerification)
	}
	checkReport(t, e, r, "report-safe")
}

func TestReportNotYetSafe(t *testing.T) {
	e := ready(t)
	flipMboxByte(t, e, "Sent", 9)
	e.srv.CreateFolder("Projects")
	e.srv.AppendMessage("Projects", []byte("Subject: new\r\n\r\nx\r\n"), nil, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	e.verify(false)
	r := e.report(false) // offline: the server condition is "not checked"
	if r.SafeToRemove || r.Verdict.Live || r.ProblemsTotal != 2 || len(r.Problems) != 2 {
		t.Fatalf("report: safe %v live %v, %d problems %v", r.SafeToRemove, r.Verdict.Live, r.ProblemsTotal, r.Problems)
	}
	var projects *gate.ReportFolder
	for i := range r.Folders {
		if r.Folders[i].Name == "Projects" {
			projects = &r.Folders[i]
		}
	}
	if projects == nil || projects.InArchive || !projects.OnServer || projects.ServerMessages == nil || *projects.ServerMessages != 1 {
		t.Errorf("Projects row %+v: want on the server (1 message), not archived", projects)
	}
	checkReport(t, e, r, "report-notsafe")
}

// TestReportJSONFieldNames pins the field names support tools read.
func TestReportJSONFieldNames(t *testing.T) {
	e := ready(t)
	var m map[string]any
	if err := json.Unmarshal(render(t, e.report(false), gate.English, false), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"generated_at", "account", "archive_dir", "safe_to_remove", "verdict", "last_backup",
		"last_verification", "folders", "totals", "files", "contacts", "problems", "problems_total"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report has no %q", k)
		}
	}
}

// TestReportEscapes: folder names and paths come from the server and the
// user; the HTML must escape them.
func TestReportEscapes(t *testing.T) {
	r := &gate.Report{GeneratedAt: "2026-03-01T10:00:00Z", ArchiveDir: `/tmp/<b>x</b>`,
		Folders: []gate.ReportFolder{{Name: `<script>alert(1)</script>`, Current: true, InArchive: true}}}
	got := string(render(t, r, gate.English, true))
	if strings.Contains(got, "<script>alert") || strings.Contains(got, "<b>x</b>") {
		t.Errorf("HTML report does not escape names:\n%s", got)
	}
	if !strings.Contains(got, template.HTMLEscapeString(`<script>alert(1)</script>`)) {
		t.Errorf("HTML report lost the folder name")
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]gate.Lang{"ja": gate.Japanese, "ja_JP.UTF-8": gate.Japanese, "ja-JP": gate.Japanese,
		"en_US.UTF-8": gate.English, "C": gate.English, "": gate.English, "jam": gate.English} {
		if got := gate.ParseLang(in); got != want {
			t.Errorf("ParseLang(%q) = %q, want %q", in, got, want)
		}
	}
	env := map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP.UTF-8"}
	if got := gate.LangFromEnv(func(k string) string { return env[k] }); got != gate.Japanese {
		t.Errorf("LangFromEnv(LC_MESSAGES=ja) = %q", got)
	}
}

// The report vouches for the archived mail by a fingerprint that a later
// address-book export does not make stale (a hash of archive.sqlite does),
// that a new message changes, and that sqlite3 can recompute; it names the
// archive by its absolute path even when given a relative one.
func TestReportVouchesForTheMail(t *testing.T) {
	e := ready(t)
	t.Chdir(filepath.Dir(e.dir))
	opts := gate.ReportOptions{ArchiveDir: filepath.Base(e.dir), Now: e.clk.Now}
	r1, err := gate.BuildReport(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ArchiveDir != e.dir || !filepath.IsAbs(r1.ArchiveDir) {
		t.Errorf("report names the archive %q, want %q", r1.ArchiveDir, e.dir)
	}
	if r1.VouchesFor.Messages != 615 || r1.VouchesFor.Folders != 9 || r1.VouchesFor.At != r1.GeneratedAt || len(r1.VouchesFor.SHA256) != 64 {
		t.Errorf("vouches for %+v, want 615 messages in 9 folders, at %s", r1.VouchesFor, r1.GeneratedAt)
	}
	// The same lines sqlite3 prints, hashed here.
	db := archivetest.Tamper(t, e.dir)
	rows, err := db.Query(`SELECT f.name, f.uidvalidity, m.uid, m.sha256 FROM messages m JOIN folders f ON f.id = m.folder_id`)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		var name, sum string
		var uv, uid int64
		rows.Scan(&name, &uv, &uid, &sum)
		lines = append(lines, fmt.Sprintf("%s|%d|%d|%s\n", name, uv, uid, sum))
	}
	rows.Close()
	db.Close()
	slices.SortFunc(lines, func(a, b string) int {
		pa, pb := strings.Split(a, "|"), strings.Split(b, "|")
		if c := strings.Compare(pa[0], pb[0]); c != 0 {
			return c
		}
		ua, _ := strconv.Atoi(pa[1])
		ub, _ := strconv.Atoi(pb[1])
		if ua != ub {
			return ua - ub
		}
		ia, _ := strconv.Atoi(pa[2])
		ib, _ := strconv.Atoi(pb[2])
		return ia - ib
	})
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	if r1.VouchesFor.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("fingerprint %s is not the SHA-256 of the documented lines (%x)", r1.VouchesFor.SHA256, sum)
	}

	e.export()
	r2 := e.report(false)
	if r2.VouchesFor.SHA256 != r1.VouchesFor.SHA256 {
		t.Errorf("an address-book export changed what the report vouches for")
	}
	if r2.Files[0].SHA256 == r1.Files[0].SHA256 {
		t.Log("archive.sqlite's hash did not change with the export (the fingerprint is still the one to trust)")
	}
	html := string(render(t, r2, gate.English, true))
	if !strings.Contains(html, r2.VouchesFor.SHA256) || strings.Contains(html, r2.Files[0].SHA256) {
		t.Errorf("the printed report does not show the fingerprint, or shows archive.sqlite's hash")
	}

	e.srv.AppendMessage("INBOX", []byte("Subject: one more\r\n\r\nx\r\n"), nil, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e.backup()
	if r3 := e.report(false); r3.VouchesFor.SHA256 == r1.VouchesFor.SHA256 || r3.VouchesFor.Messages != 616 {
		t.Errorf("a new message did not change the fingerprint: %+v", r3.VouchesFor)
	}
}
