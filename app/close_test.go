package app

import (
	"context"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/progress"
)

// blockingGate's verification runs until its context is cancelled, like a
// verification of a large account in flight.
type blockingGate struct {
	*fakeGate
	started, stopped chan struct{}
	release          chan struct{} // ends a verification the test gave up on
}

func (g *blockingGate) Verify(ctx context.Context, in GateInput, sink progress.Sink) error {
	close(g.started)
	select {
	case <-ctx.Done():
		close(g.stopped)
		return ctx.Err()
	case <-g.release:
		return nil
	}
}

// generous bounds a wait that should end at once; it is no timing claim.
const generous = 20 * time.Second

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(generous):
		t.Fatalf("%s did not happen", what)
	}
}

// Closing the window during a verification stops it: its context is
// cancelled, no dialog holds the close up, and the close path returns.
func TestCloseStopsVerification(t *testing.T) {
	f := newFakes()
	g := &blockingGate{fakeGate: f.gate, started: make(chan struct{}), stopped: make(chan struct{}),
		release: make(chan struct{})}
	u := newTestUI(t, f) // its cleanup shuts the window down, after the release below
	t.Cleanup(func() { close(g.release) })
	u.eng.Gate = g
	u.acct.Email, u.acct.ArchiveDir = "hanako@gmail.com", t.TempDir()
	u.goTo(stepVerify)
	waitFor(t, g.started, "the verification start")
	if !u.verify.busy() {
		t.Fatal("the verify screen does not know its verification runs")
	}

	u.onClose()
	if n := len(u.win.Canvas().Overlays().List()); n != 0 {
		t.Errorf("closing during a verification opened %d dialog(s); a verification only reads", n)
	}
	waitFor(t, g.stopped, "the verification's context cancel")

	closed := make(chan struct{})
	go func() {
		u.shutdown()
		close(closed)
	}()
	waitFor(t, closed, "the close path's return")
	if n := u.bg.running(); n != 0 {
		t.Errorf("%d background job(s) still run after closing", n)
	}
}

// Every job's context descends from the window's life: closing cancels a
// job that has no stop of its own, like an archive load.
func TestCloseCancelsTheWindowsLife(t *testing.T) {
	u := newTestUI(t, newFakes())
	job, cancel := context.WithCancel(u.root)
	defer cancel()
	u.closeNow()
	select {
	case <-job.Done():
	default:
		t.Fatal("a job's context is not cancelled when the window closes")
	}
}
