package gate

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
)

// The gate of a POP3 account. Its verification (VerifyPOP3) records the
// POP3 mailbox's folder as on the server, with the archive UIDs of the
// messages it verified; the live look at the server is one POP3 session
// (STAT, LIST, UIDL) that must show what the verification saw: the same
// number of messages and bytes, and no UIDL that was not verified.

// popStatus is what a live look at a POP3 mailbox saw.
type popStatus struct {
	bytes int64
	keys  map[string]bool // the usable UIDLs listed
}

// popAccount is the account of the archive's POP3 mailbox, for an archive
// that holds no IMAP backup: the login and host of its first POP3 source.
func popAccount(ctx context.Context, a *archive.Archive) (Account, bool, error) {
	srcs, err := a.Sources(ctx)
	if err != nil {
		return Account{}, false, err
	}
	for _, s := range srcs {
		if s.Kind != archive.SourcePOP3 || s.Server == "" {
			continue
		}
		host := strings.ToLower(strings.TrimSuffix(s.Server, "."))
		user, ok := strings.CutSuffix(s.Location, "@"+host)
		if ok && user != "" {
			return Account{User: user, Host: s.Server}, true, nil
		}
	}
	return Account{}, false, nil
}

// imapConfig is what the account checks (checkAccount) need of a POP3
// connection.
func imapConfig(c pop3.Config) imapconn.Config {
	return imapconn.Config{Host: c.Host, Port: c.Port, User: c.User, Security: c.Security}
}

// popFolderOf is the archive folder of the POP3 mailbox c reaches.
func popFolderOf(ctx context.Context, a *archive.Archive, c pop3.Config) (*archive.Folder, error) {
	return pop3Folder(ctx, a, archive.POP3Location(c.User, c.Host))
}

// popSession dials the POP3 mailbox for one live look and closes it.
func popSession(ctx context.Context, cfg pop3.Config, folderName string) ([]folderStatus, error) {
	c, err := pop3.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	mb, err := c.Mailbox(ctx)
	if err != nil {
		return nil, err
	}
	return popStatuses(mb, folderName), nil
}

// popFolderIDs are the archive folders of POP3 sources.
func popFolderIDs(ctx context.Context, a *archive.Archive) (map[int64]bool, error) {
	srcs, err := a.Sources(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, s := range srcs {
		if s.Kind != archive.SourcePOP3 {
			continue
		}
		fs, err := a.SourceFolders(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			out[f.ID] = true
		}
	}
	return out, nil
}

// verifiedKeys are the UIDLs of the messages vf's verification verified.
func verifiedKeys(ctx context.Context, a *archive.Archive, vf archive.VerificationFolder) (map[string]bool, error) {
	set, _, err := parseUIDs(vf.VerifiedUIDs)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	err = a.EachSourceKey(ctx, vf.FolderID, func(k *archive.SourceKey) error {
		if set.Contains(imap.UID(k.UID)) {
			keys[k.Key] = true
		}
		return nil
	})
	return keys, err
}

// popChanged compares a live look at a POP3 mailbox with its verification.
func popChanged(ctx context.Context, a *archive.Archive, s folderStatus, vf archive.VerificationFolder) ([]Discrepancy, error) {
	var found []Discrepancy
	if s.messages != vf.ServerMessages || s.pop.bytes != vf.ServerBytes {
		kind := ServerNewMail
		if s.messages < vf.ServerMessages {
			kind = ServerMailRemoved
		}
		found = append(found, Discrepancy{Kind: kind, Folder: s.name, Want: strconv.FormatUint(uint64(vf.ServerMessages), 10),
			Got: strconv.FormatUint(uint64(s.messages), 10), Blocking: true,
			Detail: fmt.Sprintf("%s: %d messages (%d bytes) on the server now, %d (%d bytes) when verified", s.name, s.messages, s.pop.bytes, vf.ServerMessages, vf.ServerBytes)})
	}
	keys, err := verifiedKeys(ctx, a, vf)
	if err != nil {
		return nil, err
	}
	for k := range s.pop.keys {
		if !keys[k] {
			found = append(found, Discrepancy{Kind: ServerNewMail, Folder: s.name, Got: "UIDL " + k, Blocking: true,
				Detail: fmt.Sprintf("%s: a message the verification did not verify is on the server (UIDL %s)", s.name, k)})
			break
		}
	}
	return found, nil
}
