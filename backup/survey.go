package backup

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
)

// FolderSurvey is one folder as the server and the archive see it.
type FolderSurvey struct {
	Name, Role string
	Messages   uint32 // on the server
	Bytes      int64  // on the server
	Archived   int64  // already in the archive (this generation)
}

// SurveyResult is what a backup would do, for "Before you start".
type SurveyResult struct {
	Folders      []FolderSurvey
	Messages     int64 // on the server, every folder
	Bytes        int64
	ToFetch      int64 // not yet archived
	ToFetchBytes int64
	// Rate is bytes per second measured on a short sample fetch, 0 when
	// there was nothing to sample.
	Rate float64
	// ETA counts the days the provider's daily download budget (Budget)
	// makes the backup take; limits.ETAWords says so in words.
	ETA       time.Duration
	Budget    *progress.Budget // nil: the host has no daily budget
	FreeBytes int64            // free space on the disk where the archive goes, -1 unknown
}

// sampleBytes bounds the sample fetch that measures the rate.
const sampleBytes = 4 << 20

// Survey looks at the account read-only: per folder, messages and size on
// the server and how many are archived already; the free disk space where
// opts.ArchiveDir goes; and, from a short measured sample, the time a
// backup would take. It writes nothing (the archive, if any, is opened
// read-only).
func Survey(ctx context.Context, opts Options) (SurveyResult, error) {
	return survey(ctx, opts, true)
}

// survey is Survey; sample false leaves out the measured sample (Rate and
// ETA stay 0).
func survey(ctx context.Context, opts Options, sample bool) (SurveyResult, error) {
	opts.applyDefaults()
	res := SurveyResult{FreeBytes: -1}
	if opts.ArchiveDir != "" {
		res.FreeBytes = freeBytes(opts.ArchiveDir)
	}
	var a *archive.Archive
	if opts.ArchiveDir != "" {
		if _, err := os.Stat(filepath.Join(opts.ArchiveDir, archive.DBFile)); err == nil {
			var err error
			if a, err = archive.Open(ctx, opts.ArchiveDir, archive.Options{ReadOnly: true}); err != nil {
				return res, err
			}
			defer a.Close()
		}
	}
	c, err := imapconn.Dial(ctx, opts.Conn)
	if err != nil {
		return res, err
	}
	defer c.Close()
	list, err := folders.List(c, folders.Options{Status: true})
	if err != nil {
		return res, imapconn.Classify(ctx, "list folders", opts.Conn.Host, err)
	}
	var sampleFolder string
	var sampleUIDs []imap.UID
	// Each folder's EXAMINE and UID FETCH of the sizes go out together,
	// planWindow folders ahead of the one being read: a round trip or two
	// in all rather than two per folder.
	sent := make([]*planCmds, len(list))
	defer discardAll(sent)
	next := 0
	for i, sf := range list {
		for ; next < len(list) && next < i+planWindow; next++ {
			if list[next].Err == nil {
				sent[next] = sendPlan(c, list[next], true)
			}
		}
		fs := FolderSurvey{Name: sf.Name, Role: sf.Role}
		p := sent[i]
		sent[i] = nil
		if p == nil {
			res.Folders = append(res.Folders, fs) // listed but not readable; backup will say why
			continue
		}
		sel, err := p.sel.Wait()
		p.sel = nil
		if err != nil {
			p.discard()
			var imapErr *imap.Error
			if errors.As(err, &imapErr) {
				res.Folders = append(res.Folders, fs) // listed but not readable; backup will say why
				continue
			}
			return res, imapconn.Classify(ctx, "examine", opts.Conn.Host, err)
		}
		fs.Messages = sel.NumMessages
		archived := map[imap.UID]bool{}
		if a != nil {
			if f, _ := a.Folder(ctx, sf.Name); f != nil && f.UIDValidity == sel.UIDValidity {
				uids, err := a.ArchivedUIDs(ctx, f.ID)
				if err != nil {
					p.discard()
					return res, err
				}
				for _, u := range uids {
					archived[imap.UID(u)] = true
				}
				fs.Archived = int64(len(uids))
			}
		}
		sizes, err := collectSizes(p.all)
		p.all = nil
		if sel.NumMessages == 0 {
			sizes, err = nil, nil // a refused listing of an empty folder says nothing
		}
		if err != nil {
			return res, imapconn.Classify(ctx, "survey", opts.Conn.Host, err)
		}
		uids := make([]imap.UID, 0, len(sizes))
		for uid := range sizes {
			uids = append(uids, uid)
		}
		slices.Sort(uids)
		for _, uid := range uids {
			size := sizes[uid]
			fs.Bytes += size
			if !archived[uid] {
				res.ToFetch++
				res.ToFetchBytes += size
				if sampleFolder == "" || sampleFolder == sf.Mailbox {
					if len(sampleUIDs) < 50 {
						sampleFolder = sf.Mailbox
						sampleUIDs = append(sampleUIDs, uid)
					}
				}
			}
		}
		res.Messages += int64(fs.Messages)
		res.Bytes += fs.Bytes
		res.Folders = append(res.Folders, fs)
	}
	if sample && len(sampleUIDs) > 0 {
		res.Rate = sampleRate(ctx, c, sampleFolder, sampleUIDs, opts.Now)
		if res.Rate > 0 {
			res.ETA = time.Duration(float64(res.ToFetchBytes) / res.Rate * float64(time.Second)).Round(time.Second)
		}
	}
	res.Budget = surveyBudget(ctx, &opts, a)
	if res.Budget != nil && (res.Rate > 0 || res.Budget.ExtraDays(res.ToFetchBytes) > 0) {
		res.ETA = res.Budget.ETA(opts.Now(), res.Rate, res.ToFetchBytes)
	}
	return res, nil
}

// surveyBudget is the host's daily download budget as it stands today (the
// archive's count, or opts.Ledger's), nil when the host has none.
func surveyBudget(ctx context.Context, opts *Options, a *archive.Archive) *progress.Budget {
	lim := opts.Limits.For(opts.Conn.Host)
	if lim.DownloadPerDay <= 0 {
		return nil
	}
	now := opts.Now()
	var used int64
	ledger := opts.Ledger
	if ledger == nil && a != nil {
		ledger = a
	}
	if ledger != nil {
		used, _ = ledger.DailyUsed(ctx, limits.Key(limits.Download, opts.Conn.Host, opts.Conn.User), limits.Day(now))
	}
	return &progress.Budget{Provider: lim.Name(), PerDay: lim.DownloadPerDay, LeftToday: max(lim.DownloadPerDay-used, 0),
		Renews: limits.Renews(now)}
}

// sampleRate fetches up to sampleBytes of messages, hashing them as a backup
// would, and returns the bytes per second seen; 0 when too little to tell.
func sampleRate(ctx context.Context, c *imapconn.Conn, folder string, uids []imap.UID, now func() time.Time) float64 {
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0
	}
	start := now()
	var n int64
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	for n < sampleBytes {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			if b, ok := item.(imapclient.FetchItemDataBodySection); ok && b.Literal != nil {
				h := sha256.New()
				k, _ := io.Copy(h, b.Literal)
				n += k
			}
		}
	}
	cmd.Close()
	d := now().Sub(start).Seconds()
	if n < 64<<10 || d <= 0 {
		return 0
	}
	return float64(n) / d
}
