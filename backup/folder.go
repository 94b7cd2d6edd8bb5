package backup

import (
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/imapconn"
)

// serverFolder is a selectable folder as LIST describes it.
type serverFolder struct {
	name   string // decoded
	delim  string
	attrs  []imap.MailboxAttr
	role   string
	status *imap.StatusData // from LIST-STATUS, nil when the server has none
}

func (f serverFolder) attrString() string {
	s := make([]string, len(f.attrs))
	for i, a := range f.attrs {
		s[i] = string(a)
	}
	return strings.Join(s, " ")
}

// listFolders lists every folder, subscribed or not, and keeps the
// selectable ones. With LIST-STATUS the counters come in the same round trip.
func listFolders(c *imapconn.Conn) ([]serverFolder, error) {
	opts := &imap.ListOptions{}
	if c.Caps.SpecialUse {
		opts.ReturnSpecialUse = true
	}
	if c.Caps.ListStatus {
		opts.ReturnStatus = &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}
	}
	list, err := c.List("", "*", opts).Collect()
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	seen := map[string]bool{}
	var out []serverFolder
	for _, d := range list {
		if d == nil || seen[d.Mailbox] {
			continue
		}
		if hasAttr(d.Attrs, imap.MailboxAttrNoSelect) || hasAttr(d.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		seen[d.Mailbox] = true
		f := serverFolder{name: d.Mailbox, attrs: d.Attrs, status: d.Status}
		if d.Delim != 0 {
			f.delim = string(d.Delim)
		}
		f.role = roleOf(f.name, f.delim, d.Attrs)
		out = append(out, f)
	}
	// INBOX first, then the special folders, then by name: a stable order
	// that backs up what matters most first.
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := roleRank(out[i].role), roleRank(out[j].role)
		if ri != rj {
			return ri < rj
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
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

func roleOf(name, delim string, attrs []imap.MailboxAttr) string {
	if strings.EqualFold(name, "INBOX") {
		return "inbox"
	}
	for _, r := range specialRoles {
		if hasAttr(attrs, r.attr) {
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
