package demo

import (
	"slices"
	"sync"
	"time"
)

// Account is a mail account as a provider holds it: a user, a password and
// folders of messages.
type Account struct {
	User     string
	Password string
	Folders  []Folder
}

// Folder is one mailbox of an Account.
type Folder struct {
	// Name is the decoded folder name, with '/' between levels, for
	// example "Archive/2019" or "取引先".
	Name string
	// SpecialUse is "\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"
	// or "" (RFC 6154).
	SpecialUse string
	// Messages are in arrival order, which becomes UID order on a server.
	Messages []Message
}

// Message is one stored message.
type Message struct {
	// Raw is the message exactly as the server sends it for BODY[], with
	// CRLF line endings.
	Raw []byte
	// Flags are IMAP flags and keywords, for example "\\Seen",
	// "\\Answered" or "$Forwarded".
	Flags        []string
	InternalDate time.Time
}

// MessageCount returns the number of messages in all folders.
func (a *Account) MessageCount() int {
	n := 0
	for _, f := range a.Folders {
		n += len(f.Messages)
	}
	return n
}

// TotalBytes returns the size of all messages in all folders.
func (a *Account) TotalBytes() int64 {
	var n int64
	for _, f := range a.Folders {
		for _, m := range f.Messages {
			n += int64(len(m.Raw))
		}
	}
	return n
}

// Folder returns the folder with the given decoded name, or nil.
func (a *Account) Folder(name string) *Folder {
	for i := range a.Folders {
		if a.Folders[i].Name == name {
			return &a.Folders[i]
		}
	}
	return nil
}

// Clone returns a deep copy of a.
func (a *Account) Clone() *Account {
	c := &Account{User: a.User, Password: a.Password, Folders: make([]Folder, len(a.Folders))}
	for i, f := range a.Folders {
		msgs := make([]Message, len(f.Messages))
		for j, m := range f.Messages {
			msgs[j] = Message{Raw: slices.Clone(m.Raw), Flags: slices.Clone(m.Flags), InternalDate: m.InternalDate}
		}
		c.Folders[i] = Folder{Name: f.Name, SpecialUse: f.SpecialUse, Messages: msgs}
	}
	return c
}

// The demo account's login.
const (
	OldProviderUser     = "demo@old-isp.example"
	OldProviderPassword = "demo-password"
)

var (
	oldProviderOnce sync.Once
	oldProvider     *Account
)

// OldProvider returns the demo account. It is generated once from a fixed
// seed; every call returns a fresh deep copy, so callers may change it.
func OldProvider() *Account {
	oldProviderOnce.Do(func() { oldProvider, _ = generate() })
	return oldProvider.Clone()
}

// The demo's new account: where the mail moves to (the app's step 6). It
// is Hanako's address at her new provider, empty but for INBOX, served
// beside the old account by MemServer.AddAccount.
const (
	NewProviderUser     = "hanako@new-provider.example"
	NewProviderPassword = "new-demo-password"
)

// NewProvider returns the demo's new account, empty.
func NewProvider() *Account {
	return &Account{User: NewProviderUser, Password: NewProviderPassword}
}
