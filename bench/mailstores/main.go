// Command mailstores measures the mail-app store readers alone (no
// archive): it writes an Apple Mail V10 tree, a Becky! mailbox and a
// Windows Live Mail tree of N messages each in a temp dir, then reads each
// in a process of its own, opening every message and hashing its bytes as
// an import does, and prints messages/s, MB/s and peak RSS. It is the
// ceiling for an import from these stores; compare with the import's own
// table (backup.Ingest) when that exists.
//
//	go run ./bench/mailstores -n 20000 -size 100000
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mailark/mailark/bench/internal/launch"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/testmail"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case launch.Mode:
			if err := launch.Exec(os.Args[2:]); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		case "read":
			if err := readChild(os.Args[2], os.Args[3]); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		}
	}
	n := flag.Int("n", 20000, "messages per store")
	size := flag.Int("size", 10000, "bytes per message")
	dir := flag.String("dir", "", "write the stores here and keep them (default: a temp dir, removed)")
	flag.Parse()
	if err := run(*n, *size, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench/mailstores:", err)
		os.Exit(1)
	}
}

type readResult struct {
	Messages, Failed int
	Bytes            int64
}

// readChild reads every message of the store at path with the format of
// kind, and prints what it read as JSON.
func readChild(kind, path string) error {
	f := mailstore.Lookup(kind)
	s, err := f.Probe(path)
	if err != nil || s == nil {
		return fmt.Errorf("%s is not a %s store (%v)", path, kind, err)
	}
	r, err := f.Open(s)
	if err != nil {
		return err
	}
	defer r.Close()
	ctx := context.Background()
	folders, err := r.Folders(ctx)
	if err != nil {
		return err
	}
	var res readResult
	for _, fo := range folders {
		err := r.Messages(ctx, fo, func(m *mailstore.Message) error {
			rc, err := m.Open()
			if err != nil {
				res.Failed++
				return nil
			}
			h := sha256.New()
			k, err := io.Copy(h, rc)
			rc.Close()
			if err != nil {
				res.Failed++
				return nil
			}
			res.Messages++
			res.Bytes += k
			return nil
		})
		if err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func run(n, size int, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "mailark-bench-mailstores-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	msg := testmail.Large(size)
	stores := []struct {
		name, kind string
		build      func(root string, n int, msg []byte) (string, error)
	}{
		{"Apple Mail V10 (.emlx, 1% partial)", archive.SourceAppleMail, buildApple},
		{"Becky! (.bmf, 1000 per file)", archive.SourceBecky, buildBecky},
		{"Windows Live Mail (.eml)", archive.SourceWindowsLiveMail, buildWLM},
	}
	fmt.Printf("%d messages of %d bytes per store; %d CPUs\n\n", n, size, runtime.NumCPU())
	fmt.Printf("%-36s %8s %10s %10s %9s %9s\n", "store", "build", "read", "msgs/s", "MB/s", "peak RSS")
	for _, s := range stores {
		t0 := time.Now()
		path, err := s.build(filepath.Join(dir, s.kind), n, msg)
		if err != nil {
			return err
		}
		build := time.Since(t0)
		res := launch.Run(self, nil, filepath.Join(dir, s.kind+".log"), self, "read", s.kind, path)
		if res.Err != nil {
			return res.Err
		}
		var rr readResult
		if err := json.Unmarshal([]byte(res.Stdout), &rr); err != nil {
			return fmt.Errorf("%s: %v: %q", s.name, err, res.Stdout)
		}
		if rr.Messages != n || rr.Failed != 0 {
			return fmt.Errorf("%s: read %d messages (%d failed), want %d", s.name, rr.Messages, rr.Failed, n)
		}
		sec := res.Wall.Seconds()
		fmt.Printf("%-36s %8s %10s %10.0f %9.1f %7d MB\n", s.name, build.Round(time.Millisecond), res.Wall.Round(time.Millisecond),
			float64(rr.Messages)/sec, float64(rr.Bytes)/1e6/sec, res.MaxRSSKiB>>10)
	}
	fmt.Printf("\nread = one process opening every message and hashing it (SHA-256), page cache warm from the build.\n")
	return nil
}

// seq makes message i: msg with a header of its own, so each is unique.
func seq(msg []byte, i int) []byte {
	return append([]byte(fmt.Sprintf("X-Bench-Seq: %d\r\n", i)), msg...)
}

func write(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

const plistTail = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>date-received</key>
	<integer>1300000000</integer>
	<key>flags</key>
	<integer>8590195713</integer>
</dict>
</plist>
`

func buildApple(root string, n int, msg []byte) (string, error) {
	acct := filepath.Join(root, "V10", "1A2B3C4D-0000-4000-8000-ABCDEF012345")
	data := filepath.Join(acct, "INBOX.mbox", "9F9F9F9F-1111-4111-8111-111111111111", "Data")
	for i := 1; i <= n; i++ {
		dir := filepath.Join(data, fmt.Sprint(i/1000%10), fmt.Sprint(i/10000%10), "Messages")
		m := seq(msg, i)
		name := fmt.Sprintf("%d.emlx", i)
		if i%100 == 0 { // a partial message: its attachment kept apart
			m = []byte(fmt.Sprintf("X-Bench-Seq: %d\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"+
				"--b\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: base64\r\nX-Apple-Content-Length: %d\r\n\r\n\r\n--b--\r\n", i, len(msg)))
			name = fmt.Sprintf("%d.partial.emlx", i)
			if err := write(filepath.Join(filepath.Dir(dir), "Attachments", fmt.Sprint(i), "2", "a.bin"), msg[:len(msg)*3/4]); err != nil {
				return "", err
			}
		}
		b := append(append([]byte(fmt.Sprintf("%-10d\n", len(m))), m...), plistTail...)
		if err := write(filepath.Join(dir, name), b); err != nil {
			return "", err
		}
	}
	return acct, nil
}

func buildBecky(root string, n int, msg []byte) (string, error) {
	mb := filepath.Join(root, "4f3a1c2b.mb")
	if err := write(filepath.Join(mb, "Mailbox.ini"), []byte("[Account]\r\nName=bench\r\n")); err != nil {
		return "", err
	}
	var f *os.File
	for i := 1; i <= n; i++ {
		if (i-1)%1000 == 0 {
			if f != nil {
				f.Close()
			}
			p := filepath.Join(mb, "!!!!Inbox", fmt.Sprintf("%04d.bmf", i/1000))
			os.MkdirAll(filepath.Dir(p), 0o755)
			var err error
			if f, err = os.Create(p); err != nil {
				return "", err
			}
		}
		// Large's lines never start with ".", so no stuffing is needed.
		if _, err := f.Write(append(seq(msg, i), ".\r\n"...)); err != nil {
			return "", err
		}
	}
	if f != nil {
		f.Close()
	}
	return mb, nil
}

func buildWLM(root string, n int, msg []byte) (string, error) {
	acct := filepath.Join(root, "pop.example.ne.jp")
	oe := "<?xml version=\"1.0\"?><MessageAccount><POP3_Server>pop.example.ne.jp</POP3_Server></MessageAccount>"
	if err := write(filepath.Join(acct, "account{00000000-0000-0000-0000-000000000000}.oeaccount"), []byte(oe)); err != nil {
		return "", err
	}
	for i := 1; i <= n; i++ {
		if err := write(filepath.Join(acct, "Inbox", fmt.Sprintf("%08X.eml", i)), seq(msg, i)); err != nil {
			return "", err
		}
	}
	return acct, nil
}
