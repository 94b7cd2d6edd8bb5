package mailstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Reading mbox files written by other programs (the mbox format, and
// Thunderbird's folders, which are mbox files).
//
// Variants are told apart by content, message by message:
//
//   - mboxcl2: the header has a Content-Length that ends the body exactly
//     at the blank line before the next "From " line (or at the end of the
//     file). The message is those bytes, with nothing unquoted: a body
//     line "From …" in such a message does not start a new one.
//   - mboxo and mboxrd: otherwise. A message runs to the next separator
//     line, and one '>' is removed from each line matching ^>+From  (the
//     mboxrd rule; it is also mboxo's for ">From ", and mboxo writers
//     leave ">>From " lines as they were, so the two differ only for a
//     line that already began ">>From " in the original, which mboxrd
//     gives back one '>' shorter).
//
// A separator line is a line starting with "From " that carries a time
// (hh:mm) and a year, as every mbox writer puts there; a "From " line
// without them is part of the message. The blank line that writers put
// between a message and the next separator line is not part of the
// message; a message not followed by one is kept whole. A separator line
// ending in " mailark-no-final-newline" (Mailark's own mboxrd) takes two
// newlines away.
//
// The file is read once through a fixed buffer to find each message, and
// each message is then read again from the file when it is opened: memory
// does not depend on the size of the file, of a message or of a line.

var fromLine = []byte("From ")

// mboxMsg is one message found in an mbox file.
type mboxMsg struct {
	sepOff     int64 // offset of the separator line
	start, end int64 // the message's bytes in the file, before unquoting
	unquote    bool  // mboxo/mboxrd: remove one '>' from ^>+From  lines
	sender     string
	sepTime    time.Time
	hdr        headerInfo
	noFinal    bool
	crlf       bool // the separator line ends with CRLF (a Windows writer)
}

// date is when the message arrived: the separator line's date, else its
// Date header.
func (m *mboxMsg) date() time.Time {
	if !m.sepTime.IsZero() {
		return m.sepTime
	}
	return headerDate(m.hdr.date)
}

// open returns the message's bytes from w's file.
func (m *mboxMsg) open(w *watched) io.ReadCloser {
	var r io.Reader = io.NewSectionReader(w.f, m.start, m.end-m.start)
	if m.unquote {
		r = &unquoter{br: bufio.NewReaderSize(r, 64<<10), bol: true}
	}
	return &checkedReader{r: r, w: w}
}

// errNotMbox is returned for a file that does not start with "From ".
var errNotMbox = errors.New("not an mbox file (it does not start with \"From \")")

const scanBuffer = 64 << 10

// scanMbox calls fn for each message of the file, in order. It reads no
// further than the size the file had when it was opened; ErrChanged when
// the file changed meanwhile.
func scanMbox(ctx context.Context, w *watched, fn func(*mboxMsg) error) error {
	size := w.st.size
	if size == 0 {
		return nil
	}
	s := &mboxScan{w: w, size: size}
	s.seek(0)
	line, full, err := s.line()
	if err != nil && err != io.EOF {
		return err
	}
	if !bytes.HasPrefix(line, fromLine) {
		return errNotMbox
	}
	cur := s.newMsg(0, line, full)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		lineOff, bol := s.off, s.bol
		line, full, err := s.line()
		if err != nil && err != io.EOF {
			return err
		}
		s.bol = full
		if len(line) == 0 {
			break
		}
		if bol && bytes.HasPrefix(line, fromLine) && looksLikeSeparator(line) {
			cur.end = s.trimEnd(cur, lineOff)
			if ferr := fn(cur); ferr != nil {
				return ferr
			}
			cur = s.newMsg(lineOff, line, full)
			continue
		}
		if s.inHdr && bol {
			t := bytes.TrimRight(line, "\r\n")
			if len(t) == 0 && full {
				s.inHdr = false
				if end, next, ok := s.contentLength(cur, s.off); ok {
					cur.end, cur.unquote = end, false
					if ferr := fn(cur); ferr != nil {
						return ferr
					}
					if next >= size {
						cur = nil
						break
					}
					s.seek(next)
					line, full, err := s.line()
					if err != nil && err != io.EOF {
						return err
					}
					cur = s.newMsg(next, line, full)
					continue
				}
			} else if full && s.off-cur.start < maxHeaderScan {
				cur.hdr.field(t)
			}
		}
		if err == io.EOF {
			break
		}
	}
	if cur != nil {
		cur.end = s.trimEnd(cur, s.off)
		if err := fn(cur); err != nil {
			return err
		}
	}
	if w.changed() {
		return ErrChanged
	}
	return nil
}

type mboxScan struct {
	w     *watched
	size  int64
	br    *bufio.Reader
	off   int64 // offset of the next byte br gives
	bol   bool  // the next byte starts a line
	inHdr bool
}

func (s *mboxScan) seek(off int64) {
	r := io.NewSectionReader(s.w.f, off, s.size-off)
	if s.br == nil {
		s.br = bufio.NewReaderSize(r, scanBuffer)
	} else {
		s.br.Reset(r)
	}
	s.off, s.bol = off, true
}

// line returns the next line (or the first scanBuffer bytes of a longer
// one: full is false then, and the rest comes in the next calls).
func (s *mboxScan) line() (line []byte, full bool, err error) {
	line, err = s.br.ReadSlice('\n')
	s.off += int64(len(line))
	switch {
	case err == nil:
		return line, true, nil
	case errors.Is(err, bufio.ErrBufferFull):
		return line, false, nil
	}
	return line, false, err
}

func (s *mboxScan) newMsg(off int64, sep []byte, full bool) *mboxMsg {
	m := &mboxMsg{sepOff: off, start: s.off, unquote: true}
	m.sender, m.sepTime, m.noFinal = parseSeparatorLine(sep)
	m.crlf = bytes.HasSuffix(sep, []byte("\r\n"))
	if !full {
		// A separator line longer than the buffer: skip its rest.
		for {
			_, f, err := s.line()
			if f || err != nil {
				break
			}
		}
		m.start = s.off
	}
	s.inHdr, s.bol = true, true
	return m
}

// trimEnd returns where the message that runs up to off ends: without the
// blank line writers put before the next separator (two newlines for a
// Mailark entry marked no-final-newline).
func (s *mboxScan) trimEnd(m *mboxMsg, off int64) int64 {
	n := min(off-m.start, 4)
	tail := make([]byte, n)
	if _, err := s.w.f.ReadAt(tail, off-n); err != nil {
		return off
	}
	switch {
	case m.noFinal && bytes.HasSuffix(tail, []byte("\n\n")):
		return off - 2
	case m.crlf && bytes.HasSuffix(tail, []byte("\r\n\r\n")):
		return off - 2
	case bytes.HasSuffix(tail, []byte("\n\n")):
		return off - 1
	case n == 1 && tail[0] == '\n', n == 2 && string(tail) == "\r\n":
		return m.start // the empty message
	}
	return off
}

// contentLength checks the message's Content-Length against the file: it
// must end the body at the end of the file, or at a newline followed by
// the next separator line. It returns the end of the message and where
// the next separator line starts.
func (s *mboxScan) contentLength(m *mboxMsg, bodyStart int64) (end, next int64, ok bool) {
	v := strings.TrimSpace(m.hdr.contentLength)
	if v == "" {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > s.size-bodyStart {
		return 0, 0, false
	}
	p := bodyStart + n
	if p == s.size {
		return p, p, true
	}
	buf := make([]byte, 2+len(fromLine))
	k, _ := s.w.f.ReadAt(buf, p)
	buf = buf[:k]
	for _, nl := range []string{"\n", "\r\n"} {
		rest, found := bytes.CutPrefix(buf, []byte(nl))
		if !found {
			continue
		}
		if p+int64(len(nl)) == s.size || bytes.HasPrefix(rest, fromLine) {
			return p, p + int64(len(nl)), true
		}
	}
	return 0, 0, false
}

// looksLikeSeparator reports whether a "From " line carries a time and a
// year, as separator lines do.
func looksLikeSeparator(line []byte) bool {
	if len(line) > 1024 {
		line = line[:1024]
	}
	hasTime, hasYear := false, false
	for i := 0; i+4 < len(line); i++ {
		if isDigit(line[i]) && isDigit(line[i+1]) && line[i+2] == ':' && isDigit(line[i+3]) && isDigit(line[i+4]) {
			hasTime = true
			break
		}
	}
	for i := 0; i+3 < len(line); i++ {
		if (i == 0 || !isDigit(line[i-1])) && isDigit(line[i]) && isDigit(line[i+1]) && isDigit(line[i+2]) &&
			isDigit(line[i+3]) && (i+4 == len(line) || !isDigit(line[i+4])) {
			y := (line[i]-'0')*10 + line[i+1] - '0'
			if y == 19 || y == 20 {
				hasYear = true
				break
			}
		}
	}
	return hasTime && hasYear
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseSeparatorLine returns the sender and date of a separator line.
func parseSeparatorLine(line []byte) (sender string, t time.Time, noFinal bool) {
	s := strings.TrimRight(string(line[:min(len(line), 1024)]), "\r\n")
	noFinal = strings.HasSuffix(s, " mailark-no-final-newline")
	s = strings.TrimSuffix(s, " mailark-no-final-newline")
	f := strings.Fields(strings.TrimPrefix(s, "From "))
	if len(f) == 0 {
		return "", time.Time{}, noFinal
	}
	sender = f[0]
	if sender == "-" || sender == "MAILER-DAEMON" {
		sender = ""
	}
	rest := strings.Join(f[1:], " ")
	for _, layout := range []string{"Mon Jan 2 15:04:05 2006", "Mon Jan 2 15:04:05 MST 2006",
		"Mon Jan 2 15:04:05 -0700 2006", "Mon Jan 2 15:04 2006", "Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon Jan 2 15:04:05 2006 -0700"} {
		if d, err := time.Parse(layout, rest); err == nil {
			return sender, d.UTC(), noFinal
		}
	}
	return sender, time.Time{}, noFinal
}

// unquoter removes one '>' from each line matching ^>+From .
type unquoter struct {
	br      *bufio.Reader
	bol     bool
	pending []byte
	err     error
}

func (u *unquoter) Read(p []byte) (int, error) {
	if len(u.pending) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		if u.bol && u.quotedFrom() {
			u.br.Discard(1)
		}
		line, err := u.br.ReadSlice('\n')
		u.bol = err == nil
		if errors.Is(err, bufio.ErrBufferFull) {
			err = nil
		}
		u.pending, u.err = line, err
		if len(line) == 0 {
			return 0, err
		}
	}
	n := copy(p, u.pending)
	u.pending = u.pending[n:]
	return n, nil
}

// quotedFrom reports whether the next line matches ^>+From .
func (u *unquoter) quotedFrom() bool {
	for _, n := range []int{64, 4096, u.br.Size()} {
		b, _ := u.br.Peek(n)
		i := 0
		for i < len(b) && b[i] == '>' {
			i++
		}
		if i == 0 {
			return false
		}
		if i+len(fromLine) <= len(b) {
			return bytes.HasPrefix(b[i:], fromLine)
		}
		if len(b) < n {
			return false // the message ends first
		}
	}
	return false
}

// mboxFolderMessages reads one mbox file as a folder: every message with
// its flags from the status headers.
func mboxFolderMessages(ctx context.Context, path, origin string, fn func(*Message) error) error {
	w, err := openWatched(path)
	if err != nil {
		return err
	}
	defer w.Close()
	return scanMbox(ctx, w, func(m *mboxMsg) error {
		msg := &Message{
			Origin: fmt.Sprintf("%s@%d", origin, m.sepOff),
			Flags:  m.hdr.flags(),
			Date:   m.date(),
			Sender: m.sender,
		}
		opened := false
		msg.Open = func() (io.ReadCloser, error) {
			if opened {
				return nil, errors.New("mailstore: message opened twice")
			}
			opened = true
			return m.open(w), nil
		}
		return fn(msg)
	})
}
