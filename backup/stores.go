package backup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/progress"
)

// StoresOptions says where FindStores looks and for which account.
type StoresOptions struct {
	Home  string   // the home folder to look under; default: the user's
	GOOS  string   // whose default places; default: this computer's
	Paths []string // stores the person pointed at (a copy of an old disk): kept whatever account they name
	// User and Host are the account being rescued: a store found in the
	// default places is kept when it belongs to it (mailstore.Store.BelongsTo).
	User, Host string
}

// FoundStore is one mail-app store of the account, looked at once.
type FoundStore struct {
	Store          *mailstore.Store
	Folders        int
	Messages       int64
	Deleted        int64 // marked deleted in the app, not yet compacted away
	Oldest, Newest time.Time
	// OnlyHere: the app keeps this mail on this computer, not a copy of a
	// server's (a POP account, local folders): it is lost with the
	// computer unless Mailark copies it.
	OnlyHere bool
	// Err is why the store (or some of its folders) could not be read.
	Err error
}

// FindStores finds the mail-app stores of the account on this computer, and
// at the paths given, and counts each one's folders, messages and dates.
// Outlook's .pst/.ost are listed with NotRead set. A place that cannot be
// searched is in the error; the stores found elsewhere are still returned.
func FindStores(ctx context.Context, opts StoresOptions) ([]FoundStore, error) {
	home, goos := mailstore.Place(opts.Home, opts.GOOS)
	var errs []error
	var stores []*mailstore.Store
	if home != "" {
		found, err := mailstore.FindAll(home, goos, "")
		if err != nil {
			errs = append(errs, err)
		}
		for _, s := range found {
			if s.BelongsTo(opts.User, opts.Host) {
				stores = append(stores, s)
			}
		}
	}
	for _, p := range opts.Paths {
		found, err := mailstore.ProbePath(p, "")
		if err == nil && len(found) == 0 {
			found = copiedHome(p, opts.User, opts.Host)
		}
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		case len(found) == 0:
			errs = append(errs, fmt.Errorf("%s: no mail store that Mailark recognises (Thunderbird, Apple Mail, Outlook Express, Windows Live Mail, Becky!, mbox, Maildir, .eml)", p))
		}
		stores = append(stores, found...)
	}
	var out []FoundStore
	seen := map[string]bool{}
	for _, s := range stores {
		if seen[s.Kind+"\x00"+s.Path] {
			continue
		}
		seen[s.Kind+"\x00"+s.Path] = true
		fs := FoundStore{Store: s}
		if s.NotRead == "" {
			sv, err := mailstore.SurveyStore(ctx, s)
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			if sv != nil {
				fs.Folders, fs.Messages, fs.Deleted, fs.Oldest, fs.Newest = sv.Folders, sv.Messages, sv.Deleted, sv.Oldest, sv.Newest
				err = errors.Join(append([]error{err}, sv.Errors...)...)
			}
			fs.Err = err
			fs.OnlyHere = fs.Messages > 0 && s.Account.Protocol != "imap"
		}
		out = append(out, fs)
	}
	return out, errors.Join(errs...)
}

// copiedHome looks at dir as the home folder of a copied disk, from any
// system: the account's stores there, or every store when none names the
// account (the person chose this disk).
func copiedHome(dir, user, host string) []*mailstore.Store {
	var all, mine []*mailstore.Store
	for _, goos := range []string{"darwin", "windows", "linux"} {
		found, _ := mailstore.FindAll(dir, goos, "")
		for _, s := range found {
			all = append(all, s)
			if s.BelongsTo(user, host) {
				mine = append(mine, s)
			}
		}
	}
	if len(mine) > 0 {
		return mine
	}
	return all
}

// importStores imports each store after the server's backup, with the
// same progress: a store Mailark cannot read (Outlook's) is left to the
// gate, which lists it and stays closed.
func importStores(ctx context.Context, a *archive.Archive, stores []*mailstore.Store, w *wholeProgress) ([]*ImportSummary, error) {
	var out []*ImportSummary
	for _, s := range stores {
		if s.NotRead != "" {
			continue
		}
		sum, err := Import(ctx, a, s, ImportOptions{Progress: w.stores()})
		out = append(out, sum)
		if err != nil {
			return out, err
		}
	}
	w.done()
	return out, nil
}

// wholeProgress makes a backup with stores one progress: the stores'
// import counts on from where the server's backup ended, towards the
// server's total plus what the stores hold (StoreMessages as FindStores
// counted them, the stores' sizes as found), so the window's "Saved N of
// M" is the whole backup's and not the last store's alone.
type wholeProgress struct {
	sink     progress.Sink
	estMsgs  int64
	estBytes int64

	mu   sync.Mutex
	base progress.Event // the server's last status
	sent progress.Event // the stores' last figures, added to base
	last progress.Event // the last status passed on
}

func newWholeProgress(sink progress.Sink, opts *Options) *wholeProgress {
	w := &wholeProgress{sink: sink, estMsgs: opts.StoreMessages}
	if w.sink == nil {
		w.sink = progress.Discard
	}
	for _, s := range opts.Stores {
		if s.NotRead == "" {
			w.estBytes += s.Bytes
		}
	}
	return w
}

// server passes the server's backup's events on, keeping its last figures.
func (w *wholeProgress) server(e progress.Event) {
	if e.Step == "backup" {
		w.mu.Lock()
		w.base = e
		w.mu.Unlock()
	}
	w.sink(e)
}

// stores passes a store import's event on, counted from the server's. Each
// store's import counts from 0, so a store's figures add to those of the
// stores before it.
func (w *wholeProgress) stores() progress.Sink {
	w.mu.Lock()
	before := w.sent
	w.mu.Unlock()
	return func(e progress.Event) {
		w.mu.Lock()
		b := w.base
		done, bytes := before.Done+e.Done, before.Bytes+e.Bytes
		w.sent.Done, w.sent.Bytes = done, bytes
		w.mu.Unlock()
		e.Done, e.Bytes = b.Done+done, b.Bytes+bytes
		e.Total = max(b.Total+w.estMsgs, e.Done)
		e.TotalBytes = max(b.TotalBytes+w.estBytes, e.Bytes)
		if e.Kind == progress.Status {
			w.mu.Lock()
			w.last = e
			w.mu.Unlock()
		}
		w.sink(e)
	}
}

// done says every store was read whole: what was estimated (a store's
// size on disk holds more than its messages) gives way to what was
// saved, so the bar ends at 100%.
func (w *wholeProgress) done() {
	w.mu.Lock()
	e := w.last
	w.mu.Unlock()
	if e.Step == "" {
		return
	}
	e.Total, e.TotalBytes, e.ETA = e.Done, e.Bytes, 0
	w.sink(e)
}
