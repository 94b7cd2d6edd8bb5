package app

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
)

// RunDemo opens the window on the demo account: the generated "old
// provider" on go-imap's in-memory server inside this process, as the
// terminal demo (internal/cli/demo.go) starts it, beside an empty "new
// provider" account on the same server for step 6. Both account forms are
// filled in; the archive and the settings go to a new temporary folder, so
// the demo never touches the person's real accounts or keyring.
func RunDemo(ctx context.Context, opts Options) error {
	acct, newAcct := demo.OldProvider(), demo.NewProvider()
	srv, err := demo.NewMemServer(acct)
	if err != nil {
		return err
	}
	if err := srv.AddAccount(newAcct); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()

	dir, err := os.MkdirTemp("", "mailark-demo-")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	opts.Demo = &DemoAccount{Email: acct.User, Password: acct.Password, Host: "127.0.0.1", Port: port,
		Security: imapconn.Plain, ArchiveDir: filepath.Join(dir, "archive")}
	opts.DemoNew = &DemoAccount{Email: newAcct.User, Password: newAcct.Password, Host: "127.0.0.1", Port: port,
		Security: imapconn.Plain}
	opts.ArchiveRoot = dir
	if opts.SettingsDir == "" {
		opts.SettingsDir = filepath.Join(dir, "settings")
	}
	fmt.Printf("Mailark demo: the demo account (%s, %d messages in %d folders) is served on 127.0.0.1:%d inside this program.\n",
		acct.User, acct.MessageCount(), len(acct.Folders), port)
	fmt.Printf("The demo's new account, empty, to move the mail into: %s on the same server.\n", newAcct.User)
	fmt.Printf("The demo archive goes to %s\n", opts.Demo.ArchiveDir)
	return Run(ctx, opts)
}
