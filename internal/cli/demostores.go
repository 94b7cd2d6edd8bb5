package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/mailstore/storetest"
)

// demoStores plays "Where is your mail?": the demo customer's old mail was
// fetched by POP into Thunderbird years ago, so a Thunderbird profile is
// written under a demo home folder next to the archive; `mailark stores`
// finds it and `mailark import` copies it into the archive.
func demoStores(ctx context.Context, env *Env, dir string, acct *demo.Account) int {
	out := env.Stdout
	home := filepath.Join(filepath.Dir(dir), "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fail(env.Stderr, err, true)
	}
	var inbox, sent [][]byte
	for _, f := range acct.Folders {
		for i, m := range f.Messages {
			status := uint16(1)
			if i%17 == 5 {
				status = 9 // marked deleted in Thunderbird, not compacted yet
			}
			raw := storetest.WithMozStatus(m.Raw, status, "")
			if f.SpecialUse == `\Sent` {
				sent = append(sent, raw)
			} else if len(inbox) < 200 {
				inbox = append(inbox, raw)
			}
		}
	}
	t := &demoTB{}
	storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{{Protocol: "pop3", Server: "pop.old-isp.example",
		User: acct.User, Address: acct.User, Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}, {Name: "Sent", Msgs: sent}}}})
	if t.err != nil {
		return fail(env.Stderr, t.err, true)
	}
	fmt.Fprintf(out, "   The customer's old mail was fetched by POP into Thunderbird, on this computer (%s):\n", home)
	if code := runStores(ctx, env, []string{"--home", home, "--os", "linux"}); code != ExitOK {
		return code
	}
	fmt.Fprintln(out, "\n   Importing it into the archive next to the server's mail:")
	return runImport(ctx, env, []string{"--archive", dir, "--from", "thunderbird", "--home", home, "--os", "linux", "--quiet"})
}

type demoTB struct{ err error }

func (t *demoTB) Helper() {}
func (t *demoTB) Fatal(args ...any) {
	if t.err == nil {
		t.err = fmt.Errorf("%s", fmt.Sprint(args...))
	}
}
