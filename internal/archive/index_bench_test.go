//go:build unix

package archive_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// BenchmarkAddToIndex adds 12,000 messages of 2-30 KB of words to the
// full-text index, in pages of 8 MiB of text as the backup's indexer does,
// with the settings Open gives (indexSettings: automerge 16, hashsize 4
// MiB) and with one of them changed: automerge at FTS5's default (4) or
// off, hashsize at FTS5's default (1 MiB), 8 or 16 MiB; it reports the CPU
// time and then a search's time.
func BenchmarkAddToIndex(b *testing.B) {
	for _, setting := range []string{"as-open", "automerge=4", "automerge=0", "hashsize=1048576", "hashsize=8388608", "hashsize=16777216"} {
		b.Run("config="+setting, func(b *testing.B) { benchIndex(b, setting) })
	}
}

func benchIndex(b *testing.B, setting string) {
	r := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("report meeting budget invoice shipment quarter draft please attached find regards thanks schedule review " +
		"project customer order delivery contract price update question answer office travel hotel flight agenda minutes")
	for i := range 2000 {
		words = append(words, fmt.Sprintf("w%dx", i))
	}
	const n = 12000
	texts := make([]string, n)
	for i := range texts {
		var sb strings.Builder
		for sb.Len() < 2<<10+r.IntN(28<<10) {
			sb.WriteString(words[r.IntN(len(words))])
			sb.WriteByte(' ')
		}
		texts[i] = sb.String()
	}
	ctx := context.Background()
	prepare := func(a *archive.Archive) {
		if k, v, ok := strings.Cut(setting, "="); ok {
			if _, err := archive.DB(a).Exec(`INSERT INTO message_fts(message_fts, rank) VALUES(?, ?)`, k, v); err != nil {
				b.Fatal(err)
			}
		}
		f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
		run, _ := a.BeginRun(ctx, "bench")
		batch, _ := a.BeginBatch(ctx, f, run)
		for j := range n {
			e := entry(uint32(j+1), "x\r\n")
			e.IndexLater = true
			if err := batch.Add(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	index := func(a *archive.Archive) {
		var page []archive.Indexed
		size := 0
		for j := range n {
			page = append(page, archive.Indexed{ID: int64(j + 1), Text: archive.IndexText{Subject: "s", Addresses: "a@example.com", Body: texts[j]}})
			if size += len(texts[j]); size >= 8<<20 || j == n-1 {
				if _, err := a.AddToIndex(ctx, page); err != nil {
					b.Fatal(err)
				}
				page, size = page[:0], 0
			}
		}
	}
	search := func(a *archive.Archive) {
		q0 := time.Now()
		for _, w := range []string{"report", "w17x", "meeting budget", "w1999x invoice"} {
			for range 20 {
				if _, err := a.SearchCount(ctx, w); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(time.Since(q0).Microseconds())/80, "search-us")
	}
	onNewArchives(b, prepare, index, search)
}
