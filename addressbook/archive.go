package addressbook

import (
	"context"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// FromArchive extracts the address book from a Mailark archive database
// (docs/archive.md): every message of every folder generation, with the
// account's login (meta.account_user) added to opts.Self. Messages of
// sent-role folders are read first, so that aliases learned there are known
// when the other folders are read.
func FromArchive(ctx context.Context, a *archive.Archive, opts Options) (*Book, error) {
	acct, err := a.Account(ctx)
	if err != nil {
		return nil, err
	}
	if acct.User != "" {
		opts.Self = append(append([]string(nil), opts.Self...), acct.User)
	}
	if opts.Total, err = a.MessageCount(ctx); err != nil {
		return nil, err
	}
	b := NewBuilder(opts)
	for _, sent := range []bool{true, false} {
		if err := readMessages(ctx, a, sent, b); err != nil {
			return b.Book(), err
		}
		b.SettleSelf()
	}
	return b.Book(), nil
}

func readMessages(ctx context.Context, a *archive.Archive, sent bool, b *Builder) error {
	err := a.EachAddressRow(ctx, sent, func(r *archive.AddressRow) error {
		b.Add(Message{ // Add keeps no reference to AddrFields
			Folder:       r.Folder,
			Role:         r.Role,
			Date:         parseTime(r.Date),
			InternalDate: parseTime(r.InternalDate),
			ID:           r.Key,
			AddrFields:   r.AddrFields,
		})
		if b.stats.Messages%256 == 0 {
			return ctx.Err()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ctx.Err()
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// LastExport returns the most recent export recorded in the archive; ok is
// false when there is none.
func LastExport(ctx context.Context, a *archive.Archive) (rec ExportRecord, ok bool, err error) {
	r, ok, err := a.LastExport(ctx)
	if err != nil || !ok {
		return ExportRecord{}, false, err
	}
	return ExportRecord{At: r.At, Format: Format(r.Format), Path: r.Path, Contacts: r.Contacts, SHA256: r.SHA256}, true, nil
}
