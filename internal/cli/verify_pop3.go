package cli

import (
	"context"
	"fmt"

	"github.com/mailark/mailark/gate"
)

// runVerifyPOP3 is `mailark verify --protocol pop3`. It never exits 0: a
// POP3 server holding every message it lists does not make the account
// safe to remove (older mail may be only in a mail app), and the gate does
// not judge POP3 accounts here yet.
func runVerifyPOP3(ctx context.Context, env *Env, conn *connFlags, authName, archiveDir string, deep, quiet, jsonOut, verbose bool, l gate.Lang) int {
	cfg, err := conn.pop3Config(env, authName)
	if err != nil {
		return fail(env.Stderr, err, verbose)
	}
	d := newDisplay(env, quiet)
	res, err := gate.VerifyPOP3(ctx, gate.VerifyPOP3Options{Conn: cfg, ArchiveDir: archiveDir, Deep: deep, Progress: d.sink})
	d.done()
	if err != nil {
		return fail(env.Stderr, err, verbose)
	}
	switch {
	case jsonOut:
		printJSON(env.Stdout, struct {
			Verification gate.Result `json:"verification"`
		}{res})
	case !quiet:
		printVerification(env.Stdout, res, l)
	}
	if !res.OK() {
		fmt.Fprintf(env.Stdout, "NOT SAFE: %d problem(s) listed above. Run mailark backup --protocol pop3 again, then verify again.\n", len(res.Problems))
		return ExitGateClosed
	}
	fmt.Fprintf(env.Stdout, "Every message on the POP3 server (%d) is in the archive, whole. This does not yet make the account safe to remove: "+
		"mail downloaded and deleted from the server earlier may exist only in your mail app; import and verify its store too.\n", res.Verified)
	return ExitGateClosed
}
