package gate_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/cli"
)

// A damaged mbox file (one flipped byte) closes the gate with the way out
// named: repair, then verify; following it opens the gate again.
func TestDamagedMboxPointsToRepair(t *testing.T) {
	e := ready(t)
	flipMboxByte(t, e, "Sent", 9)
	r := e.cli("", "verify")
	if r.code != cli.ExitGateClosed || !strings.Contains(r.stdout, "mailark repair --archive DIR") {
		t.Fatalf("verify of a damaged mbox: exit %d, want %d naming mailark repair\n%s%s", r.code, cli.ExitGateClosed, r.stdout, r.stderr)
	}
	v := e.check()
	c, _ := v.Condition(gate.CondVerified)
	if c.OK || c.Code != "damaged" || !strings.Contains(c.Reason, "mailark repair") ||
		!strings.Contains(c.Text(gate.Japanese), "修復") {
		t.Errorf("verified condition = %+v (ja %q), want code damaged pointing to repair", c, c.Text(gate.Japanese))
	}
	var out, errOut bytes.Buffer
	ce := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(string) string { return "" }, Unsetenv: func(string) error { return nil },
		IsTerminal: func(int) bool { return false }}
	if code := cli.Main(context.Background(), ce, []string{"repair", "--archive", e.dir}); code != cli.ExitOK {
		t.Fatalf("repair: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if r := e.cli("", "verify"); r.code != cli.ExitOK {
		t.Errorf("verify after repair: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
}
