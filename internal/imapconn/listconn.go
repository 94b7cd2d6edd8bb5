package imapconn

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"

	"github.com/mailark/mailark/internal/mailerr"
)

// Limits on folder listings: go-imap keeps a whole LIST answer in memory.
const (
	// MaxFolders bounds the folders one LIST answer may name.
	MaxFolders = 100_000
	// MaxListBytes bounds the bytes of LIST and STATUS responses to one
	// command of ours.
	MaxListBytes = 16 << 20
	// maxListResponse bounds one LIST or STATUS response, literals
	// included; real folder names are a few hundred bytes at most.
	maxListResponse = 16 << 10
)

// listConn sits between limitConn and go-imap. It passes everything
// through, except untagged LIST and STATUS responses: those it reads
// whole, checks, and hands on in a form go-imap cannot fail on (see
// names.go). On the way out it puts the server's bytes back in place of
// an alias. It also refuses a LIST answer past MaxFolders or MaxListBytes.
type listConn struct {
	*limitConn
	br    *bufio.Reader
	names names

	// reading
	out     []byte // rewritten bytes not yet read
	headBuf [16]byte
	lineMid bool   // inside a passed-through line
	literal int64  // bytes of a passed-through literal still to come
	tail    []byte // the end of the current line, to find "{N}"
	folders int    // LIST responses since our last command
	bytes   int64  // and their bytes

	// writing
	wline    []byte // a command line not yet complete
	wliteral int64  // bytes of our own literal still to pass
}

func newListConn(c *limitConn) *listConn {
	return &listConn{limitConn: c, br: bufio.NewReaderSize(readerOnly{c}, 16<<10), tail: make([]byte, 0, 128)}
}

// readerOnly hides limitConn's other methods from bufio.
type readerOnly struct{ c *limitConn }

func (r readerOnly) Read(p []byte) (int, error) { return r.c.Read(p) }

var listHeads = [][]byte{[]byte("* LIST "), []byte("* STATUS ")}

func (c *listConn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		switch {
		case c.literal > 0:
			n, err := c.br.Read(p[:min(int64(len(p)), c.literal)])
			c.literal -= int64(n)
			return n, err
		case c.lineMid:
			return c.passLine(p)
		}
		head, full, err := c.readHead()
		if err != nil && len(head) == 0 {
			return 0, err
		}
		if full >= 0 {
			resp, err := c.readResponse(append([]byte(nil), head...))
			if err != nil {
				return 0, err
			}
			if full == 0 {
				c.out = c.rewriteList(resp)
			} else {
				c.out = c.rewriteStatus(resp)
			}
			continue
		}
		c.out = head
		c.lineMid = true
		c.addTail(head)
		if head[len(head)-1] == '\n' {
			c.endLine()
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// readHead reads the start of a response until it matches a head of
// listHeads (full is its index) or cannot (full is -1).
func (c *listConn) readHead() (head []byte, full int, err error) {
	head = c.headBuf[:0]
	for {
		b, err := c.br.ReadByte()
		if err != nil {
			return head, -1, err
		}
		head = append(head, b)
		maybe := false
		for i, h := range listHeads {
			if len(head) <= len(h) && bytes.EqualFold(head, h[:len(head)]) {
				if len(head) == len(h) {
					return head, i, nil
				}
				maybe = true
			}
		}
		if !maybe || b == '\n' {
			return head, -1, nil
		}
	}
}

// passLine hands over buffered bytes up to the end of the line.
func (c *listConn) passLine(p []byte) (int, error) {
	if c.br.Buffered() == 0 {
		if _, err := c.br.Peek(1); err != nil {
			return 0, err
		}
	}
	buf, _ := c.br.Peek(c.br.Buffered())
	end := len(buf)
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		end = i + 1
	}
	n := copy(p, buf[:end])
	c.br.Discard(n)
	c.addTail(p[:n])
	if p[n-1] == '\n' {
		c.endLine()
	}
	return n, nil
}

func (c *listConn) endLine() {
	if size, _, ok := literalAtEnd(c.tail); ok {
		c.literal = size
	} else {
		c.lineMid = false
	}
	c.tail = c.tail[:0]
}

func (c *listConn) addTail(b []byte) { c.tail = keepTail(c.tail, b) }

// readResponse reads the rest of a LIST or STATUS response, its literals
// included, within maxListResponse and the listing's bounds.
func (c *listConn) readResponse(head []byte) ([]byte, error) {
	resp := head
	for {
		line, err := c.br.ReadSlice('\n')
		resp = append(resp, line...)
		if len(resp) > maxListResponse {
			return nil, c.refuse(fmt.Errorf("the server sent a folder listing line longer than %d bytes", maxListResponse))
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return nil, err
		}
		size, _, ok := literalAtEnd(resp[max(0, len(resp)-32):])
		if !ok {
			break
		}
		if int64(len(resp))+size > maxListResponse {
			return nil, c.refuse(fmt.Errorf("the server sent a folder name longer than %d bytes", maxListResponse))
		}
		lit := make([]byte, size)
		if _, err := io.ReadFull(c.br, lit); err != nil {
			return nil, err
		}
		resp = append(resp, lit...)
	}
	c.bytes += int64(len(resp))
	if bytes.EqualFold(head, listHeads[0]) {
		c.folders++
	}
	switch {
	case c.folders > MaxFolders:
		return nil, c.refuse(fmt.Errorf("the server listed more than %d folders; Mailark does not back up an account that large", MaxFolders))
	case c.bytes > MaxListBytes:
		return nil, c.refuse(fmt.Errorf("the server's folder list is larger than %d bytes; Mailark does not back up an account that large", MaxListBytes))
	}
	return resp, nil
}

// refuse ends the connection for a limit the server broke.
func (c *listConn) refuse(err error) error {
	if c.violation == nil {
		c.violation = mailerr.New(mailerr.ServerError, "list folders", "", err)
	}
	c.Conn.Close()
	return c.violation
}

// Write passes our commands on, line by line, with the server's bytes in
// place of aliases; our literals (a message we append) pass untouched.
func (c *listConn) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if c.wliteral > 0 {
			k := min(c.wliteral, int64(len(p)))
			if _, err := c.limitConn.Write(p[:k]); err != nil {
				return 0, err
			}
			c.wliteral -= k
			p = p[k:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.wline = append(c.wline, p...)
			break
		}
		line := append(c.wline, p[:i+1]...)
		c.wline = c.wline[:0]
		p = p[i+1:]
		if size, _, ok := literalAtEnd(line); ok {
			c.wliteral = size
		}
		c.folders, c.bytes = 0, 0
		if _, err := c.limitConn.Write(c.names.substitute(line)); err != nil {
			return 0, err
		}
	}
	return total, nil
}

var _ net.Conn = (*listConn)(nil)
