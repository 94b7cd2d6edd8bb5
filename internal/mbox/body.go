package mbox

import (
	"bytes"
	"io"
)

// The states of reading a body.
const (
	stLineStart = iota // at the start of a line
	stQuote            // after the first '>' of a line, which is held back; in a run of '>'
	stLine             // inside a line, after its start was dealt with
	stDone             // the entry has ended; bodyState.err says how
)

// bodyState is where the Reader is in the current entry's body.
//
// The newlines that end the entry are only known to be the last when the
// next line turns out to be "From " or the file ends, so up to strip
// newlines are held back in pending and given out once a line with other
// content follows. Of a line's run of '>', the first is held back until
// the byte after the run shows whether the line is >+From ; if it is, that
// '>' is the one removed.
type bodyState struct {
	state   int
	strip   int   // newlines that follow the message: 1, or 2 for NoFinalNewline
	pending int   // newlines read but not given out, at most strip
	oweNL   int   // newlines to give out before anything else
	oweGT   bool  // a '>' to give out before anything else (after oweNL)
	err     error // in stDone: io.EOF, ErrTruncated or the source's error
}

// body is an Entry's Body.
type body struct {
	r *Reader
	e *Entry
}

func (b *body) Read(p []byte) (int, error) {
	if b.r.cur != b.e {
		return 0, errStaleBody
	}
	return b.r.readBody(p, len(p))
}

// readBody gives out up to limit bytes of the body into p; with p nil it
// skips them.
func (r *Reader) readBody(p []byte, limit int) (int, error) {
	s := &r.bs
	n := 0
	for n < limit {
		if s.oweNL > 0 {
			m := min(s.oweNL, limit-n)
			if p != nil {
				for i := range m {
					p[n+i] = '\n'
				}
			}
			n += m
			s.oweNL -= m
			continue
		}
		if s.oweGT {
			if p != nil {
				p[n] = '>'
			}
			n++
			s.oweGT = false
			continue
		}
		switch s.state {
		case stDone:
			if n > 0 {
				return n, nil
			}
			return 0, s.err

		case stLineStart:
			r.ensure(len(fromBytes))
			b := r.buf[r.r:r.w]
			if len(b) == 0 {
				r.endEntry(true)
				continue
			}
			if bytes.HasPrefix(b, fromBytes) || r.srcErr == io.EOF && s.pending == s.strip && bytes.HasPrefix(fromBytes, b) {
				// The next separator line; or, after an entry that
				// has its final newline(s), the start of one cut by
				// the end of the file.
				r.endEntry(false)
				continue
			}
			if b[0] == '\n' {
				r.consume(1)
				if s.pending == s.strip {
					s.oweNL = 1
				} else {
					s.pending++
				}
				continue
			}
			s.oweNL, s.pending = s.pending, 0
			if b[0] == '>' {
				r.consume(1)
				s.state = stQuote
			} else {
				s.state = stLine
			}

		case stQuote:
			if r.r == r.w && !r.fill() {
				s.oweGT = true
				s.state = stLine
				continue
			}
			b := r.buf[r.r:r.w]
			if b[0] == '>' {
				i := 1
				for m := min(len(b), limit-n); i < m && b[i] == '>'; i++ {
				}
				if p != nil {
					copy(p[n:], b[:i])
				}
				n += i
				r.consume(i)
				continue
			}
			if !r.ensure(len(fromBytes)) || !bytes.HasPrefix(r.buf[r.r:r.w], fromBytes) {
				s.oweGT = true
			}
			s.state = stLine

		case stLine:
			if r.r == r.w && !r.fill() {
				r.endEntry(true)
				continue
			}
			b := r.buf[r.r:r.w]
			b = b[:min(len(b), limit-n)]
			j := bytes.IndexByte(b, '\n')
			if j < 0 {
				j = len(b)
			} else {
				s.pending = 1
				s.state = stLineStart
			}
			if p != nil {
				copy(p[n:], b[:j])
			}
			n += j
			if s.state == stLineStart {
				r.consume(j + 1)
			} else {
				r.consume(j)
			}
		}
	}
	return n, nil
}

// endEntry ends the current entry at r.off: at the next separator line,
// or where the data ran out (atEOF). The pending newlines are the entry's
// final ones and are dropped.
func (r *Reader) endEntry(atEOF bool) {
	s := &r.bs
	e := r.cur
	e.Length = r.off - e.Offset
	s.state = stDone
	switch {
	case !atEOF:
		// Fewer than strip newlines before a separator line can only
		// come from another writer; what there is is stripped.
		s.err = io.EOF
	case r.srcErr != io.EOF:
		s.err = r.srcErr
	case s.pending < s.strip:
		s.err = ErrTruncated
		e.Truncated = true
	default:
		s.err = io.EOF
	}
	s.pending = 0
}
