// Command importstore measures importing a mail app's store next to the
// engine's own rate on the same messages:
//
//	go run ./bench/importstore [-n 20000] [-corpus FILE] [-keep]
//
// It writes a Thunderbird profile (profiles.ini, prefs.js, a POP account
// whose Inbox, Sent and Archives/2019 are mbox files with X-Mozilla-Status
// headers, mboxrd-quoted) under a temporary home, holding -n messages: the
// corpus written by `go run ./bench -n N -dump FILE` when -corpus is given
// (the corpus BenchmarkPipeline reads), else messages built here from the
// project's broken-mail and charset corpus, 2–30 KB of text each and 3% with
// a 0.5–3 MB attachment. Then, in this process, it times:
//
//   - ingest: backup.Ingest fed the same messages read from one plain
//     file, no store reader (the engine's own rate for
//     sources other than the server);
//   - import: backup.Import of the profile's store, found by mailstore's
//     Find as `mailark import --from thunderbird` finds it;
//   - rerun: the same import again, nothing new (folders whose files are
//     as they were at the last whole import are passed over; see
//     mailstore.Fingerprinter);
//   - the same two for an Apple Mail V10 account holding the same messages
//     as .emlx files (layout.AppleMail), found as `--from apple-mail` finds
//     it; its rerun passes over folders by their files' names, sizes and times.
//
// Peak RSS is the process's VmHWM, reset before each step. Caches are warm.
// The machine is shared and noisy: compare within one run. After the timing
// the archive is restored and every message compared with the store's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/bench/internal/proc"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/layout"
	"github.com/mailark/mailark/internal/mailstore/storetest"
	"github.com/mailark/mailark/internal/testmail"
)

func main() {
	n := flag.Int("n", 20000, "messages")
	corpus := flag.String("corpus", "", "a corpus file written by go run ./bench -dump FILE (default: built here)")
	keep := flag.Bool("keep", false, "keep the profile and archives")
	flag.Parse()
	if err := run(*n, *corpus, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "importstore:", err)
		os.Exit(1)
	}
}

type row struct {
	name   string
	msgs   int64
	bytes  int64
	wall   time.Duration
	rssKiB int64
}

func run(n int, corpus string, keep bool) error {
	tmp, err := os.MkdirTemp("", "mailark-importstore-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(tmp)
	}
	msgs, err := messages(n, corpus)
	if err != nil {
		return err
	}
	var total int64
	for _, m := range msgs {
		total += int64(len(m))
	}
	fmt.Printf("%d messages, %.0f MB; Go %s, %d CPUs; in %s\n", len(msgs), float64(total)/1e6, runtime.Version(), runtime.NumCPU(), tmp)

	// The store: three folders.
	home := filepath.Join(tmp, "home")
	var inbox, sent, old [][]byte
	var aInbox, aSent, aOld [][]byte // Apple Mail holds the messages as they are
	for i, m := range msgs {
		tb := storetest.WithMozStatus(m, 1, "")
		switch i % 10 {
		case 0, 1:
			sent, aSent = append(sent, tb), append(aSent, m)
		case 2:
			old, aOld = append(old, tb), append(aOld, m)
		default:
			inbox, aInbox = append(inbox, tb), append(aInbox, m)
		}
	}
	t := &fakeT{}
	storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{{Protocol: "pop3", Server: "pop.example.net", User: "taro",
		Address: "taro@example.net", Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}, {Name: "Sent", Msgs: sent},
			{Name: "Archives/2019", Msgs: old}}}})
	if t.err != nil {
		return t.err
	}
	inbox, sent, old = nil, nil, nil
	if _, err := layout.AppleMail(home, []layout.AppleFolder{{Name: "INBOX", Msgs: aInbox}, {Name: "Sent Messages", Msgs: aSent},
		{Name: "Archives/2019", Msgs: aOld}}); err != nil {
		return err
	}
	aInbox, aSent, aOld = nil, nil, nil
	// The engine's input: the same messages, one after the other in a file.
	flat := filepath.Join(tmp, "flat.bin")
	if err := writeFlat(flat, msgs); err != nil {
		return err
	}
	msgs = nil
	debug.FreeOSMemory() // so that the peak RSS below is the step's, not the corpus's

	ctx := context.Background()
	var rows []row

	// ingest: the engine alone.
	proc.ResetPeakRSS()
	start := time.Now()
	added, size, err := ingestFlat(ctx, filepath.Join(tmp, "archive-ingest"), flat)
	if err != nil {
		return err
	}
	rows = append(rows, row{"ingest (engine, no store reader)", added, size, time.Since(start), proc.PeakRSS()})

	for _, app := range []struct{ kind, goos, name string }{{"thunderbird", "linux", "Thunderbird profile"}, {"apple-mail", "darwin", "Apple Mail V10"}} {
		r, err := importTwice(ctx, filepath.Join(tmp, "archive-"+app.kind), home, app.goos, app.kind, app.name)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\t messages\t MB written\t seconds\t msgs/s\t MB/s (store)\t peak RSS MiB\t % of engine rate\t")
	for _, r := range rows {
		secs := r.wall.Seconds()
		fmt.Fprintf(tw, "%s\t %d\t %.0f\t %.2f\t %.0f\t %.1f\t %.0f\t %.0f%%\t\n", r.name, r.msgs, float64(r.bytes)/1e6, secs,
			float64(r.msgs)/secs, float64(total)/1e6/secs, float64(r.rssKiB)/1024, 100*rows[0].wall.Seconds()/secs)
	}
	tw.Flush()
	return nil
}

// importTwice imports the one store of kind under home, then again with
// nothing new, and returns both rows.
func importTwice(ctx context.Context, dir, home, goos, kind, name string) ([]row, error) {
	stores, err := mailstore.FindAll(home, goos, kind)
	if err != nil || len(stores) != 1 {
		return nil, fmt.Errorf("%s: found %d stores: %v", kind, len(stores), err)
	}
	var rows []row
	for _, name := range []string{"import (" + name + ")", "rerun (" + name + ", nothing new)"} {
		debug.FreeOSMemory()
		proc.ResetPeakRSS()
		start := time.Now()
		a, err := archive.Open(ctx, dir, archive.Options{})
		if err != nil {
			return nil, err
		}
		sum, err := backup.Import(ctx, a, stores[0], backup.ImportOptions{})
		if cerr := a.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		if !sum.Whole() {
			return nil, fmt.Errorf("%s: not whole: %+v", name, sum.Folders)
		}
		rows = append(rows, row{name, sum.Added + sum.Skipped, sum.Bytes, time.Since(start), proc.PeakRSS()})
	}
	return rows, nil
}

// messages returns the corpus: from a dump file, or built here.
func messages(n int, corpus string) ([][]byte, error) {
	if corpus != "" {
		f, err := os.Open(corpus)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r := bufio.NewReaderSize(f, 1<<20)
		var out [][]byte
		for len(out) < n {
			var h [8]byte
			if _, err := io.ReadFull(r, h[:]); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, err
			}
			m := make([]byte, binary.LittleEndian.Uint64(h[:]))
			if _, err := io.ReadFull(r, m); err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	}
	_, base := storetest.Corpus()
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		var b bytes.Buffer
		fmt.Fprintf(&b, "X-Seq: %d\r\n", i)
		b.Write(base[i%len(base)])
		if rng.IntN(100) < 3 {
			b.WriteString("\r\n")
			b.Write(testmail.Large(512<<10 + rng.IntN(2560<<10)))
		} else {
			size := 2<<10 + rng.IntN(28<<10)
			line := strings.Repeat("lorem ipsum dolor sit amet ", 3) + "\r\n"
			for b.Len() < size {
				b.WriteString(line)
			}
		}
		out[i] = b.Bytes()
	}
	return out, nil
}

func writeFlat(path string, msgs [][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, m := range msgs {
		var h [8]byte
		binary.LittleEndian.PutUint64(h[:], uint64(len(m)))
		w.Write(h[:])
		w.Write(m)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ingestFlat feeds every message of the flat file to backup.Ingest.
func ingestFlat(ctx context.Context, dir, flat string) (int64, int64, error) {
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		return 0, 0, err
	}
	defer a.Close()
	src, err := a.EnsureSource(ctx, archive.Source{Kind: archive.SourceMbox, Location: flat, Label: "flat"})
	if err != nil {
		return 0, 0, err
	}
	f, err := a.SourceFolder(ctx, src, "INBOX", "inbox")
	if err != nil {
		return 0, 0, err
	}
	runID, err := a.BeginRun(ctx, "import")
	if err != nil {
		return 0, 0, err
	}
	in := backup.NewIngest(a, runID, backup.IngestOptions{})
	if err := in.Folder(ctx, f); err != nil {
		return 0, 0, err
	}
	file, err := os.Open(flat)
	if err != nil {
		return 0, 0, err
	}
	defer file.Close()
	r := bufio.NewReaderSize(file, 1<<20)
	for i := 0; ; i++ {
		var h [8]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return 0, 0, err
		}
		size := int64(binary.LittleEndian.Uint64(h[:]))
		if _, err := in.Add(ctx, backup.IngestMessage{Origin: strconv.Itoa(i), Flags: []string{`\Seen`},
			Body: io.LimitReader(r, size)}); err != nil {
			return 0, 0, err
		}
	}
	if err := in.Commit(ctx); err != nil {
		return 0, 0, err
	}
	return in.Added, in.Bytes, a.FinishRun(runID, archive.RunResult{Status: archive.RunOK, Messages: in.Added, Bytes: in.Bytes})
}

// fakeT lets storetest write the profile outside a test.
type fakeT struct{ err error }

func (f *fakeT) Helper() {}
func (f *fakeT) Fatal(args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("%v", fmt.Sprint(args...))
	}
}
