package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// BenchmarkBatchAdd writes 1,000 messages of mailbox-like sizes (mostly
// 2-30 KB, some 0.5-2 MB) per iteration, committing every 250, as a
// backup does. Compare settings with -count and benchstat.
func BenchmarkBatchAdd(b *testing.B) {
	msgs, total := benchMailbox(1000, "Lorem ipsum dolor sit amet, 会議の件 consectetur.\r\n")
	b.SetBytes(total)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a, err := archive.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprint(i)), archive.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		writeBatches(b, a, msgs, func(uid uint32, m []byte) *archive.Entry {
			return &archive.Entry{UID: uid, InternalDate: time.Unix(1_700_000_000, 0), Size: int64(len(m)),
				SHA256: sha256.Sum256(m), Body: bytes.NewReader(m), Subject: "会議の件",
				Text: archive.IndexText{Subject: "会議の件", Body: string(m[:min(len(m), 4096)])}}
		})
		b.StopTimer()
		a.Close()
		b.StartTimer()
	}
}

// benchMailbox is n messages of mailbox-like sizes, line repeated: mostly
// 2-30 KB, one in 33 of 0.5-2 MB.
func benchMailbox(n int, line string) (msgs [][]byte, total int64) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		size := 2<<10 + r.IntN(28<<10)
		if i%33 == 0 {
			size = 512<<10 + r.IntN(1536<<10)
		}
		m := bytes.Repeat([]byte(line), size/len(line)+1)[:size]
		msgs = append(msgs, m)
		total += int64(size)
	}
	return msgs, total
}

// writeBatches commits msgs into a new folder of a, 250 a batch, as a
// backup does; entry makes each one's Entry.
func writeBatches(b *testing.B, a *archive.Archive, msgs [][]byte, entry func(uid uint32, m []byte) *archive.Entry) {
	ctx := context.Background()
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	if err != nil {
		b.Fatal(err)
	}
	run, err := a.BeginRun(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	var batch *archive.Batch
	for j, m := range msgs {
		if batch == nil {
			if batch, err = a.BeginBatch(ctx, f, run); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Add(ctx, entry(uint32(j+1), m)); err != nil {
			b.Fatal(err)
		}
		if batch.Count() == 250 {
			if err := batch.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	if batch != nil {
		if err := batch.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
