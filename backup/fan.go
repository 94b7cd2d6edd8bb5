package backup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// A session fetches over several connections and writes on one goroutine.
//
// The plan's folders are cut into units, runs of UIDs one UID FETCH asks
// for. Connections take units in plan order (a unit of an outsized
// message first: largeFirst; units smaller towards the end: cutter), so that folders are fetched side by side
// and a large folder's units spread over every connection;
// each connection keeps its next UID FETCH in flight while it reads the
// current one's answer, and when that is of the next folder, the folder's
// EXAMINE goes out just before it (examineAhead): no round trip stands
// idle between folders either. What a connection receives waits
// in its folder's queue. The writer (this session's goroutine, the only
// one that writes the archive) takes the folders in plan order, one at a
// time, each in batches that commit all or nothing and its mbox file
// appended to in the order the writer takes messages. The in-flight byte
// budget is shared: the folder the writer is on may always take what is
// free, and connections ahead in later folders leave room for it, spooling
// to files once it is short rather than waiting for the writer.
//
// Any connection's error ends the session (what the writer has whole is
// committed, the rest is fetched again by the next session's plan), except
// that an extra connection the server refuses only means fewer
// connections: the run goes on with those it has, and asks for no more.

// unit is a run of UIDs of one folder that one UID FETCH asks for.
type unit struct {
	fw    *folderWork
	uids  []imap.UID
	bytes int64 // the server's sizes of its messages
	alone bool  // one message larger than a unit (cutter)
	// refused: one message larger than MaxMessageBytes by the server's
	// size: not asked for, a failure (refuse).
	refused bool
	taken   bool // under fan.mu
	// replans: the planning connection took it first of its folder: it
	// examines the folder itself, and plans it again if it must (claim).
	replans bool
	conn    atomic.Int32 // the connection that took it (1-based), for the budget
	q       *queue       // its messages, for the writer
	// check, when set, is the answer to its folder's EXAMINE, sent ahead
	// on its connection (examineAhead): read before any of its messages.
	check func() error
}

func (u *unit) emit(it *item) { u.q.push(it) }

// sameConn tells whether u and o were taken by the same connection.
func (u *unit) sameConn(o *unit) bool {
	c := u.conn.Load()
	return c != 0 && c == o.conn.Load()
}

// folderWork is one folder's share of a session.
type folderWork struct {
	fp      *folderPlan
	list    []*unit // in plan order, fixed once ready
	claimed bool    // its first unit is taken (under fan.mu)
	// replanner: the planning connection took its first unit, to examine
	// it itself (it may plan it again): others wait (under fan.mu).
	replanner bool
	mainOnly  bool          // planned again by the planning connection: its units are that connection's (under fan.mu)
	ready     chan struct{} // closed once a connection examined the folder and found the planned generation
	once      sync.Once
}

func (fw *folderWork) markReady() { fw.once.Do(func() { close(fw.ready) }) }

// fan is one session's set of connections.
type fan struct {
	r      *runner
	ctx    context.Context
	cancel context.CancelFunc
	budget *budget
	spools *spoolFiles

	cut *cutter // sizes the units

	mu      sync.Mutex
	units   []*unit
	next    int
	works   []*folderWork
	err     error // the first error that ended the session
	open    int   // connections logged in and fetching
	dialing int   // extra connections being opened
	done    bool  // every folder is written: later errors do not matter
}

// errGenerationMoved: a connection found another UIDVALIDITY than the plan
// for a folder it cannot plan again by itself; the next session plans it.
var errGenerationMoved = errors.New("the folder's UIDVALIDITY changed during the backup")

// errConnLimit marks a session ended by a server limiting connections; the
// run goes on with fewer.
var errConnLimit = errors.New("the server limits connections")

// errWriterStopped stops the fetching when the archive failed.
var errWriterStopped = errors.New("the archive stopped")

// unitsPerConn is how many units a session aims for per connection, so
// that the connections finish close together.
const unitsPerConn = 4

// unitSize is the most UIDs and bytes of a unit: FetchChunk and
// FetchChunkBytes, smaller when the session's messages would otherwise make
// fewer than unitsPerConn units per connection (down to 10 messages, or
// 256 KiB).
func (r *runner) unitSize(plans []*folderPlan) (msgs int, bytes int64) {
	var n int
	var total int64
	for _, fp := range plans {
		n += len(fp.missing)
		total += fp.bytes
	}
	parts := max(r.conns*unitsPerConn, 1)
	msgs = min(r.opts.FetchChunk, max(10, n/parts))
	bytes = min(r.opts.FetchChunkBytes, max(256<<10, total/int64(parts)))
	return msgs, bytes
}

// cutter sizes the units: at most maxMsgs UIDs and, by the server's
// sizes, about maxBytes, and smaller towards the end of what the
// connections take (left: the bytes of the units still to cut, in that
// order), about a share of what is left per connection, so that the
// connections run out of work close together rather than one finishing a
// whole unit alone while the link stands idle (the next UID FETCH is
// pipelined, so a smaller unit costs no round trip). A message larger than
// maxBytes is a unit alone.
type cutter struct {
	maxMsgs  int
	maxBytes int64
	left     int64
	conns    int
	refuse   int64 // a message larger than this is not asked for (0: none is)
}

// minUnitBytes is the least a unit is cut to towards the end.
const minUnitBytes = 256 << 10

// newCutter sizes the units of plans.
func (r *runner) newCutter(plans []*folderPlan) *cutter {
	z := &cutter{conns: max(r.conns, 1), refuse: r.opts.MaxMessageBytes}
	z.maxMsgs, z.maxBytes = r.unitSize(plans)
	for _, fp := range plans {
		for _, uid := range fp.missing {
			if size := fp.sizes[uid]; size <= z.maxBytes {
				z.left += size
			}
		}
	}
	return z
}

// target is the size of the next unit.
func (z *cutter) target() int64 {
	return max(min(z.left/int64(2*z.conns), z.maxBytes), min(minUnitBytes, z.maxBytes))
}

// split cuts a folder's missing UIDs into units by z.
func (r *runner) split(fw *folderWork, z *cutter) []*unit {
	var out []*unit
	var cur []imap.UID
	var bytes int64
	want := z.target()
	cut := func() {
		out = append(out, r.newUnit(fw, cur))
		z.left -= bytes
		cur, bytes = nil, 0
		want = z.target()
	}
	for _, uid := range fw.fp.missing {
		size := fw.fp.sizes[uid]
		// A message larger than a unit gets a unit of its own (largeFirst
		// takes it first); one beyond MaxMessageBytes is not asked for.
		if refused := z.refuse > 0 && size > z.refuse; refused || size > z.maxBytes {
			if len(cur) > 0 {
				cut()
			}
			u := r.newUnit(fw, []imap.UID{uid})
			u.refused, u.alone = refused, !refused
			out = append(out, u)
			continue
		}
		cur = append(cur, uid)
		bytes += size
		if len(cur) >= z.maxMsgs || bytes >= want {
			cut()
		}
	}
	if len(cur) > 0 {
		cut()
	}
	return out
}

func (r *runner) newUnit(fw *folderWork, uids []imap.UID) *unit {
	u := &unit{fw: fw, uids: uids, q: newQueue(r.budget)}
	for _, uid := range uids {
		u.bytes += fw.fp.sizes[uid]
	}
	return u
}

// large tells a unit of one message larger than a unit.
func (u *unit) large() bool { return u != nil && u.alone }

// largeFirst orders the units the connections take: a message larger
// than a unit (such as a 25 MB attachment) first, the largest first, then
// the others in plan order. Such a unit takes one connection far longer
// than the others: taken last, the others would stand idle while it alone
// is fetched. What the writer waits for meanwhile is spooled ahead
// (budget).
func largeFirst(units []*unit) []*unit {
	var large, rest []*unit
	for _, u := range units {
		if u.large() {
			large = append(large, u)
		} else {
			rest = append(rest, u)
		}
	}
	slices.SortStableFunc(large, func(a, b *unit) int { return cmp.Compare(b.bytes, a.bytes) })
	return append(large, rest...)
}

// aheadBytes is the disk the connections ahead of the writer may spool
// to: SpoolAheadBytes, and never more than a quarter of the free space.
func (r *runner) aheadBytes() int64 {
	return aheadAllowance(r.opts.SpoolAheadBytes, freeBytes(r.a.Path(archive.TmpDir)))
}

// aheadAllowance is want, and never more than a quarter of free (-1:
// unknown).
func aheadAllowance(want, free int64) int64 {
	if free >= 0 {
		return min(want, free/4)
	}
	return want
}

// fetchAll fetches and writes every planned folder over up to r.conns
// connections, c (logged in, used for planning) being the first, the
// others taken from dials (opened while the folders were planned).
func (r *runner) fetchAll(ctx context.Context, c *imapconn.Conn, plans []*folderPlan, dials *dials) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fn := &fan{r: r, ctx: sctx, cancel: cancel, budget: newBudget(r.opts.InFlightBytes),
		spools: &spoolFiles{dir: r.a.Path(archive.TmpDir)}}
	defer fn.spools.close()
	fn.budget.reserve = bufferBytes(r.opts.SpoolBytes)
	fn.budget.linkMayLimit = r.linkMayLimit
	r.budget = fn.budget
	fn.cut = r.newCutter(plans)
	for _, fp := range plans {
		fw := &folderWork{fp: fp, ready: make(chan struct{})}
		us := r.split(fw, fn.cut)
		fw.list = us
		if len(us) == 0 {
			fw.markReady()
		}
		fn.units = append(fn.units, us...)
		fn.works = append(fn.works, fw)
	}
	fn.units = largeFirst(fn.units)
	fn.budget.ahead = r.aheadBytes()
	defer fn.budget.bufs.close() // after discard: the buffers go back to the system
	defer func() {
		fn.budget.mu.Lock()
		r.sum.SpooledAheadBytes += fn.budget.spooledAhead
		fn.budget.mu.Unlock()
	}()
	defer fn.discard()

	// The planning connection takes the first unit before any other
	// connection exists: it alone may plan a folder again in place.
	var wg sync.WaitGroup
	first := fn.claim(true, 1)
	fn.open = 1
	stopMain := context.AfterFunc(sctx, c.Abort)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer fn.closed()
		fn.work(c, true, 1, first)
	}()
	extras := max(min(r.conns, len(fn.units))-1, 0)
	fn.mu.Lock()
	fn.dialing = extras
	fn.mu.Unlock()
	for i := range extras {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn.extra(c, dials, int32(i+2))
		}()
	}

	complete, werr := fn.write(ctx)
	fn.mu.Lock()
	fn.done = complete
	fn.mu.Unlock()
	if complete {
		stopMain() // the session ends well: the planning connection logs out
	}
	cancel()
	fn.budget.stop()
	wg.Wait()
	if werr != nil {
		return werr // an archive error (disk full) outranks the closed connections it caused
	}
	if complete {
		return nil
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.err == nil {
		return mailerr.New(mailerr.ConnLost, "fetch", c.Host, errors.New("the session ended early"))
	}
	return fn.err
}

// write is the writer: every folder in plan order, once a connection has
// confirmed its generation.
// It returns whether every folder was written, and the archive's error.
func (fn *fan) write(ctx context.Context) (bool, error) {
	for _, fw := range fn.works {
		select {
		case <-fw.ready:
		case <-fn.ctx.Done():
			return false, nil // the error that ended the session is fn.err
		}
		werr, ferr := fn.r.writeFolder(ctx, fn, fw)
		if werr != nil {
			return false, werr
		}
		if ferr != nil {
			return false, nil
		}
	}
	return true, nil
}

// claim takes the first unit not taken, or nil when none is left. Units
// of a folder the planning connection planned again are its alone (main).
// A folder's other units wait until it is examined (ready) when the
// planning connection took its first one (it examines it itself and may
// plan it again: replanner; the unit says so, replans). Any connection,
// the planning one too, takes a unit of a folder another one took first
// and is examining: its own EXAMINE checks the generation (examineAhead),
// and plans nothing again, so that the planning connection plans a folder
// again only where no other connection fetched under the plan. (It used
// to wait until that other connection's EXAMINE was answered, which comes
// only behind the UID FETCH in flight on it: up to a unit's time idle.)
func (fn *fan) claim(main bool, conn int32) *unit {
	for {
		fn.mu.Lock()
		if fn.err != nil {
			fn.mu.Unlock()
			return nil
		}
		pick := fn.firstLocked(main)
		if pick == nil {
			fn.mu.Unlock()
			return nil
		}
		if !fn.mustWaitLocked(pick) {
			pick.replans = !pick.fw.claimed && main
			pick.fw.replanner = pick.fw.replanner || pick.replans
			fn.takeLocked(pick, conn)
			fn.mu.Unlock()
			return pick
		}
		fn.mu.Unlock()
		select {
		case <-pick.fw.ready:
		case <-fn.ctx.Done():
			return nil
		}
	}
}

// firstLocked is the first unit not taken that the connection may take.
func (fn *fan) firstLocked(main bool) *unit {
	for fn.next < len(fn.units) && fn.units[fn.next].taken {
		fn.next++
	}
	return fn.pickLocked(main, fn.r.compress.pending())
}

// mustWaitLocked tells that u's folder must be examined before the
// connection takes u (see claim).
func (fn *fan) mustWaitLocked(u *unit) bool {
	fw := u.fw
	return fw.claimed && !fw.isReady() && fw.replanner
}

// takeLocked gives u to connection conn.
func (fn *fan) takeLocked(u *unit, conn int32) {
	u.taken, u.fw.claimed = true, true
	u.conn.Store(conn)
}

// pickLocked is the first unit not taken that the connection may take;
// while compression is still to be decided, a large message only when
// nothing else is left (it would be fetched uncompressed whole).
func (fn *fan) pickLocked(main, notLarge bool) *unit {
	for _, u := range fn.units[fn.next:] {
		if !u.taken && (main || !u.fw.mainOnly) && !(notLarge && u.large()) {
			return u
		}
	}
	if notLarge {
		return fn.pickLocked(main, false)
	}
	return nil
}

func (fw *folderWork) isReady() bool {
	select {
	case <-fw.ready:
		return true
	default:
		return false
	}
}

// resplit replaces the units of u's folder, u (just taken) and the others
// (not taken: the folder is not ready), by the folder's new plan, and
// keeps them for the planning connection.
func (fn *fan) resplit(u *unit) {
	fw := u.fw
	fn.mu.Lock()
	defer fn.mu.Unlock()
	// Cut as the units of the folder's first plan were (no smaller).
	us := fn.r.split(fw, &cutter{maxMsgs: fn.cut.maxMsgs, maxBytes: fn.cut.maxBytes, left: math.MaxInt64, conns: 1, refuse: fn.cut.refuse})
	u.uids = nil
	if len(us) > 0 {
		u.uids = us[0].uids
		us = us[1:]
	}
	var units []*unit
	for _, o := range fn.units {
		if o.fw != fw {
			units = append(units, o)
		} else if o == u {
			units = append(append(units, u), us...)
		}
	}
	fn.units, fn.next = units, 0
	fw.list = append([]*unit{u}, us...)
	fw.mainOnly = true
}

// refuse ends a unit of one message the server announced as larger than
// MaxMessageBytes, without asking for it: a failure with the reason, as
// when a literal turns out that large (the connection would have to be
// dropped not to read it).
func (fn *fan) refuse(u *unit) {
	for _, uid := range u.uids {
		u.emit(&item{uid: uid, failed: tooLarge(u.bytes, fn.r.opts.MaxMessageBytes)})
	}
	fn.unitDone(u)
}

// unitDone: every UID of u ended as a message or a failure.
func (fn *fan) unitDone(u *unit) {
	u.q.close(nil)
}

// fail ends the session with err (the first one stays).
func (fn *fan) fail(err error) {
	fn.mu.Lock()
	if fn.err == nil && !fn.done {
		fn.err = err
	}
	fn.mu.Unlock()
	fn.cancel()
	fn.budget.stop()
	fn.mu.Lock()
	units := fn.units
	fn.mu.Unlock()
	for _, u := range units {
		u.q.close(err)
	}
}

// discard lets go of what no writer will take.
func (fn *fan) discard() {
	for _, u := range fn.units {
		u.q.close(errWriterStopped)
		u.q.discard()
	}
}

// extra takes one more connection and fetches on it. A server that will
// not have it lowers the run's connections to those open: never an error.
func (fn *fan) extra(planner *imapconn.Conn, dials *dials, conn int32) {
	c, err := dials.take(fn.ctx)
	fn.mu.Lock()
	fn.dialing--
	if err == nil {
		fn.open++
	}
	fn.mu.Unlock()
	if err != nil {
		if fn.ctx.Err() == nil {
			fn.lower(err, false)
		}
		return
	}
	defer c.Close()
	defer fn.closed()
	if c.Compressed() {
		fn.r.compress.used()
	}
	c.AdoptNames(planner)
	stop := context.AfterFunc(fn.ctx, c.Abort)
	defer stop()
	fn.work(c, false, conn, nil)
}

// closed notes that a connection stopped fetching.
func (fn *fan) closed() {
	fn.mu.Lock()
	fn.open--
	fn.mu.Unlock()
}

// lower sets the run's connections to those open now and those still
// being opened (each that fails lowers again), after the server refused
// or cut one.
// A connection cut for the limit (self) is still counted open: it does
// not count.
func (fn *fan) lower(err error, self bool) bool {
	fn.mu.Lock()
	n := fn.open + fn.dialing
	if self {
		n--
	}
	n = max(n, 1)
	r := fn.r
	r.mu.Lock()
	lowered := n < r.conns
	if lowered {
		r.conns = n
		r.noticeLocked(fmt.Sprintf("the server refused another connection (%v): going on with %d", err, n), err)
	}
	r.mu.Unlock()
	fn.mu.Unlock()
	return lowered
}

// work fetches units on c until there are none left or the session ends.
func (fn *fan) work(c *imapconn.Conn, main bool, conn int32, u *unit) {
	r := fn.r
	fe := &fetcher{c: c, opts: r.opts, spools: fn.spools, budget: fn.budget, received: r.received, conn: conn,
		link: newLinkWatch(c), run: r, throttled: func(err error) bool { return r.lim.AsThrottle(err) != nil }}
	// The connection's folder: the one it examined last and, when that
	// EXAMINE was sent ahead (examineAhead), the check of its answer,
	// which every UID FETCH sent behind it reads before its messages: a
	// folder the server would not examine leaves the connection in the
	// one before, whose messages must not be taken for this one's.
	var selected *folderWork
	var selCheck func() error
	selectNow := func(u *unit) error {
		if err := fn.examine(c, main, u); err != nil {
			return err
		}
		selected, selCheck = u.fw, nil
		return nil
	}
	selectAhead := func(u *unit) { selected, selCheck = u.fw, fn.examineAhead(c, u) }
	fe.reselect = func(u *unit) error {
		if u.fw == selected {
			return nil
		}
		return selectNow(u)
	}
	for {
		if u == nil {
			if u = fn.claim(main, conn); u == nil {
				return
			}
		}
		if err := fe.pause(fn.ctx); err != nil {
			fn.failed(c, err)
			return
		}
		switch {
		case u.fw == selected:
		case !u.replans && !u.refused && len(u.uids) > 0:
			// Only the planning connection, on the first unit of a
			// folder, plans it again: any other EXAMINE goes out with
			// the UID FETCH, one round trip rather than two.
			selectAhead(u)
		default:
			if err := selectNow(u); err != nil {
				fn.failed(c, err)
				return
			}
		}
		u.check = selCheck
		if u.refused {
			fn.refuse(u)
		} else if len(u.uids) == 0 {
			fn.unitDone(u) // planned again: nothing left
		} else if err := fe.fetchUnits(fn.ctx, u, func(after *unit) *unit {
			if after.large() {
				// Not behind a large unit: what the writer needs next
				// would wait for it.
				return nil
			}
			for {
				nu := fn.claimNext(selected, main, conn)
				switch {
				case nu == nil:
					return nil
				case nu.refused:
					fn.refuse(nu)
					continue
				case nu.fw != selected:
					// The next folder's EXAMINE goes out with its
					// UID FETCH, behind the one in flight.
					selectAhead(nu)
				}
				nu.check = selCheck
				return nu
			}
		}, fn.unitDone); err != nil {
			fn.failed(c, err)
			return
		}
		u = nil
	}
}

// failed ends the session for a connection's error, named as that
// connection sees it; when the server cut it for a limit while others were
// open, the run goes on with fewer.
func (fn *fan) failed(c *imapconn.Conn, err error) {
	var ee examineError
	if errors.As(err, &ee) {
		err = ee.err // as if examine had failed
	}
	if errors.Is(err, errBudgetStopped) || fn.ctx.Err() != nil {
		fn.fail(err)
		return
	}
	if te := fn.r.throttled(err, c.ByeText()); te != nil {
		// The server asks to slow down: the session ends, and the run
		// waits what it suggests (not a failure, not a connection limit).
		fn.fail(te)
		return
	}
	if !errors.Is(err, errGenerationMoved) && (mailerr.As(err) == nil || errors.Is(err, errTooLarge)) {
		err = c.Classify(fn.ctx, "fetch", err)
	}
	fn.mu.Lock()
	others := fn.open > 1
	fn.mu.Unlock()
	if others && c.ConnLimited(err) && fn.lower(err, true) {
		err = fmt.Errorf("%w: %w", errConnLimit, err)
	}
	fn.fail(err)
}

// examine selects u's folder on c and checks that the server still has
// the generation that was planned. When UIDVALIDITY changed, the plan's
// UIDs name other messages: the planning connection plans the folder
// again, as a new generation, on this selection, so that no message of one
// generation is stored as the other's (the folder's other units wait for
// this); another connection ends the session, and the next one plans
// afresh.
func (fn *fan) examine(c *imapconn.Conn, main bool, u *unit) error {
	fw := u.fw
	fp := fw.fp
	sel, err := c.Select(fp.server.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("examine %s: %w", fp.server.Name, err)
	}
	if sel.UIDValidity == fp.folder.UIDValidity {
		fw.markReady()
		return nil
	}
	if !main || fw.isReady() {
		return fmt.Errorf("%s: %w", fp.server.Name, errGenerationMoved)
	}
	if err := fn.r.replan(fn.ctx, c, fp); err != nil {
		return err
	}
	fn.resplit(u)
	fw.markReady()
	return nil
}

// claimNext is the unit to send behind the one in flight on a connection
// whose folder is cur: the first not taken, of cur or of another folder
// (examineAhead sends its EXAMINE first, so that the connection does not
// plan it again: it is no replanner's). Nil when none is left, or when
// that unit's folder must be examined first (claim waits for that once
// nothing is in flight).
func (fn *fan) claimNext(cur *folderWork, main bool, conn int32) *unit {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.err != nil {
		return nil
	}
	pick := fn.firstLocked(main)
	if pick == nil || pick.fw != cur && fn.mustWaitLocked(pick) || len(pick.uids) == 0 {
		return nil
	}
	fn.takeLocked(pick, conn)
	return pick
}

// examineAhead sends the EXAMINE of u's folder, pipelined behind the UID
// FETCH in flight and before u's own, so that no round trip stands idle
// between folders. The check it returns (once, for every UID FETCH sent
// behind it) reads the answer before any of their messages (go-imap
// reads the answers in order): the generation planned marks the folder
// ready, as examine does; another one ends the session (the next one
// plans the folder again), and so does a folder the server will not
// examine: nothing those UID FETCHes bring reaches the writer.
func (fn *fan) examineAhead(c *imapconn.Conn, u *unit) func() error {
	fw := u.fw
	fp := fw.fp
	cmd := c.Select(fp.server.Mailbox, &imap.SelectOptions{ReadOnly: true})
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			sel, serr := cmd.Wait()
			switch {
			case serr != nil:
				err = examineError{fmt.Errorf("examine %s: %w", fp.server.Name, serr)}
			case sel.UIDValidity != fp.folder.UIDValidity:
				err = examineError{fmt.Errorf("%s: %w", fp.server.Name, errGenerationMoved)}
			default:
				fw.markReady()
			}
		})
		return err
	}
}

// examineError is an EXAMINE's failure seen by the UID FETCH sent behind
// it: the connection's, not the FETCH's (no *imap.Error in its chain, so
// that its UIDs are not asked for again one by one).
type examineError struct{ err error }

func (e examineError) Error() string { return e.err.Error() }

// drain sends the messages of fw's units to out, unit after unit in plan
// order (so a folder's mbox file is in ascending UID order, as with one
// connection), and returns the error its queue was closed with.
func (fn *fan) drain(fw *folderWork, out chan<- *item) error {
	for _, u := range fw.list {
		fn.budget.setCurrent(u)
		if err := u.q.drain(out); err != nil {
			return err
		}
	}
	return nil
}

// queue holds a unit's messages between the connections and the writer.
// It is bounded by the budget the messages hold.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []*item
	closed bool
	err    error
	budget *budget
	ended  atomic.Bool // closed, readable without mu (the budget's lock comes first)
}

// isClosed tells whether every message of the queue's unit has ended.
func (q *queue) isClosed() bool { return q != nil && q.ended.Load() }

func newQueue(b *budget) *queue {
	q := &queue{budget: b}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push adds it; after close it is let go at once.
func (q *queue) push(it *item) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		it.release(q.budget)
		return
	}
	q.items = append(q.items, it)
	q.mu.Unlock()
	q.cond.Signal()
}

// close ends the queue; the first close's error is kept.
func (q *queue) close(err error) {
	q.mu.Lock()
	if !q.closed {
		q.closed, q.err = true, err
		q.ended.Store(true)
	}
	q.mu.Unlock()
	q.cond.Broadcast()
}

// drain sends every item to out until the queue is closed and empty, and
// returns the error it was closed with.
func (q *queue) drain(out chan<- *item) error {
	for {
		q.mu.Lock()
		if len(q.items) == 0 && !q.closed {
			q.budget.waiting(true)
			for len(q.items) == 0 && !q.closed {
				q.cond.Wait()
			}
			q.budget.waiting(false)
		}
		if len(q.items) == 0 {
			err := q.err
			q.mu.Unlock()
			return err
		}
		it := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.mu.Unlock()
		out <- it
	}
}

// discard lets go of every item left.
func (q *queue) discard() {
	q.mu.Lock()
	items := q.items
	q.items = nil
	q.mu.Unlock()
	for _, it := range items {
		it.release(q.budget)
	}
}

// dials opens a session's extra connections while the planning
// connection plans the folders (each costs the TCP, TLS and login round
// trips, which would otherwise come after the plan).
type dials struct {
	ctx    context.Context
	cancel context.CancelFunc
	conf   imapconn.Config
	got    chan dialed
	mu     sync.Mutex
	left   int // dials started and not taken
}

type dialed struct {
	c   *imapconn.Conn
	err error
}

// dialAhead starts opening n connections with conf.
func dialAhead(ctx context.Context, conf imapconn.Config, n int) *dials {
	d := &dials{conf: conf, got: make(chan dialed, max(n, 0)), left: max(n, 0)}
	d.ctx, d.cancel = context.WithCancel(ctx)
	for range d.left {
		go func() {
			c, err := imapconn.Dial(d.ctx, conf)
			d.got <- dialed{c, err}
		}()
	}
	return d
}

// take is one of the connections opened ahead, or a new one when none is
// left.
func (d *dials) take(ctx context.Context) (*imapconn.Conn, error) {
	d.mu.Lock()
	ahead := d.left > 0
	if ahead {
		d.left--
	}
	d.mu.Unlock()
	if !ahead {
		return imapconn.Dial(ctx, d.conf)
	}
	select {
	case r := <-d.got:
		return r.c, r.err
	case <-ctx.Done():
		d.mu.Lock()
		d.left++ // not taken: close lets go of it
		d.mu.Unlock()
		return nil, ctx.Err()
	}
}

// close lets go of the connections opened ahead and not taken.
func (d *dials) close() {
	d.mu.Lock()
	n := d.left
	d.left = 0
	d.mu.Unlock()
	d.cancel()
	go func() {
		for range n {
			if r := <-d.got; r.c != nil {
				r.c.Close()
			}
		}
	}()
}
