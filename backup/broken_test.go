package backup_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/internal/testmail"
)

// TestBrokenMailIsArchivedByteExact backs up an account full of malformed
// mail (no Message-ID, duplicate Message-IDs, bare LF and CR, NUL bytes,
// 8-bit junk and 2000-character lines in headers, "From " body lines,
// nested message/rfc822, an empty message, no final newline, no header) and
// a 25 MB message: each must be counted and archived byte for byte in both
// archives.
func TestBrokenMailIsArchivedByteExact(t *testing.T) {
	acct := &demo.Account{User: "broken@old-isp.example", Password: "pw"}
	date := time.Date(2020, 2, 29, 23, 59, 59, 0, time.FixedZone("", -3*3600))
	var broken demo.Folder
	broken.Name = "Broken"
	for _, f := range testmail.Broken() {
		broken.Messages = append(broken.Messages, demo.Message{Raw: f.Raw, InternalDate: date, Flags: []string{`\Seen`}})
	}
	charsets := demo.Folder{Name: "Charsets"}
	for _, f := range testmail.Charsets() {
		charsets.Messages = append(charsets.Messages, demo.Message{Raw: f.Raw, InternalDate: date})
	}
	big := demo.Folder{Name: "Big"}
	big.Messages = append(big.Messages, demo.Message{Raw: testmail.Large(25 << 20), InternalDate: date, Flags: []string{"$Forwarded"}})
	acct.Folders = []demo.Folder{broken, charsets, big}
	want := len(broken.Messages) + len(charsets.Messages) + 1
	tally.BadInputs.Add(int64(want))

	srv := testimap.Start(t, acct)
	dir := tempArchive(t)
	sum, err := backup.Run(context.Background(), options(srv, dir))
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if sum.New != int64(want) {
		t.Errorf("archived %d messages, want %d", sum.New, want)
	}
	if n := checkArchive(t, dir, serverState(t, srv.Client(t))); n != want {
		t.Errorf("checked %d messages, want %d", n, want)
	}
}
