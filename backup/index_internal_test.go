package backup

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mbox"
)

// TestIndexReadsTheNextPageMeanwhile: while a page of messages is added
// to the full-text index, the next one is read back and decoded, and no
// page beyond it: at most two are held.
func TestIndexReadsTheNextPageMeanwhile(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "archive")
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	if err != nil {
		t.Fatal(err)
	}
	run, err := a.BeginRun(ctx, "backup")
	if err != nil {
		t.Fatal(err)
	}
	const n = 3*indexPageMessages + 10
	b, err := a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatal(err)
	}
	for uid := uint32(1); uid <= n; uid++ {
		m := []byte(fmt.Sprintf("Subject: m %d\r\n\r\nword%04d\r\n", uid, uid))
		e := &archive.Entry{UID: uid, InternalDate: time.Unix(1_700_000_000, 0), Size: int64(len(m)),
			SHA256: sha256.Sum256(m), Body: mbox.Memory(m), Subject: fmt.Sprintf("m %d", uid), IndexLater: true}
		if err := b.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	a.Close()

	var mu sync.Mutex
	read, held := 0, 0
	second := make(chan struct{})
	indexRead = func() {
		mu.Lock()
		defer mu.Unlock()
		read++
		if read > held+2 {
			t.Errorf("page %d read while page %d waits to be added: more than two pages held", read, held)
		}
		if read == 2 {
			close(second)
		}
	}
	indexHold = func() {
		mu.Lock()
		held++
		first := held == 1
		mu.Unlock()
		if first {
			select {
			case <-second:
			case <-time.After(10 * time.Second):
				t.Errorf("the second page was not read while the first waited to be added")
			}
			time.Sleep(50 * time.Millisecond) // room for a third page, were it read ahead too
		}
	}
	t.Cleanup(func() { indexRead, indexHold = nil, nil })
	left, err := IndexForSearch(ctx, dir)
	if err != nil || left != 0 {
		t.Fatalf("IndexForSearch() = %d left, %v", left, err)
	}
	if read != 4 || held != 4 {
		t.Errorf("%d pages read, %d added; want 4 each", read, held)
	}
}
