package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// Appending with several commands in flight, on several connections: one
// goroutine pages through the messages to copy, checks each against the
// index of unaccounted destination messages and reads the smaller ones
// ahead; each connection (a lane) streams the messages it is handed into
// APPENDs and passes the commands to a goroutine of its own, which waits
// for the answers in order and records them. At most InFlight commands wait
// per connection.
//
// Why several connections: go-imap v2 sends a literal larger than 4 KiB
// synchronously (it waits for the server's "+" even when the server has
// LITERAL+), so one connection carries one message per round trip: about 50
// messages/s at 20 ms. Connections multiply that (bench/migrate -rtt). Near
// the server one connection is faster: each session with the folder
// selected makes the server sync it again for every message another one
// adds (Dovecot's CPU doubles with four). So by default the run uses one
// connection when the server answers a NOOP within 5 ms, else four. The
// messages are handed out one at a time in UID order, so the new folder
// keeps the old order but for near neighbours swapped.

type appendJob struct {
	cmd *imapclient.AppendCommand
	m   pendingMsg
}

// appendState is the first reason to stop, set by any goroutine.
type appendState struct {
	mu  sync.Mutex
	why error
}

func (s *appendState) stop(err error) {
	s.mu.Lock()
	if s.why == nil {
		s.why = err
	}
	s.mu.Unlock()
}

func (s *appendState) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.why
}

var errCopyStopped = errors.New("copy stopped")

// prefetchBytes is the largest message read ahead into memory (nearly every
// message is smaller); larger ones are streamed from the archive as they are
// sent. About 3 per connection are held at once.
const prefetchBytes = 1 << 20

// appendAll appends every pending message of plan entry i to its folder
// (UIDVALIDITY v) over conns, skipping those idx finds already there. The
// first connection has the folder selected, for idx.
//
// A message whose APPEND was in flight when an earlier attempt's connection
// broke (uncertain) goes last: the server may store it yet, from what it
// had read before the break, after this attempt looked at the folder. So
// the others are appended first, then the server is given time to finish
// (awaitSettled), and the folder is looked at again before each of these
// is appended or found.
func (r *copyRun) appendAll(ctx context.Context, conns []*imapconn.Conn, i int, v uint32, idx *destIndex) error {
	e := &r.plan[i]
	c := conns[0]
	// Appending to the selected folder lets a server keep it open (Dovecot
	// otherwise opens and syncs it for each APPEND). The first connection's
	// read-only selection, for idx, becomes read-write: the UIDs stay.
	for _, lc := range conns {
		if _, err := lc.Select(e.Dest, nil).Wait(); err != nil {
			return classifyDest(ctx, lc, "select "+e.Dest, err)
		}
	}
	r.budgetStart(ctx)
	var taken int64
	copiedBefore := r.copiedBytes()
	defer func() {
		// What the budget gave and the server did not take (a cut
		// connection, a stop) goes back for the next attempt.
		r.meter.Return(max(taken-(r.copiedBytes()-copiedBefore), 0))
	}()
	r.appending.Store(true)
	defer r.appending.Store(false)
	var later []pendingMsg
	var broke time.Time
	err := r.appendPass(ctx, conns, i, v, idx, &taken, func(fn func(pendingMsg) error) error {
		return r.log.eachPending(ctx, e.FolderID, e.Dest, v, func(m pendingMsg) error {
			if t, ok := r.uncertainSince(e.FolderID, m.uid); ok {
				later = append(later, m)
				if t.After(broke) {
					broke = t
				}
				return nil
			}
			return fn(m)
		})
	})
	if err != nil || len(later) == 0 {
		return err
	}
	// The answers of this pass are recorded first, so that looking again
	// takes none of its messages for one of these.
	if err := r.flush(ctx); err != nil {
		return err
	}
	r.thr.Notice(r.event(e.Folder), progress.NoticeData{Kind: progress.Info,
		Text: fmt.Sprintf("%s: %d message(s) were on their way when the connection broke; giving the server time to store them before looking", e.Dest, len(later))})
	if err := awaitSettled(ctx, c, e.Dest, broke); err != nil {
		return err
	}
	idx, v, err = r.unaccounted(ctx, c, e.Dest, v)
	if err != nil {
		return err
	}
	r.settleUncertain(e.FolderID, later)
	return r.appendPass(ctx, conns, i, v, idx, &taken, func(fn func(pendingMsg) error) error {
		for _, m := range later {
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// appendPass appends the messages each gives over conns, skipping those
// idx finds already there; taken counts what the budget gave.
func (r *copyRun) appendPass(ctx context.Context, conns []*imapconn.Conn, i int, v uint32, idx *destIndex,
	taken *int64, each func(func(pendingMsg) error) error) error {
	e := &r.plan[i]
	c := conns[0]
	st := &appendState{}
	work := make(chan pendingMsg, 2*len(conns))
	var lanes sync.WaitGroup
	for _, lc := range conns {
		lanes.Add(1)
		go func() {
			defer lanes.Done()
			r.lane(ctx, lc, st, i, v, work)
		}()
	}
	err := each(func(m pendingMsg) error {
		if st.err() != nil {
			return errCopyStopped
		}
		if r.wasRefused(e.FolderID, m.uid) {
			return nil // refused earlier in this run, before a reconnect
		}
		if _, err := appendDate(m); err != nil {
			r.refuse(ctx, st, i, m, err.Error())
			return nil
		}
		if lim, ok := c.Client.Caps().AppendLimit(); ok && lim != nil && m.size > int64(*lim) {
			r.refuse(ctx, st, i, m, fmt.Sprintf("larger than the %d bytes the server accepts (APPENDLIMIT)", *lim))
			return nil
		}
		if idx != nil {
			uid, ok, err := idx.match(ctx, c, r.a, m)
			if err != nil {
				return err
			}
			if ok {
				r.record(ctx, st, i, m, copyRecord{folderID: e.FolderID, uid: m.uid, destFolder: e.Dest,
					destUIDValidity: v, destUID: uid, how: "found"})
				return nil
			}
		}
		ok, err := r.meter.Take(ctx, m.size)
		if err != nil {
			return err
		}
		if !ok {
			st.stop(errUploadBudget)
			return errCopyStopped
		}
		*taken += m.size
		if m.size <= prefetchBytes {
			// Read it now, while the connections wait for the server: it is
			// then sent the moment the server asks for it.
			data := make([]byte, m.size)
			if n, err := io.ReadFull(r.a.OpenMessage(ctx, m.id), data); err != nil {
				st.stop(archiveShort(ctx, e, m, int64(n), err))
				return errCopyStopped
			}
			m.data = data
		}
		work <- m
		return nil
	})
	close(work)
	lanes.Wait()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && !errors.Is(err, errCopyStopped):
		return err
	}
	return st.err()
}

// appendDate is the date the new server files the message under: its
// internal date on the old server, else its Date header. Without either,
// APPEND would have the server stamp it today, so the message is refused
// instead (listed, not copied).
func appendDate(m pendingMsg) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, m.internalDate); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, m.dateHeader); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("not copied: the archive holds no readable date for it (internal date %q, no readable Date header), and the new server would date it today", m.internalDate)
}

// lane appends the messages it is handed over one connection. After a stop
// it drains what it is handed without sending it.
func (r *copyRun) lane(ctx context.Context, c *imapconn.Conn, st *appendState, i int, v uint32, work <-chan pendingMsg) {
	jobs := make(chan appendJob, r.opts.InFlight)
	slots := make(chan struct{}, r.opts.InFlight)
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		for j := range jobs {
			data, err := j.cmd.Wait()
			<-slots
			r.settle(ctx, c, st, i, v, j.m, data, err)
		}
	}()
	for m := range work {
		if st.err() != nil || ctx.Err() != nil {
			continue
		}
		slots <- struct{}{}
		if !r.send(ctx, c, st, &r.plan[i], m, jobs) {
			<-slots
		}
	}
	close(jobs)
	<-answered
}

// send streams one message into an APPEND and hands the command on; it
// reports whether it did. A refusal or a broken connection shows in the
// command's answer; only a message the archive cannot give whole stops here,
// and then the connection must go (the server waits for the rest of the
// literal): the reason is set before the abort, so it is the one reported.
func (r *copyRun) send(ctx context.Context, c *imapconn.Conn, st *appendState, e *MappingEntry, m pendingMsg, jobs chan<- appendJob) bool {
	date, _ := appendDate(m) // checked before the message was handed over
	cmd := c.Append(e.Dest, m.size, &imap.AppendOptions{Flags: appendFlags(m.flags), Time: date})
	// A literal begun is finished even when the run is cancelled.
	src := &sourceReader{r: r.a.OpenMessage(context.WithoutCancel(ctx), m.id)}
	if m.data != nil {
		src.r = bytes.NewReader(m.data)
	}
	n, err := io.Copy(cmd, io.LimitReader(src, m.size))
	if src.err != nil || (err == nil && n < m.size) {
		st.stop(archiveShort(ctx, e, m, n, src.err))
		c.Abort()
		_ = cmd.Close()
		return false
	}
	_ = cmd.Close()
	jobs <- appendJob{cmd: cmd, m: m}
	return true
}

// archiveShort is the error for a message the archive cannot give whole.
func archiveShort(ctx context.Context, e *MappingEntry, m pendingMsg, n int64, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case mailerr.As(err) != nil:
		return err
	}
	return mailerr.New(mailerr.ArchiveBroken, "read message", fmt.Sprintf("%s uid %d", e.Folder, m.uid),
		fmt.Errorf("the archive holds %d of its %d bytes: %v", n, m.size, err))
}

// sourceReader remembers a read error, to tell it from a write error.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// appendFlags are the archived flags without \Recent, which only a server
// may set, and without \Deleted: a message marked for deletion on the old
// server (not yet expunged) is still mail, and the new account's mail app
// would expunge it on its first sync. The archive keeps the flag.
func appendFlags(s string) []imap.Flag {
	var out []imap.Flag
	for _, f := range strings.Fields(s) {
		if !strings.EqualFold(f, `\Recent`) && !strings.EqualFold(f, `\Deleted`) {
			out = append(out, imap.Flag(f))
		}
	}
	return out
}

// settle handles one APPEND's answer.
func (r *copyRun) settle(ctx context.Context, c *imapconn.Conn, st *appendState, i int, v uint32, m pendingMsg,
	data *imap.AppendData, err error) {
	e := &r.plan[i]
	if answered := (*imap.Error)(nil); err != nil && !errors.As(err, &answered) {
		// No answer: the server may have stored it, or may yet.
		r.markUncertain(e.FolderID, m.uid)
	}
	if err == nil {
		if data.UIDValidity != 0 {
			v = data.UIDValidity
		}
		r.record(ctx, st, i, m, copyRecord{folderID: e.FolderID, uid: m.uid, destFolder: e.Dest,
			destUIDValidity: v, destUID: uint32(data.UID), how: "appended"})
		return
	}
	if te := r.lim.AsThrottle(err, c.ByeText()); te != nil {
		// Asked to slow down: the message is not refused, the attempt
		// ends and the run waits what the server suggests.
		st.stop(te)
		return
	}
	// (A NO [LIMIT] to one APPEND is about that message: refused. A
	// connection cut for the server's connection limit ends the attempt
	// below, and the attempt lowers the connections once: copyRun.limited.)
	refused, quota := refusal(err)
	switch {
	case quota:
		r.mu.Lock()
		r.sum.Quota = serverWords(err)
		r.mu.Unlock()
		st.stop(quotaError(c.Host, serverWords(err)))
	case refused:
		r.refuse(ctx, st, i, m, serverWords(err))
	default:
		st.stop(imapconn.Classify(ctx, "append to "+e.Dest, c.Host, err))
		c.Abort() // the sender may wait for a continuation that never comes
	}
}

// record counts a message as in the destination and batches its record.
func (r *copyRun) record(ctx context.Context, st *appendState, i int, m pendingMsg, rec copyRecord) {
	r.mu.Lock()
	fr := &r.sum.Folders[i]
	if rec.how == "found" {
		fr.Found++
		r.sum.Found++
	} else {
		fr.Copied++
		r.sum.Copied++
		r.sum.CopiedBytes += m.size
	}
	r.doneMsgs++
	r.doneByte += m.size
	r.recs = append(r.recs, rec)
	full := len(r.recs) >= r.opts.RecordBatch
	r.mu.Unlock()
	if full {
		if err := r.flush(ctx); err != nil {
			st.stop(err)
		}
	}
	r.status(r.plan[i].Folder, false)
}

// refuse lists a message the server would not take, with its words.
func (r *copyRun) refuse(ctx context.Context, st *appendState, i int, m pendingMsg, words string) {
	e := &r.plan[i]
	f := CopyRefusal{Folder: e.Folder, UID: m.uid, Size: m.size, Dest: e.Dest, Reason: words, folderID: e.FolderID}
	r.mu.Lock()
	if r.refused == nil {
		r.refused = map[[2]int64]bool{}
	}
	r.refused[[2]int64{e.FolderID, int64(m.uid)}] = true
	r.sum.Folders[i].Refused++
	r.sum.Refused = append(r.sum.Refused, f)
	r.fails = append(r.fails, f)
	r.doneMsgs++
	r.doneByte += m.size
	r.mu.Unlock()
	r.thr.Notice(r.event(e.Folder), progress.NoticeData{Kind: progress.MessageFailed, UID: m.uid,
		Text: fmt.Sprintf("%s refused the message (%d bytes): %s", e.Dest, m.size, words)})
}

// wasRefused reports whether the message was refused earlier in this run.
// A server that refuses an APPEND before taking its literal (a size or
// quota check) makes go-imap drop the connection, so the run reconnects and
// must not offer the message again.
func (r *copyRun) wasRefused(folderID int64, uid uint32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refused[[2]int64{folderID, int64(uid)}]
}
