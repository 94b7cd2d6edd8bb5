// Package layout writes mail-app stores on disk in the apps' real layouts:
// a Thunderbird profile (profiles.ini, prefs.js, mbox folders with .msf
// files and .sbd subfolders, X-Mozilla-Status headers), mbox files in each
// variant, Maildirs and folders of .eml files. The demo (its customer's
// older mail in Thunderbird), the benchmarks and the tests (through
// storetest) write with it; it links nothing of package testing.
package layout

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// TB is what the writers here need of a test: testing.TB has it, and so
// can a benchmark command.
type TB interface {
	Helper()
	Fatal(args ...any)
}

var quotable = regexp.MustCompile(`(?m)^(>*From )`)

// QuoteRD quotes a message as mboxrd does: one more '>' before each line
// matching ^>*From .
func QuoteRD(raw []byte) []byte { return quotable.ReplaceAll(raw, []byte(">$1")) }

var fromOnly = regexp.MustCompile(`(?m)^From `)

// QuoteO quotes a message as mboxo does: '>' before each line starting
// with "From " only.
func QuoteO(raw []byte) []byte { return fromOnly.ReplaceAll(raw, []byte(">From ")) }

// Stored is what an mbox writer keeps of a message: a message that does
// not end with a newline gets one.
func Stored(raw []byte) []byte {
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		return append(append([]byte{}, raw...), '\n')
	}
	return raw
}

// Mbox returns an mbox file of msgs, each quoted by quote (nil: not at
// all), after a separator line dated from date(i) and ended by a blank
// line; sep is the separator line's sender field ("-" for Thunderbird).
func Mbox(msgs [][]byte, quote func([]byte) []byte, sender string, date func(i int) time.Time) []byte {
	var b bytes.Buffer
	for i, m := range msgs {
		fmt.Fprintf(&b, "From %s %s\n", sender, date(i).UTC().Format("Mon Jan _2 15:04:05 2006"))
		m = Stored(m)
		if quote != nil {
			m = quote(m)
		}
		b.Write(m)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Year returns a date function spreading messages over the years from
// first to last.
func Year(first, last int) func(i int) time.Time {
	return func(i int) time.Time {
		y := first + i%(last-first+1)
		return time.Date(y, time.Month(1+i%12), 1+i%28, 10, i%60, 0, 0, time.UTC)
	}
}

// WithMozStatus puts X-Mozilla-Status headers before a message, as
// Thunderbird does.
func WithMozStatus(raw []byte, status uint16, keys string) []byte {
	h := fmt.Sprintf("X-Mozilla-Status: %04x\nX-Mozilla-Status2: 00000000\n", status)
	if keys != "" {
		h += "X-Mozilla-Keys: " + keys + "\n"
	}
	return append([]byte(h), raw...)
}

// TBFolder is one folder of a Thunderbird account: Name uses "/" between
// levels ("Inbox", "Archives/2019"); Msgs are the messages as Thunderbird
// holds them (with their X-Mozilla-Status headers).
type TBFolder struct {
	Name string
	Msgs [][]byte
}

// TBAccount is one Thunderbird account.
type TBAccount struct {
	Protocol string // "pop3", "imap" or "none" (Local Folders)
	Server   string // host name; for "none", "Local Folders"
	User     string
	Address  string
	Folders  []TBFolder
	Maildir  bool // store as Maildir ("maildirstore"), not mbox
	// Deferred: a POP account whose mail Thunderbird keeps in Local
	// Folders (the "Global Inbox"; deferred_to_account).
	Deferred bool
	// From, To: the years the separator lines' dates spread over
	// (default 2004–2026).
	From, To int
}

// Thunderbird writes a profile under home for the OS goos (profiles.ini
// in the app's folder, one profile "abcd1234.default-release") with the
// accounts, and returns the profile's folder.
func Thunderbird(t TB, home, goos string, accounts []TBAccount) string {
	t.Helper()
	var root string
	switch goos {
	case "darwin":
		root = filepath.Join(home, "Library", "Thunderbird")
	case "windows":
		root = filepath.Join(home, "AppData", "Roaming", "Thunderbird")
	default:
		root = filepath.Join(home, ".thunderbird")
	}
	rel := "Profiles/abcd1234.default-release"
	if goos == "linux" || goos == "" {
		rel = "abcd1234.default-release"
	}
	profile := filepath.Join(root, filepath.FromSlash(rel))
	write(t, filepath.Join(root, "profiles.ini"), []byte("[Install4F96D1932A9F858E]\nDefault="+rel+
		"\nLocked=1\n\n[Profile0]\nName=default-release\nIsRelative=1\nPath="+rel+"\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n"))
	var prefs strings.Builder
	prefs.WriteString("// Mozilla User Preferences\n\n")
	var accts []string
	for i, a := range accounts {
		n := i + 1
		top := "Mail"
		if a.Protocol == "imap" {
			top = "ImapMail"
		}
		dir := filepath.Join(profile, top, a.Server)
		fmt.Fprintf(&prefs, "user_pref(\"mail.account.account%d.server\", \"server%d\");\n", n, n)
		if a.Address != "" {
			fmt.Fprintf(&prefs, "user_pref(\"mail.account.account%d.identities\", \"id%d\");\n", n, n)
			fmt.Fprintf(&prefs, "user_pref(\"mail.identity.id%d.useremail\", %q);\n", n, a.Address)
			fmt.Fprintf(&prefs, "user_pref(\"mail.identity.id%d.fullName\", \"\\u5C71\\u7530 Taro\");\n", n)
		}
		fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.directory\", %q);\n", n, `C:\Users\old\`+top+`\`+a.Server)
		fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.directory-rel\", \"[ProfD]%s/%s\");\n", n, top, a.Server)
		fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.hostname\", %q);\n", n, a.Server)
		fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.name\", %q);\n", n, a.Address)
		fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.type\", %q);\n", n, a.Protocol)
		fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.userName\", %q);\n", n, a.User)
		if a.Deferred {
			for j, b := range accounts {
				if b.Protocol == "none" {
					fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.deferred_to_account\", \"account%d\");\n", n, j+1)
				}
			}
		}
		if a.Maildir {
			fmt.Fprintf(&prefs, "user_pref(\"mail.server.server%d.storeContractID\", \"@mozilla.org/msgstore/maildirstore;1\");\n", n)
		}
		accts = append(accts, fmt.Sprintf("account%d", n))
		os.MkdirAll(dir, 0o755)
		write(t, filepath.Join(dir, "msgFilterRules.dat"), []byte("version=\"9\"\nlogging=\"no\"\n"))
		if a.Protocol == "pop3" {
			write(t, filepath.Join(dir, "popstate.dat"), []byte("# POP3 State File\n"))
		}
		for _, f := range a.Folders {
			parts := strings.Split(f.Name, "/")
			p := dir
			for _, part := range parts[:len(parts)-1] {
				p = filepath.Join(p, part+".sbd")
			}
			p = filepath.Join(p, parts[len(parts)-1])
			if a.Maildir {
				os.MkdirAll(filepath.Join(p, "cur"), 0o755)
				os.MkdirAll(filepath.Join(p, "tmp"), 0o755)
				for i, m := range f.Msgs {
					write(t, filepath.Join(p, "cur", fmt.Sprintf("%d.eml", 1700000000+i)), m)
				}
			} else {
				from, to := a.From, a.To
				if from == 0 {
					from, to = 2004, 2026
				}
				writeMbox(t, p, f.Msgs, Year(from, to))
			}
			write(t, p+".msf", []byte("// <!-- <mdb:version=1.4/> -->\n"))
		}
	}
	fmt.Fprintf(&prefs, "user_pref(\"mail.accountmanager.accounts\", %q);\n", strings.Join(accts, ","))
	write(t, filepath.Join(profile, "prefs.js"), []byte(prefs.String()))
	return profile
}

// Maildir writes a Maildir at dir with msgs in cur/ (flags from flags(i),
// e.g. "S") and an empty new/ and tmp/; sub names Maildir++ subfolders
// (".Sent") each with a copy of the same messages.
func Maildir(t TB, dir string, msgs [][]byte, flags func(i int) string, sub ...string) {
	t.Helper()
	for _, d := range append([]string{""}, sub...) {
		for _, s := range []string{"cur", "new", "tmp"} {
			os.MkdirAll(filepath.Join(dir, d, s), 0o755)
		}
		for i, m := range msgs {
			write(t, filepath.Join(dir, d, "cur", fmt.Sprintf("%d.M%dP1.host:2,%s", 1100000000+i, i, flags(i))), m)
		}
	}
}

// EML writes msgs as NAME.eml files in dir.
func EML(t TB, dir string, names []string, msgs [][]byte) {
	t.Helper()
	for i, m := range msgs {
		write(t, filepath.Join(dir, fmt.Sprintf("%03d-%s.eml", i, names[i])), m)
	}
}

// writeMbox writes an mbox file as Mbox does, a message at a time.
func writeMbox(t TB, path string, msgs [][]byte, date func(int) time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i, m := range msgs {
		w.Write(Mbox([][]byte{m}, QuoteRD, "-", func(int) time.Time { return date(i) }))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func write(t TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
