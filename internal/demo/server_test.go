package demo_test

import (
	"bytes"
	"context"
	"mime"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// serve runs fn (demo.Serve or a MemServer's Serve) on 127.0.0.1:0 and
// returns the address; cleanup stops it and checks it returned nil.
func serve(t *testing.T, fn func(context.Context, net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve() = %v, want nil after cancel", err)
		}
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
			t.Error("listener still accepts after Serve returned")
		}
	})
	return ln.Addr().String()
}

func login(t *testing.T, addr, user, password string) *imapclient.Client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	c := imapclient.New(conn, &imapclient.Options{WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader}})
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("Login() = %v", err)
	}
	return c
}

func TestServe(t *testing.T) {
	a := demo.OldProvider()
	addr := serve(t, func(ctx context.Context, ln net.Listener) error { return demo.Serve(ctx, ln, a) })
	c := login(t, addr, a.User, a.Password)

	t.Run("wrong password", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("Dial() = %v", err)
		}
		bad := imapclient.New(conn, nil)
		defer bad.Close()
		if err := bad.Login(a.User, "wrong").Wait(); err == nil {
			t.Error("Login(wrong password) = nil, want an error")
		}
	})

	t.Run("LIST-STATUS", func(t *testing.T) {
		list, err := c.List("", "*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Collect()
		if err != nil {
			t.Fatalf("List() = %v", err)
		}
		got := map[string]uint32{}
		for _, l := range list {
			if l.Status == nil || l.Status.NumMessages == nil {
				t.Errorf("LIST %q has no STATUS", l.Mailbox)
				continue
			}
			got[l.Mailbox] = *l.Status.NumMessages
		}
		if len(got) != len(a.Folders) {
			t.Errorf("LIST returned %d folders, want %d: %v", len(got), len(a.Folders), got)
		}
		for _, f := range a.Folders {
			if n, ok := got[f.Name]; !ok || n != uint32(len(f.Messages)) {
				t.Errorf("LIST %q: %d messages (listed %v), want %d", f.Name, n, ok, len(f.Messages))
			}
		}
	})

	for _, f := range a.Folders {
		t.Run(f.Name, func(t *testing.T) {
			st, err := c.Status(f.Name, &imap.StatusOptions{NumMessages: true, UIDNext: true}).Wait()
			if err != nil {
				t.Fatalf("Status() = %v", err)
			}
			if *st.NumMessages != uint32(len(f.Messages)) || st.UIDNext != imap.UID(len(f.Messages)+1) {
				t.Errorf("Status() = %d messages, UIDNEXT %d; want %d, %d", *st.NumMessages, st.UIDNext, len(f.Messages), len(f.Messages)+1)
			}
			if _, err := c.Select(f.Name, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
				t.Fatalf("Select() = %v", err)
			}
			section := &imap.FetchItemBodySection{Peek: true}
			msgs, err := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
				UID: true, Flags: true, InternalDate: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section},
			}).Collect()
			if err != nil {
				t.Fatalf("Fetch() = %v", err)
			}
			if len(msgs) != len(f.Messages) {
				t.Fatalf("Fetch() returned %d messages, want %d", len(msgs), len(f.Messages))
			}
			for _, got := range msgs {
				want := f.Messages[got.UID-1]
				if body := got.FindBodySection(section); !bytes.Equal(body, want.Raw) {
					t.Errorf("UID %d: BODY[] differs from Raw (%d bytes, want %d)", got.UID, len(body), len(want.Raw))
				}
				if got.RFC822Size != int64(len(want.Raw)) {
					t.Errorf("UID %d: RFC822.SIZE = %d, want %d", got.UID, got.RFC822Size, len(want.Raw))
				}
				if !got.InternalDate.Equal(want.InternalDate) {
					t.Errorf("UID %d: INTERNALDATE = %v, want %v", got.UID, got.InternalDate, want.InternalDate)
				}
				if g, w := flagSet(got.Flags), flagSet(want.Flags); !slices.Equal(g, w) {
					t.Errorf("UID %d: FLAGS = %v, want %v", got.UID, g, w)
				}
			}
			if err := c.Unselect().Wait(); err != nil {
				t.Fatalf("Unselect() = %v", err)
			}
		})
	}
}

// flagSet sorts flags and folds their case (IMAP flags are
// case-insensitive, and imapmemserver returns them in lower case).
func flagSet[F ~string](flags []F) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = strings.ToLower(string(f))
	}
	slices.Sort(out)
	return out
}

func TestMemServerChanges(t *testing.T) {
	a := demo.OldProvider()
	m, err := demo.NewMemServer(a)
	if err != nil {
		t.Fatalf("NewMemServer() = %v", err)
	}
	addr := serve(t, m.Serve)
	c := login(t, addr, m.Username, m.Password)
	count := func(folder string) uint32 {
		t.Helper()
		st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			t.Fatalf("Status(%q) = %v", folder, err)
		}
		return *st.NumMessages
	}

	inbox := a.Folder("INBOX")
	n := len(inbox.Messages)
	uid, err := m.Append("INBOX", inbox.Messages[0])
	if err != nil || uid != imap.UID(n+1) {
		t.Errorf("Append() = %d, %v; want %d", uid, err, n+1)
	}
	if got := count("INBOX"); got != uint32(n+1) {
		t.Errorf("after Append: %d messages, want %d", got, n+1)
	}

	if err := m.Expunge("INBOX", 1, 2); err != nil {
		t.Errorf("Expunge() = %v", err)
	}
	if got := count("INBOX"); got != uint32(n-1) {
		t.Errorf("after Expunge: %d messages, want %d", got, n-1)
	}

	if err := m.SetFlags("INBOX", 3, `\Flagged`); err != nil {
		t.Errorf("SetFlags() = %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("Select() = %v", err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(3), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(msgs) != 1 || !slices.Equal(flagSet(msgs[0].Flags), []string{`\flagged`}) {
		t.Errorf("FLAGS after SetFlags = %v, %v", msgs, err)
	}
	c.Unselect().Wait()

	before, err := m.UIDValidity("取引先")
	if err != nil {
		t.Fatalf("UIDValidity() = %v", err)
	}
	after, err := m.RecreateFolder("取引先")
	if err != nil || after == before {
		t.Errorf("RecreateFolder() = %d, %v; want a UIDVALIDITY other than %d", after, err, before)
	}
	if got := count("取引先"); got != 0 {
		t.Errorf("after RecreateFolder: %d messages, want 0", got)
	}

	if err := m.RenameFolder("Archive/2019", "Archive/Old"); err != nil {
		t.Errorf("RenameFolder() = %v", err)
	}
	if err := m.DeleteFolder("Junk"); err != nil {
		t.Errorf("DeleteFolder() = %v", err)
	}
	if err := m.CreateFolder("New"); err != nil {
		t.Errorf("CreateFolder() = %v", err)
	}
	names := testimap.FolderNames(t, c)
	for name, want := range map[string]bool{"Archive/Old": true, "Archive/2019": false, "Junk": false, "New": true, "取引先": true} {
		if slices.Contains(names, name) != want {
			t.Errorf("LIST = %q; has %q = %v, want %v", names, name, !want, want)
		}
	}
}

func TestServeEmptyAccount(t *testing.T) {
	a := &demo.Account{User: "new@new-isp.example", Password: "pw"}
	addr := serve(t, func(ctx context.Context, ln net.Listener) error { return demo.Serve(ctx, ln, a) })
	c := login(t, addr, a.User, a.Password)
	list, err := c.List("", "*", nil).Collect()
	if err != nil || len(list) != 1 || list[0].Mailbox != "INBOX" {
		t.Errorf("List() = %v, %v; want only INBOX", list, err)
	}
}

func TestServeStopsBeforeStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := demo.Serve(ctx, ln, &demo.Account{User: "u", Password: "p"}); err != nil {
		t.Errorf("Serve(cancelled) = %v, want nil", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("listener still open")
	}
}

// The demo's new account is served beside the old one, empty, with its own
// password; mail appended to it stays in it, and the old account is as
// before.
func TestAddAccountServesNewProvider(t *testing.T) {
	old, nw := demo.OldProvider(), demo.NewProvider()
	m, err := demo.NewMemServer(old)
	if err != nil {
		t.Fatalf("NewMemServer() = %v", err)
	}
	if err := m.AddAccount(nw); err != nil {
		t.Fatalf("AddAccount() = %v", err)
	}
	addr := serve(t, m.Serve)
	if nw.User == old.User || !strings.Contains(nw.User, "@") {
		t.Fatalf("NewProvider().User = %q, want an address other than %q", nw.User, old.User)
	}

	c := login(t, addr, nw.User, nw.Password)
	list, err := c.List("", "*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Collect()
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	if len(list) != 1 || list[0].Mailbox != "INBOX" || list[0].Status == nil || *list[0].Status.NumMessages != 0 {
		t.Fatalf("new account LIST = %+v, want only an empty INBOX", list)
	}
	msg := old.Folders[0].Messages[0]
	cmd := c.Append("INBOX", int64(len(msg.Raw)), nil)
	if _, err := cmd.Write(msg.Raw); err != nil {
		t.Fatalf("Append write = %v", err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("Append close = %v", err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *st.NumMessages != 1 {
		t.Fatalf("new INBOX after APPEND: %v, %v; want 1 message", st, err)
	}

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	bad := imapclient.New(conn, nil)
	defer bad.Close()
	if err := bad.Login(nw.User, old.Password).Wait(); err == nil {
		t.Error("Login(new account, old password) = nil, want an error")
	}

	oc := login(t, addr, old.User, old.Password)
	ost, err := oc.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *ost.NumMessages != uint32(len(old.Folder("INBOX").Messages)) {
		t.Errorf("old INBOX: %v, %v; want %d messages", ost, err, len(old.Folder("INBOX").Messages))
	}
}
