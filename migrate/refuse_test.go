package migrate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

var migrateRefusals = testimap.SoakFlag("migrate-refusals", 8, "how many refused commands and BYEs TestMigrateRefusedAnywhere tries")

// TestMigrateRefusedAnywhere migrates the archive into a real Dovecot
// through a proxy that, in the server's place, answers NO to a different
// command each time (LOGIN, LIST, CREATE, an APPEND, ...) or sends BYE and
// hangs up at a different point, each time into a fresh account. A run that
// stops is run again, as a user would, at most three times; in the end the
// new account holds every archived message exactly once.
func TestMigrateRefusedAnywhere(t *testing.T) {
	n := *migrateRefusals
	d, dir, users := relDovecot(t, n+1)
	want := relExpected(t, dir)
	ctx := context.Background()
	plain := func(port int, user string) imapconn.Config {
		return imapconn.Config{Host: d.Host, Port: port, Security: imapconn.Plain, User: user,
			Password: secret.New(copyPass), DialTimeout: 10 * time.Second}
	}
	clean := testimap.StartProxy(t, d.PlainAddr(), testimap.Counting)
	// One connection: the default opens four to a server that answers
	// slowly (a busy machine), and the fault must meet the whole run.
	opts := copyOpts(dir, plain(clean.Port, users[0]))
	opts.Connections = 1
	sum, err := migrate.Copy(ctx, opts)
	if err != nil || !sum.OK() {
		t.Fatalf("clean Copy() = %v", err)
	}
	commands := clean.Commands()
	_, downTotal := clean.Bytes()
	t.Logf("a whole migration: %d commands, %d bytes down", commands, downTotal)
	reruns := 0
	for i := range n {
		fault := testimap.RefuseOrBye(i, n, commands, downTotal)
		faulted := 1
		if i%4 == 2 {
			faulted = 3
		}
		user := users[i+1]
		t.Run(fmt.Sprintf("%02d_no%d_bye%d_conns%d", i, fault.RefuseCommand, fault.ByeDownAfter, faulted), func(t *testing.T) {
			proxy := testimap.StartProxy(t, d.PlainAddr(), testimap.FirstConns(faulted, fault))
			opts := copyOpts(dir, plain(proxy.Port, user))
			opts.Connections = 1
			sum, err := migrate.Copy(ctx, opts)
			runs := 1
			for (err != nil || !sum.OK()) && runs < 3 {
				t.Logf("Copy() = %v (left %d, refused %d); running it again", err, sum.Left, len(sum.Refused))
				reruns++
				runs++
				sum, err = migrate.Copy(ctx, opts)
			}
			tally.Faults.Add(1)
			if proxy.Refused()+proxy.Cuts() == 0 {
				t.Errorf("the fault never fired (%d connections)", proxy.Conns())
			}
			if err != nil || !sum.OK() {
				t.Fatalf("Copy() = %v after %d runs: %+v", err, runs, sum)
			}
			relCheck(t, copyConn(d, user), want)
		})
	}
	t.Logf("%d of %d cases needed Copy run again by hand", reruns, n)
}
