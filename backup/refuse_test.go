package backup_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/testimap"
)

var refusals = testimap.SoakFlag("refusals", 12, "how many refused commands and BYEs TestServerRefusesAnywhere tries")

// TestServerRefusesAnywhere backs up the demo account through a proxy that,
// in the server's place, answers NO to a different command each time (from
// LOGIN to the last FETCH), or sends BYE and hangs up at a different point
// of the transfer, on the first connection or the first three. A run may
// stop (a NO to LOGIN is a wrong password, as far as Mailark can tell) and
// is then run again, as a user would, until a run meets a connection that
// is not faulted (at most four runs); in the end the
// archive holds every message of the server exactly once. It counts the
// faults connection by connection, so its backups use one.
func TestServerRefusesAnywhere(t *testing.T) { refusesAnywhere(t, 1) }

// TestServerRefusesAnywhereFourConnections is TestServerRefusesAnywhere
// with four connections: the fault is on every connection of the first
// session (or the first three), placed within a quarter of a whole run.
func TestServerRefusesAnywhereFourConnections(t *testing.T) { refusesAnywhere(t, 4) }

func refusesAnywhere(t *testing.T, conns int) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	// A clean run through the IMAP-aware proxy counts the commands and
	// bytes of one whole backup.
	clean := testimap.StartProxy(t, srv.Addr, testimap.Counting)
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = clean.Port
	opts.Connections = conns
	if sum, err := backup.Run(context.Background(), opts); err != nil || !sum.OK() {
		t.Fatalf("clean Run() = %v", err)
	}
	commands := clean.Commands()
	_, downTotal := clean.Bytes()
	t.Logf("a whole backup: %d commands, %d bytes down", commands, downTotal)
	n, reruns := *refusals, 0
	for i := range n {
		fault := testimap.RefuseOrBye(i, n, commands/conns, downTotal/int64(conns))
		faulted := conns
		if i%5 == 3 {
			faulted = 3 * conns // reconnecting meets the same answer
		}
		t.Run(fmt.Sprintf("%02d_no%d_bye%d_conns%d", i, fault.RefuseCommand, fault.ByeDownAfter, faulted), func(t *testing.T) {
			proxy := testimap.StartProxy(t, srv.Addr, testimap.FirstConns(faulted, fault))
			opts := options(srv, tempArchive(t))
			opts.Conn.Port = proxy.Port
			opts.Connections = conns
			sum, err := backup.Run(context.Background(), opts)
			// A run uses at least one connection, so the run after the
			// faulted ones meets a clean server.
			runs, most := 1, max(3, faulted+1)
			for (err != nil || !sum.OK()) && runs < most {
				t.Logf("Run() = %v, %d not saved, folders not read %v; running it again", err, len(sum.Failures), sum.FolderErrors)
				reruns++
				runs++
				sum, err = backup.Run(context.Background(), opts)
			}
			tally.Faults.Add(1)
			if proxy.Refused()+proxy.Cuts() == 0 {
				t.Errorf("the fault never fired (%d connections)", proxy.Conns())
			}
			if err != nil || !sum.OK() {
				t.Fatalf("Run() = %v after %d runs, failures %v", err, runs, sum.Failures)
			}
			checkArchive(t, dir(opts), state)
		})
	}
	t.Logf("%d of %d cases needed the backup run again by hand", reruns, n)
}

func dir(o backup.Options) string { return o.ArchiveDir }
