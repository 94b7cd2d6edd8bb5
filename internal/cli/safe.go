package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Text from a server or a message (folder names, subjects, senders, the
// server's own words in an error) can hold bytes a terminal obeys: ESC
// sequences that clear the screen, recolour it or set the window title, C1
// controls that some terminals read as ESC, and bidi overrides that make a
// line read differently than it is. Nothing of the kind reaches a terminal
// from Mailark: every field is passed through safe (or safeText), and Main
// wraps standard output and error in a safeWriter that escapes whatever a
// field missed. Only the progress bar writes its own "\r\033[K", to the
// unwrapped writer (see display).

// safe returns s for one field on one line: every control character
// (newline and tab too), C1 control, bidi control, line separator and
// invalid UTF-8 byte shown escaped, as \x1b, \u202e or \xff.
func safe(s string) string { return escape(s, false) }

// safeText is safe for text of several lines: newlines and tabs are kept.
func safeText(s string) string { return escape(s, true) }

func escape(s string, keepLayout bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n, keepLayout) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case !unsafeRune(r, n, keepLayout):
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether r (n bytes long in its string) must not reach
// a terminal as it is.
func unsafeRune(r rune, n int, keepLayout bool) bool {
	switch {
	case r == utf8.RuneError && n == 1: // an invalid byte
		return true
	case r == '\n' || r == '\t':
		return !keepLayout
	case r < 0x20 || r == 0x7f: // C0 controls (ESC, BEL, CR, BS ...) and DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls (CSI is U+009B)
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, // bidi marks
		r >= 0x202a && r <= 0x202e, // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069, // bidi isolates
		r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

// safeJSON escapes, inside JSON text, the runes encoding/json leaves as
// they are but a terminal obeys (C1 and bidi controls, DEL) as \uXXXX: the
// JSON means the same, and no raw control reaches the terminal. JSON's own
// syntax is ASCII, so such runes only occur inside strings.
func safeJSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, func(r rune) bool { return r != '\n' && unsafeRune(r, 2, true) }) {
		return b
	}
	var out bytes.Buffer
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != '\n' && unsafeRune(r, n, true) && !(r == utf8.RuneError && n == 1) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.Write(b[:n])
		}
		b = b[n:]
	}
	return out.Bytes()
}

// safeWriter escapes, in everything written through it, what safeText
// escapes: the net under every command's output. A rune split across two
// writes is held until it is whole (or until Flush).
type safeWriter struct {
	w       io.Writer
	pending []byte
}

func newSafeWriter(w io.Writer) *safeWriter { return &safeWriter{w: w} }

func (s *safeWriter) Write(p []byte) (int, error) {
	buf := append(s.pending, p...)
	s.pending = nil
	// Hold back an incomplete rune at the end.
	for k := 1; k <= utf8.UTFMax-1 && k <= len(buf); k++ {
		if utf8.RuneStart(buf[len(buf)-k]) {
			if !utf8.FullRune(buf[len(buf)-k:]) {
				s.pending = append([]byte(nil), buf[len(buf)-k:]...)
				buf = buf[:len(buf)-k]
			}
			break
		}
	}
	if _, err := io.WriteString(s.w, safeText(string(buf))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a held incomplete rune, escaped.
func (s *safeWriter) Flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	_, err := io.WriteString(s.w, safeText(string(s.pending)))
	s.pending = nil
	return err
}
