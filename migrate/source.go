package migrate

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// ErrIncompleteSource is in the chain of Copy's error when the archive is
// not known to hold the whole old account (the last backup did not finish,
// messages failed, it was never verified or changed since) and
// CopyOptions.FromIncompleteBackup was not set. Nothing was copied.
var ErrIncompleteSource = errors.New("the archive is not a verified, complete copy of the old account")

// source says how much of the old account the archive holds and refuses
// an incomplete one unless the user chose to go on.
func source(ctx context.Context, a *archive.Archive, opts *CopyOptions) (gate.Coverage, error) {
	cv, err := gate.CoverageOf(ctx, a)
	if err != nil {
		return cv, err
	}
	if !cv.Complete && !opts.FromIncompleteBackup {
		return cv, mailerr.New(mailerr.GateClosed, "copy", opts.ArchiveDir,
			fmt.Errorf("%w: %s", ErrIncompleteSource, cv.Text(gate.English)))
	}
	return cv, nil
}
