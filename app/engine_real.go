package app

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/migrate"
)

// RealEngine returns the engine packages behind the app's interfaces.
func RealEngine() Engine {
	return Engine{
		Discover: realDiscover{},
		Conn:     realConn{},
		Survey:   realSurvey{},
		Stores:   realStores{},
		Backup:   realBackup{},
		POP3:     realPOP3{},
		Contacts: realContacts{},
		Gate:     migrateGate{},
		Migrate:  realMigrator{},
		Archive:  realArchive{},
	}
}

type realDiscover struct{}

func (realDiscover) Discover(ctx context.Context, email string) (autoconfig.Settings, error) {
	return autoconfig.Discover(ctx, email, autoconfig.Options{})
}

type realConn struct{}

func (realConn) TestConnection(ctx context.Context, cfg imapconn.Config) error {
	return closeIfDialed(imapconn.Dial(ctx, cfg))
}

// closeIfDialed closes a connection that a connection test opened: the
// test is that it opened (err) and closes cleanly.
func closeIfDialed(c io.Closer, err error) error {
	if err != nil {
		return err
	}
	return c.Close()
}

type realSurvey struct{}

func (realSurvey) Survey(ctx context.Context, opts backup.Options) (backup.SurveyResult, error) {
	return backup.Survey(ctx, opts)
}

type realStores struct{}

func (realStores) FindStores(ctx context.Context, in StoresInput) ([]backup.FoundStore, error) {
	return backup.FindStores(ctx, backup.StoresOptions{Home: in.Home, Paths: in.Paths, User: in.Conn.User, Host: in.Conn.Host})
}

type realBackup struct{}

func (realBackup) Backup(ctx context.Context, opts backup.Options) (backup.Summary, error) {
	return backup.Run(ctx, opts)
}

type realPOP3 struct{}

func (realPOP3) TestConnection(ctx context.Context, cfg pop3.Config) error {
	return closeIfDialed(pop3.Dial(ctx, cfg))
}

func (realPOP3) Survey(ctx context.Context, opts backup.POP3Options) (backup.SurveyResult, error) {
	return backup.SurveyPOP3(ctx, opts)
}

func (realPOP3) Backup(ctx context.Context, opts backup.POP3Options) (backup.Summary, error) {
	return backup.RunPOP3(ctx, opts)
}

type realContacts struct{}

func (realContacts) Load(ctx context.Context, dir string) (*addressbook.Book, []string, error) {
	a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	// The mail apps' own address books on this computer join the mail's
	// (Apple Contacts, Thunderbird, Windows Contacts, Becky!); one that
	// cannot be read leaves the others and the mail.
	var opts addressbook.Options
	var problems []string
	if home, err := os.UserHomeDir(); err == nil {
		opts.Saved, problems = addressbook.FindSaved(ctx, home, runtime.GOOS, nil)
	}
	book, err := addressbook.FromArchive(ctx, a, opts)
	return book, problems, err
}

// Export writes the contacts the person selected (book holds only those, so
// automated senders they ticked are included) and records the export.
func (realContacts) Export(ctx context.Context, dir, path string, f addressbook.Format, book *addressbook.Book) (addressbook.ExportRecord, error) {
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		return addressbook.ExportRecord{}, err
	}
	defer a.Close()
	return addressbook.ExportToArchive(ctx, a, path, f, book, addressbook.ExportOptions{IncludeAutomated: true})
}

// migrateGate is the removal gate of package migrate: verification
// against the live server, the gate's conditions, removal and the report.
type migrateGate struct{}

func (migrateGate) Verify(ctx context.Context, in GateInput, sink progress.Sink) error {
	if in.POP3 != nil {
		_, err := gate.VerifyPOP3(ctx, gate.VerifyPOP3Options{Conn: *in.POP3, ArchiveDir: in.ArchiveDir, Progress: sink})
		return err
	}
	_, err := gate.Verify(ctx, gate.VerifyOptions{Conn: in.Conn, ArchiveDir: in.ArchiveDir, Progress: sink})
	return err
}

func (migrateGate) Check(ctx context.Context, in GateInput) (GateVerdict, error) {
	v, err := gate.Check(ctx, gate.GateOptions{Conn: in.Conn, POP3: in.POP3, ArchiveDir: in.ArchiveDir, Stores: gate.StoreSearch{Home: in.StoresHome}})
	return gateVerdict(v), err
}

func gateVerdict(v gate.Verdict) GateVerdict {
	out := GateVerdict{Open: v.Open}
	for _, c := range v.Conditions {
		c := c
		out.Conditions = append(out.Conditions, GateCondition{ID: c.ID, OK: c.OK, Reason: c.Reason,
			Text: func(lang string) string { return c.Text(gate.ParseLang(lang)) }, Action: actionFor(c)})
	}
	return out
}

// actionFor is what fixes a red condition: a damaged archive file is
// repaired, mail missing from the archive (or new on the server, or
// failed) is backed up again, the address book is exported, and anything
// else asks for a new verification.
func actionFor(c gate.Condition) string {
	if c.OK {
		return ""
	}
	switch c.ID {
	case gate.CondContactsExported:
		return ActionContacts
	case gate.CondStores:
		return ActionImport
	case gate.CondNoFailures, gate.CondServerUnchanged:
		return ActionBackup
	}
	backupNeeded := false
	for _, d := range c.Details {
		switch d.Kind {
		case gate.MboxFileMissing, gate.MboxTruncated, gate.MboxUnreadable, gate.MboxMessageMissing, gate.MboxMessageDiffers,
			gate.MboxOffsetDiffers, gate.MboxExtraEntry, gate.StoredMissing, gate.StoredDiffers, gate.ArchiveFileChanged:
			return ActionRepair
		case gate.MessageMissing, gate.SizeDiffers, gate.FolderNotArchived, gate.UIDValidityChanged:
			backupNeeded = true
		}
	}
	if backupNeeded {
		return ActionBackup
	}
	return ActionVerify
}

func (migrateGate) Repair(ctx context.Context, archiveDir string) (int, error) {
	a, err := archive.OpenForCheck(ctx, archiveDir, archive.Options{})
	if err != nil {
		return 0, err
	}
	defer a.Close()
	rep, err := archive.Repair(ctx, a)
	return rep.Unrepaired(), err
}

// ImportStores imports the stores the gate lists for the account (its
// offline verdict names them), each as mailark import would.
func (migrateGate) ImportStores(ctx context.Context, in GateInput, sink progress.Sink) (int64, error) {
	v, err := gate.Check(ctx, gate.GateOptions{Conn: in.Conn, ArchiveDir: in.ArchiveDir, Offline: true,
		Stores: gate.StoreSearch{Home: in.StoresHome}})
	if err != nil {
		return 0, err
	}
	var todo []*mailstore.Store
	for _, st := range v.Stores {
		if st.NotRead != "" {
			continue // Outlook's own files: nothing Mailark can copy
		}
		s, err := mailstore.At(st.Path, st.Kind)
		if err != nil {
			return 0, err
		}
		if s != nil {
			todo = append(todo, s)
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	a, err := archive.Open(ctx, in.ArchiveDir, archive.Options{})
	if err != nil {
		return 0, err
	}
	defer a.Close()
	var added int64
	for _, s := range todo {
		sum, err := backup.Import(ctx, a, s, backup.ImportOptions{Progress: sink})
		if sum != nil {
			added += sum.Added
		}
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

func (migrateGate) Remove(ctx context.Context, in GateInput, forget func(context.Context) error) error {
	_, err := gate.Remove(ctx, gate.RemoveOptions{Conn: in.Conn, POP3: in.POP3, ArchiveDir: in.ArchiveDir, Stores: gate.StoreSearch{Home: in.StoresHome},
		Forget: func(ctx context.Context, _ gate.Account) error { return forget(ctx) }})
	return err
}

func (migrateGate) Report(ctx context.Context, in GateInput, path, lang string) error {
	r, err := gate.BuildReport(ctx, gate.ReportOptions{ArchiveDir: in.ArchiveDir, Conn: in.Conn, POP3: in.POP3, Stores: gate.StoreSearch{Home: in.StoresHome}})
	if err != nil {
		return err
	}
	if err := r.SaveHTML(ctx, path, gate.ParseLang(lang)); err != nil {
		return err
	}
	return r.SaveJSON(ctx, strings.TrimSuffix(path, filepath.Ext(path))+".json")
}

// realMigrator is package migrate's copy and announcement.
type realMigrator struct{}

func (realMigrator) Mapping(ctx context.Context, in MigrateInput) ([]migrate.MappingEntry, error) {
	return migrate.CopyMapping(ctx, migrate.CopyOptions{ArchiveDir: in.ArchiveDir, Conn: in.Conn})
}

func (realMigrator) Copy(ctx context.Context, in MigrateInput, sink progress.Sink) (migrate.CopySummary, error) {
	return migrate.Copy(ctx, migrate.CopyOptions{ArchiveDir: in.ArchiveDir, Conn: in.Conn, Progress: sink,
		FromIncompleteBackup: in.FromIncompleteBackup, Limits: appLimits(), WaitForBudget: true})
}

func (realMigrator) Compose(ctx context.Context, in AnnounceInput) (migrate.AnnounceResult, error) {
	return migrate.ComposeAnnouncements(ctx, announceOptions(in))
}

func (realMigrator) SaveDrafts(ctx context.Context, in AnnounceInput) (migrate.AnnounceResult, error) {
	opts := announceOptions(in)
	opts.Conn = in.Conn
	return migrate.Announce(ctx, opts)
}

// announceOptions: drafts of up to 50 people as Bcc, addressed to the
// person's new address; an edited text is used as it is.
func announceOptions(in AnnounceInput) migrate.AnnounceOptions {
	opts := migrate.AnnounceOptions{ArchiveDir: in.ArchiveDir, NewAddress: in.NewAddress, Lang: in.Lang,
		Contacts: in.Contacts, AllContacts: in.Contacts == nil}
	if in.Text != "" {
		opts.Template = literalTemplate(in.Text)
	}
	return opts
}

// literalTemplate makes text a template that gives back exactly text: the
// engine's templates are Go templates, and the person's words may hold
// "{{".
func literalTemplate(text string) string {
	return strings.ReplaceAll(text, "{{", `{{"{{"}}`)
}

type realArchive struct{}

func (realArchive) OpenArchive(ctx context.Context, dir string) (ArchiveReader, error) {
	a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return &archiveReader{a: a, dir: dir}, nil
}

type archiveReader struct {
	a    *archive.Archive
	dir  string
	left int64 // not searchable at the last Search
	busy bool  // because a backup writes the archive
}

func (r *archiveReader) Folders(ctx context.Context) ([]ArchiveFolder, error) {
	stats, err := r.a.Stats(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ArchiveFolder, 0, len(stats))
	for _, s := range stats {
		out = append(out, ArchiveFolder{ID: s.Folder.ID, Name: s.Folder.Name, Role: s.Folder.Role,
			Current: s.Folder.Current, Messages: s.Messages, Bytes: s.Bytes})
	}
	return out, nil
}

// Messages returns the newest limit messages of a folder, newest first.
func (r *archiveReader) Messages(ctx context.Context, folderID int64, limit int) ([]*archive.MessageInfo, error) {
	return r.a.NewestMessages(ctx, folderID, limit)
}

func (r *archiveReader) Search(ctx context.Context, q string, limit int) ([]*archive.MessageInfo, error) {
	r.left, r.busy = 0, false
	if n, err := r.a.UnindexedCount(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		var ierr error
		r.left, ierr = backup.IndexForSearch(ctx, r.dir)
		r.busy = mailerr.KindOf(ierr) == mailerr.ArchiveLocked
	}
	return r.a.Search(ctx, q, limit)
}

func (r *archiveReader) Unsearchable() (int64, bool) { return r.left, r.busy }

func (r *archiveReader) Open(ctx context.Context, id int64) (io.Reader, error) {
	return r.a.OpenMessage(ctx, id), nil
}

func (r *archiveReader) Failures(ctx context.Context) ([]archive.Failure, error) {
	return r.a.OpenFailures(ctx)
}

func (r *archiveReader) Close() error { return r.a.Close() }
