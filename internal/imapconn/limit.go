package imapconn

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/mailark/mailark/internal/mailerr"
)

// Limits on what a server may send, so that a broken or hostile server
// cannot make Mailark exhaust memory. go-imap reads a response line, and
// any literal that is not a message body, into memory whole.
const (
	// MaxLineBytes bounds a SEARCH, ESEARCH, SORT or THREAD response line,
	// literals excluded. A UID SEARCH answer for two million messages fits.
	MaxLineBytes = 16 << 20
	// MaxShortLineBytes bounds every other response line, literals
	// excluded: FLAGS, PERMANENTFLAGS, a FETCH of flags, CAPABILITY. go-imap
	// turns such a line into many small strings, tens of times its size.
	MaxShortLineBytes = 1 << 20
	// MaxSmallLiteral bounds a literal that is not a body section (a folder
	// name, an address): go-imap holds those in memory.
	MaxSmallLiteral = 1 << 20
	// MaxBodyLiteral bounds a body section literal; bodies are streamed,
	// and the engine applies its own, lower, per-message limit.
	MaxBodyLiteral = 1 << 40
	// MaxTextPerCommand bounds the response text (literals excluded) the
	// server may send between two commands of ours: an endless flood of
	// short lines would otherwise keep a command from ever completing.
	MaxTextPerCommand = 64 << 20
)

// limitConn follows the server's byte stream just enough to know where
// lines and literals are, and cuts the connection when a line is longer
// than MaxLineBytes or a literal larger than its kind allows.
type limitConn struct {
	net.Conn
	lineLen   int64
	text      atomic.Int64 // response text since our last write
	literal   int64        // bytes of a literal still to pass
	tail      []byte       // the end of the current line, to find "{N}" markers
	head      [24]byte     // the start of the current line, to know its kind
	headLen   int
	violation error
	bye       atomic.Value // string: the server's last BYE line, for ByeText
}

func newLimitConn(c net.Conn) *limitConn { return &limitConn{Conn: c, tail: make([]byte, 0, 128)} }

func (c *limitConn) Read(p []byte) (int, error) {
	if c.violation != nil {
		return 0, c.violation
	}
	n, err := c.Conn.Read(p)
	if verr := c.scan(p[:n]); verr != nil {
		c.violation = verr
		c.Conn.Close()
		// Hand over what was read; the next read reports the violation.
	}
	return n, err
}

// Write sends a command (or a literal of ours): the server may answer it.
func (c *limitConn) Write(p []byte) (int, error) {
	c.text.Store(0)
	return c.Conn.Write(p)
}

func (c *limitConn) scan(b []byte) error {
	for len(b) > 0 {
		if c.literal > 0 {
			k := min(c.literal, int64(len(b)))
			c.literal -= k
			b = b[k:]
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if c.headLen < len(c.head) {
			end := len(b)
			if i >= 0 {
				end = i + 1
			}
			c.headLen += copy(c.head[c.headLen:], b[:end])
		}
		if n := int64(len(b)); i >= 0 {
			n = int64(i + 1)
			c.text.Add(n)
		} else {
			c.text.Add(n)
		}
		if c.text.Load() > MaxTextPerCommand {
			return c.fail(fmt.Errorf("the server sent more than %d bytes of responses without being asked anything", MaxTextPerCommand))
		}
		if i < 0 {
			c.addTail(b)
			c.lineLen += int64(len(b))
			return c.checkLine()
		}
		c.addTail(b[:i+1])
		c.lineLen += int64(i + 1)
		if err := c.checkLine(); err != nil {
			return err
		}
		if isBye(c.head[:c.headLen]) {
			c.bye.Store(byeText(c.head[:c.headLen], c.tail, c.lineLen))
		}
		if size, body, ok := literalAtEnd(c.tail); ok {
			limit := int64(MaxSmallLiteral)
			if body {
				limit = MaxBodyLiteral
			}
			if size > limit {
				return c.fail(fmt.Errorf("the server announced a %d-byte literal, more than the %d allowed here", size, limit))
			}
			c.literal = size
		}
		c.lineLen = 0
		c.headLen = 0
		c.tail = c.tail[:0]
		b = b[i+1:]
	}
	return nil
}

// checkLine applies the line bound of the current line's kind.
func (c *limitConn) checkLine() error {
	if c.lineLen <= MaxShortLineBytes {
		return nil
	}
	kind := lineKind(c.head[:c.headLen])
	switch kind {
	case "SEARCH", "ESEARCH", "SORT", "THREAD":
		if c.lineLen <= MaxLineBytes {
			return nil
		}
		return c.fail(fmt.Errorf("the server sent a %s response longer than %d bytes", kind, MaxLineBytes))
	case "":
		return c.fail(fmt.Errorf("the server sent a response line longer than %d bytes", MaxShortLineBytes))
	}
	return c.fail(fmt.Errorf("the server sent a %s response longer than %d bytes; Mailark refuses it", kind, MaxShortLineBytes))
}

// lineKind is the kind of an untagged response from its first bytes:
// "FLAGS", "FETCH", "SEARCH", the code of "* OK [PERMANENTFLAGS ...", or
// "" when unknown.
func lineKind(head []byte) string {
	f := strings.Fields(strings.ToUpper(string(head)))
	if len(f) < 2 || f[0] != "*" {
		return ""
	}
	w := f[1]
	if w[0] >= '0' && w[0] <= '9' && len(f) > 2 {
		w = f[2]
	}
	if (w == "OK" || w == "NO") && len(f) > 2 && strings.HasPrefix(f[2], "[") {
		w = strings.TrimPrefix(f[2], "[")
	}
	if len(f) == 2 && len(head) >= 24 {
		// The word may be cut: keep only what is certain.
		return ""
	}
	return w
}

func (c *limitConn) fail(err error) error {
	return mailerr.New(mailerr.ServerError, "read response", "", err)
}

// violationFor names the host in the violation.
func (c *limitConn) violationFor(host string) error {
	e := *mailerr.As(c.violation)
	e.Subject = host
	return &e
}

// addTail keeps the last bytes of the current line.
func (c *limitConn) addTail(b []byte) { c.tail = keepTail(c.tail, b) }

// keepTail appends b to tail, keeping only the last cap(tail) bytes, in
// tail's own array.
func keepTail(tail, b []byte) []byte {
	if len(b) >= cap(tail) {
		return append(tail[:0], b[len(b)-cap(tail):]...)
	}
	if over := len(tail) + len(b) - cap(tail); over > 0 {
		tail = append(tail[:0], tail[over:]...)
	}
	return append(tail, b...)
}

// literalAtEnd finds a literal marker "{N}" or "~{N}" (or "{N+}") at the end
// of a line that ends in CRLF or LF, and tells whether it follows a body
// section ("BODY[...]" or "BINARY[...]" with an optional "<origin>").
func literalAtEnd(line []byte) (size int64, body, ok bool) {
	l := bytes.TrimRight(line, "\r\n")
	if len(l) < 3 || l[len(l)-1] != '}' {
		return 0, false, false
	}
	open := bytes.LastIndexByte(l, '{')
	if open < 0 {
		return 0, false, false
	}
	digits := bytes.TrimSuffix(l[open+1:len(l)-1], []byte("+"))
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil || n < 0 {
		return 0, false, false
	}
	before := bytes.TrimSuffix(bytes.TrimRight(l[:open], " "), []byte("~"))
	before = bytes.TrimRight(before, " ")
	if k := len(before); k > 0 && before[k-1] == '>' {
		if lt := bytes.LastIndexByte(before, '<'); lt >= 0 {
			before = before[:lt]
		}
	}
	if k := len(before); k > 0 && before[k-1] == ']' {
		if lb := bytes.LastIndexByte(before, '['); lb >= 0 {
			word := bytes.ToUpper(before[max(0, lb-6):lb])
			body = bytes.HasSuffix(word, []byte("BODY")) || bytes.HasSuffix(word, []byte("BINARY")) || bytes.HasSuffix(word, []byte("RFC822"))
		}
	} else if bytes.HasSuffix(bytes.ToUpper(before), []byte("RFC822")) || bytes.HasSuffix(bytes.ToUpper(before), []byte("RFC822.TEXT")) {
		body = true
	}
	return n, body, true
}
