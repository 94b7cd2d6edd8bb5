package demo

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/encoding/japanese"
)

// entity is a MIME entity: its Content-* header lines (each ending in
// CRLF) and its encoded body (ending in CRLF).
type entity struct {
	header string
	body   string
}

func leaf(ctype, cte, body string, extra ...string) entity {
	var h strings.Builder
	h.WriteString("Content-Type: " + ctype + "\r\n")
	if cte != "" {
		h.WriteString("Content-Transfer-Encoding: " + cte + "\r\n")
	}
	for _, e := range extra {
		h.WriteString(e + "\r\n")
	}
	return entity{header: h.String(), body: body}
}

func textEntity(be bodyEnc, subtype, s string) entity {
	ct, cte, body := textBody(be, subtype, s)
	return leaf(ct, cte, body)
}

// multipart joins parts under boundary. Multipart bodies start with the
// usual preamble for programs that do not know MIME.
func multipart(subtype, boundary string, params string, parts ...entity) entity {
	var b strings.Builder
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	for _, p := range parts {
		b.WriteString("\r\n--" + boundary + "\r\n")
		b.WriteString(p.header)
		b.WriteString("\r\n")
		b.WriteString(strings.TrimSuffix(p.body, "\r\n"))
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return entity{
		header: "Content-Type: multipart/" + subtype + ";" + params + "\r\n\tboundary=\"" + boundary + "\"\r\n",
		body:   b.String(),
	}
}

// fileParam formats a file name parameter the way the sender's program
// does: RFC 2047 words inside quotes (common, not standard) or RFC 2231.
func fileParam(e hdrEnc, rfc2231 bool, param, name string) string {
	if isASCII(name) {
		return param + "=\"" + name + "\""
	}
	if rfc2231 {
		return param + "*=UTF-8''" + strings.ReplaceAll(url.PathEscape(name), "+", "%2B")
	}
	switch e {
	case hdrJIS:
		return param + "=\"" + strings.ReplaceAll(bWords("ISO-2022-JP", japanese.ISO2022JP, name), "\r\n ", " ") + "\""
	case hdrSJIS, hdrRawSJIS:
		return param + "=\"" + strings.ReplaceAll(bWords("Shift_JIS", japanese.ShiftJIS, name), "\r\n ", " ") + "\""
	default:
		return param + "=\"" + strings.ReplaceAll(bWords("UTF-8", nil, name), "\r\n ", " ") + "\""
	}
}

func attachEntity(e hdrEnc, rfc2231 bool, ctype, name string, data []byte) entity {
	return leaf(ctype+";\r\n\t"+fileParam(e, rfc2231, "name", name), "base64", base64Lines(data),
		"Content-Disposition: attachment;\r\n\t"+fileParam(e, rfc2231, "filename", name))
}

// header collects top-level header fields in order.
type header struct{ b strings.Builder }

func (h *header) add(name, value string) {
	if value == "" {
		return
	}
	h.b.WriteString(name + ": " + value + "\r\n")
}

// line adds a complete "Name: value" line.
func (h *header) line(s string) {
	if s != "" {
		h.b.WriteString(s + "\r\n")
	}
}

// message joins the top-level header and the body entity.
func (h *header) message(body entity) []byte {
	var b strings.Builder
	b.Grow(h.b.Len() + len(body.header) + len(body.body) + 20)
	b.WriteString(h.b.String())
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString(body.header)
	b.WriteString("\r\n")
	b.WriteString(body.body)
	return []byte(b.String())
}

// dateHeader formats t as RFC 5322 wants; some programs add the zone name
// as a comment.
func dateHeader(t time.Time, comment bool) string {
	s := t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
	if comment {
		s += fmt.Sprintf(" (%s)", t.Format("MST"))
	}
	return s
}
