package mailtext

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // its init sets message.CharsetReader; ours, below, runs after it
)

func init() {
	// Every go-message reader (MIME parts, address lists) decodes charsets
	// through Lookup, so all of them know the same labels.
	message.CharsetReader = CharsetReader
}

// CharsetReader decodes input from the labelled charset to UTF-8, for
// go-message and mime.WordDecoder. An unknown label is an error (go-message
// then keeps the bytes as they are).
func CharsetReader(label string, input io.Reader) (io.Reader, error) {
	enc := Lookup(label)
	if enc == nil {
		return nil, fmt.Errorf("unknown charset %q", label)
	}
	return enc.NewDecoder().Reader(input), nil
}

// charsetQuirks maps labels that real mail uses but the IANA and WHATWG
// indexes do not know (or know under another name). A nil entry means
// "unknown": the bytes are guessed as raw 8-bit text instead.
var charsetQuirks = map[string]encoding.Encoding{
	"cp932":            japanese.ShiftJIS, // x/text's Shift_JIS is Windows-31J, NEC/IBM extensions included
	"ms932":            japanese.ShiftJIS,
	"windows-31j":      japanese.ShiftJIS,
	"x-ms-cp932":       japanese.ShiftJIS,
	"sjis-win":         japanese.ShiftJIS,
	"sjis-open":        japanese.ShiftJIS,
	"shift-jis":        japanese.ShiftJIS,
	"x-sjis":           japanese.ShiftJIS,
	"sjis":             japanese.ShiftJIS,
	"ms_kanji":         japanese.ShiftJIS,
	"iso-2022-jp-ms":   japanese.ISO2022JP, // the JIS X 0208 table includes the NEC row 13 characters
	"iso-2022-jp-1":    japanese.ISO2022JP,
	"iso-2022-jp-2":    japanese.ISO2022JP,
	"iso-2022-jp-3":    japanese.ISO2022JP,
	"csiso2022jp":      japanese.ISO2022JP,
	"cp50220":          japanese.ISO2022JP,
	"cp50221":          japanese.ISO2022JP,
	"cp50222":          japanese.ISO2022JP,
	"eucjp-ms":         japanese.EUCJP,
	"euc-jp-ms":        japanese.EUCJP,
	"eucjp-win":        japanese.EUCJP,
	"cp51932":          japanese.EUCJP,
	"x-euc-jp":         japanese.EUCJP,
	"cp949":            nil, // resolved below through htmlindex as EUC-KR
	"utf8":             unicode.UTF8,
	"x-utf_8j":         unicode.UTF8,
	"ansi_x3.110-1983": charmap.ISO8859_1,
	"unknown-8bit":     nil,
	"x-unknown":        nil,
	"unknown":          nil,
	"8bit":             nil,
	"x-user-defined":   nil,
}

var charsetCache sync.Map // lower-case label → encoding.Encoding (nil interface stored as noEncoding)

type noEncodingType struct{}

var noEncoding noEncodingType

// Lookup returns the encoding for a MIME charset label, or nil when the
// label is unknown (the caller then guesses).
func Lookup(label string) encoding.Encoding {
	label = strings.ToLower(strings.TrimSpace(label))
	if i := strings.IndexByte(label, '*'); i >= 0 { // RFC 2231 language: "utf-8*ja"
		label = label[:i]
	}
	if v, ok := charsetCache.Load(label); ok {
		if e, ok := v.(encoding.Encoding); ok {
			return e
		}
		return nil
	}
	e := resolveCharset(label)
	if e == nil {
		charsetCache.Store(label, noEncoding)
	} else {
		charsetCache.Store(label, e)
	}
	return e
}

func resolveCharset(label string) encoding.Encoding {
	if e, ok := charsetQuirks[label]; ok {
		if e == nil && label == "cp949" {
			e, _ = htmlindex.Get("euc-kr")
		}
		return e
	}
	for _, l := range []string{label, "cs" + label} {
		if e, err := ianaindex.MIME.Encoding(l); err == nil && e != nil {
			return e
		}
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil && e != encoding.Replacement {
		return e
	}
	return nil
}

// Decode converts b from the labelled charset to UTF-8. A label that is
// unknown, or a decoding that produces replacement characters, falls back to
// guessing (Guess), and the better-scoring result wins.
func Decode(label string, b []byte) string {
	l := strings.ToLower(label)
	switch {
	case l == "utf-8" || l == "utf8" || l == "us-ascii" || l == "ascii":
		if utf8.Valid(b) {
			return string(b)
		}
		// Labelled UTF-8 but broken: a character cut short (each gives up
		// to three bad bytes) is still UTF-8; no valid multi-byte sequence
		// at all means another charset under a wrong label.
		if mb, bad := utf8Shape(b); mb > 0 && 3*mb >= bad {
			return strings.ToValidUTF8(string(b), "\uFFFD")
		}
		return Guess(b)
	}
	enc := Lookup(label)
	if enc == nil {
		return Guess(b)
	}
	s, err := enc.NewDecoder().Bytes(b)
	if err != nil || bytes.ContainsRune(s, utf8.RuneError) {
		// Mislabelled mail is common (Shift_JIS sent as ISO-2022-JP, and so on).
		g := Guess(b)
		if err != nil || plausibility(g) > plausibility(string(s)) {
			return g
		}
	}
	return string(s)
}

// Guess turns header bytes of unknown charset into text. Valid UTF-8 (and
// so ASCII) is kept as is; ISO-2022-JP escape sequences are decoded; other
// 8-bit bytes are tried as Shift_JIS (Windows-31J), EUC-JP, mostly-valid
// UTF-8 and Windows-1252, and the most plausible result is kept (see
// plausibility). The result is always valid UTF-8.
func Guess(b []byte) string {
	hasESC := bytes.IndexByte(b, 0x1b) >= 0
	if !hasESC && utf8.Valid(b) {
		return string(b)
	}
	if hasESC {
		if s, err := japanese.ISO2022JP.NewDecoder().Bytes(b); err == nil && !bytes.ContainsRune(s, utf8.RuneError) {
			return string(s)
		}
		if utf8.Valid(b) {
			return string(b)
		}
	}
	// Mostly valid UTF-8 with a few broken bytes: random Shift_JIS or EUC-JP
	// text rarely forms valid multi-byte UTF-8 sequences.
	if mb, bad := utf8Shape(b); mb > 0 && mb >= 2*bad {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	best, bestScore, found := "", 0, false
	for _, enc := range []encoding.Encoding{japanese.ShiftJIS, japanese.EUCJP, charmap.Windows1252} {
		s, err := enc.NewDecoder().Bytes(b)
		if err != nil {
			continue
		}
		str := strings.ToValidUTF8(string(s), "\uFFFD")
		if sc := plausibility(str); !found || sc > bestScore { // ties: earlier candidate wins
			best, bestScore, found = str, sc, true
		}
	}
	if best == "" {
		best = strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return best
}

// utf8Shape counts valid multi-byte UTF-8 sequences and invalid bytes in b.
func utf8Shape(b []byte) (multibyte, bad int) {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n > 1:
			multibyte++
		}
		b = b[n:]
	}
	return
}

// plausibility scores decoded text as a name a person would write: kana and
// common kanji score up, replacement characters, controls, private-use and
// rare symbols score down, and so do CJK characters glued to Latin letters
// ("Fran纊ise" is Windows-1252 misread as Shift_JIS). Latin-1 letters score up
// only next to other letters.
func plausibility(s string) int {
	score := 0
	prev := rune(' ')
	r, n := utf8.DecodeRuneInString(s)
	for n > 0 {
		s = s[n:]
		next, nn := utf8.DecodeRuneInString(s)
		if nn == 0 {
			next = ' '
		}
		score += runeScore(prev, r, next)
		prev, r, n = r, next, nn
	}
	return score
}

func runeScore(prev, r, next rune) int {
	switch {
	case r == utf8.RuneError:
		return -100
	case r < 0x80:
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -50
		}
		return 0
	case r < 0xa0:
		return -50 // C1 controls
	case r >= 0x3040 && r <= 0x30ff: // hiragana, katakana
		if isASCIILetter(prev) || isASCIILetter(next) {
			return -1
		}
		return 2
	case r >= 0x4e00 && r <= 0x9fff:
		if isASCIILetter(prev) || isASCIILetter(next) {
			return -2
		}
		return 1
	case r >= 0x3000 && r <= 0x303f, r >= 0xff01 && r <= 0xff5e:
		return 1
	case r >= 0xff61 && r <= 0xff9f: // half-width katakana: EUC-JP misread as Shift_JIS
		return -1
	case r >= 0xac00 && r <= 0xd7a3:
		return 1
	case r >= 0xc0 && r <= 0x24f && r != 0xd7 && r != 0xf7:
		if isLetter(prev) || isLetter(next) {
			return 1
		}
		return -1
	case r >= 0xe000 && r <= 0xf8ff:
		return -20
	default:
		return -3
	}
}

func isASCIILetter(r rune) bool { return r|0x20 >= 'a' && r|0x20 <= 'z' }

func isLetter(r rune) bool {
	return isASCIILetter(r) || r >= 0xc0 && r <= 0x24f && r != 0xd7 && r != 0xf7
}
