package migrate

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/imapconn"
)

// saveDrafts appends each draft to the new account's Drafts folder (the
// folder with the \Drafts special use, else "Drafts", created if missing)
// with the \Draft and \Seen flags, unless a message with its Message-ID is
// already there.
func saveDrafts(ctx context.Context, cfg imapconn.Config, res *AnnounceResult, now time.Time) error {
	c, err := imapconn.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	d, err := listDest(ctx, c)
	if err != nil {
		return err
	}
	name := d.prefix + "Drafts"
	for _, f := range d.folders {
		if f.Role == "drafts" {
			name = f.Name
			break
		}
	}
	if _, err := ensureDest(ctx, c, d, name); err != nil {
		return err
	}
	res.DraftsFolder = name
	if _, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return classifyDest(ctx, c, "select "+name, err)
	}
	for i := range res.Drafts {
		dr := &res.Drafts[i]
		crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: dr.MessageID}}}
		found, err := c.UIDSearch(crit, nil).Wait()
		if err != nil {
			return classifyDest(ctx, c, "search "+name, err)
		}
		if len(found.AllUIDs()) > 0 {
			dr.Existed = true
			continue
		}
		cmd := c.Append(name, int64(len(dr.Raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDraft, imap.FlagSeen}, Time: now})
		_, werr := cmd.Write(dr.Raw)
		cerr := cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			return classifyDest(ctx, c, "save draft in "+name, err)
		}
		if werr != nil || cerr != nil {
			return classifyDest(ctx, c, "save draft in "+name, announceFirstErr(werr, cerr))
		}
		dr.Saved = true
	}
	return nil
}

func announceFirstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
