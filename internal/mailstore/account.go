package mailstore

import "strings"

// hostBase strips the service label of a mail host: pop.example.net and
// imap.example.net are one provider.
func hostBase(h string) string {
	h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
	for _, p := range []string{"pop3.", "pop.", "imap4.", "imap.", "mail.", "mx.", "in.", "mailbox."} {
		if rest, ok := strings.CutPrefix(h, p); ok && strings.Contains(rest, ".") {
			return rest
		}
	}
	return h
}

// BelongsTo reports whether the store's account is the account with login
// user on server host: the same address or login (a login without its
// domain, "taro", counts on a server of the same provider). A store whose
// app names no account (a bare mbox file) belongs to none.
func (s *Store) BelongsTo(user, host string) bool {
	if user == "" {
		return false
	}
	user = strings.ToLower(user)
	for _, v := range []string{s.Account.Address, s.Account.User} {
		if v == "" {
			continue
		}
		v = strings.ToLower(v)
		if v == user {
			return true
		}
		if local, _, ok := strings.Cut(user, "@"); ok && v == local && s.Account.Server != "" &&
			hostBase(s.Account.Server) == hostBase(host) {
			return true
		}
	}
	return false
}

// Line is how the account reads in a list: "taro@example.net
// (pop.example.net, POP)"; "" for an app's local folders.
func (a Account) Line() string {
	who := a.Address
	if who == "" {
		who = a.Name
	}
	var detail []string
	if a.Server != "" {
		detail = append(detail, a.Server)
	}
	switch a.Protocol {
	case "pop3":
		detail = append(detail, "POP")
	case "imap":
		detail = append(detail, "IMAP")
	}
	if len(detail) > 0 {
		who = strings.TrimSpace(who + " (" + strings.Join(detail, ", ") + ")")
	}
	return who
}
