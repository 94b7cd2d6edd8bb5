package backup

import (
	"context"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/pop3"
)

// SurveyPOP3 looks at a POP3 mailbox read-only, for "Before you start":
// its messages and size, how many are archived already (by UIDL), and the
// free disk space where the archive goes. No message is fetched (Rate and
// ETA stay 0), and the archive, if any, is opened read-only.
func SurveyPOP3(ctx context.Context, opts POP3Options) (SurveyResult, error) {
	opts.applyDefaults()
	res := SurveyResult{FreeBytes: -1}
	known := map[string]bool{}
	if opts.ArchiveDir != "" {
		res.FreeBytes = freeBytes(opts.ArchiveDir)
		if _, err := os.Stat(filepath.Join(opts.ArchiveDir, archive.DBFile)); err == nil {
			if err := archivedUIDLs(ctx, opts, known); err != nil {
				return res, err
			}
		}
	}
	c, err := pop3.Dial(ctx, opts.Conn)
	if err != nil {
		return res, err
	}
	defer c.Close()
	mb, err := c.Mailbox(ctx)
	if err != nil {
		return res, err
	}
	keys := pop3.UsableUIDLs(mb.UIDs)
	fs := FolderSurvey{Name: POP3Source(opts.Conn).Label + "/" + POP3Folder, Role: "inbox", Messages: uint32(mb.Count)}
	for _, l := range mb.List {
		fs.Bytes += l.SizeBytes
		if k := keys[l.Num]; k != "" && known[k] {
			fs.Archived++
			continue
		}
		res.ToFetch++
		res.ToFetchBytes += l.SizeBytes
	}
	res.Folders, res.Messages, res.Bytes = []FolderSurvey{fs}, int64(mb.Count), fs.Bytes
	return res, nil
}

// archivedUIDLs adds the keys archived from the mailbox opts.Conn names.
func archivedUIDLs(ctx context.Context, opts POP3Options, known map[string]bool) error {
	a, err := archive.Open(ctx, opts.ArchiveDir, archive.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer a.Close()
	srcs, err := a.Sources(ctx)
	if err != nil {
		return err
	}
	loc := archive.POP3Location(opts.Conn.User, opts.Conn.Host)
	for _, s := range srcs {
		if s.Kind != archive.SourcePOP3 || s.Location != loc {
			continue
		}
		fs, err := a.SourceFolders(ctx, s.ID)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if err := a.EachSourceKey(ctx, f.ID, func(k *archive.SourceKey) error {
				known[k.Key] = true
				return nil
			}); err != nil {
				return err
			}
		}
	}
	return nil
}
