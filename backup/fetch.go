package backup

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/mbox"
)

// item is one fetched message on its way to the archive, or one failure.
type item struct {
	uid          imap.UID
	flags        []imap.Flag
	internalDate time.Time
	size         int64     // bytes actually received
	data         [][]byte  // in memory: in one buffer or in pieces (buffers.getPieces)
	spool        spoolFile // f set: the message is in its first size bytes
	spools       *spoolFiles
	sum          [32]byte
	held         take   // budget held
	failed       string // non-empty: the message could not be fetched, and why
	entry        *archive.Entry
	appendErr    error // the mbox file could not take it
	lead         *lead // its UID FETCH's, counting what comes
	// literalCut: reading its literal failed before the end. go-imap's
	// reader goroutine then goes on by itself (see consume).
	literalCut bool
}

// prepare parses the message's header for the archive's columns. It runs
// on its own goroutine, between fetching and writing. The text for the
// full-text index is decoded later, from the archive, once the message is
// durable (index.go).
func (it *item) prepare() {
	if it.failed != "" {
		return
	}
	e := &archive.Entry{UID: uint32(it.uid), Flags: flagStrings(it.flags), InternalDate: it.internalDate,
		Size: it.size, SHA256: it.sum, Body: it.body(), IndexLater: true}
	switch {
	case it.spool.f != nil:
		describeSpooledHeader(e, it.body(), it.size)
	case len(it.data) == 1:
		describeHeader(e, it.data[0])
	case int64(len(it.data[0])) >= min(it.size, mailtext.MaxHeaderBytes):
		// In pieces: the header the archive reads is in the first one
		// (pieceBytes is mailtext.MaxHeaderBytes), read as from a file.
		describeHeader(e, it.data[0][:min(it.size, mailtext.MaxHeaderBytes)])
	default:
		describeSpooledHeader(e, it.body(), it.size)
	}
	it.entry = e
}

// appendTo writes the message to the folder's mbox file, ahead of the
// batch that records it. It runs on its own goroutine, between parsing and
// the database.
func (it *item) appendTo(ap *archive.Appender) {
	if it.failed != "" {
		return
	}
	if it.entry == nil {
		it.prepare()
	}
	it.appendErr = ap.Append(it.entry)
}

// body is the message's bytes. A spool file may hold an earlier, longer
// message's bytes past this one's (spoolFiles): they are never read.
func (it *item) body() io.ReaderAt {
	if it.spool.f != nil {
		return io.NewSectionReader(it.spool.f, 0, it.size)
	}
	if len(it.data) == 1 {
		return mbox.Memory(it.data[0])
	}
	return mbox.Pieces(it.data)
}

func (it *item) release(b *budget) {
	if it.spool.f != nil {
		it.spools.put(it.spool)
		it.spool = spoolFile{}
	}
	// Nothing reads the message any more: the writer added it to its
	// batch (SQLite copied it, the Appender wrote it before), or it is
	// dropped. The entry's Body, the one alias of data, goes with it.
	it.entry = nil
	it.lead = nil
	if b != nil {
		b.bufs.putPieces(it.data)
	}
	it.data = nil
	b.give(it.held)
	it.held = take{}
}

// budget bounds the bytes held by fetched messages not yet written, over
// every connection of a session. The unit the writer waits for (current)
// may always take what is free; the others leave reserve bytes free for it,
// so that connections fetching ahead can never starve it.
//
// A connection ahead of the writer (its unit is not the current one) that
// finds too little memory free spools its message to a file instead,
// holding no memory, as long as the disk allowance for such files (ahead)
// lasts and the link is the limit (starved): on a slow link the writer
// waits for the current unit's messages, one connection's rate, and the
// other connections go on at theirs rather than stand idle until the
// writer catches up. When the link is not the limit (loopback, a LAN: the
// writer, or the CPU it shares with the server, is) a file only takes CPU
// from the writer: on loopback a quarter of a backup's CPU went to
// writing, reading back and removing such files. There the message waits
// until the writer gives memory back. A message ahead also waits when the
// allowance is used up, unless its connection still carries the current
// unit (a server may interleave the answers of one connection's pipelined
// commands, and go-imap reads nothing more until a message's literal is
// taken): that one is spooled all the same.
type budget struct {
	mu      sync.Mutex
	cond    *sync.Cond
	avail   int64
	reserve int64
	ahead   int64 // disk bytes that messages ahead of the writer may still be spooled to
	current *unit
	// empty: the writer waits for the current unit's next message;
	// curWaits: messages of the current unit wait for memory.
	empty    bool
	curWaits int
	idle     idleShare
	stopped  bool
	// linkMayLimit, when set, tells whether the link may be the limit
	// (linkrate.go): only then are messages ahead spooled.
	linkMayLimit func() bool
	spooledAhead int64  // bytes of messages spooled ahead so far
	onWait       func() // tests: called, under mu, before each wait
	// bufs hands out the buffers of messages held in memory and keeps
	// released ones for the next (buffers.go): with the buffers in use,
	// at most half again the budget's bytes.
	bufs *buffers
}

// starved tells whether the link is the limit: the writer waits for the
// current unit's messages, none of which waits for memory, and it has
// waited for them most of the time lately. (On loopback, with the server
// on the same cores, the writer also waits at times, for a connection the
// scheduler left aside; not most of the time.)
func (b *budget) starved() bool {
	return b.empty && b.curWaits == 0 && b.idle.share >= starvedShare
}

// starvedShare is the share of the time the writer waits for messages
// above which the link counts as the limit. Measured on the bench (n = 800
// and 5,000, 4 connections, the share of each window): 0.9 and above with
// RTT 40 ms and 4 MB/s per connection; spread from 0 to 0.9 on loopback and
// at RTT 10 ms with no cap, where the writer is the limit. Spooled ahead on
// loopback: 119 MB of 514 MB instead of 235 MB.
const starvedShare = 0.5

// idleShare is the share of the time the writer waited for the current
// unit's messages, over the last window of idleWindow or more; 1 (the
// link is the limit) until the first window ends.
type idleShare struct {
	share     float64
	start     time.Time // of the window
	waited    time.Duration
	waitSince time.Time // zero: not waiting
}

const idleWindow = 250 * time.Millisecond

func (s *idleShare) mark(waiting bool, now time.Time) {
	if s.start.IsZero() {
		s.start, s.share = now, 1
	}
	if waiting {
		s.waitSince = now
	} else if !s.waitSince.IsZero() {
		s.waited += now.Sub(s.waitSince)
		s.waitSince = time.Time{}
	}
	if d := now.Sub(s.start); d >= idleWindow {
		s.share = float64(s.waited) / float64(d)
		s.start, s.waited = now, 0
		if waiting {
			s.waitSince = now
		}
	}
}

func newBudget(n int64) *budget {
	b := &budget{avail: n, bufs: newBuffers(n + n/2)}
	b.idle.share = 1
	b.cond = sync.NewCond(&b.mu)
	return b
}

// errBudgetStopped ends a fetch waiting for the budget of a session that
// ended.
var errBudgetStopped = errors.New("the session ended")

// take is what a message of size bytes holds until it is written: mem
// bytes of memory (0: it is spooled to a file), disk bytes of the ahead
// allowance.
type take struct{ mem, disk int64 }

// acquire takes what a message of size bytes for u (nil: always as the
// current unit) holds, waiting until it is free. A message up to spool
// bytes is held in memory, in a buffer of bufferBytes(size), when the
// budget has room; a larger one always goes to a file.
func (b *budget) acquire(u *unit, size, spool int64) (take, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := max(size, 1)
	mem := bufferBytes(size) // the whole buffer it is read into
	for !b.stopped {
		cur := u == nil || u == b.current
		switch {
		case size > spool && cur:
			return take{}, nil
		case size <= spool && cur && b.avail >= mem:
			b.avail -= mem
			return take{mem: mem}, nil
		case cur:
		case size <= spool && b.avail-mem >= b.reserve:
			b.avail -= mem
			return take{mem: mem}, nil
		case b.ahead >= n && b.starved() && (b.linkMayLimit == nil || b.linkMayLimit()):
			b.ahead -= n
			b.spooledAhead += size
			return take{disk: n}, nil
		case b.current != nil && u.sameConn(b.current) && !b.current.q.isClosed():
			return take{}, nil
		}
		if cur {
			b.curWaits++
		}
		if b.onWait != nil {
			b.onWait()
		} else {
			b.cond.Wait()
		}
		if cur {
			b.curWaits--
		}
	}
	return take{}, errBudgetStopped
}

// give returns what a message held.
func (b *budget) give(t take) {
	if t == (take{}) {
		return
	}
	b.mu.Lock()
	b.avail += t.mem
	b.ahead += t.disk
	b.mu.Unlock()
	b.cond.Broadcast()
}

// setCurrent names the unit the writer takes messages from.
func (b *budget) setCurrent(u *unit) {
	b.mu.Lock()
	b.current = u
	b.mu.Unlock()
	b.cond.Broadcast()
}

// waiting tells whether the writer waits for the current unit's next
// message (queue.drain).
func (b *budget) waiting(empty bool) {
	if b == nil {
		return
	}
	b.mu.Lock()
	changed := b.empty != empty
	b.empty = empty
	b.idle.mark(empty, time.Now())
	b.mu.Unlock()
	if changed && empty {
		b.cond.Broadcast()
	}
}

// stop wakes every waiter with errBudgetStopped.
func (b *budget) stop() {
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	b.cond.Broadcast()
}

// tooLarge is the failure of a message the server announced as larger
// than limit.
func tooLarge(size, limit int64) string {
	return fmt.Sprintf("the server announced %d bytes for this message, more than the %d allowed", size, limit)
}

// errTooLarge stops a fetch whose literal is beyond MaxMessageBytes: the only
// way not to read it is to drop the connection.
var errTooLarge = errors.New("message larger than the allowed maximum")

// fetcher streams messages from one connection.
type fetcher struct {
	c      *imapconn.Conn
	opts   *Options
	spools *spoolFiles // for messages larger than SpoolBytes
	budget *budget
	conn   int32 // which connection of the session (units note it)
	// trip is the shortest round trip seen, in nanoseconds (lead.go).
	trip atomic.Int64
	// received, when set, is told of every read of mail bytes.
	received func(n int64)
	// link, when set, is the connection's side of the compression
	// decision (compress.go): run observes it after each UID FETCH and
	// turns compression on when nothing is in flight.
	link *linkWatch
	run  *runner
	// throttled tells a server's answer asking to slow down: it ends the
	// connection's work rather than fail the messages it was about.
	throttled func(error) bool
	// reselect, when set, examines u's folder again when the connection
	// moved on to another (a UID FETCH of the next folder went out behind
	// u's), before u's UIDs are asked for again.
	reselect func(u *unit) error
}

// switching: compression is to be turned on at the next pause.
func (f *fetcher) switching() bool { return f.link != nil && f.run.switching(f.link) }

// sampling: auto mode still measures the link, and this connection could
// turn compression on: nothing is pipelined, so that its next UID FETCH
// goes out compressed once the decision is made (a connection opened
// while the folders were planned logged in before it).
func (f *fetcher) sampling() bool {
	return f.link != nil && !f.link.refused && !f.c.Compressed() && f.run.compress.pending()
}

// pause is called when no command is in flight: the moment to turn
// compression on.
func (f *fetcher) pause(ctx context.Context) error {
	if !f.switching() {
		return nil
	}
	return f.run.compressNow(ctx, f.link)
}

var fetchOptions = &imap.FetchOptions{
	UID: true, Flags: true, InternalDate: true, RFC822Size: true,
	BodySection: []*imap.FetchItemBodySection{{Peek: true}},
}

// inflight is one UID FETCH sent, its answer read on a goroutine of its
// own: a server may answer pipelined commands interleaved (Dovecot runs
// FETCHes in parallel), and go-imap hands each message to its command's
// reader, waiting until that reader took the literal.
type inflight struct {
	u    *unit
	uids []imap.UID
	lead *lead // tells when the next one goes out behind it
	done chan struct{}
	sent map[imap.UID]bool
	err  error
}

// start sends a UID FETCH for uids and reads its answer in the background;
// alone: no other command is in flight on the connection.
func (f *fetcher) start(u *unit, uids []imap.UID, alone bool) *inflight {
	var bytes int64
	for _, uid := range uids {
		bytes += u.fw.fp.sizes[uid]
	}
	fl := &inflight{u: u, uids: uids, lead: f.newLead(bytes, alone), done: make(chan struct{})}
	check := u.check
	u.check = nil
	cmd := f.c.Fetch(imap.UIDSetNum(uids...), fetchOptions)
	go func() {
		defer close(fl.done)
		if check != nil {
			if fl.err = check(); fl.err != nil {
				f.c.Abort()
				cmd.Close()
				return
			}
		}
		fl.sent, fl.err = f.consume(cmd, u, uids, fl.lead)
	}()
	return fl
}

// near returns once the next UID FETCH should go out behind this one (lead),
// or its answer is read.
func (fl *inflight) near(ctx context.Context) {
	select {
	case <-fl.lead.near:
	case <-fl.done:
	case <-ctx.Done():
	}
}

// wait is the command's answer once read: which UIDs it sent, and its
// error.
func (fl *inflight) wait() (map[imap.UID]bool, error) {
	<-fl.done
	return fl.sent, fl.err
}

// unfinished is what one UID FETCH left out, to ask again UID by UID once
// no other command is in flight.
type unfinished struct {
	cmd     *inflight
	missing []imap.UID
	err     error // the command's answer: nil (OK) or an *imap.Error
}

// fetchUnits fetches u and then, as long as there are any, the next units
// of the same folder (claim), keeping the next UID FETCH in flight while
// the current one's answer is read: no round trip is idle between chunks.
// claim is given the unit in flight the next would follow (nil: none).
// Every message, or its failure, goes to its unit's queue. Every UID asked for ends as
// a message or a failure: a server that answers NO, BAD, or OK with some
// messages left out is asked again for each missing one alone, and what it
// still does not send is a failure, which the next run retries (or
// resolves, when UID SEARCH no longer lists it). It returns a
// connection-level error; per-message problems travel as items.
func (f *fetcher) fetchUnits(ctx context.Context, u *unit, claim func(after *unit) *unit, done func(*unit)) error {
	pend := f.start(u, u.uids, true)
	var again []unfinished
	for pend != nil {
		var next *inflight
		if len(again) == 0 && !f.switching() && !f.sampling() {
			// Asking again UID by UID waits for the commands before it:
			// only pipeline when nothing is to be asked again. Nor when
			// compression is to be turned on: that waits for a pause.
			pend.near(ctx)
			if pipelineHook != nil {
				pipelineHook(pend)
			}
			if nu := claim(pend.u); nu != nil {
				next = f.start(nu, nu.uids, false)
			}
		}
		sent, err := pend.wait()
		if f.link != nil {
			f.run.observe(f.link)
		}
		var imapErr *imap.Error
		if err != nil && (!errors.As(err, &imapErr) || f.throttled != nil && f.throttled(err)) {
			if next != nil {
				next.wait() // the connection is cut: it ends at once
			}
			return err
		}
		missing := pend.uids[:0:0]
		for _, uid := range pend.uids {
			if !sent[uid] {
				missing = append(missing, uid)
			}
		}
		if len(missing) == 0 {
			done(pend.u)
		} else {
			again = append(again, unfinished{cmd: pend, missing: missing, err: err})
		}
		pend = next
		if pend == nil && len(again) == 0 && f.switching() {
			if err := f.pause(ctx); err != nil {
				return err
			}
			if nu := claim(nil); nu != nil {
				pend = f.start(nu, nu.uids, true)
			}
			continue
		}
		if pend != nil || len(again) == 0 {
			continue
		}
		for _, a := range again {
			if err := f.askAgain(a); err != nil {
				return err
			}
			done(a.cmd.u)
		}
		again = nil
		if nu := claim(nil); nu != nil {
			pend = f.start(nu, nu.uids, true)
		}
	}
	return nil
}

// askAgain asks for each message a UID FETCH left out, one at a time.
func (f *fetcher) askAgain(a unfinished) error {
	if f.reselect != nil {
		if err := f.reselect(a.cmd.u); err != nil {
			return err
		}
	}
	emit := a.cmd.u.emit
	var imapErr *imap.Error
	for _, uid := range a.missing {
		one, oneErr := map[imap.UID]bool{}, a.err
		if len(a.cmd.uids) > 1 {
			one, oneErr = f.start(a.cmd.u, []imap.UID{uid}, true).wait()
		}
		switch {
		case oneErr == nil && one[uid]:
		case oneErr == nil:
			emit(&item{uid: uid, failed: notSent})
		case f.throttled != nil && f.throttled(oneErr):
			return oneErr // asked to slow down: not the message's failure
		case errors.As(oneErr, &imapErr):
			emit(&item{uid: uid, failed: serverWords(imapErr)})
		default:
			return oneErr
		}
	}
	return nil
}

// notSent is the failure of a message the server left out of its answer.
const notSent = "the server answered OK but did not send this message (if it was deleted meanwhile, the next run will see that)"

func serverWords(e *imap.Error) string {
	s := e.Text
	if e.Code != "" {
		s = "[" + string(e.Code) + "] " + s
	}
	return fmt.Sprintf("the server answered %s: %s", e.Type, s)
}

// consume reads one UID FETCH's answer and reports which of its UIDs it
// sent to emit, as a message or as a failure. A message for a UID not
// asked for, or sent twice, is dropped: it is not what this command is
// about.
func (f *fetcher) consume(cmd *imapclient.FetchCommand, u *unit, uids []imap.UID, w *lead) (map[imap.UID]bool, error) {
	emit := u.emit
	want := make(map[imap.UID]bool, len(uids))
	for _, uid := range uids {
		want[uid] = true
	}
	sent := make(map[imap.UID]bool, len(uids))
	var readErr error
	cutLiteral := false
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		it, err := f.readMessage(msg, u, w)
		if err != nil {
			readErr = err
			cutLiteral = it != nil && it.literalCut
			if it != nil {
				it.release(f.budget)
				if errors.Is(err, errTooLarge) && want[it.uid] && !sent[it.uid] {
					sent[it.uid] = true
					emit(&item{uid: it.uid, failed: it.failed})
				}
			}
			break
		}
		if it == nil || it.uid == 0 {
			continue // an unsolicited FETCH (flags changed elsewhere)
		}
		if !want[it.uid] || sent[it.uid] {
			it.release(f.budget)
			continue
		}
		sent[it.uid] = true
		emit(it)
	}
	switch {
	case readErr != nil && cutLiteral:
		f.c.EndCutFetch(cmd)
		return sent, readErr
	case readErr != nil:
		f.c.Abort()
		cmd.Close() // drains what the client's reader still holds
		return sent, readErr
	}
	return sent, cmd.Close()
}

// readMessage reads one FETCH response. The literal is read when its item
// arrives: imapclient discards it at the next item.
func (f *fetcher) readMessage(msg *imapclient.FetchMessageData, u *unit, w *lead) (*item, error) {
	it := &item{lead: w}
	sawBody := false
	for {
		d := msg.Next()
		if d == nil {
			break
		}
		switch d := d.(type) {
		case imapclient.FetchItemDataUID:
			it.uid = d.UID
		case imapclient.FetchItemDataFlags:
			it.flags = d.Flags
		case imapclient.FetchItemDataInternalDate:
			it.internalDate = d.Time
		case imapclient.FetchItemDataRFC822Size:
			// Kept by the server's word only for verification; the archive
			// stores the bytes actually received.
		case imapclient.FetchItemDataBodySection:
			sawBody = true
			if d.Literal == nil {
				it.failed = "the server sent no content (NIL) for this message"
				continue
			}
			if err := f.readBody(it, d.Literal, u); err != nil {
				return it, err
			}
		}
	}
	if !sawBody && it.failed == "" && it.uid != 0 {
		// A FETCH without our body: flags changed by another client. Not a
		// message of ours to store.
		return nil, nil
	}
	return it, nil
}

// readBody reads a message's literal for u (nil: as the current unit).
func (f *fetcher) readBody(it *item, literal imap.LiteralReader, u *unit) error {
	size := literal.Size()
	var lit io.Reader = &cutWatch{r: literal, left: size, cut: &it.literalCut}
	if f.received != nil {
		lit = countingReader{r: lit, note: f.received}
	}
	if it.lead != nil {
		lit = leadReader{r: lit, w: it.lead}
	}
	if size > f.opts.MaxMessageBytes {
		it.failed = tooLarge(size, f.opts.MaxMessageBytes)
		return errTooLarge
	}
	h := sha256.New()
	held, err := f.budget.acquire(u, size, f.opts.SpoolBytes)
	if err != nil {
		return err
	}
	it.held = held
	if held.mem > 0 {
		// A buffer from the list holds an earlier message's bytes: all
		// size of them are read over, or the error drops the message.
		it.data = f.budget.bufs.getPieces(size)
		for _, p := range it.data {
			if _, err := io.ReadFull(lit, p); err != nil {
				return err
			}
		}
		it.size = size
		if len(it.data) == 1 {
			it.sum = sha256.Sum256(it.data[0])
			return nil
		}
		for _, p := range it.data {
			h.Write(p)
		}
		copy(it.sum[:], h.Sum(nil))
		return nil
	}
	sf, err := f.spools.get()
	if err != nil {
		return err
	}
	it.spool, it.spools = sf, f.spools
	// Written from the file's start, over what a message before left.
	n, err := io.Copy(io.MultiWriter(io.NewOffsetWriter(sf.f, 0), h), lit)
	it.spool.len = max(sf.len, n)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return classifyFS("spool message", sf.f.Name(), err)
		}
		return err
	}
	if n != size {
		return io.ErrUnexpectedEOF
	}
	it.size = n
	copy(it.sum[:], h.Sum(nil))
	return nil
}

// cutWatch notes an error from a literal before its end.
type cutWatch struct {
	r    io.Reader
	left int64
	cut  *bool
}

func (w *cutWatch) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.left -= int64(n)
	if err != nil && w.left > 0 {
		*w.cut = true
	}
	return n, err
}

// classifyFS marks a local file error so it is not mistaken for the network.
func classifyFS(op, path string, err error) error {
	kind := mailerr.ArchiveBroken
	if isNoSpace(err) {
		kind = mailerr.DiskFull
	}
	return mailerr.New(kind, op, path, err)
}

// writer takes items to the archive in batches.
type writer struct {
	a           *archive.Archive
	opts        *Options
	runID       int64
	budget      *budget
	onAdded     func(uid imap.UID, size int64)  // a message is in the current batch
	onCommitted func(messages int, bytes int64) // a batch is durable
	onFail      func(uid imap.UID, reason string)
}

// write consumes items until in closes, committing batches by the limits. On
// an archive error it keeps draining (so the fetcher never blocks), calls
// stop once, and returns the first error. Messages fully received before a
// connection error are committed.
func (w *writer) write(ctx context.Context, f *archive.Folder, in <-chan *item, stop func()) error {
	var b *archive.Batch
	var firstErr error
	var started time.Time
	var savedN int
	var savedBytes int64
	commit := func() {
		if b == nil || firstErr != nil {
			return
		}
		// A cancelled run still commits what it holds whole.
		if err := b.Commit(context.WithoutCancel(ctx)); err != nil {
			firstErr = err
			stop()
		} else {
			w.onCommitted(savedN, savedBytes)
		}
		savedN, savedBytes = 0, 0
		b = nil
	}
	for it := range in {
		if firstErr != nil {
			it.release(w.budget)
			continue
		}
		if b == nil {
			var err error
			if b, err = w.a.BeginBatch(context.WithoutCancel(ctx), f, w.runID); err != nil {
				firstErr = err
				stop()
				it.release(w.budget)
				continue
			}
			started = w.opts.Now()
		}
		var err error
		if it.failed != "" {
			err = b.RecordFailure(context.WithoutCancel(ctx), uint32(it.uid), it.failed)
			if err == nil {
				w.onFail(it.uid, it.failed)
			}
		} else if it.appendErr != nil {
			err = it.appendErr
		} else {
			if it.entry == nil {
				it.prepare()
			}
			err = b.Add(context.WithoutCancel(ctx), it.entry)
			if err == nil {
				savedN++
				savedBytes += it.size
				w.onAdded(it.uid, it.size)
			}
		}
		it.release(w.budget)
		if err != nil {
			b.Abort()
			b = nil
			savedN, savedBytes = 0, 0
			firstErr = err
			stop()
			continue
		}
		if b.Count() >= w.opts.BatchMessages || b.Bytes() >= w.opts.BatchBytes || w.opts.Now().Sub(started) >= w.opts.BatchInterval {
			commit()
		}
	}
	commit()
	return firstErr
}

// pipeline runs a folder's messages through the stages: produce sends them
// (the fetcher, from the network and hashed), one goroutine parses them,
// one appends them to the folder's mbox file, and the writer commits them
// in batches. Four goroutines share the work. stop is called when the
// archive fails, to stop produce. It returns the archive's error and
// produce's.
func (w *writer) pipeline(ctx context.Context, f *archive.Folder, stop func(), produce func(out chan<- *item) error) (werr, ferr error) {
	ap, err := w.a.NewAppender(f)
	if err != nil {
		return err, nil
	}
	fetched := make(chan *item, 64)
	produced := make(chan error, 1)
	go func() {
		defer close(fetched)
		produced <- produce(fetched)
	}()
	parsed := make(chan *item, 16)
	go func() {
		defer close(parsed)
		for it := range fetched {
			it.prepare()
			parsed <- it
		}
	}()
	appended := make(chan *item, 16)
	go func() {
		defer close(appended)
		for it := range parsed {
			it.appendTo(ap)
			appended <- it
		}
	}()
	werr = w.write(ctx, f, appended, stop)
	ferr = <-produced
	// What was appended but not committed leaves the file.
	if err := ap.Close(); werr == nil {
		werr = err
	}
	return werr, ferr
}

func flagStrings(flags []imap.Flag) []string {
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		if f == "\\Recent" {
			continue // a session property, not the message's
		}
		out = append(out, string(f))
	}
	return out
}
