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
// terminal demo (internal/cli/demo.go) starts it. The account screen is
// filled in; the archive and the settings go to a new temporary folder, so
// the demo never touches the person's real accounts or keyring.
func RunDemo(ctx context.Context, opts Options) error {
	acct := demo.OldProvider()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- demo.Serve(sctx, ln, acct) }()
	defer func() { stop(); <-served }()

	dir, err := os.MkdirTemp("", "mailark-demo-")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	opts.Demo = &DemoAccount{Email: acct.User, Password: acct.Password, Host: "127.0.0.1", Port: port,
		Security: imapconn.Plain, ArchiveDir: filepath.Join(dir, "archive")}
	opts.ArchiveRoot = dir
	if opts.SettingsDir == "" {
		opts.SettingsDir = filepath.Join(dir, "settings")
	}
	fmt.Printf("Mailark demo: the demo account (%s, %d messages in %d folders) is served on 127.0.0.1:%d inside this program.\n",
		acct.User, acct.MessageCount(), len(acct.Folders), port)
	fmt.Printf("The demo archive goes to %s\n", opts.Demo.ArchiveDir)
	return Run(ctx, opts)
}
