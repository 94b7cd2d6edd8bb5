package migrate_test

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

// A message the old server had marked \Deleted (not expunged) arrives in the
// new account without the flag, so that the new mail app does not expunge
// it on its first sync; the archive keeps the flag.
func TestCopyLeavesOutDeletedFlag(t *testing.T) {
	d, dir := copyDovecot(t, testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
	if n := copyCount(t, dir, `SELECT count(*) FROM messages WHERE flags LIKE '%\Deleted%'`); n == 0 {
		t.Fatal("the archive holds no message flagged \\Deleted: the test proves nothing")
	}
	conn := copyConn(d, copyNewUser)
	sum, err := migrate.Copy(context.Background(), copyOpts(dir, conn))
	if err != nil || !sum.OK() {
		t.Fatalf("Copy() = %v, %+v", err, sum)
	}
	c, list := dialList(t, conn)
	defer c.Close()
	total := 0
	for _, l := range list {
		if _, err := c.Select(l.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			continue
		}
		res, err := c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if n := len(res.AllUIDs()); n > 0 {
			t.Errorf("%s: %d message(s) flagged \\Deleted in the new account", l.Mailbox, n)
		}
		st, err := c.Status(l.Mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
		if err == nil && st.NumMessages != nil {
			total += int(*st.NumMessages)
		}
	}
	if total != int(sum.Messages) {
		t.Errorf("the new account holds %d messages, want %d", total, sum.Messages)
	}
}

// copyCount runs a count query on the archive's database.
func copyCount(t testing.TB, dir, query string) int64 {
	t.Helper()
	var n int64
	if err := archivetest.Tamper(t, dir).QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
