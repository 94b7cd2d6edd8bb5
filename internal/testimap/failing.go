package testimap

import (
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// FailingSession answers NO for the bodies of some UIDs of one folder, as a
// server does for a message it cannot read from its own storage; it serves
// the other messages of the same FETCH first. With Omit it leaves those
// messages out and answers OK, as a server that lost them silently does.
type FailingSession struct {
	imapserver.SessionIMAP4rev2
	Folder  string
	Bad     map[imap.UID]bool
	Omit    bool
	current string
}

func (s *FailingSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	s.current = mailbox
	return s.SessionIMAP4rev2.Select(mailbox, options)
}

func (s *FailingSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	uids, ok := numSet.(imap.UIDSet)
	if !ok || len(options.BodySection) == 0 || s.current != s.Folder {
		return s.SessionIMAP4rev2.Fetch(w, numSet, options)
	}
	var keep imap.UIDSet
	hit := false
	for _, r := range uids {
		for uid := r.Start; uid != 0 && uid <= r.Stop; uid++ {
			if s.Bad[uid] {
				hit = true
			} else {
				keep.AddNum(uid)
			}
			if uid == r.Stop {
				break
			}
		}
	}
	if len(keep) > 0 {
		if err := s.SessionIMAP4rev2.Fetch(w, keep, options); err != nil {
			return err
		}
	}
	if hit && !s.Omit {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeServerBug,
			Text: "Internal error occurred. Refer to server log for more information."}
	}
	return nil
}

// ServeWrapped serves s's account on another 127.0.0.1 port, each session
// passed through wrap (while wrap returns it unchanged, the server behaves
// like s), until the test ends. It returns the port.
func (s *Server) ServeWrapped(t testing.TB, wrap func(imapserver.SessionIMAP4rev2) imapserver.Session) int {
	t.Helper()
	return s.ServeWith(t, func(opts *imapserver.Options) {
		newSession := opts.NewSession
		opts.NewSession = func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess, g, err := newSession(c)
			if err != nil {
				return sess, g, err
			}
			return wrap(sess.(imapserver.SessionIMAP4rev2)), g, nil
		}
	})
}

// ServeWith serves s's account on another 127.0.0.1 port with its server
// options changed by change (fewer capabilities, other sessions), until the
// test ends. It returns the port.
func (s *Server) ServeWith(t testing.TB, change func(*imapserver.Options)) int {
	t.Helper()
	opts := s.Mem.Options()
	change(opts)
	return ServeOptions(t, opts)
}

// ServeOptions serves an IMAP server made of opts on a new 127.0.0.1 port
// until the test ends. It returns the port.
func ServeOptions(t testing.TB, opts *imapserver.Options) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}
