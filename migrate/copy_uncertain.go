package migrate

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/retry"
)

// APPENDs without an answer. When a connection breaks with APPENDs in
// flight, the server may have stored some of them (their answers were
// lost), and it may still store some: it goes on with the commands it had
// read, in order, until it meets the end of what it got. With several
// APPENDs pipelined that can take a while after the client saw the break,
// and an attempt that reconnects at once would look at the folder before
// they are there and append them a second time (seen in
// TestMigrateCutAnywhere: 4 of 626 messages twice).
//
// So such a message is uncertain for the rest of the run: the next attempt
// appends it last, after awaitSettled, and looks at the folder again just
// before (copy_append.go).
//
// A run that ends (gives up, or is killed) forgets which messages were in
// flight. The next run, which may start at once (a script that runs the
// copy again until it succeeds), waits for the folder it begins with to
// be quiet before it looks at it (awaitResumed): a run before it worked on
// that folder last, as folders are copied in order.

// How long the server is given to finish with a broken connection's
// APPENDs: from the break, at least settleFrom; then until the folder's
// UIDNEXT (which grows with every message stored) stays put for
// settleQuiet; at most settleLongest (new mail may keep arriving). Real
// time, not the Policy's clock: it waits for a real server, in tests too.
const (
	settleFrom    = time.Second
	settleQuiet   = time.Second
	settleLongest = 15 * time.Second
)

// markUncertain records that the message's APPEND went unanswered.
func (r *copyRun) markUncertain(folderID int64, uid uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.uncertain == nil {
		r.uncertain = map[[2]int64]time.Time{}
	}
	r.uncertain[[2]int64{folderID, int64(uid)}] = time.Now()
}

// uncertainSince reports whether the message's APPEND went unanswered, and
// when the connection was seen to break.
func (r *copyRun) uncertainSince(folderID int64, uid uint32) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.uncertain[[2]int64{folderID, int64(uid)}]
	return t, ok
}

// settleUncertain forgets ms: the folder was looked at again after the
// server settled. An APPEND of one that goes unanswered again marks it
// again.
func (r *copyRun) settleUncertain(folderID int64, ms []pendingMsg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range ms {
		delete(r.uncertain, [2]int64{folderID, int64(m.uid)})
	}
}

// awaitSettled waits until the server has likely finished with the APPENDs
// of a connection that broke at broke: see settleFrom.
func awaitSettled(ctx context.Context, c *imapconn.Conn, dest string, broke time.Time) error {
	if err := retry.Sleep(ctx, time.Until(broke.Add(settleFrom))); err != nil {
		return err
	}
	last, err := uidNext(ctx, c, dest)
	if err != nil {
		return err
	}
	return awaitQuiet(ctx, c, dest, last)
}

// awaitResumed is the wait before the first folder a run appends to, when
// an earlier run may have stopped with APPENDs in flight: some messages are
// recorded as copied already, or the folder has held messages (UIDNEXT past
// 1). A first run into an empty account does not wait.
func awaitResumed(ctx context.Context, c *imapconn.Conn, dest string, already int64) error {
	last, err := uidNext(ctx, c, dest)
	if err != nil || (already == 0 && last <= 1) {
		return err
	}
	return awaitQuiet(ctx, c, dest, last)
}

// awaitQuiet waits until the folder's UIDNEXT, last when read just now,
// stays put for settleQuiet, at most settleLongest.
func awaitQuiet(ctx context.Context, c *imapconn.Conn, dest string, last imap.UID) error {
	giveUp := time.Now().Add(settleLongest)
	for time.Now().Before(giveUp) {
		if err := retry.Sleep(ctx, settleQuiet); err != nil {
			return err
		}
		next, err := uidNext(ctx, c, dest)
		if err != nil || next == last {
			return err
		}
		last = next
	}
	return nil
}

// uidNext is the folder's UIDNEXT, from EXAMINE.
func uidNext(ctx context.Context, c *imapconn.Conn, dest string) (imap.UID, error) {
	sel, err := c.Select(dest, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return 0, classifyDest(ctx, c, "select "+dest, err)
	}
	return sel.UIDNext, nil
}
