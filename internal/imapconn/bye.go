package imapconn

import (
	"bytes"
	"errors"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// A server that limits connections per user says so in one of a few ways:
// NO [LIMIT] to LOGIN, a greeting or a later BYE about too many
// connections, or a failed login once others succeeded. go-imap keeps no
// BYE text, so limitConn notes the last BYE line it reads.

// isBye tells whether a line starts "* BYE"; it allocates nothing, as it
// runs for every line.
func isBye(head []byte) bool {
	return len(head) >= 6 && head[0] == '*' && head[1] == ' ' && bytes.EqualFold(head[2:5], []byte("BYE")) &&
		(head[5] == ' ' || head[5] == '\r' || head[5] == '\n')
}

// byeText is a BYE line as far as the reader kept it: its start and its
// end (the middle of a line longer than both is left out).
func byeText(head, tail []byte, lineLen int64) string {
	if lineLen <= int64(len(head)) {
		return strings.TrimRight(string(head), "\r\n")
	}
	if lineLen <= int64(len(head)+len(tail)) {
		// Head and tail overlap: the tail holds the line's end; the head
		// its first bytes.
		skip := len(head) + len(tail) - int(lineLen)
		return strings.TrimRight(string(head)+string(tail[skip:]), "\r\n")
	}
	return strings.TrimRight(string(head)+"…"+string(tail), "\r\n")
}

// ByeText is the last BYE line the server sent on this connection, or "".
func (c *Conn) ByeText() string {
	s, _ := c.limit.bye.Load().(string)
	return s
}

// ConnLimited reports whether err, from a command of c, comes from the
// server limiting connections: NO [LIMIT], or a BYE whose words say so.
func (c *Conn) ConnLimited(err error) bool {
	return LimitWords(c.ByeText()) || IsLimit(err)
}

// IsLimit reports whether err carries the server's [LIMIT] code, or words
// about too many connections.
func IsLimit(err error) bool {
	if err == nil {
		return false
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeLimit {
		return true
	}
	return LimitWords(err.Error())
}

// LimitWords reports whether a server's text speaks of a connection limit.
func LimitWords(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"[limit]", "too many connections", "too many simultaneous", "maximum number of connections",
		"connection limit", "max_userip_connections", "too many open connections"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
