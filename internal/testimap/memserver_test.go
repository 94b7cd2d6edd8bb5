package testimap_test

import (
	"bytes"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

func TestStart(t *testing.T) {
	acct := demo.OldProvider()
	srv := testimap.Start(t, acct)
	if srv.Host != "127.0.0.1" || srv.Addr != net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)) || srv.Port == 0 {
		t.Errorf("Start() = Addr %q Host %q Port %d", srv.Addr, srv.Host, srv.Port)
	}
	if srv.User != acct.User || srv.Password != acct.Password {
		t.Errorf("Start() login = %q/%q, want %q/%q", srv.User, srv.Password, acct.User, acct.Password)
	}
	c := srv.Client(t)
	for _, f := range acct.Folders {
		st, err := c.Status(f.Name, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil || *st.NumMessages != uint32(len(f.Messages)) {
			t.Errorf("Status(%q) = %v, %v; want %d messages", f.Name, st, err, len(f.Messages))
		}
	}
}

func TestStartNil(t *testing.T) {
	srv := testimap.Start(t, nil)
	if srv.User != demo.OldProviderUser {
		t.Errorf("Start(nil).User = %q, want %q", srv.User, demo.OldProviderUser)
	}
}

func TestServerChanges(t *testing.T) {
	srv := testimap.Start(t, &demo.Account{User: "new@new-isp.example", Password: "pw",
		Folders: []demo.Folder{{Name: "Archive/2019"}}})
	c := srv.Client(t)
	raw := []byte("Subject: hi\r\n\r\nhello\r\n")
	date := time.Date(2024, 6, 10, 10, 15, 0, 0, time.FixedZone("JST", 9*3600))
	for i := range 3 {
		if uid := srv.AppendMessage("INBOX", raw, []string{`\Seen`}, date); uid != imap.UID(i+1) {
			t.Errorf("AppendMessage() = %d, want %d", uid, i+1)
		}
	}
	srv.ExpungeUID("INBOX", 2)
	srv.SetFlags("INBOX", 3, `\Flagged`)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("Select() = %v", err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
		BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Fetch() = %d messages, %v; want 2", len(msgs), err)
	}
	if msgs[0].UID != 1 || msgs[1].UID != 3 {
		t.Errorf("UIDs = %d, %d; want 1, 3", msgs[0].UID, msgs[1].UID)
	}
	if !bytes.Equal(msgs[0].FindBodySection(section), raw) || !msgs[0].InternalDate.Equal(date) {
		t.Errorf("message 1 = %q at %v, want %q at %v", msgs[0].FindBodySection(section), msgs[0].InternalDate, raw, date)
	}
	if len(msgs[1].Flags) != 1 || !imapFlagIs(msgs[1].Flags[0], imap.FlagFlagged) {
		t.Errorf("message 3 flags = %v, want \\Flagged", msgs[1].Flags)
	}
	c.Unselect().Wait()

	parent := srv.UIDValidity("Archive")
	before := srv.UIDValidity("Archive/2019")
	if after := srv.RecreateFolder("Archive/2019"); after == before || after == parent {
		t.Errorf("RecreateFolder() = %d, want a new UIDVALIDITY (was %d)", after, before)
	}
	srv.RenameFolder("Archive/2019", "Archive/Old")
	srv.CreateFolder("Tmp")
	srv.DeleteFolder("Tmp")
	names := testimap.FolderNames(t, c)
	if want := []string{"Archive", "Archive/Old", "INBOX"}; !slices.Equal(names, want) {
		t.Errorf("List() = %q, want %q", names, want)
	}
}

func imapFlagIs(f, want imap.Flag) bool { return bytes.EqualFold([]byte(f), []byte(want)) }
