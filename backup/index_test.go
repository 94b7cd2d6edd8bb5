package backup_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
)

// indexAccount has messages whose words are only in their bodies (one
// word of their own each, one word they share, one Japanese word), some
// quoted-printable and one in ISO-2022-JP, so that a search finds them
// only once the body was decoded and indexed.
func indexAccount() *demo.Account {
	acct := &demo.Account{User: "index@example.test", Password: "pw"}
	inbox := demo.Folder{Name: "INBOX"}
	for i := range 30 {
		raw := fmt.Sprintf("Subject: note %d\r\nFrom: a@example.test\r\nContent-Type: text/plain; charset=utf-8\r\n"+
			"Content-Transfer-Encoding: quoted-printable\r\n\r\nshared word%03d =E4=BC=9A=E8=AD=B0\r\n", i, i)
		if i == 7 {
			// "会議" in ISO-2022-JP.
			raw = "Subject: note 7\r\nFrom: a@example.test\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n" +
				"shared word007 \x1b$B2q5D\x1b(B\r\n"
		}
		inbox.Messages = append(inbox.Messages, demo.Message{Raw: []byte(raw), InternalDate: time.Unix(1_600_000_000+int64(i), 0)})
	}
	acct.Folders = []demo.Folder{inbox}
	return acct
}

// TestIndexKillChild is the child of TestKilledBeforeIndexedCatchesUp: a
// backup whose indexer never gets to add anything, printing one event line
// once every message is durable and the index's progress starts.
func TestIndexKillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	env := testimap.ChildKillEnv()
	backup.HoldIndex(func() { select {} })
	opts := backup.Options{
		Conn:          config("127.0.0.1", env.Port, env.User, env.Password),
		ArchiveDir:    env.Archive,
		BatchMessages: 7,
		Progress: func(e progress.Event) {
			if e.Step == progress.StepIndex {
				fmt.Printf("event index %d/%d\n", e.Done, e.Total)
			}
		},
	}
	testimap.RunChildCall(opts, backup.Run)
}

// TestKilledBeforeIndexedCatchesUp kills a backup after its messages are
// durable and before any is indexed: the archive holds every message and
// says how many are not searchable yet; the next run indexes each of them
// once, and search finds every one.
func TestKilledBeforeIndexedCatchesUp(t *testing.T) {
	testimap.SkipIfShort(t)
	ctx := context.Background()
	acct := indexAccount()
	n := len(acct.Folders[0].Messages)
	srv := testimap.Start(t, acct)
	dir := tempArchive(t)
	env := testimap.KillEnv{Port: srv.Port, User: srv.User, Password: srv.Password, Archive: dir}
	c := testimap.KillChild(t, "TestIndexKillChild", env.Environ(), 1)
	if c.Finished != "" || c.Hung {
		t.Fatalf("the child was not killed while indexing: %+v", c)
	}
	checkConsistent(t, dir)

	a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.MessageCount(ctx); err != nil || got != int64(n) {
		t.Errorf("MessageCount() after the kill = %d, %v; want %d (durable before indexed)", got, err, n)
	}
	if got, err := a.UnindexedCount(ctx); err != nil || got != int64(n) {
		t.Errorf("UnindexedCount() after the kill = %d, %v; want %d", got, err, n)
	}
	if got, _ := a.SearchCount(ctx, "shared"); got != 0 {
		t.Errorf("SearchCount(shared) after the kill = %d, want 0: nothing was indexed yet", got)
	}
	a.Close()

	sum, err := backup.Run(ctx, options(srv, dir))
	if err != nil || sum.New != 0 || sum.Indexed != int64(n) || sum.Unindexed != 0 {
		t.Fatalf("next Run() = %v, new %d, indexed %d, unindexed %d; want 0 new, %d indexed, 0 left", err, sum.New, sum.Indexed, sum.Unindexed, n)
	}
	a, err = archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got, err := a.UnindexedCount(ctx); err != nil || got != 0 {
		t.Errorf("UnindexedCount() after the catch-up = %d, %v; want 0", got, err)
	}
	for q, want := range map[string]int64{"shared": int64(n), "会議": int64(n), "word007": 1, "word029": 1} {
		hits, err := a.Search(ctx, q, 100)
		if err != nil || int64(len(hits)) != want {
			t.Errorf("Search(%q) = %d hits, %v; want %d", q, len(hits), err, want)
		}
		if got, _ := a.SearchCount(ctx, q); got != want {
			t.Errorf("SearchCount(%q) = %d, want %d (none indexed twice)", q, got, want)
		}
	}
	for i := range n {
		w := fmt.Sprintf("word%03d", i)
		if hits, _ := a.Search(ctx, w, 10); len(hits) != 1 || !strings.HasSuffix(hits[0].Subject, fmt.Sprint(i)) {
			t.Errorf("Search(%q) = %d hits, want message %d", w, len(hits), i)
		}
	}
}

// TestRunIndexesWhatItSaves: a run returns with every message it saved
// searchable; the index's progress (held back until every message is
// durable) starts at none of them and ends whole.
func TestRunIndexesWhatItSaves(t *testing.T) {
	ctx := context.Background()
	acct := indexAccount()
	n := int64(len(acct.Folders[0].Messages))
	srv := testimap.Start(t, acct)
	o := options(srv, tempArchive(t))
	saved := make(chan struct{})
	var once sync.Once
	backup.HoldIndex(func() { <-saved })
	t.Cleanup(func() { backup.HoldIndex(nil) })
	var first, last progress.Event
	o.Progress = func(e progress.Event) {
		switch {
		case e.Kind != progress.Status:
		case e.Step == progress.StepIndex:
			if first.Step == "" {
				first = e
			}
			last = e
			once.Do(func() { close(saved) })
		}
	}
	sum, err := backup.Run(ctx, o)
	if err != nil || sum.Indexed != n || sum.Unindexed != 0 || sum.IndexElapsed < sum.Elapsed {
		t.Fatalf("Run() = %v, indexed %d, unindexed %d, elapsed %v, index %v; want %d indexed", err, sum.Indexed, sum.Unindexed, sum.Elapsed, sum.IndexElapsed, n)
	}
	if first.Done != 0 || first.Total != n {
		t.Errorf("first index Status = %+v, want 0 of %d", first, n)
	}
	if last.Done != n || last.Total != n {
		t.Errorf("last index Status = %+v, want %d of %d", last, n, n)
	}
	a, err := archive.Open(ctx, o.ArchiveDir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got, _ := a.SearchCount(ctx, "会議"); got != n {
		t.Errorf("SearchCount(会議) = %d, want %d", got, n)
	}
}
