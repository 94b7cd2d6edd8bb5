package mailtext

import (
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// RFC 2047 encoded words, and the tidying of decoded text.

// cleanText collapses white space (the ideographic space included) and
// control characters to single spaces, trims, strips one pair of
// surrounding quotes and composes (NFC) non-ASCII text.
func cleanText(s string) string {
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c >= 0x7f || c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') {
			simple = false
			break
		}
	}
	if !simple {
		var b strings.Builder
		b.Grow(len(s))
		space := false
		for _, r := range s {
			if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
				space = b.Len() > 0
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
		s = b.String()
		if !isASCII(s) {
			s = norm.NFC.String(s)
		}
	}
	for len(s) >= 2 {
		f, l := s[0], s[len(s)-1]
		if (f == '"' || f == '\'') && f == l {
			s = strings.TrimSpace(s[1 : len(s)-1])
			continue
		}
		break
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// ewLen returns the length of the RFC 2047 encoded word at the start of s,
// or 0. The encoded text may not hold white space here (the tokenizer's
// rule); decodeWords is more lenient.
func ewLen(s string) int {
	n, _, _, _ := parseEW(s, false)
	return n
}

// maxEncodedWord bounds the encoded text searched for its end: RFC 2047 allows
// 75 bytes a word, real mail somewhat more.
const maxEncodedWord = 1024

// parseEW parses "=?charset?B|Q?text?=" at the start of s.
func parseEW(s string, allowSpace bool) (n int, charset string, enc byte, text string) {
	if len(s) < 8 || s[0] != '=' || s[1] != '?' {
		return 0, "", 0, ""
	}
	q := strings.IndexByte(s[2:], '?')
	if q <= 0 || q > 64 {
		return 0, "", 0, ""
	}
	charset = s[2 : 2+q]
	if strings.ContainsAny(charset, " \t\r\n\"()<>,;") {
		return 0, "", 0, ""
	}
	i := 2 + q + 1
	if i+1 >= len(s) || s[i+1] != '?' {
		return 0, "", 0, ""
	}
	enc = s[i] | 0x20
	if enc != 'b' && enc != 'q' {
		return 0, "", 0, ""
	}
	i += 2
	rest := s[i:]
	if len(rest) > maxEncodedWord {
		rest = rest[:maxEncodedWord]
	}
	end := strings.Index(rest, "?=")
	if end < 0 {
		return 0, "", 0, ""
	}
	text = s[i : i+end]
	if !allowSpace && strings.ContainsAny(text, " \t\r\n") {
		return 0, "", 0, ""
	}
	return i + end + 2, charset, enc, text
}

// decodeWords decodes the RFC 2047 encoded words in s. White space between
// two encoded words is dropped, and adjacent words in the same charset are
// joined before decoding, so a character split across two words survives.
// A word in an unknown charset is guessed like raw 8-bit text.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var out strings.Builder
	var run []byte
	runCharset := ""
	runStart, runEnd, runRepaired := 0, 0, false // the run's words in s, and whether base64 needed repairs
	flush := func() {
		if runCharset != "" {
			d := Decode(runCharset, run)
			if runRepaired && (strings.ContainsRune(d, utf8.RuneError) || plausibility(d) < 0) {
				d = s[runStart:runEnd] // not base64 after all: the words as written
			}
			out.WriteString(d)
			run, runCharset, runRepaired = run[:0], "", false
		}
	}
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], "=?")
		if j < 0 {
			break
		}
		n, charset, enc, text := parseEW(s[i+j:], true)
		if n == 0 {
			flush()
			out.WriteString(s[i : i+j+2])
			i += j + 2
			continue
		}
		if lit := s[i : i+j]; runCharset == "" || strings.TrimSpace(lit) != "" {
			flush()
			out.WriteString(lit)
		}
		if runCharset != "" && !strings.EqualFold(runCharset, charset) {
			flush()
		}
		if runCharset == "" {
			runStart = i + j
		}
		runCharset = charset
		if enc == 'q' {
			run = appendQ(run, text)
		} else {
			var repaired bool
			run, repaired = appendB(run, text)
			runRepaired = runRepaired || repaired
		}
		i += j + n
		runEnd = i
	}
	flush()
	out.WriteString(s[i:])
	if r := out.String(); utf8.ValidString(r) {
		return r
	}
	return strings.ToValidUTF8(out.String(), "\uFFFD")
}

func appendQ(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			dst = append(dst, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendB decodes base64 leniently: padding optional, stray characters
// skipped (repaired is then set), a truncated tail decoded as far as it
// goes.
func appendB(dst []byte, s string) (out []byte, repaired bool) {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		} else if c != '=' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			repaired = true
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	buf := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(buf, clean)
	return append(dst, buf[:n]...), repaired
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	default:
		return c - '0'
	}
}
