package mailtext

import "strings"

// The tokenizer of address lists, and the scanner for address-shaped
// tokens that is the parser's safety net.

type tokKind uint8

const (
	tokAtom tokKind = iota
	tokQuoted
	tokComment
	tokAngle
	tokComma
	tokSemicolon
	tokColon
)

type token struct {
	kind  tokKind
	space bool // white space before the token
	text  string
}

func (p *listParser) tokenize(s string) {
	p.toks = p.toks[:0]
	space := false
	// Once a search for a closing character fails, later searches would fail
	// too (or nearly so): remember, so broken input stays linear.
	var noParen, noAngle, noBracket bool
	add := func(k tokKind, text string) {
		p.toks = append(p.toks, token{kind: k, space: space, text: text})
		space = false
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			space = true
			i++
		case '"':
			text, n, ok := scanQuoted(s[i:])
			if !ok { // unterminated: read on as if the quote were not there
				p.repaired = "unterminated quoted string"
				i++
				continue
			}
			add(tokQuoted, text)
			i += n
		case '(':
			if noParen {
				i++
				continue
			}
			text, n, ok := scanComment(s[i:])
			if !ok {
				noParen = true
				p.repaired = "unterminated comment"
				i++
				continue
			}
			add(tokComment, text)
			i += n
		case '<':
			j := -1
			if !noAngle {
				j = strings.IndexByte(s[i+1:], '>')
			}
			if j < 0 {
				noAngle = true
				p.repaired = "unterminated angle address"
				j = strings.IndexByte(s[i+1:], ',')
				if j < 0 {
					j = len(s) - i - 1
				}
				add(tokAngle, s[i+1:i+1+j])
				i += 1 + j
				continue
			}
			add(tokAngle, s[i+1:i+1+j])
			i += j + 2
		case '>', ')':
			p.repaired = "stray " + string(c)
			space = true
			i++
		case ',':
			add(tokComma, ",")
			i++
		case ';':
			add(tokSemicolon, ";")
			i++
		case ':':
			add(tokColon, ":")
			i++
		default:
			j := i
		atom:
			for j < len(s) {
				switch s[j] {
				case ' ', '\t', '\r', '\n', '"', '(', ')', '<', '>', ',', ';', ':':
					break atom
				case '=':
					if n := ewLen(s[j:]); n > 0 {
						j += n
						continue
					}
				case '\\':
					if j+1 < len(s) {
						j++
					}
				case '[': // domain literal, which may hold colons (IPv6)
					if noBracket {
						break
					}
					if k := strings.IndexByte(s[j:], ']'); k < 0 {
						noBracket = true
					} else if strings.IndexAny(s[j:j+k], " \t\"<>,;") < 0 {
						j += k
					}
				}
				j++
			}
			add(tokAtom, s[i:j])
			i = j
		}
	}
}

// scanQuoted reads a quoted string at the start of s, resolving backslash
// escapes. n is the number of bytes consumed.
func scanQuoted(s string) (text string, n int, ok bool) {
	var b *strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if b == nil {
				b = new(strings.Builder)
				b.WriteString(s[1:i])
			}
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
			continue
		case '"':
			if b == nil {
				return s[1:i], i + 1, true
			}
			return b.String(), i + 1, true
		}
		if b != nil {
			b.WriteByte(s[i])
		}
	}
	return "", 0, false
}

// scanComment reads a (possibly nested) comment at the start of s.
func scanComment(s string) (text string, n int, ok bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[1:i], i + 1, true
			}
		}
	}
	return "", 0, false
}

// atomHasAt reports whether an atom holds an '@' outside encoded words.
func atomHasAt(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '@':
			return true
		case '=':
			if n := ewLen(s[i:]); n > 0 {
				i += n - 1
			}
		}
	}
	return false
}

// Address-shaped tokens, the safety net: a run of local-part characters
// [A-Za-z0-9._%+=~-] ending at an '@', then a domain of at least two labels
// of [A-Za-z0-9-] joined by single dots.
func isTokLocal(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '=' || c == '~' || c == '-'
}

func isTokLabel(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

// scanTokens calls fn with every address-shaped token in s.
func scanTokens(s string, fn func(string)) {
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		l := i
		for l > 0 && isTokLocal(s[l-1]) {
			l--
		}
		if l == i {
			continue
		}
		end, labels := i+1, 0
		for j := i + 1; ; {
			k := j
			for k < len(s) && isTokLabel(s[k]) {
				k++
			}
			if k == j {
				break
			}
			labels++
			end = k
			if k+1 < len(s) && s[k] == '.' && isTokLabel(s[k+1]) {
				j = k + 1
				continue
			}
			break
		}
		if labels >= 2 {
			fn(s[l:end])
		}
	}
}

// scanRawTokens applies scanTokens to the raw header bytes, word by word:
// words are split at white space and control bytes, and a word holding an
// 8-bit byte or an ISO-2022-JP escape is skipped, since its ASCII-looking
// bytes may be halves of Japanese characters.
func scanRawTokens(b []byte, fn func(string)) {
	if len(b) == 0 || !containsByte(b, '@') {
		return
	}
	for i := 0; i < len(b); {
		for i < len(b) && isRawDelim(b[i]) {
			i++
		}
		j, clean, at := i, true, false
		for j < len(b) && !isRawDelim(b[j]) {
			switch c := b[j]; {
			case c >= 0x80 || c == 0x1b:
				clean = false
			case c == '@':
				at = true
			}
			j++
		}
		if clean && at {
			scanTokens(string(b[i:j]), fn)
		}
		i = j
	}
}

func isRawDelim(c byte) bool { return c <= ' ' && c != 0x1b || c == 0x7f }

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
