// Command contacts measures the address book on a large archive: it builds
// an archive of N messages (the demo account's real headers, repeated across
// folders with new UIDs, bodies cut to the header), then times extraction
// (addressbook.FromArchive) and each export, and prints a table.
//
//	go run ./bench/contacts -n 100000
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
)

func main() {
	n := flag.Int("n", 100000, "messages in the archive")
	keep := flag.String("dir", "", "build the archive here and keep it (default: a temp dir, removed)")
	flag.Parse()
	if err := run(*n, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench/contacts:", err)
		os.Exit(1)
	}
}

func run(n int, dir string) error {
	ctx := context.Background()
	if dir == "" {
		d, err := os.MkdirTemp("", "mailark-bench-contacts-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = filepath.Join(d, "archive")
	}
	start := time.Now()
	if err := build(ctx, dir, n); err != nil {
		return err
	}
	buildTime := time.Since(start)

	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	var ms runtime.MemStats
	t0 := time.Now()
	book, err := addressbook.FromArchive(ctx, a, addressbook.Options{})
	if err != nil {
		return err
	}
	extract := time.Since(t0)
	runtime.ReadMemStats(&ms)
	fmt.Printf("archive: %d messages (built in %s), %d contacts, %d of them automated\n\n", n, buildTime.Round(time.Millisecond),
		len(book.Contacts), len(book.Contacts)-len(book.Select(false)))
	fmt.Printf("%-28s %10s %14s\n", "step", "time", "per 100k msgs")
	fmt.Printf("%-28s %10s %14s\n", "extract (FromArchive)", extract.Round(time.Millisecond), per100k(extract, n))
	out, _ := os.MkdirTemp("", "mailark-bench-export-")
	defer os.RemoveAll(out)
	for _, f := range addressbook.Formats() {
		t := time.Now()
		if _, err := addressbook.ExportFile(ctx, filepath.Join(out, string(f)+f.Extension()), f, book, addressbook.ExportOptions{}); err != nil {
			return err
		}
		fmt.Printf("%-28s %10s\n", "export "+string(f), time.Since(t).Round(time.Millisecond))
	}
	fmt.Printf("\ntarget: extraction under 2 s per 100,000 messages. Go heap in use after extraction: %d MB. %d CPUs.\n",
		ms.HeapInuse>>20, runtime.NumCPU())
	return nil
}

func per100k(d time.Duration, n int) string {
	return (time.Duration(float64(d) * 100000 / float64(n))).Round(time.Millisecond).String()
}

// build writes n messages: the demo account's headers, round-robin, with
// the body dropped (extraction reads only headers), committed in batches.
func build(ctx context.Context, dir string, n int) error {
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.SetMeta(ctx, map[string]string{"account_user": demo.OldProviderUser, "account_host": "bench"}); err != nil {
		return err
	}
	acct := demo.OldProvider()
	type src struct {
		folder string
		head   []byte
		fields []byte
		date   time.Time
	}
	var srcs []src
	for _, f := range acct.Folders {
		for _, m := range f.Messages {
			head := m.Raw
			if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
				head = head[:i+4]
			}
			srcs = append(srcs, src{f.Name, head, addrFields(head), m.InternalDate})
		}
	}
	run, err := a.BeginRun(ctx, "bench")
	if err != nil {
		return err
	}
	folders := map[string]*archive.Folder{}
	uids := map[string]uint32{}
	var b *archive.Batch
	for i := 0; i < n; i++ {
		s := srcs[i%len(srcs)]
		f := folders[s.folder]
		if b != nil && (b.Folder() != f || b.Count() >= 5000) {
			if err := b.Commit(ctx); err != nil {
				return err
			}
			b = nil
		}
		if f == nil {
			role := ""
			if s.folder == "Sent" {
				role = "sent"
			}
			if f, err = a.EnsureFolder(ctx, archive.FolderInfo{Name: s.folder, Delimiter: "/", Role: role, UIDValidity: 1}); err != nil {
				return err
			}
			folders[s.folder] = f
		}
		if b == nil {
			if b, err = a.BeginBatch(ctx, f, run); err != nil {
				return err
			}
		}
		uids[s.folder]++
		e := &archive.Entry{UID: uids[s.folder], InternalDate: s.date, Size: int64(len(s.head)), SHA256: sha256.Sum256(s.head),
			Body: bytes.NewReader(s.head), AddrFields: s.fields, Date: s.date.Format(time.RFC3339)}
		if err := b.Add(ctx, e); err != nil {
			b.Abort()
			return err
		}
	}
	if b != nil {
		return b.Commit(ctx)
	}
	return nil
}

// addrFields keeps the header lines the address book reads, as the backup
// engine stores them.
func addrFields(head []byte) []byte {
	keep := map[string]bool{"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
		"list-id": true, "list-unsubscribe": true, "precedence": true, "auto-submitted": true}
	var out bytes.Buffer
	lines := bytes.SplitAfter(head, []byte("\r\n"))
	on := false
	for _, l := range lines {
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
			if on {
				out.Write(l)
			}
			continue
		}
		on = false
		if i := bytes.IndexByte(l, ':'); i > 0 && keep[string(bytes.ToLower(l[:i]))] {
			on = true
			out.Write(l)
		}
	}
	return out.Bytes()
}
