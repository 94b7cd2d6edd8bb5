package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/demo"
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
	if _, err := acct.MailAppHome(home); err != nil {
		return fail(env.Stderr, err, true)
	}
	fmt.Fprintf(out, "   The customer's old mail was fetched by POP into Thunderbird, on this computer (%s):\n", home)
	if code := runStores(ctx, env, []string{"--home", home, "--os", "linux"}); code != ExitOK {
		return code
	}
	fmt.Fprintln(out, "\n   Importing it into the archive next to the server's mail:")
	return runImport(ctx, env, []string{"--archive", dir, "--from", "thunderbird", "--home", home, "--os", "linux", "--quiet"})
}
