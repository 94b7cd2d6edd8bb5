package backup_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
)

// TestLyingSizeKeepsProgressSane has the server announce RFC822.SIZE far
// below and far above what it then sends. Progress never shows more done
// than the total, and the run's last Status is whole: the totals follow
// the bytes that came, not the server's word.
func TestLyingSizeKeepsProgressSane(t *testing.T) {
	acct := &demo.Account{User: "liar@example.test", Password: "pw"}
	inbox := demo.Folder{Name: "INBOX"}
	for i := 0; i < 12; i++ {
		body := strings.Repeat(fmt.Sprintf("line %d of a message\r\n", i), 500*(i+1))
		inbox.Messages = append(inbox.Messages, demo.Message{Raw: []byte("Subject: m\r\n\r\n" + body),
			InternalDate: time.Unix(1_600_000_000, 0)})
	}
	acct.Folders = []demo.Folder{inbox}
	srv := testimap.Start(t, acct)
	size := regexp.MustCompile(`RFC822\.SIZE (\d+)`)
	var lies atomic.Int64
	port := testimap.LineProxy(t, srv.Addr, func(line []byte) []byte {
		return size.ReplaceAllFunc(line, func(m []byte) []byte {
			n, _ := strconv.Atoi(string(m[len("RFC822.SIZE "):]))
			if lies.Add(1)%2 == 0 {
				return []byte("RFC822.SIZE 1")
			}
			return []byte("RFC822.SIZE " + strconv.Itoa(n*1000))
		})
	}, nil)
	tally.BadInputs.Add(int64(len(inbox.Messages)))

	o := options(srv, tempArchive(t))
	o.Conn.Port = port
	var mu sync.Mutex
	var last progress.Event
	o.Progress = func(e progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Done > e.Total || e.Bytes > e.TotalBytes || e.FolderDone > e.FolderTotal {
			t.Errorf("event %+v: more done than the total", e)
		}
		if e.Kind == progress.Status && e.Step != progress.StepIndex {
			last = e
		}
	}
	sum, err := backup.Run(context.Background(), o)
	if err != nil || !sum.OK() || sum.New != int64(len(inbox.Messages)) {
		t.Fatalf("Run() = %v, new %d, failures %+v", err, sum.New, sum.Failures)
	}
	mu.Lock()
	defer mu.Unlock()
	if last.Done != last.Total || last.Bytes != last.TotalBytes || last.Bytes != sum.NewBytes {
		t.Errorf("last Status %+v: want every message and byte done (%d bytes)", last, sum.NewBytes)
	}
	checkArchive(t, o.ArchiveDir, serverState(t, srv.Client(t)))
}
