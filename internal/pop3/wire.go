package pop3

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ProtocolError is a server that broke the protocol: a line too long, a
// listing that does not fit the maildrop, a message longer than allowed.
// The session ends with it.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// ErrTooLarge is wrapped by the error of a message longer than
// MaxMessageBytes.
var ErrTooLarge = errors.New("message larger than allowed")

// readLine reads one line ending in CRLF (a bare LF is accepted too) and
// returns it without the line end. A line longer than max is a
// ProtocolError: memory stays bounded whatever the server sends.
func readLine(br *bufio.Reader, max int) (string, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max+2 {
			return "", &ProtocolError{fmt.Sprintf("the server sent a line longer than %d bytes", max)}
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
			return string(line), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}

// dotReader yields the body of a multi-line response (RFC 1939 section 3):
// a line beginning with "." has that dot removed ("..x" is ".x"), the line
// "." alone ends the body, and everything else, CRLF included, passes
// unchanged. Lines are those ending in CRLF; a bare CR or LF is content. A
// line beginning with one "." followed by anything but "." or CRLF (a
// server that forgot to stuff it) keeps its dot. It never buffers a line:
// a message of one endless line streams like any other.
type dotReader struct {
	br    *bufio.Reader
	state dotState
	out   []byte // bytes decided but not yet returned (at most 2)
	n     int64  // bytes returned
	max   int64  // more than this is ErrTooLarge
	err   error  // sticky
	done  func(error)
}

type dotState int

const (
	lineStart dotState = iota // after CRLF, or at the start
	midLine
	sawCR  // a CR inside a line
	sawDot // a "." at a line start
	dotCR  // ".\r" at a line start
	ended
)

func (r *dotReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n := 0
	for n < len(p) {
		if len(r.out) > 0 {
			c := copy(p[n:], r.out)
			r.out = r.out[c:]
			n += c
			continue
		}
		if r.state == ended {
			break
		}
		if r.state == midLine {
			// The fast path: copy up to the next CR.
			buf, err := r.peek()
			if err != nil {
				return r.fail(n, err)
			}
			i := bytes.IndexByte(buf, '\r')
			if i < 0 {
				i = len(buf)
			} else {
				i++ // the CR itself is content
				r.state = sawCR
			}
			if i > len(p)-n {
				i = len(p) - n
				r.state = midLine
			}
			copy(p[n:], buf[:i])
			_, _ = r.br.Discard(i)
			n += i
			continue
		}
		b, err := r.br.ReadByte()
		if err != nil {
			return r.fail(n, err)
		}
		switch r.state {
		case lineStart:
			if b == '.' {
				r.state = sawDot
				continue
			}
			r.state = midLine
			_ = r.br.UnreadByte()
		case sawCR:
			r.state = midLine
			if b == '\n' {
				r.state = lineStart
				p[n] = b
				n++
				continue
			}
			_ = r.br.UnreadByte()
		case sawDot:
			switch b {
			case '.':
				r.state = midLine
				p[n] = b
				n++
			case '\r':
				r.state = dotCR
			default:
				r.state = midLine
				p[n] = '.'
				n++
				_ = r.br.UnreadByte()
			}
		case dotCR:
			if b == '\n' {
				r.state = ended
				continue
			}
			r.state = sawCR
			r.out = append(r.out[:0], '.', '\r')
			_ = r.br.UnreadByte()
		}
	}
	r.n += int64(n)
	if r.n > r.max {
		return r.fail(0, &ProtocolError{fmt.Sprintf("%v: more than %d bytes", ErrTooLarge, r.max)})
	}
	if r.state == ended && len(r.out) == 0 {
		r.err = io.EOF
		r.done(nil)
		if n == 0 {
			return 0, io.EOF
		}
	}
	return n, nil
}

// peek returns what is buffered, reading more when nothing is.
func (r *dotReader) peek() ([]byte, error) {
	if r.br.Buffered() == 0 {
		if _, err := r.br.Peek(1); err != nil {
			return nil, err
		}
	}
	return r.br.Peek(r.br.Buffered())
}

func (r *dotReader) fail(n int, err error) (int, error) {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // the server hung up inside the body
	}
	r.err = err
	r.done(err)
	return n, err
}
