// Package folders lists an account's folders the way Mailark counts them:
// every folder, subscribed or not, the selectable ones only, with their
// special-use role and, where the server has LIST-STATUS, their counters.
//
// backup and migrate must agree on which folders exist: a folder that one
// skips and the other counts would either hide mail from the removal gate or
// keep the gate closed for ever. The rules here are those of backup/folder.go
// (listFolders, roleOf), copied because backup is not to be edited in the same
// change; backup can switch to List and drop its copy.
package folders

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/imapconn"
)

// Folder is a selectable folder as LIST describes it.
type Folder struct {
	Name string // decoded, for people and the archive
	// Mailbox names the folder in commands of the connection that listed
	// it: Name, or an alias for a name go-imap could not carry (invalid
	// modified UTF-7, raw 8-bit bytes, NUL), which the connection turns
	// back into the server's exact bytes.
	Mailbox string
	// Err, when set, says why the folder cannot be read at all (a name
	// that cannot be sent back, a list entry that could not be read): the
	// caller reports it and goes on with the others.
	Err    error
	Delim  string // "" when the server has no hierarchy
	Attrs  []imap.MailboxAttr
	Role   string           // inbox, sent, drafts, trash, junk, archive, all, flagged, or ""
	Status *imap.StatusData // with Options.Status and LIST-STATUS; nil otherwise
}

// AttrString is the attributes space separated, as the archive stores them.
func (f Folder) AttrString() string {
	s := make([]string, len(f.Attrs))
	for i, a := range f.Attrs {
		s[i] = string(a)
	}
	return strings.Join(s, " ")
}

// Options for List. The zero value lists names and attributes only.
type Options struct {
	// Status asks for MESSAGES, UIDNEXT and UIDVALIDITY in the same round
	// trip when the server has LIST-STATUS. Without it, Folder.Status is nil
	// and the caller sends STATUS per folder.
	Status bool
}

// List lists every folder, subscribed or not, and keeps the selectable ones:
// INBOX first, then the special folders, then by name.
func List(c *imapconn.Conn, opts Options) ([]Folder, error) {
	lo := &imap.ListOptions{}
	if c.Caps.SpecialUse {
		lo.ReturnSpecialUse = true
	}
	if opts.Status && c.Caps.ListStatus {
		lo.ReturnStatus = &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}
	}
	list, err := c.List("", "*", lo).Collect()
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	seen, named := map[string]bool{}, map[string]bool{}
	var out []Folder
	for _, d := range list {
		if d == nil || seen[d.Mailbox] {
			continue
		}
		f := Folder{Name: d.Mailbox, Mailbox: d.Mailbox, Attrs: d.Attrs, Status: d.Status}
		if m, ok := c.Mailbox(d.Mailbox); ok {
			f.Name, f.Err = m.Name, m.Err
		}
		if f.Err == nil && (HasAttr(d.Attrs, imap.MailboxAttrNoSelect) || HasAttr(d.Attrs, imap.MailboxAttrNonExistent)) {
			continue
		}
		seen[d.Mailbox] = true
		if named[f.Name] && f.Err == nil {
			f.Err = errors.New("another folder of the server has the same name once decoded")
		}
		named[f.Name] = true
		if d.Delim != 0 {
			f.Delim = string(d.Delim)
		}
		f.Role = RoleOf(f.Name, f.Delim, d.Attrs)
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return Less(out[i].Role, out[i].Name, out[j].Role, out[j].Name) })
	return out, nil
}

// HasAttr reports whether attrs holds a, ignoring case.
func HasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}

var specialRoles = []struct {
	attr imap.MailboxAttr
	role string
}{
	{imap.MailboxAttrSent, "sent"}, {imap.MailboxAttrDrafts, "drafts"}, {imap.MailboxAttrTrash, "trash"},
	{imap.MailboxAttrJunk, "junk"}, {imap.MailboxAttrArchive, "archive"}, {imap.MailboxAttrAll, "all"},
	{imap.MailboxAttrFlagged, "flagged"},
}

// roleNames guesses a role from a folder's last name element when the server
// does not announce special use (older servers, many Japanese ISPs).
var roleNames = map[string]string{
	"sent": "sent", "sent items": "sent", "sent messages": "sent", "sent mail": "sent", "sent-mail": "sent",
	"送信済み": "sent", "送信済みアイテム": "sent", "送信済みメール": "sent", "送信済みトレイ": "sent",
	"drafts": "drafts", "draft": "drafts", "下書き": "drafts",
	"trash": "trash", "deleted items": "trash", "deleted messages": "trash", "bin": "trash",
	"ゴミ箱": "trash", "ごみ箱": "trash", "削除済みアイテム": "trash",
	"junk": "junk", "spam": "junk", "junk e-mail": "junk", "junk email": "junk", "迷惑メール": "junk",
	"archive": "archive", "archives": "archive", "アーカイブ": "archive",
}

// RoleOf gives a folder's role from its special-use attributes, else from
// its name.
func RoleOf(name, delim string, attrs []imap.MailboxAttr) string {
	if strings.EqualFold(name, "INBOX") {
		return "inbox"
	}
	for _, r := range specialRoles {
		if HasAttr(attrs, r.attr) {
			return r.role
		}
	}
	parts := []string{name}
	if delim != "" {
		parts = strings.Split(name, delim)
	}
	// Only a top-level folder, or one directly under INBOX or [Gmail], is a
	// guessable special folder: "Clients/Sent" is the user's own.
	if len(parts) > 2 || (len(parts) == 2 && !strings.EqualFold(parts[0], "INBOX") && !strings.HasPrefix(parts[0], "[")) {
		return ""
	}
	return roleNames[strings.ToLower(parts[len(parts)-1])]
}

// Less orders folders as Mailark shows and backs them up: INBOX, Sent, the
// other special folders, then the rest, each by name.
func Less(roleA, nameA, roleB, nameB string) bool {
	if ra, rb := roleRank(roleA), roleRank(roleB); ra != rb {
		return ra < rb
	}
	return nameA < nameB
}

func roleRank(role string) int {
	switch role {
	case "inbox":
		return 0
	case "sent":
		return 1
	case "":
		return 3
	}
	return 2
}
