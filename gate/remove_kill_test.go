package gate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/testimap"
)

var removeKills = testimap.SoakFlag("remove-kills", 5, "how many times TestKilledRemovalIsSafe kills a removal")

// TestRemoveKillChild is the child process of TestKilledRemovalIsSafe: it
// runs remove --delete-from-server and prints one line per progress event,
// until it is killed.
func TestRemoveKillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	env := testimap.ChildKillEnv()
	opts := gate.RemoveOptions{Conn: config("127.0.0.1", env.Port, env.User, env.Password),
		ArchiveDir: env.Archive, DeleteFromServer: true,
		Confirm:  func(string, int64) (string, error) { return env.User, nil },
		Progress: testimap.PrintEvent}
	testimap.RunChildCall(opts, gate.Remove)
}

// TestKilledRemovalIsSafe kills remove --delete-from-server with SIGKILL at
// its k-th progress event (k = 0 … as many as a removal sends), each time on
// a fresh account with an open gate, over a slow link so that kills land
// between STORE and EXPUNGE too. After the kill every message gone from the
// server is in the archive; then the user verifies again where the gate
// asks and removes again until the server is empty, with the same check.
func TestKilledRemovalIsSafe(t *testing.T) {
	testimap.SkipIfShort(t)
	killed := 0
	for i := 0; killed < *removeKills && i < 3**removeKills; i++ {
		killAt := i % 12 // events of a removal: a few per folder
		e := ready(t)
		archived, before := archivedSHA(t, e), serverSHA(t, e)
		proxy := testimap.StartProxy(t, e.srv.Addr, func(int) testimap.Fault { return testimap.Fault{Delay: time.Millisecond} })
		env := testimap.KillEnv{Port: proxy.Port, User: e.srv.User, Password: e.srv.Password, Archive: e.dir}
		c := testimap.KillChild(t, "TestRemoveKillChild", env.Environ(), killAt)
		if c.Hung {
			t.Fatalf("removal %d hung", i)
		}
		checkDeletedWereArchived(t, e, before, archived)
		if c.Finished != "" {
			if c.Finished != "finished <nil>" {
				t.Fatalf("removal %d: %s", i, c.Finished)
			}
			t.Logf("removal %d completed before its kill at event %d", i, killAt)
			continue
		}
		killed++
		tally.Kills.Add(1)
		err := errors.New("killed")
		for runs := 0; err != nil; runs++ {
			if runs == 3 {
				t.Fatalf("Remove() = %v, three runs after the kill at event %d", err, killAt)
			}
			if errors.Is(err, gate.ErrGateClosed) {
				e.verify(false)
			}
			e.step()
			_, err = gate.Remove(context.Background(), e.removeOpts(true, e.srv.User))
			t.Logf("kill at event %d; Remove() again = %v", killAt, err)
			checkDeletedWereArchived(t, e, before, archived)
		}
		for name, n := range serverCounts(t, e.srv) {
			if n != 0 {
				t.Errorf("%s: %d messages left after a removal that succeeded", name, n)
			}
		}
	}
	if killed < *removeKills {
		t.Fatalf("only %d of %d kills landed", killed, *removeKills)
	}
}
