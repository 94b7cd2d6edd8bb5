package backup

import "context"

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
