package backup_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/testimap"
)

// silentSession logs in and then never answers LIST: a server that stalls
// after login.
type silentSession struct {
	imapserver.SessionIMAP4rev2
	hold <-chan struct{}
}

func (s *silentSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	<-s.hold
	return errors.New("gone")
}

// guard bounds a test that would otherwise hang for hours on a broken
// deadline; it is no timing assertion (the deadlines are milliseconds).
func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestStallAfterLoginGivesUp: a server that logs in and then sends
// nothing, every time, makes the run give up after the stall deadline
// (here 400 ms; by default 3 minutes, where it took 20 minutes before) with
// words that say so — not after Retries times the idle timeout.
func TestStallAfterLoginGivesUp(t *testing.T) {
	srv := testimap.Start(t, nil)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	port := srv.ServeWrapped(t, func(sess imapserver.SessionIMAP4rev2) imapserver.Session {
		return &silentSession{SessionIMAP4rev2: sess, hold: hold}
	})
	tally.Faults.Add(1)
	o := options(srv, tempArchive(t))
	o.Conn.Port = port
	o.StallTimeout = 400 * time.Millisecond
	ctx := guard(t)
	sum, err := backup.Run(ctx, o)
	if ctx.Err() != nil {
		t.Fatalf("Run() did not give up on a stalled server: %v", err)
	}
	var stall *backup.StallError
	if !errors.As(err, &stall) || mailerr.KindOf(err) != mailerr.Timeout || !strings.Contains(err.Error(), "stopped sending for 400ms") {
		t.Fatalf("Run() = %v (kind %v), want a StallError of kind timeout", err, mailerr.KindOf(err))
	}
	if sum.Retries > 2 {
		t.Errorf("%d reconnects to a stalled server, want at most 2 within the deadline", sum.Retries)
	}
}

// TestDribblingServerIsCut: in the middle of the transfer the server
// starts sending one byte every 10 ms, which no idle timeout notices. The
// connection is cut as stalled, the run reconnects and completes, and no
// message is lost or doubled.
func TestDribblingServerIsCut(t *testing.T) {
	srv := testimap.Start(t, nil)
	proxy := testimap.StartProxy(t, srv.Addr, testimap.FirstConns(1, testimap.Fault{TrickleDownAfter: 300_000, TrickleEvery: 10 * time.Millisecond}))
	tally.Faults.Add(1)
	o := options(srv, tempArchive(t))
	o.Conn.Port = proxy.Port
	o.StallTimeout = 2 * time.Second
	ctx := guard(t)
	sum, err := backup.Run(ctx, o)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() through a dribbling server = %v, failures %+v", err, sum.Failures)
	}
	if sum.Retries != 1 {
		t.Errorf("%d reconnects, want 1 (the dribbling connection)", sum.Retries)
	}
	checkArchive(t, o.ArchiveDir, serverState(t, srv.Client(t)))
}
