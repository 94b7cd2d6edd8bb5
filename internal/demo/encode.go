package demo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// hdrEnc is how a mail program writes non-ASCII header text.
type hdrEnc int

const (
	hdrJIS     hdrEnc = iota // =?ISO-2022-JP?B?...?=, the classic Japanese form
	hdrSJIS                  // =?Shift_JIS?B?...?=
	hdrEUC                   // =?EUC-JP?B?...?=
	hdrUTF8B                 // =?UTF-8?B?...?=
	hdrUTF8Q                 // =?UTF-8?Q?...?=
	hdrRawSJIS               // raw 8-bit Shift_JIS display names (broken but real)
)

// mustEncode converts s to a legacy charset. Our own texts always fit, so
// a failure is a bug in this package.
func mustEncode(e encoding.Encoding, s string) []byte {
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("demo: cannot encode %q: %v", s, err))
	}
	return b
}

// chunks splits s into pieces of at most n runes.
func chunks(s string, n int) []string {
	var out []string
	for s != "" {
		i, k := 0, 0
		for i < len(s) && k < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			k++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// bWords encodes s as RFC 2047 B encoded words, each converted on its own
// (so ISO-2022-JP words start and end in ASCII) and short enough for a
// 76-character line. Words are joined by folding white space.
func bWords(charset string, e encoding.Encoding, s string) string {
	per := 10
	if e == nil {
		per = 12
	}
	var words []string
	for _, c := range chunks(s, per) {
		b := []byte(c)
		if e != nil {
			b = mustEncode(e, c)
		}
		words = append(words, "=?"+charset+"?B?"+base64.StdEncoding.EncodeToString(b)+"?=")
	}
	return strings.Join(words, "\r\n ")
}

// qWords encodes s as UTF-8 Q encoded words. Only letters, digits and
// "!*+-/" stay literal, so the result is safe inside a phrase.
func qWords(s string) string {
	var words []string
	for _, c := range chunks(s, 8) {
		var w strings.Builder
		w.WriteString("=?UTF-8?Q?")
		for i := 0; i < len(c); i++ {
			b := c[i]
			switch {
			case b == ' ':
				w.WriteByte('_')
			case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', strings.IndexByte("!*+-/", b) >= 0:
				w.WriteByte(b)
			default:
				fmt.Fprintf(&w, "=%02X", b)
			}
		}
		w.WriteString("?=")
		words = append(words, w.String())
	}
	return strings.Join(words, "\r\n ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// text encodes unstructured header text such as a Subject.
func text(e hdrEnc, s string) string {
	if isASCII(s) {
		return s
	}
	switch e {
	case hdrJIS:
		return bWords("ISO-2022-JP", japanese.ISO2022JP, s)
	case hdrSJIS, hdrRawSJIS:
		return bWords("Shift_JIS", japanese.ShiftJIS, s)
	case hdrEUC:
		return bWords("EUC-JP", japanese.EUCJP, s)
	case hdrUTF8Q:
		return qWords(s)
	default:
		return bWords("UTF-8", nil, s)
	}
}

// phrase encodes a display name.
func phrase(e hdrEnc, s string) string {
	if isASCII(s) {
		if strings.ContainsAny(s, `()<>@,;:\".[]`) {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
		}
		return s
	}
	if e == hdrRawSJIS {
		return string(mustEncode(japanese.ShiftJIS, s))
	}
	return text(e, s)
}

// mailbox formats one address as "name <email>".
func mailbox(e hdrEnc, name, email string) string {
	if name == "" {
		return email
	}
	return phrase(e, name) + " <" + email + ">"
}

// addrList joins formatted addresses, one per line when they are long.
func addrList(addrs []string) string {
	n := 0
	for _, a := range addrs {
		n += len(a) + 2
	}
	if n < 64 && !strings.Contains(strings.Join(addrs, ""), "\r\n") {
		return strings.Join(addrs, ", ")
	}
	return strings.Join(addrs, ",\r\n ")
}

// bodyEnc is how a mail program writes a text body.
type bodyEnc int

const (
	bodyJIS      bodyEnc = iota // ISO-2022-JP, 7bit
	bodySJIS8                   // Shift_JIS, 8bit
	bodySJIS64                  // Shift_JIS, base64
	bodyEUC8                    // EUC-JP, 8bit
	bodyUTF8B64                 // UTF-8, base64 (webmail)
	bodyUTF8QP                  // UTF-8, quoted-printable
	bodyUTF8Flow                // UTF-8, 8bit, format=flowed
)

// crlf turns "\n" line ends into CRLF and makes sure s ends with one.
func crlf(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.ReplaceAll(s, "\n", "\r\n") + "\r\n"
}

// textBody encodes text ("\n" line ends) and returns the Content-Type
// parameters, the transfer encoding and the encoded body with CRLF.
func textBody(be bodyEnc, subtype, s string) (ctype, cte, body string) {
	ct := "text/" + subtype
	if isASCII(s) && be != bodyUTF8B64 {
		if be == bodyUTF8Flow {
			return ct + "; charset=UTF-8; format=flowed", "7bit", crlf(s)
		}
		return ct + "; charset=us-ascii", "7bit", crlf(s)
	}
	switch be {
	case bodyJIS:
		var b strings.Builder
		for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
			b.Write(mustEncode(japanese.ISO2022JP, line))
			b.WriteString("\r\n")
		}
		return ct + "; charset=ISO-2022-JP", "7bit", b.String()
	case bodySJIS8:
		return ct + "; charset=Shift_JIS", "8bit", string(mustEncode(japanese.ShiftJIS, crlf(s)))
	case bodySJIS64:
		return ct + "; charset=\"Shift_JIS\"", "base64", base64Lines(mustEncode(japanese.ShiftJIS, crlf(s)))
	case bodyEUC8:
		return ct + "; charset=EUC-JP", "8bit", string(mustEncode(japanese.EUCJP, crlf(s)))
	case bodyUTF8B64:
		return ct + "; charset=\"UTF-8\"", "base64", base64Lines([]byte(crlf(s)))
	case bodyUTF8QP:
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write([]byte(crlf(s)))
		w.Close()
		return ct + "; charset=utf-8", "quoted-printable", b.String()
	default:
		return ct + "; charset=UTF-8; format=flowed", "8bit", crlf(s)
	}
}

// base64Lines encodes b in lines of 76 characters, each ending in CRLF.
func base64Lines(b []byte) string {
	enc := base64.StdEncoding
	var out strings.Builder
	out.Grow(enc.EncodedLen(len(b)) * 78 / 76)
	line := make([]byte, 76)
	for len(b) > 0 {
		n := min(len(b), 57)
		enc.Encode(line, b[:n])
		out.Write(line[:enc.EncodedLen(n)])
		out.WriteString("\r\n")
		b = b[n:]
	}
	return out.String()
}
