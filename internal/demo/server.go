package demo

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// MemServer is an Account loaded into go-imap's in-memory server. Its
// methods change the mailboxes while clients are connected, the way a
// provider's other clients would, so tests can check what a backup does
// when mail arrives, is expunged, or a folder is renamed or recreated.
type MemServer struct {
	Mem      *imapmemserver.Server
	MemUser  *imapmemserver.User
	Username string
	Password string
	// Logger receives the IMAP server's error messages; nil means
	// log.Default(). Set it before Serve.
	Logger imapserver.Logger
}

// NewMemServer loads a into a new in-memory server: each folder (and any
// missing parent, and INBOX), subscribed, then every message in order with
// its flags and internal date, so UIDs count up from 1 in each folder.
func NewMemServer(a *Account) (*MemServer, error) {
	m := &MemServer{Mem: imapmemserver.New(), MemUser: imapmemserver.NewUser(a.User, a.Password), Username: a.User, Password: a.Password}
	m.Mem.AddUser(m.MemUser)
	if err := load(m.MemUser, a); err != nil {
		return nil, err
	}
	return m, nil
}

// AddAccount loads another account into the same server, beside the first
// (the demo's new account, NewProvider, to move the mail into). The
// MemServer's methods keep changing the first account only.
func (m *MemServer) AddAccount(a *Account) error {
	u := imapmemserver.NewUser(a.User, a.Password)
	if err := load(u, a); err != nil {
		return err
	}
	m.Mem.AddUser(u)
	return nil
}

// load creates a's folders in u (with any missing parent, and INBOX),
// subscribed, then appends every message in order.
func load(u *imapmemserver.User, a *Account) error {
	created := map[string]bool{}
	ensure := func(name string) error {
		if created[name] {
			return nil
		}
		created[name] = true
		if err := u.Create(name, nil); err != nil {
			return fmt.Errorf("create %q: %w", name, err)
		}
		return u.Subscribe(name)
	}
	if err := ensure("INBOX"); err != nil {
		return err
	}
	for _, f := range a.Folders {
		parts := strings.Split(f.Name, "/")
		for i := range parts {
			if err := ensure(strings.Join(parts[:i+1], "/")); err != nil {
				return err
			}
		}
		for _, msg := range f.Messages {
			if _, err := appendTo(u, f.Name, msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// Options returns the IMAP server options Serve uses: IMAP4rev1 and
// IMAP4rev2 (for LIST-STATUS, MOVE, UIDPLUS) and plain LOGIN without TLS.
// Callers may change the copy, for example to set a DebugWriter.
func (m *MemServer) Options() *imapserver.Options {
	return &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return m.Mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       m.Logger,
	}
}

// Serve answers IMAP on ln until ctx is done, then closes ln and every
// connection and returns nil. It returns early with an error if accepting
// fails.
func (m *MemServer) Serve(ctx context.Context, ln net.Listener) error {
	return serve(ctx, ln, imapserver.New(m.Options()))
}

func serve(ctx context.Context, ln net.Listener, srv *imapserver.Server) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	var err error
	stopped := false
	select {
	case <-ctx.Done():
	case err = <-done:
		stopped = true
	}
	srv.Close()
	ln.Close() // in case Close came before Serve saw ln
	if !stopped {
		<-done
	}
	return err
}

// Serve runs go-imap's in-memory server holding a on ln until ctx is done.
// See MemServer.Serve.
func Serve(ctx context.Context, ln net.Listener, a *Account) error {
	m, err := NewMemServer(a)
	if err != nil {
		return err
	}
	return m.Serve(ctx, ln)
}

// Append adds msg at the end of folder and returns its UID. Clients that
// have folder selected learn of it on their next command or in IDLE.
func (m *MemServer) Append(folder string, msg Message) (imap.UID, error) {
	return appendTo(m.MemUser, folder, msg)
}

func appendTo(u *imapmemserver.User, folder string, msg Message) (imap.UID, error) {
	flags := make([]imap.Flag, len(msg.Flags))
	for i, f := range msg.Flags {
		flags[i] = imap.Flag(f)
	}
	data, err := u.Append(folder, bytes.NewReader(msg.Raw), &imap.AppendOptions{Flags: flags, Time: msg.InternalDate})
	if err != nil {
		return 0, fmt.Errorf("append to %q: %w", folder, err)
	}
	return data.UID, nil
}

// CreateFolder creates an empty folder; its parent must exist.
func (m *MemServer) CreateFolder(name string) error {
	if err := m.MemUser.Create(name, nil); err != nil {
		return fmt.Errorf("create %q: %w", name, err)
	}
	return m.MemUser.Subscribe(name)
}

// DeleteFolder removes a folder and its messages (not its children).
func (m *MemServer) DeleteFolder(name string) error {
	if err := m.MemUser.Delete(name); err != nil {
		return fmt.Errorf("delete %q: %w", name, err)
	}
	return nil
}

// RenameFolder renames a folder; its UIDVALIDITY and UIDs stay.
// Children keep their old names.
func (m *MemServer) RenameFolder(oldName, newName string) error {
	if err := m.MemUser.Rename(oldName, newName, nil); err != nil {
		return fmt.Errorf("rename %q to %q: %w", oldName, newName, err)
	}
	return nil
}

// RecreateFolder deletes a folder and creates it again, empty, with a new
// UIDVALIDITY, which it returns: what a client sees when a provider
// rebuilds a mailbox. Append the messages again to refill it.
func (m *MemServer) RecreateFolder(name string) (uint32, error) {
	if err := m.DeleteFolder(name); err != nil {
		return 0, err
	}
	if err := m.CreateFolder(name); err != nil {
		return 0, err
	}
	return m.UIDValidity(name)
}

// UIDValidity returns a folder's UIDVALIDITY.
func (m *MemServer) UIDValidity(folder string) (uint32, error) {
	st, err := m.MemUser.Status(folder, &imap.StatusOptions{UIDValidity: true})
	if err != nil {
		return 0, fmt.Errorf("status %q: %w", folder, err)
	}
	return st.UIDValidity, nil
}

// session opens a session on folder for changing messages in place.
func (m *MemServer) session(folder string) (*imapmemserver.UserSession, error) {
	s := imapmemserver.NewUserSession(m.MemUser)
	if _, err := s.Select(folder, nil); err != nil {
		return nil, fmt.Errorf("select %q: %w", folder, err)
	}
	return s, nil
}

// Expunge removes the messages with the given UIDs from folder. Clients
// that have it selected get EXPUNGE responses.
func (m *MemServer) Expunge(folder string, uids ...imap.UID) error {
	s, err := m.session(folder)
	if err != nil {
		return err
	}
	defer s.Close()
	set := imap.UIDSetNum(uids...)
	deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := s.Store(nil, set, deleted, nil); err != nil {
		return fmt.Errorf("store %q: %w", folder, err)
	}
	if err := s.Expunge(nil, &set); err != nil {
		return fmt.Errorf("expunge %q: %w", folder, err)
	}
	return nil
}

// SetFlags replaces the flags of the message with uid in folder.
func (m *MemServer) SetFlags(folder string, uid imap.UID, flags ...string) error {
	s, err := m.session(folder)
	if err != nil {
		return err
	}
	defer s.Close()
	f := make([]imap.Flag, len(flags))
	for i, fl := range flags {
		f[i] = imap.Flag(fl)
	}
	if err := s.Store(nil, imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsSet, Silent: true, Flags: f}, nil); err != nil {
		return fmt.Errorf("store %q: %w", folder, err)
	}
	return nil
}
