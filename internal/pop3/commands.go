package pop3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Stat is the maildrop's message count and size in bytes (STAT).
func (c *Client) Stat() (count int, sizeBytes int64, err error) {
	resp, err := c.cmd("STAT", "")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(resp)
	if len(f) < 2 {
		return 0, 0, c.broken(&ProtocolError{fmt.Sprintf("STAT answer %.60q has no count and size", resp)})
	}
	count, err1 := strconv.Atoi(f[0])
	sizeBytes, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || count < 0 || sizeBytes < 0 {
		return 0, 0, c.broken(&ProtocolError{fmt.Sprintf("STAT answer %.60q is not a count and a size", resp)})
	}
	if count > c.cfg.MaxMessages {
		return 0, 0, c.broken(&ProtocolError{fmt.Sprintf("the server says the mailbox holds %d messages, more than the %d Mailark reads from one POP3 mailbox", count, c.cfg.MaxMessages)})
	}
	return count, sizeBytes, nil
}

// Listing is one message of the maildrop: its number in this session, its
// size as LIST gave it, and its unique id as UIDL gave it ("" if none).
type Listing struct {
	Num       int
	SizeBytes int64
	UIDL      string
}

// List returns the size of every message (LIST), in message-number order.
// count is what Stat said: an entry outside 1..count, or one given twice,
// is a ProtocolError, so the listing cannot grow without bound.
func (c *Client) List(count int) ([]Listing, error) {
	if _, err := c.cmd("LIST", ""); err != nil {
		return nil, err
	}
	seen := make([]bool, count+1)
	var out []Listing
	err := c.lines("LIST", count, func(l string) error {
		num, rest, err := c.entry("LIST", l, count, seen)
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || size < 0 {
			return &ProtocolError{fmt.Sprintf("LIST line %.60q has no size", l)}
		}
		out = append(out, Listing{Num: num, SizeBytes: size})
		return nil
	})
	return out, err
}

// ErrNoUIDL: the server does not support UIDL.
var ErrNoUIDL = errors.New("the server does not support UIDL")

// UIDL returns each message's unique id, by message number (an id may be
// missing or repeated: the caller decides what that means). A server
// without UIDL gives ErrNoUIDL.
func (c *Client) UIDL(count int) (map[int]string, error) {
	if _, err := c.cmd("UIDL", ""); err != nil {
		var se *Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w (%v)", ErrNoUIDL, err)
		}
		return nil, err
	}
	seen := make([]bool, count+1)
	out := map[int]string{}
	err := c.lines("UIDL", count, func(l string) error {
		num, id, err := c.entry("UIDL", l, count, seen)
		if err != nil {
			return err
		}
		if id == "" || strings.ContainsAny(id, " \t") {
			return &ProtocolError{fmt.Sprintf("UIDL line %.60q has no single id", l)}
		}
		out[num] = id
		return nil
	})
	return out, err
}

// entry splits "N rest" and checks N.
func (c *Client) entry(what, l string, count int, seen []bool) (int, string, error) {
	n, rest, _ := strings.Cut(strings.TrimSpace(l), " ")
	num, err := strconv.Atoi(n)
	if err != nil || num < 1 || num > count {
		return 0, "", &ProtocolError{fmt.Sprintf("%s line %.60q names no message of the %d in the mailbox", what, l, count)}
	}
	if seen[num] {
		return 0, "", &ProtocolError{fmt.Sprintf("%s lists message %d twice", what, num)}
	}
	seen[num] = true
	return num, strings.TrimSpace(rest), nil
}

// Retr asks for message num and returns its exact bytes as a reader (RETR).
// The reader must be read to io.EOF before any other command; an error
// from it (the connection lost, the message longer than MaxMessageBytes)
// ends the session. A -ERR answer (the message was deleted meanwhile) is an
// *Error and the session goes on.
func (c *Client) Retr(num int) (io.Reader, error) {
	if _, err := c.cmd("RETR", strconv.Itoa(num)); err != nil {
		return nil, err
	}
	return c.body(), nil
}

// body is the multi-line answer that follows, as a reader the session
// waits on.
func (c *Client) body() io.Reader {
	r := &dotReader{br: c.br, max: c.cfg.MaxMessageBytes}
	r.done = func(err error) {
		c.busy = nil
		if err != nil {
			c.broken(err)
		}
	}
	c.busy = r
	return r
}

// Dele marks message num for deletion; the server deletes it when the
// session ends with QUIT (Close). Only the removal gate calls it, for a
// message it verified in the archive.
func (c *Client) Dele(num int) error {
	_, err := c.cmd("DELE", strconv.Itoa(num))
	return err
}

// Noop asks the server for nothing, to see that the session lives.
func (c *Client) Noop() error {
	_, err := c.cmd("NOOP", "")
	return err
}

// UsableUIDLs keeps the UIDLs that identify one message each: listed once,
// printable ASCII (RFC 1939 allows 0x21 to 0x7E), at most 255 bytes, and
// not spelled like the content keys the archive gives messages without
// one ("sha256:…", "origin:…"), which a server could otherwise use to hide
// another message. The others are known by their content.
func UsableUIDLs(ids map[int]string) map[int]string {
	count := map[string]int{}
	for _, id := range ids {
		count[id]++
	}
	out := map[int]string{}
	for num, id := range ids {
		if count[id] != 1 || len(id) > 255 || strings.HasPrefix(id, "sha256:") || strings.HasPrefix(id, "origin:") {
			continue
		}
		ok := true
		for i := 0; i < len(id); i++ {
			if id[i] < 0x21 || id[i] > 0x7e {
				ok = false
				break
			}
		}
		if ok {
			out[num] = id
		}
	}
	return out
}

// Mailbox is what a session first asks of the maildrop: STAT, LIST and
// UIDL.
type Mailbox struct {
	Count  int
	List   []Listing
	UIDs   map[int]string // message number → UIDL; empty when NoUIDL
	NoUIDL bool           // the server does not support UIDL
}

// Mailbox asks STAT, LIST and UIDL in turn; an error is classified (see
// Classify) with the command that failed.
func (c *Client) Mailbox(ctx context.Context) (*Mailbox, error) {
	classify := func(op string, err error) error { return c.Classify(ctx, op, err) }
	var m Mailbox
	var err error
	if m.Count, _, err = c.Stat(); err != nil {
		return nil, classify("stat", err)
	}
	if m.List, err = c.List(m.Count); err != nil {
		return nil, classify("list", err)
	}
	m.UIDs, err = c.UIDL(m.Count)
	switch {
	case errors.Is(err, ErrNoUIDL):
		m.UIDs, m.NoUIDL = map[int]string{}, true
	case err != nil:
		return nil, classify("uidl", err)
	}
	return &m, nil
}

// Top asks for the header of message num and no line of its body (TOP num
// 0) and returns it as Retr does: the header's exact bytes and the empty
// line that ends it. The reader must be read to io.EOF before any other
// command. A server without TOP answers -ERR (an *Error).
func (c *Client) Top(num int) (io.Reader, error) {
	if _, err := c.cmd("TOP", strconv.Itoa(num)+" 0"); err != nil {
		return nil, err
	}
	return c.body(), nil
}

// Rset unmarks every message Dele marked in this session (RSET).
func (c *Client) Rset() error {
	_, err := c.cmd("RSET", "")
	return err
}

// Quit ends the session with QUIT and returns the server's answer: the
// server deletes the messages Dele marked only now, and a -ERR (an *Error)
// says it could not delete them all (RFC 1939 section 6). The connection is
// closed in any case.
func (c *Client) Quit() error {
	if c.stop != nil {
		c.stop()
	}
	_, err := c.cmd("QUIT", "")
	c.broken(errors.New("pop3: the session ended with QUIT"))
	return err
}
