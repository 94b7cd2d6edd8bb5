package cli

import (
	"context"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
)

// runBackupPOP3 is `mailark backup --protocol pop3`: the same flags,
// password rules, display, summary and exit codes as the IMAP backup.
func runBackupPOP3(ctx context.Context, env *Env, conn *connFlags, authName, archiveDir string, quiet, jsonOut, verbose bool) int {
	cfg, err := conn.pop3Config(env, authName)
	if err != nil {
		return fail(env.Stderr, err, verbose)
	}
	d := newDisplay(env, quiet)
	sum, err := backup.RunPOP3(ctx, backup.POP3Options{Conn: cfg, ArchiveDir: archiveDir, Progress: d.sink})
	d.done()
	if jsonOut {
		printJSON(env.Stdout, sum)
	} else {
		printSummary(env.Stdout, sum)
	}
	return backupExit(env, sum, err, verbose)
}

// pop3Config is the POP3 form of the connection flags: the same host, port,
// security, certificate and password rules as IMAP, and how to log in.
func (conn *connFlags) pop3Config(env *Env, authName string) (pop3.Config, error) {
	if _, err := pop3.ParseAuth(authName); err != nil {
		return pop3.Config{}, err
	}
	ic, err := conn.config(env)
	if err != nil {
		return pop3.Config{}, err
	}
	return pop3Of(ic, authName)
}

// pop3Of is the POP3 form of connection settings already read.
func pop3Of(ic imapconn.Config, authName string) (pop3.Config, error) {
	auth, err := pop3.ParseAuth(authName)
	if err != nil {
		return pop3.Config{}, err
	}
	return pop3.Config{Host: ic.Host, Port: ic.Port, Security: ic.Security, CAFile: ic.CAFile,
		AllowInsecure: ic.AllowInsecure, User: ic.User, Password: ic.Password, Auth: auth}, nil
}
