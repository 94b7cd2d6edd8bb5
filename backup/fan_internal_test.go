package backup

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/imapconn"
)

// waits makes b's waits end the session, and tells whether one happened.
func waits(b *budget) *bool {
	waited := new(bool)
	b.onWait = func() { *waited, b.stopped = true, true }
	return waited
}

// writerAndAhead is a 1 MiB budget (256 KiB reserve, aheadBytes of disk
// allowance) whose writer waits for cur (connection 1), with a unit ahead
// on connection 2; its waits end the session and are told.
func writerAndAhead(aheadBytes int64) (b *budget, cur, ahead *unit, waited *bool) {
	b = newBudget(1 << 20)
	b.reserve, b.ahead = 256<<10, aheadBytes
	cur, ahead = &unit{q: newQueue(b)}, &unit{}
	cur.conn.Store(1)
	ahead.conn.Store(2)
	b.current = cur
	b.empty = true // the writer waits for cur's messages
	return b, cur, ahead, waits(b)
}

// The disk allowance never takes more than a quarter of the free space.
func TestAheadAllowanceLeavesTheDisk(t *testing.T) {
	for _, c := range []struct{ want, free, got int64 }{
		{1 << 30, 100 << 30, 1 << 30},
		{1 << 30, 1 << 30, 256 << 20},
		{1 << 30, -1, 1 << 30}, // free space unknown
	} {
		if got := aheadAllowance(c.want, c.free); got != c.got {
			t.Errorf("aheadAllowance(%d, %d free) = %d, want %d", c.want, c.free, got, c.got)
		}
	}
}

// A connection ahead of the writer that finds the memory taken spools its
// message to a file, within the disk allowance, rather than wait for the
// writer: on a slow link the writer waits for one connection's rate and
// the others would stand idle.
func TestBudgetSpoolsAheadRatherThanWait(t *testing.T) {
	b, cur, ahead, waited := writerAndAhead(1 << 20)

	// Sizes of whole buffer classes (bufferBytes): the budget counts a
	// message's buffer.
	if got, err := b.acquire(ahead, 768<<10, 4<<20); err != nil || got != (take{mem: 768 << 10}) {
		t.Fatalf("first message ahead = %+v, %v; want it in memory", got, err)
	}
	// 256 KiB free: taking 100 KiB would leave less than the reserve.
	got, err := b.acquire(ahead, 100<<10, 4<<20)
	if err != nil || *waited || got != (take{disk: 100 << 10}) {
		t.Fatalf("message ahead with the memory short = %+v, %v (waited %v); want it spooled within the allowance", got, err, *waited)
	}
	// The writer's unit still gets the memory left for it.
	if got, err := b.acquire(cur, 256<<10, 4<<20); err != nil || got != (take{mem: 256 << 10}) {
		t.Fatalf("the writer's unit = %+v, %v; want its reserve", got, err)
	}
	// A large message of the writer's unit goes to a file at once.
	if got, err := b.acquire(cur, 10<<20, 4<<20); err != nil || got != (take{}) || *waited {
		t.Fatalf("the writer's large message = %+v, %v (waited %v)", got, err, *waited)
	}
	b.give(take{mem: 256 << 10})
	b.give(take{disk: 100 << 10})
	if b.avail != 256<<10 || b.ahead != 1<<20 {
		t.Fatalf("after give: %d free, %d ahead; want 256 KiB and 1 MiB", b.avail, b.ahead)
	}
}

// When the writer, not the link, is the limit (loopback, a LAN) a message
// ahead that finds the memory taken waits for it rather than go to a file,
// which would only take CPU from the writer: while the writer is busy with
// what came, while the current unit's own messages wait for memory, and
// while the connections deliver faster than a link that limits does
// (linkrate.go), however long the writer waits. Once the writer waits for
// the current unit on a slow link, the one waiting is spooled.
func TestBudgetAheadWaitsForABusyWriter(t *testing.T) {
	for _, c := range []struct {
		name                      string
		empty, curWaits, fastLink bool
		share                     float64
	}{
		{"the writer is busy", false, false, false, 1},
		{"the writer's unit waits for memory", true, true, false, 1},
		{"the writer waited a fifth of the time lately", true, false, false, 0.2},
		{"the writer waits, the connections deliver fast", true, false, true, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _, ahead, _ := writerAndAhead(1 << 20)
			b.avail = 300 << 10 // less than the reserve left after 100 KiB
			b.empty, b.idle.share = c.empty, c.share
			if c.curWaits {
				b.curWaits = 1
			}
			fast := c.fastLink
			b.linkMayLimit = func() bool { return !fast }
			waits := 0
			b.onWait = func() { // under mu: the link becomes the limit while the connection waits
				waits++
				b.empty, b.curWaits, b.idle.share, fast = true, 0, 1, false
			}
			got, err := b.acquire(ahead, 100<<10, 4<<20)
			if err != nil || waits != 1 || got != (take{disk: 100 << 10}) {
				t.Fatalf("message ahead: %+v, %v after %d wait(s); want one wait, then spooled once the writer waits", got, err, waits)
			}
		})
	}
}

// The share of the time the writer waited is measured over windows of
// idleWindow or more, whatever the waits' lengths.
func TestIdleShare(t *testing.T) {
	var s idleShare
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	s.mark(true, at(0))
	if s.share != 1 {
		t.Fatalf("before a window ended: %v, want 1", s.share)
	}
	s.mark(false, at(100)) // waited 100 ms
	s.mark(true, at(200))
	s.mark(false, at(300)) // waited 100 ms: the window (300 ms) ends
	if s.share < 0.66 || s.share > 0.67 {
		t.Fatalf("after 200 ms waited of 300: %v", s.share)
	}
	s.mark(true, at(310))
	s.mark(false, at(1310)) // a wait of a second is its own window
	if s.share < 0.99 || s.share > 1 {
		t.Fatalf("after a wait of 1 s of 1.01: %v", s.share)
	}
	s.mark(true, at(1320))
	s.mark(false, at(1330))
	s.mark(true, at(1600)) // 10 ms waited of 270: a window ends while waiting
	if s.share > 0.04 {
		t.Fatalf("after 10 ms waited of 270: %v", s.share)
	}
	s.mark(false, at(1700)) // the wait since 1600 counts in the next window
	s.mark(true, at(1900))  // 100 ms waited of 300
	if s.share < 0.33 || s.share > 0.34 {
		t.Fatalf("after a window of 100 ms waited of 300: %v", s.share)
	}
}

// The disk allowance bounds what is spooled ahead: beyond it a connection
// ahead waits for the writer, unless it also carries the writer's unit.
func TestBudgetAheadAllowanceIsABound(t *testing.T) {
	b, _, ahead, waited := writerAndAhead(150 << 10)
	b.avail = 200 << 10 // the rest is held by messages the writer has not taken
	if got, err := b.acquire(ahead, 100<<10, 4<<20); err != nil || got.disk != 100<<10 {
		t.Fatalf("within the allowance: %+v, %v", got, err)
	}
	if _, err := b.acquire(ahead, 100<<10, 4<<20); err != errBudgetStopped || !*waited {
		t.Fatalf("beyond the allowance: %v (waited %v); want a wait", err, *waited)
	}
	b.stopped, *waited = false, false
	sameConn := &unit{}
	sameConn.conn.Store(1)
	if got, err := b.acquire(sameConn, 100<<10, 4<<20); err != nil || got != (take{}) || *waited {
		t.Fatalf("ahead on the writer's connection: %+v, %v (waited %v); want it spooled without waiting", got, err, *waited)
	}
	// Once every message of the writer's unit has come, that connection's
	// next message waits like any other.
	b.stopped, *waited = false, false
	b.current.q.close(nil)
	if _, err := b.acquire(sameConn, 100<<10, 4<<20); err != errBudgetStopped || !*waited {
		t.Fatalf("ahead on the writer's connection after its unit ended: %v (waited %v); want a wait", err, *waited)
	}
}

// A message larger than a unit is a unit of its own, and the connections
// take it before the others: taken last, it would keep one connection busy
// long after the others ran out of work.
func TestLargeMessageIsTakenFirst(t *testing.T) {
	sizes := map[imap.UID]int64{1: 10, 2: 10, 3: 10, 4: 500, 5: 10, 6: 10, 7: 10, 8: 10, 9: 90, 10: 10}
	fp := &folderPlan{sizes: sizes}
	for uid := range imap.UID(10) {
		fp.missing = append(fp.missing, uid+1)
	}
	r := &runner{}
	fw := &folderWork{fp: fp}
	units := r.split(fw, &cutter{maxMsgs: 100, maxBytes: 30, left: math.MaxInt64, conns: 1})
	var got [][]imap.UID
	for _, u := range largeFirst(units) {
		got = append(got, u.uids)
	}
	want := [][]imap.UID{{4}, {9}, {1, 2, 3}, {5, 6, 7}, {8}, {10}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("units taken in the order %v, want %v", got, want)
	}
	// The writer still takes them in UID order.
	var order []imap.UID
	for _, u := range units {
		order = append(order, u.uids...)
	}
	if !slices.Equal(order, fp.missing) {
		t.Errorf("the folder's units hold %v, want %v in order", order, fp.missing)
	}
}

// Units get smaller towards the end of what the connections take, so
// that they run out of work close together: one connection fetching a
// whole unit alone at the end leaves the link idle.
func TestUnitsShrinkTowardsTheEnd(t *testing.T) {
	fp := &folderPlan{sizes: map[imap.UID]int64{}}
	for uid := imap.UID(1); uid <= 100; uid++ {
		fp.missing = append(fp.missing, uid)
		fp.sizes[uid] = 100 << 10
		fp.bytes += 100 << 10
	}
	r := &runner{conns: 2, opts: &Options{FetchChunk: 1000, FetchChunkBytes: 1 << 20}}
	units := r.split(&folderWork{fp: fp}, r.newCutter([]*folderPlan{fp}))
	first := units[0].bytes
	end := max(units[len(units)-1].bytes, units[len(units)-2].bytes)
	if first < 1<<20 || end > minUnitBytes+100<<10 {
		var sizes []int64
		for _, u := range units {
			sizes = append(sizes, u.bytes>>10)
		}
		t.Fatalf("units of %v KiB: want the first about 1 MiB and the last two about %d KiB", sizes, minUnitBytes>>10)
	}
	for i := 1; i < len(units); i++ {
		if units[i].bytes > units[i-1].bytes {
			t.Fatalf("unit %d (%d bytes) is larger than the one before (%d)", i, units[i].bytes, units[i-1].bytes)
		}
	}
}

// While auto mode still measures the link, the connections take the
// ordinary units (the sample) before a large message, which would come
// over uncompressed whole; once decided, the large one first.
func TestNoLargeMessageWhileCompressionIsDecided(t *testing.T) {
	comp := newCompression(&Options{Compress: CompressAuto, LinkRate: func(imapconn.LinkStats) (float64, bool) { return 1e6, true }})
	comp.offered(true)
	fw := &folderWork{fp: &folderPlan{}, ready: make(chan struct{})}
	fw.markReady()
	large := &unit{fw: fw, alone: true}
	small := &unit{fw: fw}
	other := &unit{fw: fw}
	fn := &fan{r: &runner{compress: comp}, ctx: context.Background(), units: []*unit{large, small, other}}
	if got := fn.claim(true, 1); got != small {
		t.Fatalf("while deciding: took %+v, want the ordinary unit", got)
	}
	comp.observe(imapconn.LinkStats{Bytes: 1})
	if got := fn.claim(true, 1); got != large {
		t.Fatalf("once decided: took %+v, want the large unit", got)
	}
	// Only a large one left while deciding: it is taken all the same.
	comp2 := newCompression(&Options{Compress: CompressAuto})
	comp2.offered(true)
	fn2 := &fan{r: &runner{compress: comp2}, ctx: context.Background(), units: []*unit{{fw: fw, alone: true}}}
	if fn2.claim(true, 1) == nil {
		t.Fatalf("a large unit alone was not taken while deciding")
	}
}

// A folder whose first unit a connection sent ahead, behind a long UID
// FETCH (its EXAMINE's answer comes only after that one), does not hold
// up the other connections, the planning one included: they take its next
// units and check the generation with their own EXAMINE, planning nothing
// again. Only where the planning connection took the first unit (it may
// plan the folder again) do the others wait for its EXAMINE.
func TestFolderSentAheadDoesNotHoldOthers(t *testing.T) {
	folder := func() *folderWork {
		return &folderWork{fp: &folderPlan{}, ready: make(chan struct{})}
	}
	ahead, planned := folder(), folder()
	cur := folder()
	cur.claimed = true
	cur.markReady()
	units := []*unit{
		{fw: ahead, uids: []imap.UID{1}}, {fw: ahead, uids: []imap.UID{2}}, {fw: ahead, uids: []imap.UID{3}},
		{fw: planned, uids: []imap.UID{1}}, {fw: planned, uids: []imap.UID{2}},
	}
	// Done already: a claim that would wait returns nil at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fn := &fan{r: &runner{compress: newCompression(&Options{})}, ctx: ctx, units: units}

	if got := fn.claimNext(cur, false, 2); got != units[0] {
		t.Fatalf("connection 2, sending ahead: took %+v, want the next folder's first unit", got)
	}
	if got := fn.claim(true, 1); got != units[1] || got.replans {
		t.Fatalf("the planning connection: took %+v, want the next unit of the folder another one is examining, without waiting, to examine it ahead (not to plan it again)", got)
	}
	if got := fn.claim(false, 3); got != units[2] {
		t.Fatalf("connection 3: took %+v, want the next unit of the folder sent ahead, without waiting", got)
	}

	if got := fn.claim(true, 1); got != units[3] || !got.replans {
		t.Fatalf("the planning connection: took %+v, want the first unit of the next folder, to examine it itself", got)
	}
	if fn.claimNext(cur, false, 2) != nil {
		t.Errorf("connection 2 took a unit of a folder the planning connection examines (and may plan again)")
	}
	planned.markReady()
	if got := fn.claimNext(cur, false, 2); got != units[4] {
		t.Errorf("once examined: took %+v, want its next unit", got)
	}
}

// The link's rate is what the connections delivered while Mailark waited
// for them, summed: too little to tell counts as a link that may limit.
func TestLinkMayLimit(t *testing.T) {
	r := &runner{}
	if !r.linkMayLimit() {
		t.Fatal("nothing measured: want the link counted as a possible limit")
	}
	r.link.add(imapconn.LinkStats{Bytes: 8 << 20, Waited: 2 * time.Second}) // 4 MiB/s, as RTT 40 ms at 4 MB/s
	if !r.linkMayLimit() {
		t.Errorf("4 MiB/s per connection: want the link counted as the limit")
	}
	r.link.add(imapconn.LinkStats{Bytes: 1 << 30, Waited: time.Second}) // a loopback's rate
	if rate, _ := r.link.rate(); r.linkMayLimit() || rate < spoolAheadBelow {
		t.Errorf("%.0f MB/s per connection: want the link not counted as the limit", rate/1e6)
	}
}
