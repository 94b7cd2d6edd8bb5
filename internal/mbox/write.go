package mbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// bufferSize is the size of the buffer WriteMessage reads the message
// through, and of a Reader's buffer.
const bufferSize = 64 << 10

// scratch is what WriteMessage needs besides the message; pooled, so that
// writing a message allocates nothing.
type scratch struct {
	buf  []byte
	line [5 + MaxSenderBytes + 1 + len(asctime) + len(noFinalNewlineField) + 1]byte
	five [5]byte
}

var scratches = sync.Pool{New: func() any {
	return &scratch{buf: make([]byte, bufferSize)}
}}

var (
	quoteMark = []byte(">")
	newlines  = []byte("\n\n")
	fromBytes = []byte("From ")
)

// WriteMessage writes one mboxrd entry to w: the separator line, the
// message with every line matching ^>*From  given one more '>', and the
// final "\n". A non-empty message whose last byte is not '\n' gets
// " mailark-no-final-newline" at the end of its separator line and "\n\n"
// after it: one to end its last line, then the final one.
//
// msg holds the message in its first size bytes. It is read through a
// fixed-size buffer, so memory use does not grow with size; its last byte
// is read first. WriteMessage makes several Write calls on w, so a small
// message is best written through a bufio.Writer. It returns the number of
// bytes written to w; on an error the entry may be partly written.
func WriteMessage(w io.Writer, sep Separator, msg io.ReaderAt, size int64) (int64, error) {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	return writeMessage(w, sep, msg, size, sc)
}

// EntryLength returns the number of bytes WriteMessage would write for the
// message, without writing them. It reads the whole message.
func EntryLength(sep Separator, msg io.ReaderAt, size int64) (int64, error) {
	return WriteMessage(io.Discard, sep, msg, size)
}

func writeMessage(w io.Writer, sep Separator, msg io.ReaderAt, size int64, sc *scratch) (int64, error) {
	if size < 0 {
		return 0, fmt.Errorf("mbox: negative message size %d", size)
	}
	noFinalNewline := false
	if size > 0 {
		last := sc.five[:1]
		if err := readAtFull(msg, last, size-1); err != nil {
			return 0, fmt.Errorf("mbox: read last byte of message: %w", err)
		}
		noFinalNewline = last[0] != '\n'
	}
	cw := countWriter{w: w}
	if err := cw.write(sep.appendLine(sc.line[:0], noFinalNewline)); err != nil {
		return cw.n, err
	}
	if err := quote(&cw, msg, size, sc); err != nil {
		return cw.n, err
	}
	end := newlines[:1]
	if noFinalNewline {
		end = newlines
	}
	err := cw.write(end)
	return cw.n, err
}

// Memory is a message held in memory. WriteMessage reads it in place
// instead of copying it through its buffer.
type Memory []byte

// ReadAt implements io.ReaderAt.
func (m Memory) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("mbox: negative offset")
	}
	if off >= int64(len(m)) {
		return 0, io.EOF
	}
	n := copy(p, m[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Pieces is a message held in memory in pieces, one after the other.
// WriteMessage reads them in place, as it does Memory.
type Pieces [][]byte

// ReadAt implements io.ReaderAt.
func (ps Pieces) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("mbox: negative offset")
	}
	n := 0
	for _, b := range ps {
		if off >= int64(len(b)) {
			off -= int64(len(b))
			continue
		}
		k := copy(p[n:], b[off:])
		n += k
		off = 0
		if n == len(p) {
			return n, nil
		}
	}
	return n, io.EOF
}

// Size is the bytes of all pieces.
func (ps Pieces) Size() int64 {
	var n int64
	for _, b := range ps {
		n += int64(len(b))
	}
	return n
}

// quote writes the message, giving each line that matches ^>*From  one more
// '>'. Putting it in front of "From " rather than in front of the line is
// the same, as the '>'s before are all alike; so only the 5 bytes at the
// first non-'>' byte of each line are ever looked at, and a line may be
// longer than buf.
func quote(w *countWriter, msg io.ReaderAt, size int64, sc *scratch) error {
	if m, ok := msg.(Memory); ok && int64(len(m)) >= size {
		_, err := quoteChunk(w, m[:size], true, func(int) (bool, error) { return false, nil })
		return err
	}
	// next is the message's bytes from off on, as far as the buffer goes
	// (read into it) or, for Pieces, the piece (in place).
	next := func(off int64) ([]byte, error) {
		chunk := sc.buf
		if rem := size - off; rem < int64(len(chunk)) {
			chunk = chunk[:rem]
		}
		if err := readAtFull(msg, chunk, off); err != nil {
			return nil, fmt.Errorf("mbox: read message at %d: %w", off, err)
		}
		return chunk, nil
	}
	if ps, ok := msg.(Pieces); ok && ps.Size() >= size {
		i, start := 0, int64(0) // ps[i] starts at start
		next = func(off int64) ([]byte, error) {
			for off >= start+int64(len(ps[i])) {
				start += int64(len(ps[i]))
				i++
			}
			return ps[i][off-start : min(int64(len(ps[i])), size-start)], nil
		}
	}
	atLineStart := true // only '>' seen since the start of the line
	for off := int64(0); off < size; {
		chunk, err := next(off)
		if err != nil {
			return err
		}
		atLineStart, err = quoteChunk(w, chunk, atLineStart, func(i int) (bool, error) {
			return isFromAt(msg, size, chunk, i, off, sc.five[:])
		})
		if err != nil {
			return err
		}
		off += int64(len(chunk))
	}
	return nil
}

// quoteChunk writes one piece of the message, quoting as quote says.
// atLineStart tells whether the piece starts a line (or continues a run of
// '>' that does); it returns the same for the next piece. near decides a
// "From " that may run past the piece's end, given where its 'F' is.
//
// One IndexByte per line is as fast as it goes: searching for "\nF" and
// "\n>" instead costs two (bytes.Index anchors on the '\n').
func quoteChunk(w *countWriter, chunk []byte, atLineStart bool, near func(i int) (bool, error)) (bool, error) {
	done, i := 0, 0 // chunk[:done] is written; chunk[i] is the next byte to look at
	for i < len(chunk) {
		if atLineStart {
			for i < len(chunk) && chunk[i] == '>' {
				i++
			}
			if i == len(chunk) {
				break // the run of '>' goes on in the next piece, if any
			}
			atLineStart = false
			if chunk[i] == 'F' {
				from := false
				if len(chunk)-i >= len(fromBytes) {
					from = string(chunk[i:i+len(fromBytes)]) == "From "
				} else {
					var err error
					if from, err = near(i); err != nil {
						return false, err
					}
				}
				if from {
					if err := w.write(chunk[done:i]); err != nil {
						return false, err
					}
					if err := w.write(quoteMark); err != nil {
						return false, err
					}
					done = i
				}
			}
		}
		j := bytes.IndexByte(chunk[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		atLineStart = true
	}
	return atLineStart, w.write(chunk[done:])
}

// isFromAt reports whether "From " starts at chunk[i], less than five bytes
// from the chunk's end, reading on from msg into five. off is the chunk's
// offset in msg.
func isFromAt(msg io.ReaderAt, size int64, chunk []byte, i int, off int64, five []byte) (bool, error) {
	if !bytes.HasPrefix(fromBytes, chunk[i:]) {
		return false, nil
	}
	at := off + int64(i)
	if size-at < int64(len(fromBytes)) {
		return false, nil
	}
	if err := readAtFull(msg, five, at); err != nil {
		return false, fmt.Errorf("mbox: read message at %d: %w", at, err)
	}
	return bytes.Equal(five, fromBytes), nil
}

// readAtFull fills p from r at off. A message shorter than its size is
// io.ErrUnexpectedEOF.
func readAtFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	n, err := c.w.Write(p)
	if n < 0 || n > len(p) {
		n, err = 0, errors.New("mbox: writer returned an invalid count")
	}
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return err
}
