package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Folder is one folder generation in the archive.
type Folder struct {
	ID              int64
	Name            string // decoded
	Delimiter       string
	Attrs           string
	Role            string
	UIDValidity     uint32
	Current         bool
	MboxPath        string // relative to the archive folder
	MboxSize        int64
	ServerUIDNext   uint32
	ServerMessages  uint32
	CompleteUIDNext uint32
	LastBackupAt    string
	SourceID        int64 // 0: the account's IMAP server; else the Source it was imported from
}

// FolderInfo is what the server says of a folder.
type FolderInfo struct {
	Name        string
	Delimiter   string
	Attrs       string
	Role        string
	UIDValidity uint32
}

const folderColsV1 = `id, name, delimiter, attrs, role, uidvalidity, current, mbox_path, mbox_size,
	server_uidnext, server_messages, complete_uidnext, COALESCE(last_backup_at, ''), `

// folderCols are the columns scanFolder reads; an archive older than
// version 6 (opened read-only) has no source_id: all its folders are the
// server's.
func (a *Archive) serverFolder() string {
	if a.version < 6 {
		return `1`
	}
	return `source_id = 0`
}

func (a *Archive) folderCols() string {
	if a.version < 6 {
		return folderColsV1 + `0`
	}
	return folderColsV1 + `source_id`
}

func scanFolder(s scanner) (*Folder, error) {
	var f Folder
	var cur int
	err := s.Scan(&f.ID, &f.Name, &f.Delimiter, &f.Attrs, &f.Role, &f.UIDValidity, &cur, &f.MboxPath,
		&f.MboxSize, &f.ServerUIDNext, &f.ServerMessages, &f.CompleteUIDNext, &f.LastBackupAt, &f.SourceID)
	f.Current = cur == 1
	if err != nil {
		return nil, err
	}
	if err := checkRel(f.MboxPath); err != nil {
		return nil, fmt.Errorf("folder %q: %w", f.Name, err)
	}
	return &f, nil
}

// Folders lists every folder generation, current ones first, by name.
func (a *Archive) Folders(ctx context.Context) ([]*Folder, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT `+a.folderCols()+` FROM folders ORDER BY current DESC, name, uidvalidity`)
	return scanAll(a, rows, err, scanFolder)
}

// Folder returns the current generation of the named server folder, nil if
// none. Folders imported from other sources are not server folders.
func (a *Archive) Folder(ctx context.Context, name string) (*Folder, error) {
	f, err := scanFolder(a.db.QueryRowContext(ctx, `SELECT `+a.folderCols()+` FROM folders
		WHERE name = ? AND current = 1 AND `+a.serverFolder(), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return f, classifyDB("read archive", a.dir, err)
}

// pendingRename is the journal of a generation change, kept in meta while the
// mbox file's rename is not yet done.
type pendingRename struct{ From, To string }

const pendingKey = "pending_rename"

// EnsureFolder returns the archive's current generation for the folder the
// server describes, creating it when new. When the server's UIDVALIDITY
// differs from the archived one, the old generation is kept under a new file
// name (never mixed) and a new, empty generation starts.
func (a *Archive) EnsureFolder(ctx context.Context, info FolderInfo) (*Folder, error) {
	cur, err := a.Folder(ctx, info.Name)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.UIDValidity == info.UIDValidity {
		if cur.Attrs != info.Attrs || cur.Role != info.Role || cur.Delimiter != info.Delimiter {
			if _, err := a.db.ExecContext(ctx, `UPDATE folders SET attrs = ?, role = ?, delimiter = ? WHERE id = ?`,
				info.Attrs, info.Role, info.Delimiter, cur.ID); err != nil {
				return nil, classifyDB("write archive", a.dir, err)
			}
			cur.Attrs, cur.Role, cur.Delimiter = info.Attrs, info.Role, info.Delimiter
		}
		return cur, nil
	}

	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, classifyDB("write archive", a.dir, err)
	}
	defer tx.Rollback()

	// The same generation may exist retired (the server went back to it).
	var old *Folder
	old, err = scanFolder(tx.QueryRowContext(ctx, `SELECT `+a.folderCols()+` FROM folders WHERE name = ? AND uidvalidity = ? AND `+a.serverFolder(),
		info.Name, info.UIDValidity))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		old = nil
	case err != nil:
		return nil, classifyDB("read archive", a.dir, err)
	}
	var rename *pendingRename
	if cur != nil {
		to, err := a.freePath(ctx, tx, retiredPath(cur.MboxPath, cur.UIDValidity))
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE folders SET current = 0, mbox_path = ? WHERE id = ?`, to, cur.ID); err != nil {
			return nil, classifyDB("write archive", a.dir, err)
		}
		rename = &pendingRename{From: cur.MboxPath, To: to}
		j, _ := json.Marshal(rename)
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)`, pendingKey, string(j)); err != nil {
			return nil, classifyDB("write archive", a.dir, err)
		}
	}
	var id int64
	if old != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE folders SET current = 1, attrs = ?, role = ?, delimiter = ? WHERE id = ?`,
			info.Attrs, info.Role, info.Delimiter, old.ID); err != nil {
			return nil, classifyDB("write archive", a.dir, err)
		}
		id = old.ID
	} else {
		path := MboxPath(info.Name, info.Delimiter)
		if rename != nil && strings.EqualFold(path, rename.From) {
			path = rename.From // freed by the rename in this transaction
		} else if path, err = a.freePath(ctx, tx, path); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO folders(name, delimiter, attrs, role, uidvalidity, current, mbox_path, mbox_size)
			VALUES(?, ?, ?, ?, ?, 1, ?, 0)`, info.Name, info.Delimiter, info.Attrs, info.Role, info.UIDValidity, path)
		if err != nil {
			return nil, classifyDB("write archive", a.dir, err)
		}
		id, _ = res.LastInsertId()
	}
	if err := checkFence(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, classifyDB("write archive", a.dir, err)
	}
	if rename != nil {
		if err := a.finishRename(ctx, *rename); err != nil {
			return nil, err
		}
	}
	f, err := scanFolder(a.db.QueryRowContext(ctx, `SELECT `+a.folderCols()+` FROM folders WHERE id = ?`, id))
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	// Every folder has its file, an empty folder an empty file.
	if err := a.touch(f.MboxPath); err != nil {
		return nil, err
	}
	return f, nil
}

func (a *Archive) touch(rel string) error {
	fh, p, err := a.openMboxWrite(rel)
	if err != nil {
		return err
	}
	return fsError("create mbox file", p, a.closeMboxWrite(fh))
}

// freePath returns path, or path with " (n)" added, such that no other
// folder's file has the same name when case is ignored.
func (a *Archive) freePath(ctx context.Context, tx *sql.Tx, path string) (string, error) {
	for n := 1; ; n++ {
		p := path
		if n > 1 {
			p = withSuffix(path, n)
		}
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM folders WHERE lower(mbox_path) = lower(?)`, p).Scan(&count); err != nil {
			return "", classifyDB("read archive", a.dir, err)
		}
		if count == 0 {
			return p, nil
		}
	}
}

func (a *Archive) finishRename(ctx context.Context, r pendingRename) error {
	from, err := a.mboxFile(r.From, false)
	if err != nil {
		return err
	}
	to, err := a.mboxFile(r.To, true)
	if err != nil {
		return err
	}
	if _, err := lstatFile(from); err == nil {
		if _, err := os.Lstat(to); errors.Is(err, os.ErrNotExist) {
			// Rename moves a link itself, never what it points to.
			if err := os.Rename(from, to); err != nil {
				return fsError("keep old folder generation", to, err)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fsError("keep old folder generation", from, err)
	}
	if _, err := a.db.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, pendingKey); err != nil {
		return classifyDB("write archive", a.dir, err)
	}
	return nil
}
