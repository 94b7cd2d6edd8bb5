package backup

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// A buffer is of its message's class: at least the size asked, at most a
// quarter more (or one page), and the class of its capacity is itself.
func TestBufferClasses(t *testing.T) {
	sizes := []int64{0, 1, 4 << 10, 4<<10 + 1, 20_000, 32 << 10, 32<<10 + 1, 100_000, 1<<20 - 1, 1 << 20, 1<<20 + 1, 3_333_333, 4 << 20}
	for i := 0; i < 300; i++ {
		sizes = append(sizes, rand.Int64N(4<<20))
	}
	l := newBuffers(64 << 20)
	defer l.close()
	for _, n := range sizes {
		_, capacity := class(n)
		if capacity < n || capacity > max(n+n/4, n+minClassBytes-1, minClassBytes) {
			t.Fatalf("class(%d) capacity %d, want from %d to a quarter more", n, capacity, n)
		}
		if c, again := class(capacity); again != capacity {
			t.Fatalf("class(%d) = %d, %d: not a class of its own", capacity, c, again)
		}
		b := l.get(n)
		if int64(len(b)) != n || int64(cap(b)) != capacity {
			t.Fatalf("get(%d) = len %d cap %d, want len %d cap %d", n, len(b), cap(b), n, capacity)
		}
		l.put(b)
	}
}

// The list never keeps more than its limit: whenever it keeps a buffer,
// everything handed out and not let go (kept ones included) is under the
// limit, and a buffer given back comes out again for a message of its
// class.
func TestBuffersKeepWithinTheLimit(t *testing.T) {
	const limit = 8 << 20
	l := newBuffers(limit)
	defer l.close()
	r := rand.New(rand.NewPCG(1, 2))
	var inUse [][]byte
	var inUseBytes int64
	reused := 0
	for step := 0; step < 5000; step++ {
		// Hold up to a quarter more than the limit in use at times (the
		// in-flight budget holds less): then nothing may be kept.
		if len(inUse) > 0 && (inUseBytes > limit+limit/4 || r.IntN(3) == 0) {
			i := r.IntN(len(inUse))
			b := inUse[i]
			inUse[i] = inUse[len(inUse)-1]
			inUse = inUse[:len(inUse)-1]
			inUseBytes -= int64(cap(b))
			l.put(b)
		} else {
			n := r.Int64N(32 << 10)
			if r.IntN(10) == 0 {
				n = r.Int64N(4 << 20)
			}
			l.mu.Lock()
			_, capacity := class(n)
			var want *byte
			if c, _ := class(n); c < len(l.free) && len(l.free[c]) > 0 {
				want = base(l.free[c][len(l.free[c])-1])
			}
			l.mu.Unlock()
			b := l.get(n)
			if want != nil {
				if base(b) != want {
					t.Fatalf("step %d: get(%d) made a buffer while the list kept one of its class", step, n)
				}
				reused++
			}
			if int64(len(b)) != n || int64(cap(b)) != capacity {
				t.Fatalf("step %d: get(%d) = len %d cap %d", step, n, len(b), cap(b))
			}
			inUse = append(inUse, b)
			inUseBytes += int64(cap(b))
		}
		l.mu.Lock()
		kept, mapped := l.kept, l.mapped
		var sum int64
		for _, bs := range l.free {
			for _, b := range bs {
				sum += int64(cap(b))
			}
		}
		l.mu.Unlock()
		if kept != sum || mapped != kept+inUseBytes {
			t.Fatalf("step %d: books say %d kept, %d mapped; the list holds %d, %d are in use", step, kept, mapped, sum, inUseBytes)
		}
		if kept > 0 && mapped > limit {
			t.Fatalf("step %d: %d bytes kept while %d are handed out, over the limit of %d", step, kept, mapped, limit)
		}
	}
	if reused < 100 {
		t.Errorf("%d buffers reused in 5000 steps, want many", reused)
	}
}

// Giving a buffer back twice would let two messages share it: it is a
// broken invariant, and panics.
func TestBufferGivenBackTwicePanics(t *testing.T) {
	l := newBuffers(1 << 20)
	defer l.close()
	b := l.get(10_000)
	l.put(b)
	defer func() {
		if r := recover(); r == nil || fmt.Sprint(r) == "" {
			t.Fatalf("put of a kept buffer did not panic")
		}
	}()
	l.put(b)
}

// shortLiteral announces size bytes and ends early, as a cut connection.
type shortLiteral struct {
	io.Reader
	size int64
}

func (l shortLiteral) Size() int64 { return l.size }

// A buffer from the list holds an earlier message's bytes: a message whose
// literal ends early is an error, never a message of stale bytes.
func TestShortReadIntoAReusedBufferFails(t *testing.T) {
	opts := &Options{}
	opts.applyDefaults()
	b := newBudget(opts.InFlightBytes)
	defer b.bufs.close()
	old := b.bufs.get(10_000)
	copy(old, bytes.Repeat([]byte("stale "), 2000))
	b.bufs.put(old)
	f := &fetcher{opts: opts, budget: b}
	it := &item{uid: 1}
	err := f.readBody(it, shortLiteral{strings.NewReader(strings.Repeat("x", 6000)), 10_000}, nil)
	if err == nil || it.size != 0 {
		t.Fatalf("readBody of 6,000 of 10,000 bytes = %v, size %d; want an error and no message", err, it.size)
	}
	it.release(b)
}

// Messages larger than a piece, of every size up to the largest held in
// memory, are read into pieces that go round: once the list holds what
// the in-flight budget lets be in use, no message needs memory made new,
// however many pass. (Buffers of each message's own size, of a dozen
// classes, were made new for most of these messages.)
func TestLargeMessagesReuseThePieces(t *testing.T) {
	const budget = 16 << 20
	l := newBuffers(budget + budget/2)
	defer l.close()
	r := rand.New(rand.NewPCG(3, 4))
	var inUse [][][]byte
	var held int64
	for i := 0; i < 400; i++ {
		n := pieceBytes + 1 + r.Int64N(8<<20-pieceBytes)
		for held+bufferBytes(n) > budget {
			k := r.IntN(len(inUse))
			for _, p := range inUse[k] {
				held -= int64(cap(p))
			}
			l.putPieces(inUse[k])
			inUse[k] = inUse[len(inUse)-1]
			inUse = inUse[:len(inUse)-1]
		}
		ps := l.getPieces(n)
		var got, capacity int64
		for _, p := range ps {
			got += int64(len(p))
			capacity += int64(cap(p))
		}
		if got != n || capacity != bufferBytes(n) {
			t.Fatalf("getPieces(%d): %d bytes in buffers of %d, want %d in %d", n, got, capacity, n, bufferBytes(n))
		}
		held += capacity
		inUse = append(inUse, ps)
	}
	if most := int64(budget / pieceBytes); l.misses > most {
		t.Errorf("400 messages made %d buffers new, want at most %d (the budget's worth of pieces)", l.misses, most)
	}
}
