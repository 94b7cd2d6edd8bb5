//go:build unix

package backup

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
)

// BenchmarkPipeline measures the backup's stages after the network: the
// messages of a corpus file go through the fetcher's hashing and spooling,
// parsing, the mbox file and SQLite, exactly as in a backup, with no server
// on the machine. Against the bench's table, it tells the engine's own rate
// from what the machine's CPUs allow when the server shares them.
//
//	go run ./bench -n 20000 -dump /tmp/corpus20k.bin
//	MAILARK_PIPELINE_CORPUS=/tmp/corpus20k.bin go test ./backup -run XXX -bench Pipeline -benchtime 1x
//
// It reports MB/s (10^6 bytes), messages/s, the process's CPU seconds per
// run and its peak RSS.
func BenchmarkPipeline(b *testing.B) {
	path := os.Getenv("MAILARK_PIPELINE_CORPUS")
	if path == "" {
		b.Skip("set MAILARK_PIPELINE_CORPUS to a corpus written by go run ./bench -dump FILE")
	}
	var msgs int
	var bytes int64
	var cpu time.Duration
	var wall time.Duration
	for range b.N {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "archive")
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		n, size, err := runPipeline(dir, path)
		if err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		cpu += processCPU() - cpu0
		msgs, bytes = n, size
	}
	b.ReportMetric(float64(bytes)/1e6/wall.Seconds()*float64(b.N), "MB/s")
	b.ReportMetric(float64(msgs)/wall.Seconds()*float64(b.N), "msgs/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/run")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}

// runPipeline backs the corpus at path up into a new archive in dir, as one
// folder, and returns the messages and bytes stored.
func runPipeline(dir, path string) (int, int64, error) {
	ctx := context.Background()
	a, err := archive.Open(ctx, dir, archive.Options{Bulk: true})
	if err != nil {
		return 0, 0, err
	}
	defer a.Close()
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	if err != nil {
		return 0, 0, err
	}
	runID, err := a.BeginRun(ctx, "backup")
	if err != nil {
		return 0, 0, err
	}
	opts := &Options{}
	opts.applyDefaults()
	budget := newBudget(opts.InFlightBytes)
	defer budget.bufs.close()
	spools := &spoolFiles{dir: a.Path(archive.TmpDir)}
	defer spools.close()
	fe := &fetcher{opts: opts, spools: spools, budget: budget}
	var msgs int
	var bytes int64
	var failed error
	w := &writer{a: a, opts: opts, runID: runID, budget: budget,
		onAdded:     func(imap.UID, int64) {},
		onCommitted: func(n int, size int64) { msgs += n; bytes += size },
		onFail: func(uid imap.UID, reason string) {
			if failed == nil {
				failed = fmt.Errorf("message %d failed: %s", uid, reason)
			}
		},
	}
	werr, ferr := w.pipeline(ctx, f, func() {}, func(out chan<- *item) error {
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		defer file.Close()
		r := bufio.NewReaderSize(file, 1<<20)
		for uid := imap.UID(1); ; uid++ {
			var h [8]byte
			if _, err := io.ReadFull(r, h[:]); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			size := int64(binary.LittleEndian.Uint64(h[:]))
			it := &item{uid: uid, flags: []imap.Flag{imap.FlagSeen}, internalDate: time.Unix(1_700_000_000, 0)}
			if err := fe.readBody(it, literal{io.LimitReader(r, size), size}, nil); err != nil {
				it.release(budget)
				return fmt.Errorf("message %d of %s: %w", uid, path, err)
			}
			out <- it
		}
	})
	return msgs, bytes, errors.Join(werr, ferr, failed)
}

// literal is a message of the corpus as the fetcher reads one from the
// network.
type literal struct {
	io.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
