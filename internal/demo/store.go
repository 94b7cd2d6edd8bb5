package demo

import (
	"bytes"
	"fmt"

	"github.com/mailark/mailark/internal/mailstore/layout"
)

// MailAppHome writes, under home, the mail-app store the demo customer's
// old mail lives in: her mail was fetched by POP into Thunderbird years
// ago (profiles.ini, prefs.js naming the POP account of a's user on
// pop.old-isp.example, an Inbox of 300 messages, every 17th marked
// deleted but not compacted away), in the layout Thunderbird has
// on Linux. These are her older messages, no longer on the server: each
// is one of the account's with its own Message-ID. It returns the server's
// folder of the profile (the store).
func (a *Account) MailAppHome(home string) (string, error) {
	var inbox [][]byte
	for _, f := range a.Folders {
		for i, m := range f.Messages {
			status := uint16(1)
			if i%17 == 5 {
				status = 9
			}
			old := m.Raw
			for _, h := range []string{"Message-ID: <", "Message-Id: <", "Message-id: <"} {
				old = bytes.Replace(old, []byte(h), []byte(h+"pop-"), 1)
			}
			raw := layout.WithMozStatus(old, status, "")
			if f.SpecialUse != `\Sent` && len(inbox) < 300 {
				inbox = append(inbox, raw)
			}
		}
	}
	t := &writeErr{}
	profile := layout.Thunderbird(t, home, "linux", []layout.TBAccount{{Protocol: "pop3",
		Server: "pop.old-isp.example", User: a.User, Address: a.User,
		Folders: []layout.TBFolder{{Name: "Inbox", Msgs: inbox}}}})
	return profile + "/Mail/pop.old-isp.example", t.err
}

type writeErr struct{ err error }

func (t *writeErr) Helper() {}
func (t *writeErr) Fatal(args ...any) {
	if t.err == nil {
		t.err = fmt.Errorf("write the demo's mail-app store: %s", fmt.Sprint(args...))
	}
}
