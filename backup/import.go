package backup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/progress"
)

// PartialFlag is the keyword an imported message gets when its store held
// it incomplete (an Apple Mail .partial.emlx whose attachment file is
// gone): the bytes that were there are archived, and the report can say
// how many messages are not whole.
const PartialFlag = "$MailarkPartial"

// ImportOptions tunes Import.
type ImportOptions struct {
	Progress progress.Sink
	Ingest   IngestOptions
}

// ImportFolder is what Import did with one folder of the store.
type ImportFolder struct {
	Name                            string // the store's name for it
	Archived                        string // the archive folder's name ("<label>/<name>")
	Added, Skipped, Failed, Partial int64
	Err                             error // the folder could not be read whole
	// Unchanged: the folder's files are as they were when it was last
	// imported whole, so it was not read again (Skipped is its count).
	Unchanged bool
}

// ImportSummary is what Import did with a store.
type ImportSummary struct {
	Store   *mailstore.Store
	Source  *archive.Source
	Folders []ImportFolder
	// Totals over the folders.
	Added, Skipped, Failed, Partial int64
	Bytes                           int64
	// Partials names each message archived incomplete: "folder: origin: what is missing".
	Partials []string
	// Warnings names each message archived whole whose store lost
	// something else of it (flags, date): "folder: origin: what".
	Warnings []string
}

// Whole reports whether every message of every folder is in the archive.
func (s *ImportSummary) Whole() bool {
	if s.Failed > 0 {
		return false
	}
	for _, f := range s.Folders {
		if f.Err != nil {
			return false
		}
	}
	return true
}

// SourceLabel is the archive's label for a store: the app and the account
// ("Thunderbird pop.example.net"), or the app and the file's name.
func SourceLabel(s *mailstore.Store) string {
	what := s.Account.Server
	if what == "" {
		what = s.Account.Address
	}
	if what == "" {
		what = s.Account.Name
	}
	if what == "" {
		what = filepath.Base(s.Path)
	}
	return strings.ReplaceAll(s.App+" "+what, "/", "-")
}

// Import copies every message of the store s into the archive a: a Source
// for the store, an archive folder per store folder, each message through
// Ingest (so a second import adds nothing and an interrupted one resumes).
// A message the store cannot deliver is recorded as a failure and the
// import goes on; a folder that cannot be read, or that changes while it
// is read (mailstore.ErrChanged), is named in the summary. The source is
// marked imported only when every message of every folder is archived.
// The error is the archive's (or ctx's): the import stopped.
func Import(ctx context.Context, a *archive.Archive, s *mailstore.Store, opts ImportOptions) (*ImportSummary, error) {
	sum := &ImportSummary{Store: s}
	if s.NotRead != "" {
		return sum, mailerr.New(mailerr.BadInput, "import", s.Path, errors.New(s.NotRead))
	}
	format := mailstore.Lookup(s.Kind)
	if format == nil {
		return sum, mailerr.New(mailerr.BadInput, "import", s.Path, fmt.Errorf("Mailark cannot read %q stores", s.Kind))
	}
	r, err := format.Open(s)
	if err != nil {
		return sum, mailerr.New(mailerr.BadInput, "open "+s.App, s.Path, err)
	}
	defer r.Close()
	folders, err := r.Folders(ctx)
	if err != nil {
		return sum, mailerr.New(mailerr.BadInput, "read "+s.App, s.Path, err)
	}
	src, err := a.EnsureSource(ctx, archive.Source{Kind: s.Kind, Location: s.Path, Label: SourceLabel(s),
		Account: s.Account.Address, Server: s.Account.Server, Protocol: s.Account.Protocol})
	if err != nil {
		return sum, err
	}
	sum.Source = src
	runID, err := a.BeginRun(ctx, "import")
	if err != nil {
		return sum, err
	}
	in := NewIngest(a, runID, opts.Ingest)
	th := progress.NewThrottle(opts.Progress, nil)
	ev := progress.Event{Step: "import"}
	err = func() error {
		for _, f := range folders {
			af, err := a.SourceFolder(ctx, src, f.Name, f.Role)
			if err != nil {
				return err
			}
			if err := in.Folder(ctx, af); err != nil {
				return err
			}
			res := ImportFolder{Name: f.Name, Archived: af.Name}
			// A folder whose files are as they were when it was last
			// imported whole is passed over: its messages are archived.
			fp := ""
			if fpr, ok := r.(mailstore.Fingerprinter); ok {
				fp = fpr.Fingerprint(f)
			}
			fpKey := "import_fingerprint:" + strconv.FormatInt(af.ID, 10)
			if fp != "" {
				prev, err := a.Meta(ctx, fpKey)
				if err != nil {
					return err
				}
				if prev == fp {
					n, err := a.FolderMessageCount(ctx, af.ID)
					if err != nil {
						return err
					}
					res.Skipped, res.Unchanged = n, true
					sum.Folders = append(sum.Folders, res)
					sum.Skipped += n
					continue
				}
			}
			var stop error                        // the archive's error: the import stops
			ev.Folder, ev.FolderDone = af.Name, 0 // the archive's name: a store's "Sent" is not the server's
			th.Notice(ev, progress.NoticeData{Kind: progress.FolderStarted, Text: af.Name})
			ferr := r.Messages(ctx, f, func(m *mailstore.Message) error {
				flags := m.Flags
				if m.Partial != "" {
					flags = append(append([]string{}, flags...), PartialFlag)
				}
				msg := IngestMessage{Key: m.Key, Origin: m.Origin, Flags: flags, Date: m.Date, Sender: m.Sender}
				rc, err := m.Open()
				if err != nil {
					key := m.Key
					if key == "" {
						key = "origin:" + m.Origin
					}
					res.Failed++
					th.Notice(ev, progress.NoticeData{Kind: progress.MessageFailed, Text: m.Origin + ": " + err.Error(), Err: err})
					stop = in.Fail(ctx, key, err.Error())
					return stop
				}
				msg.Body = rc
				added, err := in.Add(ctx, msg)
				rc.Close()
				var rerr *SourceReadError
				switch {
				case errors.Is(err, mailstore.ErrChanged):
					return err
				case errors.As(err, &rerr):
					res.Failed++
					th.Notice(ev, progress.NoticeData{Kind: progress.MessageFailed, Text: m.Origin + ": " + err.Error(), Err: err})
					return nil
				case err != nil:
					stop = err
					return err
				}
				if added {
					res.Added++
					if m.Warning != "" {
						w := f.Name + ": " + m.Origin + ": " + m.Warning
						sum.Warnings = append(sum.Warnings, w)
						th.Notice(ev, progress.NoticeData{Kind: progress.Info, Text: w})
					}
					if m.Partial != "" {
						res.Partial++
						sum.Partials = append(sum.Partials, f.Name+": "+m.Origin+": "+m.Partial)
					}
				} else {
					res.Skipped++
				}
				ev.Done++
				ev.FolderDone++
				ev.Bytes = in.Bytes
				th.Status(ev, false)
				return nil
			})
			if stop != nil {
				return stop
			}
			if cerr := in.Commit(ctx); cerr != nil {
				return cerr
			}
			if ferr != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				res.Err = ferr
				th.Notice(ev, progress.NoticeData{Kind: progress.Info, Text: f.Name + ": " + ferr.Error(), Err: ferr})
			}
			if fp != "" && ferr == nil && res.Failed == 0 {
				if err := a.SetMeta(ctx, map[string]string{fpKey: fp}); err != nil {
					return err
				}
			}
			sum.Folders = append(sum.Folders, res)
			sum.Added += res.Added
			sum.Skipped += res.Skipped
			sum.Failed += res.Failed
			sum.Partial += res.Partial
			th.Notice(ev, progress.NoticeData{Kind: progress.FolderDone, Text: af.Name})
		}
		return nil
	}()
	in.Abort()
	sum.Bytes = in.Bytes
	rr := archive.RunResult{Status: archive.RunOK, Messages: sum.Added, Bytes: sum.Bytes, Failed: sum.Failed}
	switch {
	case err != nil:
		rr.Status, rr.Error = archive.RunError, err.Error()
		if ctx.Err() != nil {
			rr.Status = archive.RunCancelled
		}
	case !sum.Whole():
		rr.Status = archive.RunFailures
	}
	if ferr := a.FinishRun(runID, rr); ferr != nil && err == nil {
		err = ferr
	}
	if err == nil && sum.Whole() {
		err = a.SourceImported(ctx, src.ID)
	}
	th.Status(ev, true)
	return sum, err
}
