package gate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// twinSession answers FETCHes of message data from a twin of the account
// once the twin is switched on, and everything else (SELECT, STATUS, LIST,
// STORE, EXPUNGE) from the real account: a server whose counters are
// exactly what was verified but whose messages are not all the ones
// archived, as a folder rebuilt under its old UIDVALIDITY is.
type twinSession struct {
	imapserver.SessionIMAP4rev2
	twin *imapmemserver.UserSession
	on   *atomic.Bool
}

func (s *twinSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	s.twin.Select(mailbox, options) // a folder the twin lacks: fetches find nothing
	return s.SessionIMAP4rev2.Select(mailbox, options)
}

func (s *twinSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if s.on.Load() && (len(options.BodySection) > 0 || options.RFC822Size || options.InternalDate) {
		return s.twin.Fetch(w, numSet, options)
	}
	return s.SessionIMAP4rev2.Fetch(w, numSet, options)
}

// serveTwin serves e's account through twinSessions on a twin made from
// the demo account by change; the returned switch turns the twin on.
func serveTwin(t *testing.T, e *env, change func(a *demo.Account)) *atomic.Bool {
	t.Helper()
	acct := demo.OldProvider()
	change(acct)
	twin, err := demo.NewMemServer(acct)
	if err != nil {
		t.Fatal(err)
	}
	on := &atomic.Bool{}
	e.conn.Port = e.srv.ServeWith(t, func(o *imapserver.Options) {
		newSession := o.NewSession
		o.NewSession = func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s, g, err := newSession(c)
			return &twinSession{SessionIMAP4rev2: s.(imapserver.SessionIMAP4rev2),
				twin: imapmemserver.NewUserSession(twin.MemUser), on: on}, g, err
		}
	})
	return on
}

// lastFolder is the demo folder removal deletes last; a difference there
// shows that no folder is deleted before every one is checked.
func lastFolder(a *demo.Account) *demo.Folder {
	for i := len(a.Folders) - 1; i >= 0; i-- {
		if len(a.Folders[i].Messages) > 2 {
			return &a.Folders[i]
		}
	}
	panic("demo account without folders")
}

// sameLengthHeaderEdit changes one byte of the header, keeping the size.
func sameLengthHeaderEdit(t testing.TB, raw []byte) []byte {
	t.Helper()
	for _, field := range []string{"Subject: ", "From: ", "Date: "} {
		if i := bytes.Index(raw, []byte(field)); i >= 0 && i < bytes.Index(raw, []byte("\r\n\r\n")) {
			out := bytes.Clone(raw)
			out[i+len(field)-1] = '\t'
			return out
		}
	}
	t.Fatalf("no header field to change in %.200q", raw)
	return nil
}

// TestRemoveRefusesAMessageThatIsNotTheArchivedOne: with the counters the
// verification saw, one message of the last folder is not the archived
// one; Remove deletes nothing anywhere and says which message differs.
func TestRemoveRefusesAMessageThatIsNotTheArchivedOne(t *testing.T) {
	cases := []struct {
		name   string
		deep   bool
		change func(t testing.TB, m *demo.Message)
		detail string
	}{
		{"header differs, same size", false, func(t testing.TB, m *demo.Message) { m.Raw = sameLengthHeaderEdit(t, m.Raw) },
			"its header fields are not the archived message's"},
		{"size differs", false, func(t testing.TB, m *demo.Message) { m.Raw = append(bytes.Clone(m.Raw), "more\r\n"...) },
			"has RFC822.SIZE"},
		{"internal date differs", false, func(t testing.TB, m *demo.Message) { m.InternalDate = m.InternalDate.Add(time.Hour) },
			"has INTERNALDATE"},
		{"body differs, deep", true, func(t testing.TB, m *demo.Message) {
			raw := bytes.Clone(m.Raw)
			raw[len(raw)-3] ^= 0x20
			m.Raw = raw
		}, "its bytes are not the archived message's"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			var folder string
			var uid uint32
			on := serveTwin(t, e, func(a *demo.Account) {
				f := lastFolder(a)
				folder, uid = f.Name, uint32(len(f.Messages)/2+1)
				c.change(t, &f.Messages[uid-1])
			})
			e.backup()
			e.export()
			e.verify(false)
			if v := e.check(); !v.Open {
				t.Fatalf("Check() = closed: %v", v.Reasons())
			}
			on.Store(true)
			before := serverCounts(t, e.srv)
			opts := e.removeOpts(true, e.srv.User)
			opts.Deep = c.deep
			res, err := gate.Remove(context.Background(), opts)
			if !errors.Is(err, gate.ErrServerChanged) || mailerr.KindOf(err) != mailerr.ServerChanged {
				t.Fatalf("Remove() = %v, want ErrServerChanged", err)
			}
			want := fmt.Sprintf("%s uid %d", folder, uid)
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), c.detail) {
				t.Errorf("Remove() = %v, want it to name %q and say %q", err, want, c.detail)
			}
			if res.Messages != 0 || len(res.Deleted) != 0 || e.removedAt() != "" {
				t.Errorf("deleted %d in %v, removed_at %q; want nothing", res.Messages, res.Deleted, e.removedAt())
			}
			after := serverCounts(t, e.srv)
			tallyRefusal(before, after)
			sameCounts(t, before, after)
		})
	}
	t.Run("a UID that does not answer", func(t *testing.T) {
		e := newEnv(t)
		var folder string
		on := serveTwin(t, e, func(a *demo.Account) {
			f := lastFolder(a)
			folder = f.Name
			f.Messages = f.Messages[:len(f.Messages)-1]
		})
		e.backup()
		e.export()
		e.verify(false)
		on.Store(true)
		before := serverCounts(t, e.srv)
		res, err := gate.Remove(context.Background(), e.removeOpts(true, e.srv.User))
		if !errors.Is(err, gate.ErrServerChanged) || !strings.Contains(err.Error(), "did not answer") ||
			!strings.Contains(err.Error(), folder) {
			t.Fatalf("Remove() = %v, want ErrServerChanged naming a UID of %s that did not answer", err, folder)
		}
		if res.Messages != 0 {
			t.Errorf("deleted %d", res.Messages)
		}
		after := serverCounts(t, e.srv)
		tallyRefusal(before, after)
		sameCounts(t, before, after)
	})
}

// TestRemoveChecksEveryFolderThenEachRightBeforeDeleting: as the server
// sees it, removal first fetches every folder's verified set (sizes, dates,
// headers) before anything is deleted anywhere, then, folder by folder,
// selects the folder, fetches its set again, and only then marks and
// expunges exactly that set. A UID EXPUNGE with no check of its folder's
// set right before it fails this test.
func TestRemoveChecksEveryFolderThenEachRightBeforeDeleting(t *testing.T) {
	for _, deep := range []bool{false, true} {
		t.Run(fmt.Sprintf("deep=%v", deep), func(t *testing.T) {
			e := newEnv(t)
			log := recordDeletions(t, e)
			e.backup()
			e.export()
			e.verify(false)
			log.checks.Store(true)
			opts := e.removeOpts(true, e.srv.User)
			opts.Deep = deep
			res, err := gate.Remove(context.Background(), opts)
			if err != nil {
				t.Fatalf("Remove() = %v", err)
			}
			if res.Messages != 615 || len(res.Deleted) != 9 {
				t.Fatalf("deleted %d in %d folders, want 615 in 9", res.Messages, len(res.Deleted))
			}
			first := "BODY[HEADER]"
			if deep {
				first = "BODY[]"
			}
			var want []string
			for _, d := range res.Deleted {
				want = append(want, "SELECT "+d.Folder, fmt.Sprintf("UID FETCH %s %s %s size=true date=true", d.Folder, d.UIDs, first))
			}
			for _, d := range res.Deleted {
				want = append(want, "SELECT "+d.Folder,
					fmt.Sprintf("UID FETCH %s %s BODY[HEADER] size=true date=true", d.Folder, d.UIDs),
					fmt.Sprintf(`UID STORE %s %s op=1 silent=true [\Deleted]`, d.Folder, d.UIDs),
					fmt.Sprintf("UID EXPUNGE %s %s", d.Folder, d.UIDs))
			}
			if got := log.all(); !slices.Equal(got, want) {
				t.Errorf("the server saw:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestRemoveChecksEachFolderCountersRightBeforeDeleting: mail that arrives
// in a folder after the first check, while an earlier folder is being
// deleted, stops the removal at that folder: its messages and the new one
// stay, and the result lists what was deleted before.
func TestRemoveChecksEachFolderCountersRightBeforeDeleting(t *testing.T) {
	e := ready(t)
	before := serverCounts(t, e.srv)
	opts := e.removeOpts(true, e.srv.User)
	// The folder removal deletes last: the verification's order.
	ctx := context.Background()
	a := e.archive()
	v, err := a.LastVerification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vfs, err := a.VerificationFolders(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for _, vf := range vfs {
		if vf.VerifiedUIDs != "" {
			last = vf.Name
		}
	}
	a.Close()
	arrived := false
	opts.Progress = func(ev progress.Event) {
		if ev.Notice != nil && ev.Notice.Kind == progress.FolderDone && !arrived && ev.Folder != last {
			arrived = true
			e.srv.AppendMessage(last, []byte("Subject: just now\r\n\r\nx\r\n"), nil, time.Now())
		}
	}
	res, err := gate.Remove(context.Background(), opts)
	if !errors.Is(err, gate.ErrServerChanged) || mailerr.KindOf(err) != mailerr.ServerChanged || !strings.Contains(err.Error(), last) {
		t.Fatalf("Remove() with mail arriving in %s while deleting = %v, want ErrServerChanged naming it", last, err)
	}
	if !arrived || len(res.Deleted) == 0 {
		t.Fatalf("arrived %v, deleted %v: the test did not run as planned", arrived, res.Deleted)
	}
	for _, d := range res.Deleted {
		if d.Folder == last {
			t.Errorf("%s deleted after new mail arrived in it: %+v", last, d)
		}
	}
	if n := serverCounts(t, e.srv)[last]; n != before[last]+1 {
		t.Errorf("%s: %d messages, want the %d verified and the new one", last, n, before[last])
	}
}
