package imapconn

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// rewriteList turns one untagged LIST response into one go-imap reads
// without fail: the attributes it can read, the delimiter (NIL when it is
// not one printable character), and the name as a quoted string or an
// alias. Extended data (CHILDINFO, OLDNAME) is dropped: Mailark uses none.
func (c *listConn) rewriteList(resp []byte) []byte {
	p := &parser{b: bytes.TrimSuffix(bytes.TrimSuffix(resp[len(listHeads[0]):], []byte("\n")), []byte("\r"))}
	attrs, aerr := p.flagList()
	delim := "NIL"
	var raw []byte
	var err error
	if aerr == nil && p.sp() {
		if d, ok := p.delim(); ok {
			delim = d
		}
		if p.sp() {
			raw, err = p.astring()
		} else {
			err = errors.New("no name")
		}
	} else {
		err = errors.New("unreadable attributes")
	}
	if aerr != nil {
		// The name may still be found after the attributes: say which
		// folder could not be read.
		if i := bytes.LastIndexByte(p.b, ' '); i >= 0 && raw == nil {
			last := &parser{b: p.b[i+1:]}
			if r, err := last.astring(); err == nil && last.i == len(last.b) {
				raw = r
			}
		}
	}
	var name []byte
	switch {
	case err != nil && raw == nil:
		name = []byte(`"` + c.names.alias(resp, fmt.Errorf("the server sent a folder list entry Mailark cannot read: %s", clip(DisplayName(resp), 200))) + `"`)
		attrs = nil
	case err != nil:
		name = []byte(`"` + c.names.alias(raw, fmt.Errorf("the server's list entry for it cannot be read (%v)", err)) + `"`)
		attrs = nil
	case needsAlias(raw):
		name = []byte(`"` + c.names.alias(raw, nil) + `"`)
	default:
		name = quote(raw)
	}
	out := make([]byte, 0, len(resp)+32)
	out = append(out, "* LIST ("...)
	out = append(out, strings.Join(attrs, " ")...)
	out = append(out, ") "...)
	out = append(out, delim...)
	out = append(out, ' ')
	out = append(out, name...)
	return append(out, "\r\n"...)
}

// rewriteStatus gives the name of a STATUS response the alias its LIST
// entry got; a response go-imap could not read is dropped (the caller then
// has no counters for that folder and examines it instead).
func (c *listConn) rewriteStatus(resp []byte) []byte {
	p := &parser{b: bytes.TrimSuffix(bytes.TrimSuffix(resp[len(listHeads[1]):], []byte("\n")), []byte("\r"))}
	raw, err := p.astring()
	if err != nil || !p.sp() || !validStatusItems(p.b[p.i:]) {
		return nil
	}
	name := quote(raw)
	if needsAlias(raw) {
		name = []byte(`"` + c.names.alias(raw, nil) + `"`)
	}
	out := append([]byte("* STATUS "), name...)
	out = append(out, ' ')
	out = append(out, p.b[p.i:]...)
	return append(out, "\r\n"...)
}

// validStatusItems checks "(NAME number ...)" with numbers in range.
func validStatusItems(b []byte) bool {
	if len(b) < 2 || b[0] != '(' || b[len(b)-1] != ')' {
		return false
	}
	f := strings.Fields(string(b[1 : len(b)-1]))
	if len(f)%2 != 0 {
		return false
	}
	for i := 0; i < len(f); i += 2 {
		for _, ch := range []byte(f[i]) {
			if !isAtomChar(ch) {
				return false
			}
		}
		bits := 64
		switch strings.ToUpper(f[i]) {
		case "MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "RECENT":
			bits = 32
		case "SIZE", "DELETED-STORAGE":
			bits = 63
		case "APPENDLIMIT":
			if strings.ToUpper(f[i+1]) == "NIL" {
				continue
			}
			bits = 32
		}
		if _, err := strconv.ParseUint(f[i+1], 10, bits); err != nil {
			return false
		}
	}
	return true
}

type parser struct {
	b []byte
	i int
}

func (p *parser) sp() bool {
	if p.i < len(p.b) && p.b[p.i] == ' ' {
		p.i++
		return true
	}
	return false
}

// flagList reads "(\Flag atom ...)" as go-imap would accept it.
func (p *parser) flagList() ([]string, error) {
	bad := errors.New("unreadable attributes")
	if p.i >= len(p.b) || p.b[p.i] != '(' {
		return nil, bad
	}
	p.i++
	var out []string
	for {
		if p.i < len(p.b) && p.b[p.i] == ')' && len(out) == 0 {
			p.i++
			return out, nil
		}
		start := p.i
		if p.i < len(p.b) && p.b[p.i] == '\\' {
			p.i++
		}
		for p.i < len(p.b) && isAtomChar(p.b[p.i]) {
			p.i++
		}
		if p.i == start || p.b[p.i-1] == '\\' || len(out) >= 64 {
			return nil, bad
		}
		out = append(out, string(p.b[start:p.i]))
		if p.i < len(p.b) && p.b[p.i] == ')' {
			p.i++
			return out, nil
		}
		if !p.sp() {
			return nil, bad
		}
	}
}

// delim reads NIL or a quoted character; ok is false when it is not one
// printable ASCII character.
func (p *parser) delim() (string, bool) {
	if len(p.b)-p.i >= 3 && strings.EqualFold(string(p.b[p.i:p.i+3]), "NIL") {
		p.i += 3
		return "NIL", true
	}
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	end := p.i + 1
	for end < len(p.b) && p.b[end] != '"' {
		if p.b[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(p.b) {
		p.i = len(p.b)
		return "", false
	}
	q := p.b[p.i : end+1]
	p.i = end + 1
	inner := q[1 : len(q)-1]
	if len(inner) == 2 && inner[0] == '\\' {
		inner = inner[1:]
	}
	if len(inner) != 1 || inner[0] < 0x20 || inner[0] > 0x7e {
		return "", false
	}
	return string(quote(inner)), true
}

// astring reads a quoted string, a literal or an atom, and returns its
// bytes.
func (p *parser) astring() ([]byte, error) {
	if p.i >= len(p.b) {
		return nil, errors.New("no name")
	}
	switch p.b[p.i] {
	case '"':
		var out []byte
		for j := p.i + 1; j < len(p.b); j++ {
			ch := p.b[j]
			if ch == '"' {
				p.i = j + 1
				return out, nil
			}
			if ch == '\\' && j+1 < len(p.b) {
				j++
				ch = p.b[j]
			}
			out = append(out, ch)
		}
		return nil, errors.New("a quoted name without its end")
	case '{':
		end := bytes.Index(p.b[p.i:], []byte("}\r\n"))
		if end < 0 {
			return nil, errors.New("a bad literal")
		}
		n, err := strconv.Atoi(strings.TrimSuffix(string(p.b[p.i+1:p.i+end]), "+"))
		start := p.i + end + 3
		if err != nil || n < 0 || start+n > len(p.b) {
			return nil, errors.New("a bad literal")
		}
		p.i = start + n
		return p.b[start:p.i], nil
	}
	start := p.i
	for p.i < len(p.b) && (isAtomChar(p.b[p.i]) || p.b[p.i] == ']') {
		p.i++
	}
	if p.i == start {
		return nil, errors.New("no name")
	}
	return p.b[start:p.i], nil
}

// isAtomChar is go-imap's rule: no specials, no control characters
// (Unicode's C0 and C1 ranges, applied to single bytes).
func isAtomChar(ch byte) bool {
	switch ch {
	case '(', ')', '{', ' ', '%', '*', '"', '\\', ']':
		return false
	}
	return ch >= 0x20 && (ch < 0x7f || ch > 0x9f)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
