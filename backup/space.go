package backup

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailark/mailark/internal/mailerr"
)

// The archive keeps every message twice (the mbox file and the database
// row) and indexes its text for search; spaceFactor10 (in tenths) and
// spaceMargin cover that and the database's own overhead. While the backup
// runs, the database's write-ahead log takes room too: it holds what was
// written since it last started over (up to walFactor10 tenths of the mail,
// with its index). It starts over past 128 MiB once the background
// checkpoint has caught up, and when that lags the writer folds it in
// itself past 256 MiB, before the next batch (internal/archive/wal.go): it
// peaks below walPeakMax, 256 MiB and one batch of at most 64 MiB of mail.
// Measured by bench/ on 524 MB of mail: 269 MiB of log at the peak.
const (
	spaceFactor10 = 22
	spaceMargin   = 16 << 20
	walFactor10   = 12
	walPeakMax    = 256<<20 + 64<<20
)

// SpaceNeeded is the disk space, in bytes, the backup of what Survey found
// takes at its peak: the archive's growth, the write-ahead log while it
// runs, and a margin (even when nothing is new: a run writes its records).
func (r SurveyResult) SpaceNeeded() int64 {
	return r.ToFetchBytes*spaceFactor10/10 + min(r.ToFetchBytes*walFactor10/10, walPeakMax) + spaceMargin
}

// EnoughSpace reports whether the archive's disk has room for the backup.
// When the free space is unknown (FreeBytes < 0) it says yes: the backup
// stops cleanly on a full disk anyway.
func (r SurveyResult) EnoughSpace() bool {
	return r.FreeBytes < 0 || r.FreeBytes >= r.SpaceNeeded()
}

// FreeSpace returns the free space, in bytes, on the disk where an archive
// at dir goes (its nearest existing parent folder when dir does not exist
// yet); -1 when the system cannot tell.
func FreeSpace(dir string) int64 { return freeBytes(dir) }

// Preflight is the survey a backup makes before it starts, to check the
// space (see SpaceNeeded and EnoughSpace): Survey without the timed
// sample, so it fetches no message.
func Preflight(ctx context.Context, opts Options) (SurveyResult, error) {
	return survey(ctx, opts, false)
}

// SpaceError is a run refused by Options.SpaceCheck: the archive's disk
// has Free bytes (FreeSpace) and the backup of what the run planned needs
// Needed (SpaceNeeded).
type SpaceError struct {
	Dir          string
	Needed, Free int64
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("the backup needs about %d bytes but the disk holding %s has %d free", e.Needed, e.Dir, e.Free)
}

// refusedForSpace tells a run refused by SpaceCheck.
func refusedForSpace(err error) bool {
	var se *SpaceError
	return errors.As(err, &se)
}

// freeSpace is FreeSpace, for the check; a test sets a disk's size.
var freeSpace = freeBytes

// checkSpace is Options.SpaceCheck: once per run, after the first
// session planned every folder and before it fetches anything, the plan's
// bytes against the archive's free disk.
func (r *runner) checkSpace() error {
	if !r.opts.SpaceCheck || r.spaceChecked {
		return nil
	}
	r.spaceChecked = true
	res := SurveyResult{ToFetchBytes: r.totalBytes - r.doneBytes, FreeBytes: freeSpace(r.opts.ArchiveDir)}
	if res.EnoughSpace() {
		return nil
	}
	return mailerr.New(mailerr.DiskFull, "check space", r.opts.ArchiveDir,
		&SpaceError{Dir: r.opts.ArchiveDir, Needed: res.SpaceNeeded(), Free: res.FreeBytes})
}

// fullAtStart tells a run that found the disk full before it saved
// anything: too small to make the archive, or to plan in it.
func fullAtStart(ctx context.Context, sum Summary, err error) bool {
	return mailerr.KindOf(err) == mailerr.DiskFull && !refusedForSpace(err) && sum.New == 0 && ctx.Err() == nil
}

// tooSmall is the refusal SpaceCheck gives, for a run that could not learn
// what it needs (fullAtStart): Preflight's figures. err stays when
// Preflight cannot tell.
func tooSmall(ctx context.Context, opts Options, err error) error {
	res, perr := Preflight(ctx, opts)
	if perr != nil || res.EnoughSpace() {
		return err
	}
	return mailerr.New(mailerr.DiskFull, "check space", opts.ArchiveDir,
		&SpaceError{Dir: opts.ArchiveDir, Needed: res.SpaceNeeded(), Free: res.FreeBytes})
}
