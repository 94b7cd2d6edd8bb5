package testimap

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// ServerMessage is what a server holds of one message.
type ServerMessage struct {
	SHA   string // hex SHA-256 of the exact bytes
	Size  int64
	Flags []string
	Date  time.Time // INTERNALDATE
}

// FolderNames lists every folder over c (LIST "" "*"), by its name on the
// wire, in the server's order.
func FolderNames(t testing.TB, c *imapclient.Client) []string {
	t.Helper()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
	}
	return names
}

// ServerState reads every message of every selectable folder over c,
// read-only (EXAMINE, BODY.PEEK): folder → UID → message.
func ServerState(t testing.TB, c *imapclient.Client) map[string]map[uint32]ServerMessage {
	t.Helper()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[uint32]ServerMessage{}
	for _, l := range list {
		if slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) {
			continue
		}
		sel, err := c.Select(l.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		msgs := map[uint32]ServerMessage{}
		out[l.Mailbox] = msgs
		if sel.NumMessages == 0 {
			continue
		}
		var all imap.SeqSet
		all.AddRange(1, 0) // 1:*
		bufs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bufs {
			body := b.FindBodySection(&imap.FetchItemBodySection{Peek: true})
			if body == nil && len(b.BodySection) > 0 {
				body = b.BodySection[0].Bytes
			}
			sum := sha256.Sum256(body)
			var flags []string
			for _, f := range b.Flags {
				flags = append(flags, string(f))
			}
			msgs[uint32(b.UID)] = ServerMessage{SHA: hex.EncodeToString(sum[:]), Size: int64(len(body)), Flags: flags, Date: b.InternalDate}
		}
	}
	return out
}
