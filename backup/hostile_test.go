package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// TestHostileFolderNamesStayInsideTheArchive gives the server folder names
// that try to escape the archive folder or break file systems: every file
// must land inside the archive, one mbox per folder.
func TestHostileFolderNamesStayInsideTheArchive(t *testing.T) {
	names := []string{"..", "../../../../tmp/escaped", "a/../../b", "CON", "nul.txt", "trailing. ",
		strings.Repeat("長い名前", 80), "%2e%2e", "with:colon|pipe?*"}
	deep := "d"
	for i := 0; i < 300; i++ {
		deep += "/d"
	}
	acct := &demo.Account{User: "evil@example.test", Password: "pw"}
	msg := demo.Message{Raw: []byte("Subject: hi\r\n\r\nbody\r\n"), InternalDate: time.Unix(1_600_000_000, 0)}
	for _, n := range append(names, deep) {
		acct.Folders = append(acct.Folders, demo.Folder{Name: n, Messages: []demo.Message{msg}})
	}
	srv := testimap.Start(t, acct)
	root := t.TempDir()
	dir := filepath.Join(root, "archive")
	sum, err := backup.Run(context.Background(), options(srv, dir))
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v, folder errors %v", err, sum.Failures, sum.FolderErrors)
	}
	mboxes := 0
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		if p != root && (strings.HasPrefix(rel, "..") || filepath.IsAbs(rel)) {
			t.Errorf("%s is outside the archive", p)
		}
		if strings.HasSuffix(p, ".mbox") {
			mboxes++
		}
		return nil
	})
	// Every selectable folder the server listed (the parents the server
	// made for nested names included) has its own file.
	if int64(mboxes) != int64(len(sum.Folders)) || len(sum.Folders) < len(names)+1 {
		t.Errorf("%d mbox files for %d folders", mboxes, len(sum.Folders))
	}
	if _, err := os.Stat(filepath.Join(root, "tmp", "escaped.mbox")); err == nil {
		t.Errorf("a folder name escaped the archive")
	}
	checkArchive(t, dir, serverState(t, srv.Client(t)))
}

// TestOversizedMessageFailsAlone sets the per-message limit below some of
// the demo's messages: those are recorded as failed with the reason, and
// every other message is saved, without a reconnection.
func TestOversizedMessageFailsAlone(t *testing.T) {
	srv := testimap.Start(t, nil)
	opts := options(srv, tempArchive(t))
	opts.MaxMessageBytes = 200 << 10
	sum, err := backup.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run() = %v", err)
	}
	big := 0
	for _, f := range demo.OldProvider().Folders {
		for _, m := range f.Messages {
			if len(m.Raw) > 200<<10 {
				big++
			}
		}
	}
	if big == 0 || len(sum.Failures) != big {
		t.Fatalf("%d failures, want the %d messages over 200 KB", len(sum.Failures), big)
	}
	for _, f := range sum.Failures {
		if !strings.Contains(f.Reason, "more than the") {
			t.Errorf("failure reason %q does not say why", f.Reason)
		}
	}
	if want := int64(demo.OldProvider().MessageCount() - big); sum.Total != want {
		t.Errorf("saved %d, want %d", sum.Total, want)
	}
	// Announced as too large, they are not asked for: no connection is
	// dropped to avoid reading one.
	if sum.Retries != 0 {
		t.Errorf("%d reconnections, want none", sum.Retries)
	}
}
