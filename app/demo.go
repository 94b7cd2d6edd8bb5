package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
)

// RunDemo opens the window on the demo account: the generated "old
// provider" on go-imap's in-memory server inside this process (demo.Start,
// as the terminal demo starts it), beside an empty "new
// provider" account on the same server for step 7. Both account forms are
// filled in; the archive and the settings go to a new temporary folder, so
// the demo never touches the person's real accounts or keyring.
func RunDemo(ctx context.Context, opts Options) error {
	srv, err := demo.Start(ctx)
	if err != nil {
		return err
	}
	defer srv.Stop()
	acct, newAcct := srv.Old, srv.New

	dir, err := os.MkdirTemp("", "mailark-demo-")
	if err != nil {
		return err
	}
	port := srv.Port
	opts.Demo = &DemoAccount{Email: acct.User, Password: acct.Password, Host: srv.Host, Port: port,
		Security: imapconn.Plain, ArchiveDir: filepath.Join(dir, "archive")}
	opts.DemoNew = &DemoAccount{Email: newAcct.User, Password: newAcct.Password, Host: srv.Host, Port: port,
		Security: imapconn.Plain}
	opts.ArchiveRoot = dir
	// The customer's older mail, fetched by POP into Thunderbird years ago,
	// is on "this computer" only: the gate finds it there and the window
	// offers to copy it.
	home := filepath.Join(dir, "home")
	store, err := acct.MailAppHome(home)
	if err != nil {
		return err
	}
	opts.StoresHome = home
	if opts.SettingsDir == "" {
		opts.SettingsDir = filepath.Join(dir, "settings")
	}
	fmt.Printf("Mailark demo: the demo account (%s, %d messages in %d folders) is served on 127.0.0.1:%d inside this program.\n",
		acct.User, acct.MessageCount(), len(acct.Folders), port)
	fmt.Printf("The demo's new account, empty, to move the mail into: %s on the same server.\n", newAcct.User)
	fmt.Printf("The demo archive goes to %s\n", opts.Demo.ArchiveDir)
	fmt.Printf("The demo customer's older mail is in Thunderbird on \"this computer\": %s\n", store)
	return Run(ctx, opts)
}
