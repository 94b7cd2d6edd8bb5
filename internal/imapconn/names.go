package imapconn

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// A mailbox name on the wire is modified UTF-7 (RFC 3501 5.1.3). Servers
// also send raw 8-bit names (Shift_JIS on old Japanese servers), invalid
// UTF-7, NUL and control characters. go-imap fails the whole connection on
// such a name, so listConn gives go-imap an alias for every name that
// go-imap would not decode, or would not send back as the same bytes, and
// puts the server's exact bytes back when a command names the alias.

// Mailbox is a name the server sent that needed an alias.
type Mailbox struct {
	// Name is the name for people and the archive: the decoded name when
	// the bytes decode (raw UTF-8 included), else the bytes with every
	// byte that is not printable ASCII written as \xNN.
	Name string
	// Err says why the folder cannot be used, nil when commands can name
	// it (the server's bytes are sent back exactly).
	Err error
	// wire is what a command sends for the alias; nil when Err is set.
	wire []byte
}

// aliasPrefix starts every alias. An alias is ASCII, so go-imap sends it
// back quoted and unchanged: "MAILARK-RAW-NAME-7".
const aliasPrefix = "MAILARK-RAW-NAME-"

// names is a connection's aliases, by raw name and by alias.
type names struct {
	mu      sync.Mutex
	byRaw   map[string]string
	byAlias map[string]*Mailbox
}

// alias returns the alias for the raw name, making one when needed.
func (n *names) alias(raw []byte, err error) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	key := string(raw)
	if err != nil {
		key = "\x00err:" + err.Error() + "\x00" + key
	}
	if a, ok := n.byRaw[key]; ok {
		return a
	}
	if n.byRaw == nil {
		n.byRaw, n.byAlias = map[string]string{}, map[string]*Mailbox{}
	}
	a := aliasPrefix + strconv.Itoa(len(n.byAlias)+1)
	m := &Mailbox{Name: DisplayName(raw), Err: err}
	if err == nil {
		if wire, werr := wireName(raw); werr != nil {
			m.Err = werr
		} else {
			m.wire = wire
		}
	}
	n.byRaw[key] = a
	n.byAlias[a] = m
	return a
}

func (n *names) lookup(alias string) (*Mailbox, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	m, ok := n.byAlias[alias]
	return m, ok
}

func (n *names) empty() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.byAlias) == 0
}

// substitute replaces every quoted alias in one command line by the
// server's bytes.
func (n *names) substitute(line []byte) []byte {
	if !bytes.Contains(line, []byte(aliasPrefix)) || n.empty() {
		return line
	}
	var out []byte
	rest := line
	for {
		i := bytes.Index(rest, []byte(`"`+aliasPrefix))
		if i < 0 {
			return append(out, rest...)
		}
		j := i + 1 + len(aliasPrefix)
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j < len(rest) && rest[j] == '"' {
			if m, ok := n.lookup(string(rest[i+1 : j])); ok && m.wire != nil {
				out = append(out, rest[:i]...)
				out = append(out, m.wire...)
				rest = rest[j+1:]
				continue
			}
		}
		out = append(out, rest[:j]...)
		rest = rest[j:]
	}
}

// wireName is how a command names the raw name: a quoted string holding
// the same bytes. NUL, CR and LF cannot be in a quoted string.
func wireName(raw []byte) ([]byte, error) {
	if i := bytes.IndexAny(raw, "\x00\r\n"); i >= 0 {
		return nil, fmt.Errorf("its name holds the byte 0x%02X, which cannot be sent back to the server", raw[i])
	}
	return quote(raw), nil
}

func quote(s []byte) []byte {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return append(out, '"')
}

// needsAlias reports whether go-imap would fail on the raw name, decode it
// to something that holds NUL, CR or LF, or send back other bytes than
// these: only a name that survives the round trip unchanged goes through
// as it is.
func needsAlias(raw []byte) bool {
	if strings.EqualFold(string(raw), "INBOX") {
		return false
	}
	if bytes.HasPrefix(bytes.ToUpper(raw), []byte(aliasPrefix)) {
		return true
	}
	d, err := decodeUTF7(string(raw))
	return err != nil || strings.ContainsAny(d, "\x00\r\n") || EncodeModifiedUTF7(d) != string(raw)
}

// DisplayName is the name of raw bytes for people and the archive (see
// Mailbox.Name).
func DisplayName(raw []byte) string {
	if d, err := decodeUTF7(string(raw)); err == nil && !strings.ContainsAny(d, "\x00\r\n") {
		return d
	}
	if utf8.Valid(raw) && !bytes.ContainsAny(raw, "&\x00\r\n") {
		return string(raw) // raw UTF-8, as go-imap would have decoded it
	}
	var b strings.Builder
	for _, c := range raw {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02X`, c)
		}
	}
	return b.String()
}

var errUTF7 = errors.New("invalid modified UTF-7")

var mbase64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// decodeUTF7 decodes modified UTF-7 strictly: printable ASCII, "&-", and
// base64 runs of whole UTF-16 code units.
func decodeUTF7(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", errUTF7
		}
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", errUTF7
		}
		enc := s[i+1 : i+1+end]
		i += end + 1
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		raw, err := mbase64.DecodeString(enc)
		if err != nil || len(raw)%2 != 0 || len(raw) == 0 {
			return "", errUTF7
		}
		units := make([]uint16, len(raw)/2)
		for k := range units {
			units[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		for _, r := range utf16.Decode(units) {
			if r == utf8.RuneError {
				return "", errUTF7
			}
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// EncodeModifiedUTF7 encodes s as IMAP's modified UTF-7 (RFC 3501 5.1.3),
// as go-imap sends names and as Dovecot names Maildir folders on disk:
// printable ASCII as is ("&" as "&-"), every run of other characters as
// base64 of UTF-16.
func EncodeModifiedUTF7(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		units := utf16.Encode(run)
		raw := make([]byte, 0, 2*len(units))
		for _, u := range units {
			raw = append(raw, byte(u>>8), byte(u))
		}
		b.WriteByte('&')
		b.WriteString(mbase64.EncodeToString(raw))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e {
			flush()
			b.WriteRune(r)
			if r == '&' {
				b.WriteByte('-')
			}
			continue
		}
		run = append(run, r)
	}
	flush()
	return b.String()
}

// AdoptNames gives c the aliases another connection to the same account
// made for the names its LIST answer held, so that c can name those
// folders without listing them itself.
func (c *Conn) AdoptNames(from *Conn) {
	if c == from {
		return
	}
	src, dst := &from.list.names, &c.list.names
	src.mu.Lock()
	byRaw, byAlias := maps.Clone(src.byRaw), maps.Clone(src.byAlias)
	src.mu.Unlock()
	dst.mu.Lock()
	dst.byRaw, dst.byAlias = byRaw, byAlias
	dst.mu.Unlock()
}
