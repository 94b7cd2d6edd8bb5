package mbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

var (
	// ErrNotMbox is returned (wrapped, with the first bytes of the file)
	// by Next when the file does not start with a "From " line.
	ErrNotMbox = errors.New("mbox: not an mbox file")
	// ErrTruncated is returned by the Body of an entry cut short by the
	// end of the file: its separator line or its final newline(s) are
	// missing. The Body has given every byte found before it.
	ErrTruncated = errors.New("mbox: entry truncated at end of file")

	errStaleBody   = errors.New("mbox: Body read after Next")
	errInvalidRead = errors.New("mbox: reader returned an invalid count")
)

const (
	minBufferSize = 16
	// sepHeadMax is how much of a separator line is kept whole; of a
	// longer one (only from another writer, or garbage) the first
	// sepHeadMax bytes give the sender and the last sepTailMax the date.
	sepHeadMax = 1024
	sepTailMax = 64
	// maxEmptyReads is how many (0, nil) reads in a row are taken before
	// giving up with io.ErrNoProgress, as in bufio.
	maxEmptyReads = 100
)

// Entry is one message of an mbox file.
type Entry struct {
	Sender string    // as on the separator line
	Time   time.Time // the separator line's date, in UTC; zero if it cannot be parsed
	Offset int64     // offset of the separator line in the file

	// Length is the number of bytes of the whole entry in the file: the
	// separator line, the quoted message and the final newline(s). It
	// is set once Body has been read to its end, or by the next call to
	// Next.
	Length int64

	// NoFinalNewline is true when the separator line ends with
	// " mailark-no-final-newline": two newlines, not one, follow the
	// message.
	NoFinalNewline bool

	// Truncated is true when the file ended inside the entry (see
	// ErrTruncated). Like Length it is set once Body has been read to its
	// end, or by the next call to Next.
	Truncated bool

	// Body gives the message: the bytes between the separator line and
	// the next one (or the end of the file), with one '>' removed from
	// each line matching ^>+From  and the final newline(s) removed. For
	// an entry that WriteMessage wrote these are exactly its message
	// bytes. Body streams from the file and is valid until the next call
	// to Next.
	Body io.Reader
}

// Reader reads the entries of an mboxrd file in order. It reads its
// source through one fixed-size buffer, so memory use does not depend on
// the size of messages or lines.
type Reader struct {
	src    io.Reader
	buf    []byte
	r, w   int   // buf[r:w] is read from src but not yet used
	off    int64 // file offset of buf[r]
	srcErr error // the error that ended src (io.EOF at the end); seen once buf is used up
	err    error // sticky error of Next

	cur *Entry // the entry whose Body is being read
	bs  bodyState

	sepHead []byte
	sepTail []byte
}

// NewReader returns a Reader that reads an mbox file from r.
func NewReader(r io.Reader) *Reader {
	return newReaderSize(r, bufferSize)
}

func newReaderSize(r io.Reader, size int) *Reader {
	size = max(size, minBufferSize)
	return &Reader{src: r, buf: make([]byte, size)}
}

// Next advances to the next entry and returns it. It returns io.EOF after
// the last entry, and for an empty file. A file that does not start with
// "From " gives an error that wraps ErrNotMbox and shows the file's first
// bytes. The Body of the previous entry need not be read: Next skips what
// is left of it.
//
// A file that ends inside an entry, even inside the "From " of its
// separator line, ends with that entry marked Truncated, whose Body gives
// what there is and then ErrTruncated; Next then returns io.EOF. An error
// from the source is returned by Body and by every later call to Next.
func (r *Reader) Next() (*Entry, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.cur != nil {
		if r.bs.state != stDone {
			r.readBody(nil, int(^uint(0)>>1))
		}
		r.cur = nil
		if r.bs.err != io.EOF && r.bs.err != ErrTruncated {
			r.err = r.bs.err
			return nil, r.err
		}
	}
	if !r.ensure(len(fromBytes)) && r.r == r.w {
		r.err = r.srcErr
		return nil, r.err
	}
	if b := r.buf[r.r:r.w]; !bytes.HasPrefix(b, fromBytes) && !(r.srcErr == io.EOF && bytes.HasPrefix(fromBytes, b)) {
		if r.srcErr != nil && r.srcErr != io.EOF {
			r.err = r.srcErr
		} else {
			start := r.buf[r.r:min(r.w, r.r+32)]
			r.err = fmt.Errorf("%w: it starts with %q, not with \"From \"", ErrNotMbox, start)
		}
		return nil, r.err
	}
	e := &Entry{Offset: r.off}
	e.Body = &body{r: r, e: e}
	r.cur = e
	head, tail, long, complete := r.readSeparatorLine()
	e.Sender, e.Time, e.NoFinalNewline = parseSeparator(head, tail, long)
	r.bs = bodyState{state: stLineStart, strip: 1}
	if e.NoFinalNewline {
		r.bs.strip = 2
	}
	if !complete {
		r.endEntry(true)
	}
	return e, nil
}

// readSeparatorLine consumes the line at r.off up to and including its
// '\n'. It returns the line without the '\n' in head, or for a line longer
// than sepHeadMax its start in head and its end in tail. complete is false
// when the data ended before a '\n'.
func (r *Reader) readSeparatorLine() (head, tail []byte, long, complete bool) {
	if r.sepHead == nil {
		r.sepHead = make([]byte, 0, sepHeadMax)
		r.sepTail = make([]byte, 0, 2*sepTailMax)
	}
	head, tail = r.sepHead[:0], r.sepTail[:0]
	for {
		if r.r == r.w && !r.fill() {
			return head, tail, long, false
		}
		b := r.buf[r.r:r.w]
		j := bytes.IndexByte(b, '\n')
		seg := b
		if j >= 0 {
			seg = b[:j]
		}
		if room := sepHeadMax - len(head); len(seg) <= room && !long {
			head = append(head, seg...)
		} else {
			if !long {
				head = append(head, seg[:room]...)
				long = true
			}
		}
		tail = appendTail(tail, seg)
		if j >= 0 {
			r.consume(j + 1)
			return head, tail, long, true
		}
		r.consume(len(b))
	}
}

// appendTail appends seg to tail, keeping only the last sepTailMax bytes.
func appendTail(tail, seg []byte) []byte {
	if len(seg) >= sepTailMax {
		return append(tail[:0], seg[len(seg)-sepTailMax:]...)
	}
	tail = append(tail, seg...)
	if len(tail) > sepTailMax {
		n := copy(tail, tail[len(tail)-sepTailMax:])
		tail = tail[:n]
	}
	return tail
}

// fill reads more from src into buf, keeping buf[r:w]. It reports whether
// it got any data; when it did not, r.srcErr says why.
func (r *Reader) fill() bool {
	if r.srcErr != nil {
		return false
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if r.w == len(r.buf) {
		panic("mbox: fill with a full buffer") // our own invariant: callers need at most 5 bytes
	}
	for range maxEmptyReads {
		n, err := r.src.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			r.srcErr = errInvalidRead
			return false
		}
		r.w += n
		if err != nil {
			r.srcErr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.srcErr = io.ErrNoProgress
	return false
}

// ensure tries to have at least n bytes (n <= len(buf)) in buf[r:w], and
// reports whether it has.
func (r *Reader) ensure(n int) bool {
	for r.w-r.r < n {
		if !r.fill() {
			return false
		}
	}
	return true
}

func (r *Reader) consume(n int) {
	r.r += n
	r.off += int64(n)
}
