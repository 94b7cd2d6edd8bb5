package archive

import (
	"context"
	"time"
)

// Run statuses.
const (
	RunRunning   = "running"
	RunOK        = "ok"
	RunFailures  = "failures"
	RunCancelled = "cancelled"
	RunError     = "error"
	// RunInterrupted: the run never finished (the process was killed, the
	// computer stopped); the next writable open of the archive closes it
	// with what it really saved.
	RunInterrupted = "interrupted"
)

// Run kinds of the backups: of the account's IMAP server, and of a POP3
// mailbox. BackupRunKinds are both, for LastRun: the gate and the report
// ask for the last backup of either.
const (
	RunBackup     = "backup"
	RunBackupPOP3 = "backup-pop3"
)

// BackupRunKinds are the run kinds of backups.
var BackupRunKinds = []string{RunBackup, RunBackupPOP3}

// RunResult is how a run ended.
type RunResult struct {
	Status   string
	Messages int64
	Bytes    int64
	Failed   int64
	Error    string
}

// BeginRun records the start of a run and returns its id.
func (a *Archive) BeginRun(ctx context.Context, kind string) (int64, error) {
	if err := checkFence(ctx); err != nil {
		return 0, err
	}
	res, err := a.db.ExecContext(ctx, `INSERT INTO runs(kind, started_at, status) VALUES(?, ?, ?)`, kind, a.stamp(), RunRunning)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	return res.LastInsertId()
}

// FinishRun records how a run ended. It does not take the run's context:
// a cancelled run must still be able to say so.
func (a *Archive) FinishRun(id int64, r RunResult) error {
	_, err := a.db.Exec(`UPDATE runs SET finished_at = ?, status = ?, messages = ?, bytes = ?, failed = ?, error = ?
		WHERE id = ?`, a.stamp(), r.Status, r.Messages, r.Bytes, r.Failed, r.Error, id)
	return classifyDB("write archive", a.dir, err)
}

// closeInterrupted closes every run still "running": Open holds the
// archive's lock, so no process is running them any more. Their counts are
// what they committed (a killed backup that archived 2,223 messages says
// 2,223, not 0).
func (a *Archive) closeInterrupted(ctx context.Context) error {
	_, err := a.db.ExecContext(ctx, `UPDATE runs SET status = ?,
		finished_at = COALESCE((SELECT max(archived_at) FROM messages WHERE run_id = runs.id), started_at),
		messages = (SELECT count(*) FROM messages WHERE run_id = runs.id),
		bytes = (SELECT COALESCE(sum(size), 0) FROM messages WHERE run_id = runs.id),
		failed = (SELECT count(*) FROM failures WHERE run_id = runs.id),
		error = 'stopped before it finished (the program was killed or the computer stopped); what it saved is kept, and running it again continues'
		WHERE status = ?`, RunInterrupted, RunRunning)
	return classifyDB("write archive", a.dir, err)
}

// Failure is a message the server could not deliver.
type Failure struct {
	FolderID   int64
	FolderName string
	UID        uint32
	RunID      int64
	Reason     string
	At         string
}

// RecordFailure stores that a message could not be archived in this run.
func (a *Archive) RecordFailure(ctx context.Context, folderID int64, uid uint32, runID int64, reason string) error {
	_, err := a.db.ExecContext(ctx, `INSERT INTO failures(folder_id, uid, run_id, reason, at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(folder_id, uid, run_id) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
		folderID, uid, runID, reason, a.stamp())
	return classifyDB("write archive", a.dir, err)
}

// OpenFailures lists failures not resolved by a later successful fetch, the
// latest per message.
func (a *Archive) OpenFailures(ctx context.Context) ([]Failure, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT f.folder_id, fo.name, f.uid, f.run_id, f.reason, f.at
		FROM failures f JOIN folders fo ON fo.id = f.folder_id
		WHERE f.resolved_at IS NULL
		  AND f.id = (SELECT max(id) FROM failures g WHERE g.folder_id = f.folder_id AND g.uid = f.uid)
		  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.folder_id = f.folder_id AND m.uid = f.uid)
		ORDER BY fo.name, f.uid`)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		if err := rows.Scan(&f.FolderID, &f.FolderName, &f.UID, &f.RunID, &f.Reason, &f.At); err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		out = append(out, f)
	}
	return out, classifyDB("read archive", a.dir, rows.Err())
}

// GoneFailures returns the UIDs of folderID's open failures for which
// onServer is false (ascending): the server no longer has them.
func (a *Archive) GoneFailures(ctx context.Context, folderID int64, onServer func(uid uint32) bool) ([]uint32, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT DISTINCT uid FROM failures WHERE folder_id = ? AND resolved_at IS NULL ORDER BY uid`, folderID)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	var gone []uint32
	for rows.Next() {
		var uid uint32
		if err := rows.Scan(&uid); err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		if !onServer(uid) {
			gone = append(gone, uid)
		}
	}
	return gone, classifyDB("read archive", a.dir, rows.Err())
}

// ResolveGone marks open failures of uids resolved because the server no
// longer has those messages (expunged): nothing is left to fetch.
func (a *Archive) ResolveGone(ctx context.Context, folderID int64, uids []uint32) error {
	for _, uid := range uids {
		if _, err := a.db.ExecContext(ctx, `UPDATE failures SET resolved_at = ?, reason = reason || ' (message no longer on the server)'
			WHERE folder_id = ? AND uid = ? AND resolved_at IS NULL`, a.stamp(), folderID, uid); err != nil {
			return classifyDB("write archive", a.dir, err)
		}
	}
	return nil
}

// FolderStatus is what the server reported of a folder at the end of a run.
type FolderStatus struct {
	UIDNext, Messages uint32
	// Complete: every message the server had was archived in this run.
	Complete bool
}

// SetFolderStatus records the server's counters for f after a backup.
func (a *Archive) SetFolderStatus(ctx context.Context, f *Folder, s FolderStatus) error {
	q := `UPDATE folders SET server_uidnext = ?, server_messages = ?, last_backup_at = ? WHERE id = ?`
	args := []any{s.UIDNext, s.Messages, a.stamp(), f.ID}
	if s.Complete {
		q = `UPDATE folders SET server_uidnext = ?, server_messages = ?, last_backup_at = ?, complete_uidnext = ? WHERE id = ?`
		args = []any{s.UIDNext, s.Messages, a.stamp(), s.UIDNext, f.ID}
	}
	if _, err := a.db.ExecContext(ctx, q, args...); err != nil {
		return classifyDB("write archive", a.dir, err)
	}
	f.ServerUIDNext, f.ServerMessages = s.UIDNext, s.Messages
	if s.Complete {
		f.CompleteUIDNext = s.UIDNext
	}
	return nil
}

// ArchivedUIDs returns the UIDs archived for folder generation folderID, in
// ascending order.
func (a *Archive) ArchivedUIDs(ctx context.Context, folderID int64) ([]uint32, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT uid FROM messages WHERE folder_id = ? ORDER BY uid`, folderID)
	return scanAll(a, rows, err, func(s scanner) (uid uint32, err error) {
		err = s.Scan(&uid)
		return uid, err
	})
}

// Now is the archive's clock.
func (a *Archive) Now() time.Time { return a.now() }

// Runs lists the archive's runs, oldest first.
func (a *Archive) Runs(ctx context.Context) ([]Run, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT `+runCols+` FROM runs ORDER BY id`)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		out = append(out, r)
	}
	return out, classifyDB("read archive", a.dir, rows.Err())
}

// runCols are the columns scanRun reads.
const runCols = `id, kind, started_at, COALESCE(finished_at, ''), status, messages, bytes, failed, error`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.Kind, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Messages, &r.Bytes, &r.Failed, &r.Error)
	return r, err
}
