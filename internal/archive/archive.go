package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/mailark/mailark/internal/mailerr"
)

// File names inside an archive folder.
const (
	DBFile      = "archive.sqlite"
	MboxDir     = "mbox"
	TmpDir      = "tmp"
	LockFile    = "lock"
	ReadersFile = "readers" // see bulk.go
)

// Options for Open. The zero value opens for writing, creating the archive.
type Options struct {
	// ReadOnly opens an existing archive without taking the writer's lock.
	ReadOnly bool
	// Existing opens for writing only an archive that is there already:
	// no new one is made (ErrNoArchive). Backup leaves it unset.
	Existing bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Bulk writes with a rollback journal until Close, instead of the
	// write-ahead log, when no other process has the archive open (see
	// bulk.go). Backup sets it. The caller must not read through the
	// archive on the goroutine that holds an open Batch: with a rollback
	// journal that read waits for the batch's commit (busy_timeout), which
	// never comes (the mail-app stores' import does, so a backup with
	// stores leaves it unset).
	Bulk bool
}

// Archive is an open archive.
type Archive struct {
	dir      string
	db       *sql.DB
	readOnly bool
	version  int // the schema's version (older only when opened read-only)
	lock     *os.File
	reader   *os.File // a reader's shared lock on ReadersFile (bulk.go)
	dbFile   *os.File // a writer's: the database file, for its page cache (pagecache.go)
	now      func() time.Time

	// The writer folds the WAL into the database on a goroutine of its own
	// (on the second connection), not inside a batch's commit (wal.go).
	// Set and cleared only with no batch open (a.batches held for
	// writing, or at Open and Close): a pointer read atomically.
	ckpt atomic.Pointer[checkpointer]
	// bulk: the writer uses a rollback journal, until Close or until a
	// reader comes (bulk.go). Changed only with batches held for writing.
	bulk atomic.Bool
	// batches is held for reading by every open Batch and for writing by
	// AddToIndex, so that the indexer's transaction goes between batches
	// instead of both polling SQLite's lock (index.go).
	batches sync.RWMutex

	w writers // open writers per mbox file (mboxfile.go)
	// damaged holds, per folder generation, why its mbox file may not be
	// written: it changed outside Mailark (recover.go).
	damaged map[int64]error
}

// Open opens the archive in dir, creating it (mode 0700, files 0600, mbox
// files 0400 between runs) unless ReadOnly. It recovers from an interrupted
// run: unfinished mbox writes are cut back to what SQLite committed, and the
// spool files of earlier runs are removed. A writer refuses an archive folder
// that is a symbolic link, and any link inside the archive (fsafe.go).
func Open(ctx context.Context, dir string, opts Options) (*Archive, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dir = filepath.Clean(dir)
	a := &Archive{dir: dir, readOnly: opts.ReadOnly, now: opts.Now}
	dbPath := filepath.Join(dir, DBFile)
	if opts.ReadOnly || opts.Existing {
		if err := mustExist(dir); err != nil {
			return nil, err
		}
	}
	if opts.ReadOnly {
		if _, err := os.Stat(dbPath); err != nil {
			return nil, fsError("open archive", dbPath, err)
		}
		a.reader = markReader(filepath.Join(dir, ReadersFile))
	} else {
		if err := prepareRoot(dir, true); err != nil {
			return nil, err
		}
		if err := a.lockWriter(); err != nil {
			return nil, err
		}
		f, err := openNoFollow(dbPath, os.O_CREATE|os.O_RDWR, fileMode)
		if err != nil {
			a.unlock()
			return nil, fsError("create archive database", dbPath, err)
		}
		st, err := f.Stat()
		f.Close()
		if err == nil && st.Size() == 0 {
			if err := initPageSize(ctx, dbPath); err != nil {
				a.unlock()
				return nil, classifyDB("create archive database", dbPath, err)
			}
		}
	}
	sync := "NORMAL"
	if opts.Bulk {
		sync = "FULL" // a rollback journal's commit is durable only with FULL
	}
	dsn := "file:" + uriPath(dbPath) + "?_pragma=busy_timeout(15000)&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")&_txlock=immediate"
	if opts.ReadOnly {
		dsn = readerDSN(dbPath)
	} else if opts.Bulk {
		// The journal mode is set once, on the first connection (bulk.go):
		// a new connection takes the one the file is in.
		dsn += fmt.Sprintf("&_pragma=wal_autocheckpoint(0)&_pragma=cache_size(-%d)", cacheKiB)
	} else {
		dsn += fmt.Sprintf("&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)&_pragma=cache_size(-%d)", cacheKiB)
	}
	if !opts.ReadOnly && dropsCache {
		// Before SQLite opens the file, and closed after it (unlock).
		if f, err := openNoFollow(dbPath, os.O_RDONLY, fileMode); err == nil {
			a.dbFile = f
		}
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		a.unlock()
		return nil, mailerr.New(mailerr.ArchiveBroken, "open archive", dbPath, err)
	}
	a.db = db
	if !opts.ReadOnly {
		// Two connections: SQLite has one writer anyway (transactions
		// begin IMMEDIATE), and a second connection lets a read go on
		// beside an open Batch (WAL) instead of waiting for it forever. A
		// second writer waits busy_timeout, then fails: never a hang.
		db.SetMaxOpenConns(2)
		if opts.Bulk {
			if err := a.beginBulk(ctx); err != nil {
				a.Close()
				return nil, classifyDB("open archive", dbPath, err)
			}
		}
		if err := upgrade(ctx, db, a.stamp()); err != nil {
			a.Close()
			return nil, classifyDB("prepare archive", dbPath, err)
		}
		a.version = SchemaVersion
		if err := tuneIndex(ctx, db); err != nil {
			a.Close()
			return nil, classifyDB("prepare archive", dbPath, err)
		}
		if err := a.recover(ctx); err != nil {
			a.Close()
			return nil, err
		}
		// Closing the runs a killed process left "running" is bookkeeping:
		// on a disk that is still full it waits for the next Open, and the
		// archive opens (recovery above freed what an unfinished batch held).
		if err := a.closeInterrupted(ctx); err != nil && mailerr.KindOf(err) != mailerr.DiskFull {
			a.Close()
			return nil, err
		}
		if !a.bulk.Load() {
			a.startCheckpointer()
		}
	} else if err := a.checkVersion(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *Archive) checkVersion(ctx context.Context) error {
	var v int
	if err := a.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return classifyDB("open archive", a.dir, err)
	}
	if v == 0 {
		empty, err := a.nothingSaved(ctx)
		if err != nil {
			return classifyDB("open archive", a.dir, err)
		}
		if empty {
			return mailerr.New(mailerr.BadInput, "open archive", a.dir, fmt.Errorf("%w (%s)", ErrNothingSaved, a.dir))
		}
		return mailerr.New(mailerr.ArchiveBroken, "open archive", a.dir, errors.New("not a Mailark archive (no schema)"))
	}
	if v > SchemaVersion {
		return mailerr.New(mailerr.ArchiveBroken, "open archive", a.dir,
			fmt.Errorf("archive schema version %d is newer than this Mailark understands (%d): update Mailark", v, SchemaVersion))
	}
	a.version = v
	return nil
}

// Dir is the archive folder.
func (a *Archive) Dir() string { return a.dir }

// Path returns the absolute path of a file named relative to the archive.
func (a *Archive) Path(rel string) string { return filepath.Join(a.dir, filepath.FromSlash(rel)) }

// Close closes the database and releases the lock.
func (a *Archive) Close() error {
	var err error
	if c := a.ckpt.Swap(nil); c != nil {
		c.stop()
	}
	if a.db != nil {
		if a.bulk.Load() {
			a.endBulk(true)
		}
		if !a.readOnly {
			// Fold the WAL into the database so the .sqlite file alone is
			// complete when the archive is copied elsewhere.
			_, _ = a.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		err = a.db.Close()
		a.db = nil
	}
	a.unlock()
	return err
}

func (a *Archive) unlock() {
	if a.dbFile != nil {
		a.dbFile.Close()
		a.dbFile = nil
	}
	if a.reader != nil {
		a.reader.Close()
		a.reader = nil
	}
	if a.lock != nil {
		a.lock.Close()
		a.lock = nil
	}
}

func (a *Archive) stamp() string { return a.now().Format(time.RFC3339) }

// Meta returns a meta value, "" when unset.
func (a *Archive) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := a.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta sets meta values.
func (a *Archive) SetMeta(ctx context.Context, kv map[string]string) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return classifyDB("write archive", a.dir, err)
	}
	defer tx.Rollback()
	for k, v := range kv {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return classifyDB("write archive", a.dir, err)
		}
	}
	return classifyDB("write archive", a.dir, tx.Commit())
}

// fsError classifies a file-system error for the user.
func fsError(op, path string, err error) error {
	if err == nil || mailerr.As(err) != nil {
		return err
	}
	kind := mailerr.ArchiveBroken
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		kind = mailerr.DiskFull
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EROFS):
		kind = mailerr.Permission
	case errors.Is(err, os.ErrNotExist):
		kind = mailerr.BadInput
	}
	return mailerr.New(kind, op, path, err)
}

// newPageSize is the page size of a new archive's database. Messages are
// stored in 1 MiB chunks, and every page is a write to the log, and a read
// and a write when the log is folded in, each a system call: with 64 KiB
// pages a chunk is 16 of them instead of 256. Measured on 20,000 messages:
// 15-20% less CPU for the whole backup than SQLite's 4 KiB. (An archive
// keeps the page size it was made with.)
//
// cacheKiB is the writer's page cache: 4 MiB, 64 pages (modernc's C heap
// gives each a 128 KiB block). Batches let go of what the cache keeps
// beyond that (BeginBatch).
const (
	newPageSize = 64 << 10
	cacheKiB    = 4096
)

// initPageSize gives a new, empty database file its page size. It must come
// before anything is written, the switch to WAL included, and the driver
// applies DSN pragmas in an order of its own, so it is a connection of its
// own.
func initPageSize(ctx context.Context, dbPath string) error {
	db, err := sql.Open("sqlite", "file:"+uriPath(dbPath))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`PRAGMA page_size = %d`, newPageSize)); err != nil {
		return err
	}
	var mode string
	return db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
}
