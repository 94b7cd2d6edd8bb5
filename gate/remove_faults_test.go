package gate_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testimap"
)

var removeFaults = testimap.SoakFlag("remove-faults", 6, "how many faults TestRemoveUnderFaults injects into removals")

// TestRemoveUnderFaults runs remove --delete-from-server, each time on a
// fresh account with an open gate, through a proxy that breaks the first
// connection at a different point: cut either way, reset, stalled, a NO to
// a different command, a BYE. Whatever the removal did before the fault,
// every message gone from the server is in the archive byte for byte; then
// the user verifies again where the gate asks for it and removes again,
// until the server is empty, with the same check.
func TestRemoveUnderFaults(t *testing.T) {
	// A clean removal measures its commands and bytes.
	e := ready(t)
	clean := testimap.StartProxy(t, e.srv.Addr, testimap.Counting)
	opts := e.removeOpts(true, e.srv.User)
	opts.Conn.Port = clean.Port
	if _, err := gate.Remove(context.Background(), opts); err != nil {
		t.Fatalf("clean Remove() = %v", err)
	}
	commands := clean.Commands()
	upTotal, downTotal := clean.Bytes()
	t.Logf("a whole removal: %d commands, %d bytes up, %d down", commands, upTotal, downTotal)

	for i := range *removeFaults {
		frac := float64(i/6) / float64(max((*removeFaults+5)/6-1, 1))
		frac = math.Mod(frac+float64(i%6)/6, 1) // each kind at other points too
		up := int64(20 + frac*float64(upTotal-20))
		down := int64(20 + frac*float64(downTotal-20))
		var fault testimap.Fault
		switch i % 6 {
		case 0:
			fault.CutDownAfter = down
		case 1:
			fault.CutUpAfter = up
		case 2:
			fault = testimap.Fault{CutDownAfter: down, Reset: true}
		case 3:
			fault.StallDownAfter = down
		case 4:
			fault.RefuseCommand = 1 + int(frac*float64(commands-1))
		case 5:
			fault.ByeDownAfter = down
		}
		name := []string{"down", "up", "down_reset", "stall", "no", "bye"}[i%6]
		t.Run(fmt.Sprintf("%02d_%s", i, name), func(t *testing.T) {
			e := ready(t)
			archived := archivedSHA(t, e)
			before := serverSHA(t, e)
			proxy := testimap.StartProxy(t, e.srv.Addr, testimap.FirstConns(1, fault))
			opts := e.removeOpts(true, e.srv.User)
			opts.Conn.Port = proxy.Port
			opts.Conn.IdleTimeout = time.Second // a stall is noticed soon
			_, err := gate.Remove(context.Background(), opts)
			tally.Faults.Add(1)
			t.Logf("Remove() through the fault = %v", err)
			checkDeletedWereArchived(t, e, before, archived)
			for runs := 0; err != nil; runs++ {
				if runs == 3 {
					t.Fatalf("Remove() = %v, three runs after the fault", err)
				}
				if errors.Is(err, gate.ErrGateClosed) {
					e.verify(false) // what the verdict asks the user to do
				}
				e.step()
				_, err = gate.Remove(context.Background(), e.removeOpts(true, e.srv.User))
				t.Logf("Remove() again = %v", err)
				checkDeletedWereArchived(t, e, before, archived)
			}
			for name, n := range serverCounts(t, e.srv) {
				if n != 0 {
					t.Errorf("%s: %d messages left after a removal that succeeded", name, n)
				}
			}
		})
	}
}

// archivedSHA is folder → UID → SHA-256 of every archived message.
func archivedSHA(t testing.TB, e *env) map[string]map[uint32]string {
	t.Helper()
	ctx := context.Background()
	a := e.archive()
	defer a.Close()
	fs, err := a.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[uint32]string{}
	for _, f := range fs {
		if !f.Current {
			continue
		}
		out[f.Name] = map[uint32]string{}
		if err := a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error {
			out[f.Name][m.UID] = m.SHA256
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// serverSHA is folder → UID → SHA-256 of every message on the server,
// read with EXAMINE and BODY.PEEK.
func serverSHA(t testing.TB, e *env) map[string]map[uint32]string {
	t.Helper()
	c := e.srv.Client(t)
	defer c.Close()
	out := map[string]map[uint32]string{}
	for name, msgs := range testimap.ServerState(t, c) {
		out[name] = map[uint32]string{}
		for uid, m := range msgs {
			out[name][uid] = m.SHA
		}
	}
	return out
}

// checkDeletedWereArchived counts each message the server held before the
// removal and holds no longer: lost unless the archive holds it, same
// folder, same UID, same bytes.
func checkDeletedWereArchived(t testing.TB, e *env, before, archived map[string]map[uint32]string) {
	t.Helper()
	now := serverSHA(t, e)
	checked, lost := 0, 0
	for name, uids := range before {
		for uid, sha := range uids {
			if _, still := now[name][uid]; still {
				continue
			}
			checked++
			if archived[name][uid] != sha {
				lost++
				t.Errorf("%s uid %d was deleted from the server but is not in the archive", name, uid)
			}
		}
	}
	tally.Checked.Add(int64(checked))
	tally.Lost.Add(int64(lost))
}
