package backup

import (
	"fmt"
	"math/bits"
	"sync"
)

// buffers hands out the buffers messages are read into (readBody) and takes
// them back when the writer is done with them (item.release), for the next
// messages. A backup moves gigabytes through buffers of up to SpoolBytes.
// Made new for each message, on the Go heap, they were garbage that the
// collector let pile up to as much again as the live heap (the in-flight
// messages) before it ran, in pages the runtime then kept mapped: on the
// bench's loopback run (N = 20,000, 4 connections) the Go runtime held 76
// MiB for a live heap of about 16 MiB. (sync.Pool, tried before, kept
// buffers of every size class without bound: 169.7 MiB.)
//
// Where the system allows (buffers_unix.go), a buffer is mapped memory of
// its own, outside the Go heap: the collector neither counts it nor frees
// it, and a buffer let go is unmapped at once. Sizes are rounded up to
// classes (multiples of 4 KiB up to 32 KiB, then four steps per power of
// two: at most a quarter more than asked), and the in-flight budget counts
// a message's whole buffer (bufferBytes), so it bounds the buffers in use
// exactly.
//
// A message larger than pieceBytes is held in pieces of pieceBytes, all of
// one class (getPieces), not in one buffer of its own size: messages of
// half a megabyte to 8 MiB come in a dozen classes, and with the list's
// few megabytes the one asked for was seldom kept, so most of these bytes
// went into memory mapped new, which the kernel fills with zeros and, in a
// virtual machine, the host maps in too on the first touch. On the bench's
// loopback run (N = 20,000, 4 connections) that was 307,000 of the
// backup's 403,000 page faults and 1.3 s of its 18.5 s of CPU (perf),
// where mbsync takes 9.8 s in all. In pieces: 95,000 page faults, and the
// copy out of the IMAP reader took 0.35 s instead of 1.56 (CPU profiles).
//
// The list is bounded:
// it keeps buffers only while everything handed out and not let go (mapped,
// kept ones included) stays under limit; a miss lets kept buffers go,
// largest first, to make room. The in-flight budget bounds the rest.
//
// A buffer is given back only by item.release, once nothing reads it: the
// writer releases an item after Batch.Add copied the message into SQLite
// (the Appender wrote it to the mbox file before; neither keeps the slice),
// every field describeHeader filled is a copy, and release drops the entry
// whose Body is the one other view of the buffer. A buffer from the list is
// not cleared: readBody reads over exactly the bytes it uses, and a message
// whose read fails is released, never stored.
type buffers struct {
	mu     sync.Mutex
	free   [][][]byte     // kept, by class
	state  map[*byte]bool // every buffer handed out and not let go: kept (true) or in use
	kept   int64          // bytes of the buffers in free
	mapped int64          // bytes of every buffer in state
	limit  int64          // mapped stays under it while free holds any
	misses int64          // buffers made new because none was kept
	closed bool           // keep nothing any more
}

// minClassBytes is the smallest buffer the list hands out (a page).
const minClassBytes = 4 << 10

func newBuffers(limit int64) *buffers {
	return &buffers{limit: limit, state: map[*byte]bool{}}
}

// class is the size class of a message of n bytes and the capacity of its
// buffers: multiples of minClassBytes up to 32 KiB, then four steps per
// power of two (at most a quarter more than n).
func class(n int64) (int, int64) {
	if n <= 32<<10 {
		c := max((n+minClassBytes-1)/minClassBytes, 1)
		return int(c - 1), c * minClassBytes
	}
	k := bits.Len64(uint64(n - 1)) // 2^(k-1) < n <= 2^k, k >= 16
	step := int64(1) << (k - 3)
	j := (n - int64(1)<<(k-1) + step - 1) / step // 1..4
	return 8 + (k-16)*4 + int(j-1), int64(1)<<(k-1) + j*step
}

// pieceBytes is the size of the pieces a larger message is held in: a
// class of its own (class(pieceBytes) has capacity pieceBytes), and the
// most of a message's header the archive reads (mailtext.MaxHeaderBytes),
// so that the header of a message in pieces is in its first one.
const pieceBytes = 256 << 10

// bufferBytes is the memory a message of n bytes holds in a buffer, or in
// pieces.
func bufferBytes(n int64) int64 {
	if n > pieceBytes {
		return (n + pieceBytes - 1) / pieceBytes * pieceBytes
	}
	_, capacity := class(n)
	return capacity
}

// getPieces returns n bytes to read a message into: one buffer (get) up to
// pieceBytes, else pieces of pieceBytes, the last one cut to what is left.
// Their bytes are not cleared.
func (l *buffers) getPieces(n int64) [][]byte {
	if n <= pieceBytes {
		return [][]byte{l.get(n)}
	}
	ps := make([][]byte, 0, (n+pieceBytes-1)/pieceBytes)
	for left := n; left > 0; left -= pieceBytes {
		ps = append(ps, l.get(pieceBytes)[:min(left, pieceBytes)])
	}
	return ps
}

// putPieces gives back what getPieces returned.
func (l *buffers) putPieces(ps [][]byte) {
	for _, b := range ps {
		l.put(b)
	}
}

// get returns a buffer of n bytes, of n's class: from the list when it
// keeps one, otherwise new. Its bytes are not cleared.
func (l *buffers) get(n int64) []byte {
	c, capacity := class(n)
	l.mu.Lock()
	if c < len(l.free) {
		if k := len(l.free[c]); k > 0 {
			b := l.free[c][k-1]
			l.free[c][k-1] = nil
			l.free[c] = l.free[c][:k-1]
			l.kept -= int64(cap(b))
			l.state[base(b)] = false
			l.mu.Unlock()
			return b[:n]
		}
	}
	// A miss: let kept buffers go, the largest first, until a new one fits.
	var drop [][]byte
	for i := len(l.free) - 1; i >= 0 && l.mapped+capacity > l.limit && l.kept > 0; {
		k := len(l.free[i])
		if k == 0 {
			i--
			continue
		}
		b := l.free[i][k-1]
		l.free[i][k-1] = nil
		l.free[i] = l.free[i][:k-1]
		l.forget(b)
		drop = append(drop, b)
	}
	l.misses++
	l.mu.Unlock()
	for _, b := range drop {
		unmapBuffer(b)
	}
	b, mapped := mapBuffer(int(capacity))
	if mapped {
		l.mu.Lock()
		l.state[base(b)] = false
		l.mapped += capacity
		l.mu.Unlock()
	}
	return b[:n]
}

// put gives b back for another message; nothing may read or write b after.
// A buffer the list did not hand out is left to the collector. Giving back
// one twice is a broken invariant: two messages would share it.
func (l *buffers) put(b []byte) {
	if b == nil || cap(b) == 0 {
		return
	}
	if poisonReleased {
		b = b[:cap(b)]
		for i := range b {
			b[i] = poisonByte
		}
	}
	l.mu.Lock()
	kept, ok := l.state[base(b)]
	if !ok {
		l.mu.Unlock()
		return
	}
	if kept {
		l.mu.Unlock()
		panic(fmt.Sprintf("backup: a message buffer (%d bytes) was given back twice", cap(b)))
	}
	c, _ := class(int64(cap(b)))
	if l.closed || l.mapped > l.limit {
		l.forget(b)
		l.mu.Unlock()
		unmapBuffer(b)
		return
	}
	for len(l.free) <= c {
		l.free = append(l.free, nil)
	}
	l.free[c] = append(l.free[c], b[:0])
	l.kept += int64(cap(b))
	l.state[base(b)] = true
	l.mu.Unlock()
}

// close lets every kept buffer go; buffers given back after are let go at
// once. The session ended: nothing reads a kept buffer.
func (l *buffers) close() {
	l.mu.Lock()
	l.closed = true
	var drop [][]byte
	for i, bs := range l.free {
		for _, b := range bs {
			l.forget(b)
			drop = append(drop, b)
		}
		l.free[i] = nil
	}
	l.mu.Unlock()
	for _, b := range drop {
		unmapBuffer(b)
	}
}

// forget takes a buffer about to be let go off the books; under mu.
func (l *buffers) forget(b []byte) {
	if l.state[base(b)] {
		l.kept -= int64(cap(b))
	}
	delete(l.state, base(b))
	l.mapped -= int64(cap(b))
}

func base(b []byte) *byte { return &b[:1][0] }

// poisonReleased, set by tests, fills every buffer given back with
// poisonByte, so that a message still read after its release is stored
// wrong and a byte-exact check of the archive finds it.
var poisonReleased bool

const poisonByte = 0xA5
