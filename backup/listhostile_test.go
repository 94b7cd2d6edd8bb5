package backup_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// maxHostileRSS is the peak memory a backup may reach against any hostile
// server of these tests.
const maxHostileRSS = 100 << 20

// TestHostileChild is the child process of the hostile-server tests: it
// runs one backup and prints its summary as JSON and its error, so that
// the parent can read the child's peak memory.
func TestHostileChild(t *testing.T) {
	if os.Getenv("MAILARK_HOSTILE_CHILD") != "1" {
		t.Skip("only run as a child of the hostile-server tests")
	}
	port, _ := strconv.Atoi(os.Getenv("MAILARK_HOSTILE_PORT"))
	opts := backup.Options{Conn: config("127.0.0.1", port, "u", "p"), ArchiveDir: os.Getenv("MAILARK_HOSTILE_ARCHIVE"),
		Policy: noWait}
	if f := os.Getenv("MAILARK_HOSTILE_FOLDERS"); f != "" {
		opts.Folders = strings.Split(f, ",")
	}
	sum, err := backup.Run(context.Background(), opts)
	j, _ := json.Marshal(sum)
	fmt.Printf("summary %s\nerror %v\n", j, err)
	// The peak of this process's own memory since exec: rusage's maxrss
	// would also count the parent's memory, shared until exec.
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				fmt.Printf("peak %s\n", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			}
		}
	}
}

// hostileBackup runs a backup against port in a child process and returns
// its summary, its error text ("<nil>" when none) and its peak RSS.
func hostileBackup(t *testing.T, port int, dir string, only ...string) (backup.Summary, string, int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$")
	cmd.Env = append(os.Environ(), "MAILARK_HOSTILE_CHILD=1", "MAILARK_HOSTILE_PORT="+strconv.Itoa(port),
		"MAILARK_HOSTILE_ARCHIVE="+dir, "MAILARK_HOSTILE_FOLDERS="+strings.Join(only, ","), "GOGC=", "GOMEMLIMIT=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var sum backup.Summary
	var rss int64
	errText := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if j, ok := strings.CutPrefix(line, "summary "); ok {
			if err := json.Unmarshal([]byte(j), &sum); err != nil {
				t.Fatal(err)
			}
		}
		if e, ok := strings.CutPrefix(line, "error "); ok {
			errText = e
		}
		if p, ok := strings.CutPrefix(line, "peak "); ok {
			kb, _ := strconv.ParseInt(p, 10, 64)
			rss = kb << 10
		}
	}
	if rss == 0 {
		// No /proc. (rusage's maxrss is no substitute: it counts the
		// parent's memory, shared with the child until exec.)
		t.Log("peak memory not measured: no /proc/self/status")
		tally.BadInputs.Add(1)
		return sum, errText, 0
	}
	tally.BadInputs.Add(1)
	t.Logf("child peak RSS %d MB, error %s", rss>>20, errText)
	if rss > maxHostileRSS {
		t.Errorf("the backup reached %d MB of memory against a hostile server, more than %d MB", rss>>20, maxHostileRSS>>20)
	}
	return sum, errText, rss
}

// badNames are folders whose names the renaming proxy spells as servers
// do that go-imap cannot read: raw Shift_JIS, invalid modified UTF-7, a
// control character, and a NUL (which no command can send back).
var badNames = map[string][]byte{
	"SJIS":    []byte("\"\x83e\x83X\x83g\""),
	"BadUTF7": []byte(`"&Jjo!"`),
	"Ctl":     []byte("\"a\x01b\""),
	"Nul":     []byte("{5}\r\nab\x00cd"),
}

// wantNames are the archive names of the readable ones.
var wantNames = map[string]string{"SJIS": `\x83e\x83X\x83g`, "BadUTF7": "&Jjo!", "Ctl": "a\x01b"}

func badNameServer(t *testing.T) (*testimap.Server, int) {
	acct := &demo.Account{User: "u", Password: "p"}
	for _, n := range []string{"INBOX", "SJIS", "BadUTF7", "Ctl", "Nul", "Good"} {
		msg := demo.Message{Raw: []byte("Subject: in " + n + "\r\n\r\nbody\r\n"), InternalDate: time.Unix(1_600_000_000, 0)}
		acct.Folders = append(acct.Folders, demo.Folder{Name: n, Messages: []demo.Message{msg, msg}})
	}
	srv := testimap.Start(t, acct)
	garbage := [][]byte{[]byte("* LIST (\\Bad{ \x00) \"/\" \"Garbage\"\r\n")}
	return srv, testimap.RenamingProxy(t, srv.Addr, badNames, garbage)
}

// TestBadFolderNamesDoNotStopTheBackup: every folder whose name can be sent
// back is saved under a name that shows its bytes; the NUL one and the
// unreadable list entry are reported as folders that could not be read,
// and a rerun saves nothing twice.
func TestBadFolderNamesDoNotStopTheBackup(t *testing.T) {
	_, port := badNameServer(t)
	dir := tempArchive(t)
	sum, errText, _ := hostileBackup(t, port, dir)
	if errText != "<nil>" {
		t.Fatalf("Run() = %s, want the readable folders saved", errText)
	}
	if len(sum.FolderErrors) != 2 || len(sum.Failures) != 0 {
		t.Fatalf("folder errors %+v, failures %+v: want the NUL folder and the garbage entry", sum.FolderErrors, sum.Failures)
	}
	for _, fe := range sum.FolderErrors {
		if !strings.Contains(fe.Name, `ab\x00cd`) && !(fe.Name == "Garbage" && strings.Contains(fe.Reason, "cannot be read")) {
			t.Errorf("folder error %+v names neither the NUL folder nor the unreadable entry", fe)
		}
		if strings.ContainsAny(fe.Name+fe.Reason, "\x00\x01") {
			t.Errorf("folder error %q holds a raw control character", fe.Name+": "+fe.Reason)
		}
	}
	a := archivetest.Open(t, dir)
	defer a.Close()
	want := map[string]string{"INBOX": "INBOX", "Good": "Good"}
	for k, v := range wantNames {
		want[k] = v
	}
	for server, name := range want {
		f, err := a.Folder(context.Background(), name)
		if err != nil || f == nil {
			t.Errorf("folder %s (%q) not in the archive (%v)", server, name, err)
			continue
		}
		uids, err := a.ArchivedUIDs(context.Background(), f.ID)
		if err != nil || len(uids) != 2 {
			t.Errorf("folder %s: %d messages archived (%v), want 2", server, len(uids), err)
		}
	}
	if sum.Total != int64(2*len(want)) {
		t.Errorf("%d messages in the archive, want %d", sum.Total, 2*len(want))
	}
	again, errText, _ := hostileBackup(t, port, dir)
	if errText != "<nil>" || again.New != 0 || again.Total != sum.Total {
		t.Errorf("rerun: %s, %d new, %d in all; want nothing new", errText, again.New, again.Total)
	}
}

// TestOnlyInboxDespiteBadNames: --folder INBOX works whatever the other
// folders are called.
func TestOnlyInboxDespiteBadNames(t *testing.T) {
	_, port := badNameServer(t)
	sum, errText, _ := hostileBackup(t, port, tempArchive(t), "INBOX")
	if errText != "<nil>" || !sum.OK() || sum.Total != 2 {
		t.Fatalf("Run(INBOX) = %s, %d saved, folder errors %+v; want INBOX's 2 messages", errText, sum.Total, sum.FolderErrors)
	}
}

// TestSurveyDespiteBadNames: the survey lists every folder and counts the
// readable ones.
func TestSurveyDespiteBadNames(t *testing.T) {
	_, port := badNameServer(t)
	res, err := backup.Survey(context.Background(), backup.Options{Conn: config("127.0.0.1", port, "u", "p")})
	if err != nil {
		t.Fatalf("Survey() = %v", err)
	}
	tally.BadInputs.Add(1)
	if res.Messages != 10 || len(res.Folders) != 7 {
		t.Errorf("survey saw %d messages in %d folders (%v), want 10 in 7 (2 unreadable)", res.Messages, len(res.Folders), res.Folders)
	}
}

// TestHostileListsAndFlagsAreRefused: a FLAGS line of 15 MB and a LIST of
// 800,000 folders are refused with a clear message, within bounded memory.
func TestHostileListsAndFlagsAreRefused(t *testing.T) {
	inbox := func(w *bufio.Writer) { w.WriteString("* LIST () \"/\" INBOX\r\n") }
	hugeFlags := func(w *bufio.Writer) { // 15 MB
		for i := 0; i < 15<<20/6; i++ {
			w.WriteString("\\a \\b ")
		}
		w.WriteString("\\c")
	}
	tests := []struct {
		name  string
		reply func(tag, cmd, args string, w *bufio.Writer)
		want  string
	}{
		{"15 MB of FLAGS", func(tag, cmd, args string, w *bufio.Writer) {
			switch cmd {
			case "LIST":
				inbox(w)
			case "EXAMINE", "SELECT":
				w.WriteString("* FLAGS (")
				hugeFlags(w)
				w.WriteString(")\r\n* 0 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n* OK [UIDNEXT 1] x\r\n")
			}
			w.WriteString(tag + " OK done\r\n")
		}, "FLAGS"},
		{"800,000 folders", func(tag, cmd, args string, w *bufio.Writer) {
			if cmd == "LIST" {
				for i := 0; i < 800_000; i++ {
					fmt.Fprintf(w, "* LIST (\\HasNoChildren) \"/\" \"folder %d\"\r\n", i)
				}
			}
			w.WriteString(tag + " OK done\r\n")
		}, "more than 100000 folders"},
		{"15 MB of flags in a FETCH", func(tag, cmd, args string, w *bufio.Writer) {
			switch cmd {
			case "LIST":
				inbox(w)
			case "EXAMINE", "SELECT":
				w.WriteString("* 1 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n* OK [UIDNEXT 2] x\r\n")
			case "UID":
				if strings.HasPrefix(strings.ToUpper(args), "SEARCH") {
					w.WriteString("* SEARCH 1\r\n")
				} else {
					w.WriteString("* 1 FETCH (UID 1 FLAGS (")
					hugeFlags(w)
					w.WriteString("))\r\n")
				}
			}
			w.WriteString(tag + " OK done\r\n")
		}, "FETCH response longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := testimap.Scripted(t, tt.reply)
			_, errText, _ := hostileBackup(t, port, tempArchive(t))
			if !strings.Contains(errText, tt.want) {
				t.Errorf("Run() = %s, want an error that says %q", errText, tt.want)
			}
		})
	}
}
