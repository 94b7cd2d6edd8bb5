package backup

import (
	"context"
	"errors"
	"fmt"
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
func importStores(ctx context.Context, a *archive.Archive, stores []*mailstore.Store, sink progress.Sink) ([]*ImportSummary, error) {
	var out []*ImportSummary
	for _, s := range stores {
		if s.NotRead != "" {
			continue
		}
		sum, err := Import(ctx, a, s, ImportOptions{Progress: sink})
		out = append(out, sum)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
