package archive

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
)

// What verification and the removal gate store (schema version 2). The
// package migrate decides what is checked; this file only keeps the record.

// OpenForCheck opens an existing archive to check it and record the result:
// it takes the writer's lock (no backup can change the archive meanwhile)
// and brings the schema up to date, but unlike Open it neither creates the
// archive nor recovers it. Recovery cuts mbox files back to their committed
// length and refuses a file that is shorter; a check must see the files as
// they are and report what is wrong with them. Like Open, it refuses links
// in the archive, fixes its modes and empties the spool.
func OpenForCheck(ctx context.Context, dir string, opts Options) (*Archive, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dir = filepath.Clean(dir)
	dbPath := filepath.Join(dir, DBFile)
	if err := mustExist(dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(dbPath); err != nil {
		return nil, fsError("open archive", dbPath, err)
	}
	if err := prepareRoot(dir, false); err != nil {
		return nil, err
	}
	a := &Archive{dir: dir, now: opts.Now}
	if err := a.lockWriter(); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+uriPath(dbPath)+"?_pragma=busy_timeout(15000)&_pragma=foreign_keys(1)"+
		"&_pragma=synchronous(NORMAL)&_txlock=immediate&_pragma=journal_mode(WAL)")
	if err != nil {
		a.unlock()
		return nil, mailerr.New(mailerr.ArchiveBroken, "open archive", dbPath, err)
	}
	a.db = db
	db.SetMaxOpenConns(1)
	if err := a.checkVersion(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if err := upgrade(ctx, db, a.stamp()); err != nil {
		a.Close()
		return nil, classifyDB("prepare archive", dbPath, err)
	}
	a.version = SchemaVersion
	return a, nil
}

// uriPath escapes a file path for a "file:" URI: the driver takes the first
// '?' as the start of the parameters, and SQLite ends the path at '#' and
// decodes %XX. Unescaped, an archive folder named "Mail #2" would open the
// database "Mail " instead.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(p))
}

// Checkpoint folds the write-ahead log into archive.sqlite, so that the file
// alone holds everything committed (and its hash means something).
func (a *Archive) Checkpoint(ctx context.Context) error {
	if a.readOnly {
		return mailerr.New(mailerr.BadInput, "checkpoint archive", a.dir, errors.New("archive opened read-only"))
	}
	var busy, logFrames, done int
	if err := a.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
		return classifyDB("checkpoint archive", a.dir, err)
	}
	if busy != 0 {
		return mailerr.New(mailerr.ArchiveLocked, "checkpoint archive", a.dir, errors.New("a reader kept the log from being folded in"))
	}
	return nil
}

// Verification is one finished verification of the archive against the
// server.
type Verification struct {
	ID          int64
	StartedAt   string
	FinishedAt  string
	Deep        bool  // every message was fetched again and hashed
	BackupRunID int64 // the latest backup run when it started
	Folders     int64
	Messages    int64 // messages checked in the archive
	Bytes       int64
	Verified    int64 // server messages found archived, whole
	Problems    int64 // discrepancies that keep the gate closed
	Notes       int64 // discrepancies that do not
	// ContentVersion is meta.content_version when it started (see
	// ContentVersion).
	ContentVersion int64
}

// ContentVersion counts the changes made to stored content: triggers bump it
// on every INSERT, UPDATE or DELETE of messages, message_chunks and folders
// (schema version 4; UPDATE and DELETE of messages and chunks only before).
// A backup moves it; nothing else Mailark does should.
func (a *Archive) ContentVersion(ctx context.Context) (int64, error) {
	v, err := a.Meta(ctx, "content_version")
	if err != nil {
		return 0, classifyDB("read archive", a.dir, err)
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

// VerificationFolder is what a verification saw of one folder: its state on
// the server and the archive generation it was compared with.
type VerificationFolder struct {
	Name              string
	FolderID          int64 // archive generation; 0 when the archive has none
	OnServer          bool
	ServerUIDValidity uint32
	ServerUIDNext     uint32
	ServerMessages    uint32
	ServerBytes       int64
	Archived          int64 // messages of the generation
	ArchivedBytes     int64
	Verified          int64
	VerifiedUIDs      string // IMAP sequence-set syntax, "1:40,42"
	MboxSize          int64  // size and modification time of the mbox file when checked
	MboxMTime         int64  // Unix nanoseconds
}

// Discrepancy is one thing a verification found different.
type Discrepancy struct {
	Kind      string
	Folder    string
	UID       uint32
	Want, Got string
	Blocking  bool
	Detail    string // English
}

// SaveVerification stores a finished verification with its folders and
// discrepancies in one transaction and returns its id.
func (a *Archive) SaveVerification(ctx context.Context, v Verification, folders []VerificationFolder, ds []Discrepancy) (int64, error) {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO verifications(started_at, finished_at, deep, backup_run_id, folders,
		messages, bytes, verified, problems, notes, content_version) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.StartedAt, v.FinishedAt, v.Deep, v.BackupRunID, v.Folders, v.Messages, v.Bytes, v.Verified, v.Problems, v.Notes,
		v.ContentVersion)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	id, _ := res.LastInsertId()
	fst, err := tx.PrepareContext(ctx, `INSERT INTO verification_folders(verification_id, name, folder_id, on_server,
		server_uidvalidity, server_uidnext, server_messages, server_bytes, archived, archived_bytes, verified,
		verified_uids, mbox_size, mbox_mtime) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	defer fst.Close()
	for _, f := range folders {
		var folderID any
		if f.FolderID != 0 {
			folderID = f.FolderID
		}
		if _, err := fst.ExecContext(ctx, id, f.Name, folderID, f.OnServer, f.ServerUIDValidity, f.ServerUIDNext,
			f.ServerMessages, f.ServerBytes, f.Archived, f.ArchivedBytes, f.Verified, f.VerifiedUIDs,
			f.MboxSize, f.MboxMTime); err != nil {
			return 0, classifyDB("write archive", a.dir, err)
		}
	}
	dst, err := tx.PrepareContext(ctx, `INSERT INTO discrepancies(verification_id, kind, folder, uid, want, got,
		blocking, detail) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	defer dst.Close()
	for _, d := range ds {
		if _, err := dst.ExecContext(ctx, id, d.Kind, d.Folder, d.UID, d.Want, d.Got, d.Blocking, d.Detail); err != nil {
			return 0, classifyDB("write archive", a.dir, err)
		}
	}
	if err := checkFence(ctx); err != nil {
		return 0, err
	}
	return id, classifyDB("write archive", a.dir, tx.Commit())
}

// hasV2 reports whether the archive has the version 2 tables: an archive
// opened read-only is not migrated, and a version 1 archive has none.
func (a *Archive) hasV2(ctx context.Context) (bool, error) {
	var v int
	if err := a.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return false, classifyDB("read archive", a.dir, err)
	}
	return v >= 2, nil
}

// LastVerification returns the latest finished verification, nil if none.
func (a *Archive) LastVerification(ctx context.Context) (*Verification, error) {
	if ok, err := a.hasV2(ctx); !ok {
		return nil, err
	}
	var v Verification
	err := a.db.QueryRowContext(ctx, `SELECT id, started_at, finished_at, deep, backup_run_id, folders, messages,
		bytes, verified, problems, notes, content_version FROM verifications ORDER BY id DESC LIMIT 1`).Scan(&v.ID,
		&v.StartedAt, &v.FinishedAt, &v.Deep, &v.BackupRunID, &v.Folders, &v.Messages, &v.Bytes, &v.Verified,
		&v.Problems, &v.Notes, &v.ContentVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	return &v, nil
}

// VerificationFolders returns the folders of verification id, by name.
func (a *Archive) VerificationFolders(ctx context.Context, id int64) ([]VerificationFolder, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT name, COALESCE(folder_id, 0), on_server, server_uidvalidity,
		server_uidnext, server_messages, server_bytes, archived, archived_bytes, verified, verified_uids, mbox_size,
		mbox_mtime FROM verification_folders WHERE verification_id = ? ORDER BY name, id`, id)
	return scanAll(a, rows, err, func(s scanner) (f VerificationFolder, err error) {
		err = s.Scan(&f.Name, &f.FolderID, &f.OnServer, &f.ServerUIDValidity, &f.ServerUIDNext,
			&f.ServerMessages, &f.ServerBytes, &f.Archived, &f.ArchivedBytes, &f.Verified, &f.VerifiedUIDs,
			&f.MboxSize, &f.MboxMTime)
		return f, err
	})
}

// Discrepancies returns up to limit discrepancies of verification id (all
// when limit <= 0), those that block first, in the order found.
func (a *Archive) Discrepancies(ctx context.Context, id int64, limit int) ([]Discrepancy, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := a.db.QueryContext(ctx, `SELECT kind, folder, uid, want, got, blocking, detail FROM discrepancies
		WHERE verification_id = ? ORDER BY blocking DESC, id LIMIT ?`, id, limit)
	return scanAll(a, rows, err, func(s scanner) (d Discrepancy, err error) {
		err = s.Scan(&d.Kind, &d.Folder, &d.UID, &d.Want, &d.Got, &d.Blocking, &d.Detail)
		return d, err
	})
}

// GateCheck is one evaluation of the removal gate. Verdict is the verdict as
// JSON, for support tools and for a report made without a connection.
type GateCheck struct {
	At             string
	VerificationID int64
	Live           bool // the server was asked
	Open           bool
	Verdict        string
}

// SaveGateCheck records an evaluation of the removal gate.
func (a *Archive) SaveGateCheck(ctx context.Context, g GateCheck) error {
	_, err := a.db.ExecContext(ctx, `INSERT INTO gate_checks(at, verification_id, live, open, verdict) VALUES(?, ?, ?, ?, ?)`,
		g.At, g.VerificationID, g.Live, g.Open, g.Verdict)
	return classifyDB("write archive", a.dir, err)
}

// LastLiveGateCheck returns the latest gate check that asked the server,
// nil if none.
func (a *Archive) LastLiveGateCheck(ctx context.Context) (*GateCheck, error) {
	if ok, err := a.hasV2(ctx); !ok {
		return nil, err
	}
	var g GateCheck
	err := a.db.QueryRowContext(ctx, `SELECT at, verification_id, live, open, verdict FROM gate_checks
		WHERE live = 1 ORDER BY id DESC LIMIT 1`).Scan(&g.At, &g.VerificationID, &g.Live, &g.Open, &g.Verdict)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	return &g, nil
}

// Run is one recorded run (see the runs table).
type Run struct {
	ID         int64
	Kind       string
	StartedAt  string
	FinishedAt string // "" when the run was stopped before it ended
	Status     string
	Messages   int64
	Bytes      int64
	Failed     int64
	Error      string
}

// LastRun returns the latest run of one of kinds ("backup"), nil if none.
func (a *Archive) LastRun(ctx context.Context, kinds ...string) (*Run, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = k
	}
	r, err := scanRun(a.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE kind IN (?`+
		strings.Repeat(", ?", len(kinds)-1)+`) ORDER BY id DESC LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	return &r, nil
}
