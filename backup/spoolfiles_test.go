package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testimap"
)

// TestSpoolFilesWrittenOver backs up messages larger than SpoolBytes, each
// shorter than the one before, over one connection: each is spooled to
// the file the one before it used, which still holds that one's longer
// bytes. Every message is archived byte for byte, and no spool file is
// left once the run ended.
func TestSpoolFilesWrittenOver(t *testing.T) {
	srv := testimap.Start(t, nil)
	for i, lines := range []int{9000, 7000, 5000, 3000, 1200} {
		body := bytes.Repeat([]byte(fmt.Sprintf("message %d, a line of it\r\n", i)), lines)
		msg := append([]byte(fmt.Sprintf("From: a@example.com\r\nSubject: large %d\r\n\r\n", i)), body...)
		srv.AppendMessage("INBOX", msg, nil, time.Date(2021, 1, 2, 3, 4, i, 0, time.UTC))
	}
	state := serverState(t, srv.Client(t))
	opts := options(srv, tempArchive(t))
	opts.Connections = 1
	opts.FetchChunk = 2
	opts.SpoolBytes = 16 << 10
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	checkArchive(t, opts.ArchiveDir, state)
	left, err := os.ReadDir(filepath.Join(opts.ArchiveDir, archive.TmpDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("spool file %s left after the run", e.Name())
	}
}
