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
	r := rand.New(rand.NewPCG(1, 2))
	var msgs [][]byte
	var total int64
	for i := 0; i < 1000; i++ {
		n := 2<<10 + r.IntN(28<<10)
		if i%33 == 0 {
			n = 512<<10 + r.IntN(1536<<10)
		}
		m := bytes.Repeat([]byte("Lorem ipsum dolor sit amet, 会議の件 consectetur.\r\n"), n/52+1)[:n]
		msgs = append(msgs, m)
		total += int64(n)
	}
	b.SetBytes(total)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a, err := archive.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprint(i)), archive.Options{})
		if err != nil {
			b.Fatal(err)
		}
		f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
		run, _ := a.BeginRun(ctx, "bench")
		b.StartTimer()
		var batch *archive.Batch
		for j, m := range msgs {
			if batch == nil {
				if batch, err = a.BeginBatch(ctx, f, run); err != nil {
					b.Fatal(err)
				}
			}
			e := &archive.Entry{UID: uint32(j + 1), InternalDate: time.Unix(1_700_000_000, 0), Size: int64(len(m)),
				SHA256: sha256.Sum256(m), Body: bytes.NewReader(m), Subject: "会議の件",
				Text: archive.IndexText{Subject: "会議の件", Body: string(m[:min(len(m), 4096)])}}
			if err := batch.Add(ctx, e); err != nil {
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
			batch.Commit(ctx)
		}
		b.StopTimer()
		a.Close()
		b.StartTimer()
	}
}
