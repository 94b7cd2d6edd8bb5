package app

import (
	"context"
	"io"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/migrate"
)

// The app talks to the engine only through these small interfaces, so the
// screens' tests run on fakes. engine_real.go has the implementations that
// call the engine packages.

// Discoverer finds server settings for an address (internal/autoconfig).
type Discoverer interface {
	Discover(ctx context.Context, email string) (autoconfig.Settings, error)
}

// Connector checks that the account can be reached and logged into.
type Connector interface {
	TestConnection(ctx context.Context, cfg imapconn.Config) error
}

// Surveyor looks at the account before a backup (backup.Survey).
type Surveyor interface {
	Survey(ctx context.Context, opts backup.Options) (backup.SurveyResult, error)
}

// MailApps finds the account's mail-app stores on this computer
// (backup.FindStores); the backup copies them (backup.Options.Stores).
type MailApps interface {
	FindStores(ctx context.Context, in StoresInput) ([]backup.FoundStore, error)
}

// StoresInput is the account whose stores are looked for, and where.
type StoresInput struct {
	Conn  imapconn.Config
	Home  string   // "" is the person's home folder (the demo has one of its own)
	Paths []string // added by the person: a copy of an old disk, an app's folder
}

// Backuper runs a backup (backup.Run).
type Backuper interface {
	Backup(ctx context.Context, opts backup.Options) (backup.Summary, error)
}

// POP3er is the engine for an account the person reads over POP3: the
// connection test, "Before you start", and the backup (backup.RunPOP3).
// The gate takes the POP3 mailbox in GateInput.POP3.
type POP3er interface {
	TestConnection(ctx context.Context, cfg pop3.Config) error
	Survey(ctx context.Context, opts backup.POP3Options) (backup.SurveyResult, error)
	Backup(ctx context.Context, opts backup.POP3Options) (backup.Summary, error)
}

// ContactBook extracts and exports the address book (addressbook).
type ContactBook interface {
	// Load extracts the address book from the archive, with the mail
	// apps' own address books merged in; problems names each of those
	// that could not be read (one line each): the rest is still there.
	Load(ctx context.Context, archiveDir string) (book *addressbook.Book, problems []string, err error)
	// Export writes book to path and records the export in the archive
	// (the removal gate asks for it).
	Export(ctx context.Context, archiveDir, path string, f addressbook.Format, book *addressbook.Book) (addressbook.ExportRecord, error)
}

// Gate decides whether the old account may be removed (package migrate).
type Gate interface {
	// Verify compares the archive with the live server and records the
	// result in the archive (the gate reads it).
	Verify(ctx context.Context, in GateInput, sink progress.Sink) error
	// Check evaluates the gate now. A verdict may come with an error (a
	// server that cannot be reached keeps the gate closed).
	Check(ctx context.Context, in GateInput) (GateVerdict, error)
	// Remove forgets the account, only through a green gate checked again
	// at that moment; forget removes the saved profile and password. The
	// mail on the server is not touched.
	Remove(ctx context.Context, in GateInput, forget func(context.Context) error) error
	// Report writes the removal report: HTML at path in lang ("en" or
	// "ja"), and the same as JSON beside it.
	Report(ctx context.Context, in GateInput, path, lang string) error
	// Repair mends the archive's two copies from each other (mailark
	// repair) and returns how many messages have no intact copy left.
	Repair(ctx context.Context, archiveDir string) (unrepaired int, err error)
	// ImportStores copies into the archive every mail-app store on this
	// computer that the gate lists for the account and that Mailark can
	// read (mailark import), and returns how many messages it added.
	ImportStores(ctx context.Context, in GateInput, sink progress.Sink) (added int64, err error)
}

// GateInput is what the gate looks at.
type GateInput struct {
	Conn imapconn.Config
	// POP3, when set, is the account's POP3 mailbox: verification, the
	// gate, removal and the report ask it over POP3 instead of Conn.
	POP3       *pop3.Config
	ArchiveDir string
	// StoresHome is the home folder the gate looks under for the mail
	// apps' stores; "" is the person's own (the demo has one of its own).
	StoresHome string
}

// GateVerdict is the checklist and the gate's answer. Open is what the
// gate decided (gate.Verdict.Open): the window shows it and never works it
// out from the conditions itself.
type GateVerdict struct {
	Open       bool
	Conditions []GateCondition
}

// GateCondition is one line of the checklist. Text says it in a language
// ("en", "ja"); Reason is the engine's English, shown when Text is nil.
// Action is what fixes a red one (one of the Action constants).
type GateCondition struct {
	ID     string
	OK     bool
	Reason string
	Text   func(lang string) string
	Action string
}

// What fixes a red gate condition; each has its button on step 6.
const (
	ActionVerify   = "verify"   // check the archive against the server again
	ActionBackup   = "backup"   // back up again (new or missing mail, failed messages)
	ActionContacts = "contacts" // export the address book
	ActionRepair   = "repair"   // mend a damaged archive file from its other copy
	ActionImport   = "import"   // copy the account's mail-app stores into the archive
)

// Migrator moves the mail into the new account and drafts the message that
// tells the contacts (package migrate). It never sends mail.
type Migrator interface {
	// Mapping plans where each archived folder goes in the new account.
	Mapping(ctx context.Context, in MigrateInput) ([]migrate.MappingEntry, error)
	// Copy copies the archive into the new account, with flags and dates.
	// A cancelled run returns its summary so far and an error matching
	// context.Canceled; running again goes on and copies nothing twice.
	Copy(ctx context.Context, in MigrateInput, sink progress.Sink) (migrate.CopySummary, error)
	// Compose drafts the "my address has changed" message(s) without
	// saving them anywhere.
	Compose(ctx context.Context, in AnnounceInput) (migrate.AnnounceResult, error)
	// SaveDrafts composes the same drafts and saves them in the new
	// account's Drafts folder; drafts already there are not added again.
	SaveDrafts(ctx context.Context, in AnnounceInput) (migrate.AnnounceResult, error)
}

// MigrateInput is what a copy needs: the archive and the new account.
type MigrateInput struct {
	ArchiveDir string
	Conn       imapconn.Config // the new account
	// FromIncompleteBackup: the person chose to copy from an archive
	// that is not a verified, complete copy of the old account.
	FromIncompleteBackup bool
}

// AnnounceInput is the message to the contacts as the person chose it.
type AnnounceInput struct {
	ArchiveDir string
	Conn       imapconn.Config // the new account: the drafts go to its Drafts folder
	NewAddress string
	// Contacts are the addresses to tell; nil tells everyone in the
	// address book (automated senders left out).
	Contacts []string
	Lang     string // "en", "ja" or "both"
	// Text, when set, is the message as the person edited it: the first
	// line "Subject: ...", then the body. It is used word for word.
	Text string
}

// ArchiveOpener opens an archive read-only for the Archive view.
type ArchiveOpener interface {
	OpenArchive(ctx context.Context, dir string) (ArchiveReader, error)
}

// ArchiveReader is the read-only view of one archive.
type ArchiveReader interface {
	Folders(ctx context.Context) ([]ArchiveFolder, error)
	// Messages returns the newest limit messages of a folder, newest first.
	Messages(ctx context.Context, folderID int64, limit int) ([]*archive.MessageInfo, error)
	// Search first makes searchable what a stopped backup saved but did
	// not index, when it can (backup.IndexForSearch).
	Search(ctx context.Context, query string, limit int) ([]*archive.MessageInfo, error)
	// Unsearchable is how many messages the last Search could not look at
	// (not indexed yet), and whether because a backup is writing the
	// archive (it indexes them before it ends).
	Unsearchable() (n int64, busy bool)
	// Open returns the exact bytes of a message.
	Open(ctx context.Context, id int64) (io.Reader, error)
	// Failures lists messages the server would not deliver, still open.
	Failures(ctx context.Context) ([]archive.Failure, error)
	Close() error
}

// ArchiveFolder is a folder as the Archive view lists it.
type ArchiveFolder struct {
	ID       int64
	Name     string
	Role     string
	Current  bool // false: an older generation kept after UIDVALIDITY changed
	Messages int64
	Bytes    int64
}

// Engine bundles what the app needs. A zero field is filled from
// RealEngine.
type Engine struct {
	Discover Discoverer
	Conn     Connector
	Survey   Surveyor
	Stores   MailApps
	Backup   Backuper
	POP3     POP3er
	Contacts ContactBook
	Gate     Gate
	Migrate  Migrator
	Archive  ArchiveOpener
}

func (e Engine) withDefaults() Engine {
	r := RealEngine()
	orReal(&e.Discover, r.Discover)
	orReal(&e.Conn, r.Conn)
	orReal(&e.Survey, r.Survey)
	orReal(&e.Stores, r.Stores)
	orReal(&e.Backup, r.Backup)
	orReal(&e.POP3, r.POP3)
	orReal(&e.Contacts, r.Contacts)
	orReal(&e.Gate, r.Gate)
	orReal(&e.Migrate, r.Migrate)
	orReal(&e.Archive, r.Archive)
	return e
}

// orReal sets a zero (nil) field of an Engine to the real engine's.
func orReal[T comparable](field *T, realOne T) {
	var zero T
	if *field == zero {
		*field = realOne
	}
}
