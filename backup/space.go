package backup

import "context"

// The archive keeps every message twice (the mbox file and the database
// row) and indexes its text for search; spaceFactor10 (in tenths) and
// spaceMargin cover that and the database's own overhead.
const (
	spaceFactor10 = 22
	spaceMargin   = 16 << 20
)

// SpaceNeeded is the disk space, in bytes, the backup of what Survey found
// will take in the archive (the margin even when nothing is new: a run
// writes its records).
func (r SurveyResult) SpaceNeeded() int64 {
	return r.ToFetchBytes*spaceFactor10/10 + spaceMargin
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
