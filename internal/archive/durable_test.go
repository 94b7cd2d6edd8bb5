package archive_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// durabilityLog records the mbox fsyncs and batch commits in the order
// they happen.
type durabilityLog struct {
	mu     sync.Mutex
	events []durabilityEvent
}

type durabilityEvent struct {
	event, path string
	upTo        int64
}

func recordDurability(t testing.TB) *durabilityLog {
	l := &durabilityLog{}
	t.Cleanup(archive.SetDurableHook(func(event, path string, upTo int64) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, durabilityEvent{event, path, upTo})
	}))
	return l
}

// check fails unless every commit of a batch came after an fsync of its
// mbox file covering the batch's end, and returns the number of commits.
func (l *durabilityLog) check(t testing.TB) int {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	synced := map[string]int64{} // file → durable up to, by the fsyncs so far
	commits := 0
	for i, e := range l.events {
		switch e.event {
		case archive.EventMboxSync:
			synced[e.path] = max(synced[e.path], e.upTo)
		case archive.EventCommit:
			commits++
			if synced[e.path] < e.upTo {
				t.Errorf("event %d: SQLite committed %s up to %d, but its mbox file was fsynced only up to %d before (events %v)",
					i, filepath.Base(e.path), e.upTo, synced[e.path], l.events[:i+1])
			}
		}
	}
	return commits
}

// TestMboxSyncedBeforeCommit: for every batch, whether it writes the mbox
// file itself or an Appender wrote ahead of it, the file is fsynced up to
// the batch's end before the SQLite commit that records that length.
func TestMboxSyncedBeforeCommit(t *testing.T) {
	ctx := context.Background()
	log := recordDurability(t)
	a := openArchive(t, filepath.Join(t.TempDir(), "arch"))
	run, err := a.BeginRun(ctx, "backup")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	t.Run("batch writes the file", func(t *testing.T) {
		for _, name := range []string{"INBOX", "Sent"} {
			f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: name, UIDValidity: 1})
			if err != nil {
				t.Fatal(err)
			}
			for b := range 3 {
				addBatch(t, a, f, run, entry(uint32(2*b+1), fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", b)),
					entry(uint32(2*b+2), "From the start\r\n"))
				want++
			}
		}
	})
	t.Run("appender writes ahead", func(t *testing.T) {
		f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "Archive", UIDValidity: 1})
		if err != nil {
			t.Fatal(err)
		}
		ap, err := a.NewAppender(f)
		if err != nil {
			t.Fatal(err)
		}
		defer ap.Close()
		var es []*archive.Entry
		for i := range 6 {
			e := entry(uint32(i+1), fmt.Sprintf("Subject: %d\r\n\r\nahead\r\n", i))
			if err := ap.Append(e); err != nil {
				t.Fatal(err)
			}
			es = append(es, e)
		}
		addBatch(t, a, f, run, es[:2]...)
		addBatch(t, a, f, run, es[2:5]...)
		addBatch(t, a, f, run, es[5])
		want += 3
	})
	if got := log.check(t); got != want {
		t.Errorf("%d commits recorded, want %d", got, want)
	}
}
