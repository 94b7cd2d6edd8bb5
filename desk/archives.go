package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/riverqueue/river"

	"github.com/mailark/mailark/internal/mailerr"
)

// Per-worker archives (Config.Archives "per-worker"): the step that first
// writes an account's archive (its backup) pins the account to the PC it
// runs on, in desk_archives with the archive's path there. Every later
// step of the account is queued in that PC's own River queue (pc-<id>),
// which only the worker processes of that PC work; a step that reaches
// another PC all the same (a retry of an account's first backup, queued
// before the pin) is sent on to the pinned PC's queue, never run where the
// archive is not. A PC whose worker processes have all stopped (their
// heartbeats in desk_pcs gone) leaves its accounts waiting, and the board
// says so: nothing is started again elsewhere.

// pcName is what a PC's name may be: River's queue names are made of it.
var pcName = regexp.MustCompile(`^[a-z0-9]+(?:[_-]?[a-z0-9]+)*$`)

// CheckPC refuses a PC name that cannot name a queue.
func CheckPC(pc string) error {
	if len(pc) > 60 || !pcName.MatchString(pc) {
		return mailerr.New(mailerr.BadInput, "name PC", pc,
			fmt.Errorf("PC name %q: use 1 to 60 lower-case letters and digits, single - or _ between them (for example pc-2)", pc))
	}
	return nil
}

// DefaultPC is this computer's host name as a PC name: lower case, every
// run of other characters a single -.
func DefaultPC() string {
	h, _ := os.Hostname()
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(h) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-_")
	}
	if s == "" {
		s = "pc"
	}
	return s
}

// queueOf is the River queue of a PC's steps; "" is the shared queue.
func queueOf(pc string) string {
	if pc == "" {
		return river.QueueDefault
	}
	return "pc-" + pc
}

// Pin is where an account's archive lives on a per-worker desk.
type Pin struct {
	PC   string
	Path string
}

// pinOf reads the account's pin; a zero Pin: not pinned (yet).
func (d *Desk) pinOf(ctx context.Context, customer string) (Pin, error) {
	var p Pin
	err := d.db.QueryRowContext(ctx, d.q(`SELECT pc, path FROM desk_archives WHERE customer = ?`), customer).Scan(&p.PC, &p.Path)
	if errors.Is(err, sql.ErrNoRows) {
		return Pin{}, nil
	}
	return p, d.dbErr("read queue", err)
}

// pin pins the account to pc with its archive at path, unless it is
// pinned already; it returns the account's pin.
func (d *Desk) pin(ctx context.Context, customer string, p Pin) (Pin, error) {
	if _, err := d.exec(ctx, `INSERT INTO desk_archives(customer, pc, path, pinned_at) VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		customer, p.PC, p.Path, nowMillis()); err != nil {
		return Pin{}, err
	}
	return d.pinOf(ctx, customer)
}

// stepQueue is the queue of the account's next step: its PC's on a
// per-worker desk once pinned, else the shared one.
func (d *Desk) stepQueue(ctx context.Context, customer string) (string, error) {
	if !d.Config.PerWorker() {
		return river.QueueDefault, nil
	}
	p, err := d.pinOf(ctx, customer)
	return queueOf(p.PC), err
}

// ArchiveOf is where the customer's archive is: the PC ("" on a desk with
// shared archives) and the folder (on that PC). On a per-worker desk an
// account not backed up yet has no archive: ok is false.
func (d *Desk) ArchiveOf(ctx context.Context, customer string) (pc, path string, ok bool, err error) {
	if !d.Config.PerWorker() {
		return "", d.ArchiveDir(customer), true, nil
	}
	p, err := d.pinOf(ctx, customer)
	if err != nil || p.PC == "" {
		return "", "", false, err
	}
	return p.PC, p.Path, true, nil
}

// pcHeartbeat says this worker process of pc is alive, for twice the
// lease; pcStopped takes it back when the process stops.
func (d *Desk) pcHeartbeat(ctx context.Context, worker, pc, root string) error {
	_, err := d.exec(ctx, `INSERT INTO desk_pcs(worker, pc, archive_root, expires_at) VALUES(?, ?, ?, ?)
		ON CONFLICT(worker) DO UPDATE SET pc = excluded.pc, archive_root = excluded.archive_root, expires_at = excluded.expires_at`,
		worker, pc, root, nowMillis()+2*int64(d.Config.LeaseSeconds)*1000)
	return err
}

func (d *Desk) pcStopped(worker string) {
	_, _ = d.exec(context.Background(), `DELETE FROM desk_pcs WHERE worker = ?`, worker)
}

// archiveRoot makes the worker's archive root (absolute, private).
func archiveRoot(root string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", mailerr.New(mailerr.BadInput, "archive root", root, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", mailerr.New(mailerr.Permission, "create folder", abs, err)
	}
	return abs, nil
}
