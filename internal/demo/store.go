package demo

import (
	"fmt"

	"github.com/mailark/mailark/internal/mailstore/storetest"
)

// MailAppHome writes, under home, the mail-app store the demo customer's
// old mail lives in: her mail was fetched by POP into Thunderbird years
// ago (profiles.ini, prefs.js naming the POP account of a's user on
// pop.old-isp.example, an Inbox of up to 200 messages, every 17th marked
// deleted but not compacted away, and Sent), in the layout Thunderbird has
// on Linux. It returns the server's folder of the profile (the store).
func (a *Account) MailAppHome(home string) (string, error) {
	var inbox, sent [][]byte
	for _, f := range a.Folders {
		for i, m := range f.Messages {
			status := uint16(1)
			if i%17 == 5 {
				status = 9
			}
			raw := storetest.WithMozStatus(m.Raw, status, "")
			if f.SpecialUse == `\Sent` {
				sent = append(sent, raw)
			} else if len(inbox) < 200 {
				inbox = append(inbox, raw)
			}
		}
	}
	t := &writeErr{}
	profile := storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{{Protocol: "pop3",
		Server: "pop.old-isp.example", User: a.User, Address: a.User,
		Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}, {Name: "Sent", Msgs: sent}}}})
	return profile + "/Mail/pop.old-isp.example", t.err
}

type writeErr struct{ err error }

func (t *writeErr) Helper() {}
func (t *writeErr) Fatal(args ...any) {
	if t.err == nil {
		t.err = fmt.Errorf("write the demo's mail-app store: %s", fmt.Sprint(args...))
	}
}
