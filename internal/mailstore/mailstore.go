// Package mailstore reads the mail that mail apps keep on this computer
// (Apple Mail, Thunderbird, Outlook Express, Windows Live Mail, Becky!, and
// plain mbox files, Maildirs and folders of .eml files), so that mail which
// lives only in an app can be archived like a server's.
//
// Each format is a Format, registered by its file (apple.go, thunderbird.go…)
// in init. A Format finds its stores in the app's default places under a
// home folder (Find), recognises a path given by the user (Probe), and opens
// a store for reading (Open). Readers only read: files are opened read-only,
// never locked for writing, never changed. They stream: a message is handed
// over as an Open function, never a whole folder in memory, and a broken or
// hostile file gives a per-message or per-file error, never a panic.
//
// Importing into the archive is backup.Ingest's work (the one writer for
// sources other than the IMAP server); this package knows nothing of the
// archive.
package mailstore

import (
	"context"
	"errors"
	"io"
	"sort"
	"sync"
	"time"
)

// Account is what an app's own settings say of the account a store holds.
type Account struct {
	Name     string // the account's name in the app
	Address  string // the user's email address, when known
	User     string // the login
	Server   string // the incoming server's host name
	Protocol string // "pop3", "imap", or "" (local folders, unknown)
}

// Store is one store found on disk: an app's mail for one account (or its
// local folders), or one mbox file, Maildir or folder of .eml files.
type Store struct {
	Kind    string // an archive.Source* kind: "thunderbird", "apple-mail"…
	App     string // the app's name as users know it: "Thunderbird"
	Path    string // the store's root, absolute
	Account Account
	// NotRead is set when the store was found but Mailark cannot read it
	// (Outlook's .pst/.ost): why, in one line. Such a store is listed, and
	// keeps the removal gate closed for its account.
	NotRead string
	// Found by Find or Probe without opening every message: an estimate.
	Bytes int64
}

// Folder is one folder of a store.
type Folder struct {
	Name   string // levels separated by "/": "Inbox", "Archives/2019"
	Role   string // "inbox", "sent", "drafts", "trash", "junk", or ""
	Origin string // where it is, relative to the store's root
}

// Message is one message of a folder, as the store holds it.
type Message struct {
	// Key is the message's identity in the store when the format has one
	// that survives the app's compaction (Apple Mail's message number);
	// empty when the content is the identity (mbox: see backup.Ingest).
	Key    string
	Origin string    // the file (and offset) it was read from, relative to the store's root
	Flags  []string  // IMAP flag names: \Seen \Answered \Flagged \Deleted \Draft, keywords
	Date   time.Time // when it arrived, if the store says; zero otherwise
	Sender string    // the envelope sender, if the store keeps it
	// Partial is set when the store holds the message incomplete (an Apple
	// Mail .partial.emlx whose attachment file is gone): what is missing.
	// The bytes that are there are still delivered.
	Partial string
	// Warning says what the store lost of the message beyond its bytes (an
	// Apple Mail .emlx whose property list is not valid: its flags and
	// date), for the import's summary; the bytes are still delivered.
	Warning string
	// Open returns the exact bytes of the message (after the format's own
	// unquoting or unstuffing). It may be called once. An error is this
	// message's alone: the import records it and goes on.
	Open func() (io.ReadCloser, error)
}

// Reader reads one opened store.
type Reader interface {
	// Folders lists the store's folders.
	Folders(ctx context.Context) ([]Folder, error)
	// Messages calls fn for each message of f, in the store's order. An
	// error from fn stops it and is returned. ErrChanged: the folder's
	// files changed while they were read.
	Messages(ctx context.Context, f Folder, fn func(*Message) error) error
	Close() error
}

// Format is one kind of store.
type Format interface {
	Kind() string // the archive.Source* kind
	App() string  // "Apple Mail"
	// Find returns the stores in the app's default places for the OS goos
	// ("darwin", "windows", "linux"), under home: the user's home folder
	// (on Windows, the folder holding AppData).
	Find(home, goos string) ([]*Store, error)
	// Probe reports whether path is (the root of) a store of this kind:
	// nil, nil when it is not.
	Probe(path string) (*Store, error)
	// Open opens a store found by Find or Probe.
	Open(s *Store) (Reader, error)
}

// ErrChanged is returned when a store's files change while they are read:
// the import stops for that folder and says so, rather than reading half.
var ErrChanged = errors.New("the mail app changed its files while Mailark read them: close the app and import again")

var (
	mu      sync.Mutex
	formats = map[string]Format{}
)

// Register adds a format. It is called from init.
func Register(f Format) {
	mu.Lock()
	defer mu.Unlock()
	formats[f.Kind()] = f
}

// Formats lists the registered formats by kind.
func Formats() []Format {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Format, 0, len(formats))
	for _, f := range formats {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind() < out[j].Kind() })
	return out
}

// Lookup returns the format of that kind, nil if none.
func Lookup(kind string) Format {
	mu.Lock()
	defer mu.Unlock()
	return formats[kind]
}
