package backup

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/japanese"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/charsets"
)

// maxHeaderBytes bounds how much of a message is read as its header.
const maxHeaderBytes = 256 << 10

// addrFieldNames are the header fields kept raw for the address book.
var addrFieldNames = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"list-id": true, "list-unsubscribe": true, "precedence": true, "auto-submitted": true,
	"x-auto-response-suppress": true, "return-path": true,
}

// headerField is one raw field: name and value as on the wire (value
// includes folding, without the final line break).
type headerField struct {
	name  string // lower case
	raw   []byte // the whole field, lines and line breaks as sent
	value []byte
}

// scanHeader splits the header block at the start of msg into fields. It
// accepts any bytes: CRLF or bare LF, 8-bit, NUL, very long lines. Lines
// that are not fields are skipped.
func scanHeader(msg []byte) []headerField {
	if len(msg) > maxHeaderBytes {
		msg = msg[:maxHeaderBytes]
	}
	var fields []headerField
	for len(msg) > 0 {
		// A field runs to the end of a line not followed by space or tab.
		end := 0
		for {
			i := bytes.IndexByte(msg[end:], '\n')
			if i < 0 {
				end = len(msg)
				break
			}
			end += i + 1
			if end >= len(msg) || (msg[end] != ' ' && msg[end] != '\t') {
				break
			}
		}
		line := msg[:end]
		msg = msg[end:]
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			break // the blank line ends the header
		}
		colon := bytes.IndexByte(trimmed, ':')
		if colon <= 0 || bytes.ContainsAny(trimmed[:colon], " \t") {
			continue
		}
		fields = append(fields, headerField{
			name:  strings.ToLower(string(trimmed[:colon])),
			raw:   line,
			value: trimmed[colon+1:],
		})
	}
	return fields
}

var unfolder = strings.NewReplacer("\r\n", "", "\n", "", "\r", "")

// unfold joins folded lines and trims.
func unfold(v []byte) string { return strings.TrimSpace(unfolder.Replace(string(v))) }

var wordDecoder = &mime.WordDecoder{CharsetReader: charsets.Reader}

// decodeText decodes RFC 2047 encoded words and guesses raw 8-bit bytes:
// UTF-8 when valid, else Shift_JIS, else EUC-JP, else Latin-1. It always
// returns readable text.
func decodeText(raw string) string {
	s := raw
	if !utf8.ValidString(s) {
		s = guess8bit([]byte(s))
	}
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func guess8bit(b []byte) string {
	for _, dec := range []func([]byte) ([]byte, error){
		japanese.ShiftJIS.NewDecoder().Bytes, japanese.EUCJP.NewDecoder().Bytes,
	} {
		if out, err := dec(b); err == nil && utf8.Valid(out) && !bytes.ContainsRune(out, utf8.RuneError) {
			return string(out)
		}
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// decodeAddresses renders an address list as "Name <addr>, …", falling back
// to the decoded text when the list does not parse.
func decodeAddresses(raw string) string {
	text := decodeText(raw)
	if text == "" {
		return ""
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	list, err := p.ParseList(text)
	if err != nil || len(list) == 0 {
		return text
	}
	parts := make([]string, len(list))
	for i, a := range list {
		if a.Name != "" {
			parts[i] = a.Name + " <" + a.Address + ">"
		} else {
			parts[i] = a.Address
		}
	}
	return strings.Join(parts, ", ")
}

// firstAddress returns the bare address of the first mailbox in raw.
func firstAddress(raw string) string {
	text := decodeText(raw)
	if a, err := mail.ParseAddress(strings.SplitN(text, ",", 2)[0]); err == nil {
		return a.Address
	}
	if i := strings.IndexByte(text, '<'); i >= 0 {
		if j := strings.IndexByte(text[i:], '>'); j > 1 {
			return strings.TrimSpace(text[i+1 : i+j])
		}
	}
	return strings.TrimSpace(text)
}

// describe fills the index fields of e from the message's bytes: msg is the
// message, or at least its first maxScanBytes (the header and the text
// parts come first; attachments are not read for the index). It never
// fails: broken mail gets what can be read of it.
func describe(e *archive.Entry, msg []byte) {
	describeHeader(e, msg)
	e.Text.Body = bodyText(msg[:min(len(msg), maxScanBytes)])
}

// describeSpooled is describe for a message in a spool file: its header is
// read into memory, its text parts stream through go-message (see
// bodyTextStream).
func describeSpooled(e *archive.Entry, f io.ReaderAt, size int64) {
	head := make([]byte, min(size, maxHeaderBytes))
	n, _ := f.ReadAt(head, 0)
	describeHeader(e, head[:n])
	e.Text.Body = bodyTextStream(io.NewSectionReader(f, 0, min(size, maxScanBytes)))
}

// describeHeader fills every index field but the body text from the
// message's header, at the start of msg.
func describeHeader(e *archive.Entry, msg []byte) {
	fields := scanHeader(msg)
	var subject, from, to, cc, date, msgID, returnPath string
	var addrRaw bytes.Buffer
	var people []string
	for _, f := range fields {
		if addrFieldNames[f.name] {
			addrRaw.Write(f.raw)
			if !bytes.HasSuffix(f.raw, []byte("\n")) {
				addrRaw.WriteString("\r\n")
			}
		}
		switch f.name {
		case "subject":
			subject = unfold(f.value)
		case "from":
			from = unfold(f.value)
		case "to":
			to = unfold(f.value)
		case "cc":
			cc = unfold(f.value)
		case "date":
			date = unfold(f.value)
		case "message-id":
			msgID = unfold(f.value)
		case "return-path":
			returnPath = unfold(f.value)
		}
	}
	e.Subject = decodeText(subject)
	e.From = decodeAddresses(from)
	e.To = decodeAddresses(to)
	e.Cc = decodeAddresses(cc)
	e.MessageID = strings.Trim(strings.TrimSpace(msgID), "<>")
	if t, err := mail.ParseDate(date); err == nil {
		e.Date = t.Format(time.RFC3339)
	}
	e.AddrFields = addrRaw.Bytes()
	e.Sender = firstAddress(returnPath)
	if e.Sender == "" {
		e.Sender = firstAddress(from)
	}
	people = append(people, e.From, e.To, e.Cc)
	e.Text = archive.IndexText{
		Subject:   e.Subject,
		Addresses: strings.Join(people, " "),
	}
}

// maxScanBytes bounds how far into a message the index looks for text:
// past it are attachments.
const maxScanBytes = 4 << 20

// maxBodyText bounds the text kept per message for the index.
const maxBodyText = 256 << 10

// bodyText returns the decoded text of a message's text parts, HTML without
// its tags, for the index. Broken MIME yields what could be read.
//
// The MIME structure is walked on the bytes in memory: a multipart body is
// cut at its boundary lines with one search per part, and only text parts
// are decoded (go-message decodes them). go-message's multipart reader
// scans every attachment for the boundary through a 4 KiB window instead:
// it was half the CPU time of parsing. That reader is still used for
// spooled messages (bodyTextStream), which are not held in memory.
func bodyText(msg []byte) string {
	var b strings.Builder
	walkText(msg, &b, 0)
	return cutText(b.String())
}

// cutText bounds the indexed text to maxBodyText. Every piece written is
// valid UTF-8, so the cut goes back to the start of a character.
func cutText(s string) string {
	if len(s) <= maxBodyText {
		return s
	}
	cut := maxBodyText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// readEntity splits an entity (a message or a part) into its header and
// body. ok is false when the header does not parse; nothing of such an
// entity is indexed.
func readEntity(ent []byte) (h message.Header, body []byte, ok bool) {
	r := bytes.NewReader(ent)
	br := headerReaders.Get().(*bufio.Reader)
	br.Reset(r)
	th, err := textproto.ReadHeader(br)
	read := len(ent) - r.Len() - br.Buffered()
	br.Reset(nil)
	headerReaders.Put(br)
	if err != nil {
		return h, nil, false
	}
	return message.Header{Header: th}, ent[read:], true
}

var headerReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// walkText writes the text of ent to b and returns ent's media type as
// its Content-Type says ("" when there is none).
func walkText(ent []byte, b *strings.Builder, depth int) string {
	if depth > 20 || b.Len() >= maxBodyText {
		return ""
	}
	h, body, ok := readEntity(ent)
	if !ok {
		return ""
	}
	mediaType, params, _ := h.ContentType()
	if strings.HasPrefix(mediaType, "multipart/") {
		parts := splitMultipart(body, params["boundary"])
		if mediaType == "multipart/alternative" {
			b.WriteString(chooseAlternative(func() (string, string, bool) {
				if len(parts) == 0 {
					return "", "", false
				}
				var alt strings.Builder
				t := walkText(parts[0], &alt, depth+1)
				parts = parts[1:]
				return alt.String(), t, true
			}))
			return mediaType
		}
		for _, p := range parts {
			walkText(p, b, depth+1)
		}
		return mediaType
	}
	t, params := indexedType(h)
	switch t {
	case "":
	case "message/rfc822":
		inner, ok := decodedBody(h, body, maxScanBytes)
		if !ok {
			break
		}
		if ih, _, ok := readEntity(inner); ok {
			b.WriteString(decodeText(ih.Get("Subject")) + "\n")
			walkText(inner, b, depth+1)
		}
	default:
		if data, ok := decodedBody(h, body, maxBodyText); ok {
			b.WriteString(readableText(data, t, params))
			b.WriteByte('\n')
		}
	}
	return mediaType
}

// decodedBody returns at most limit bytes of a single-part entity's body
// with its transfer encoding (and, for text, its charset) undone; mostly
// there is nothing to undo, and that is the body as it is. ok is false when
// go-message cannot read the entity at all.
func decodedBody(h message.Header, body []byte, limit int) ([]byte, bool) {
	raw := bytes.NewReader(body)
	ent, _ := message.New(h, raw) // an unknown charset still gives a readable entity
	if ent == nil {
		return nil, false
	}
	if ent.Body == io.Reader(raw) {
		return body[:min(len(body), limit)], true
	}
	data, _ := io.ReadAll(io.LimitReader(ent.Body, int64(limit)))
	return data, true
}

// indexedType returns the media type of a single-part entity when the
// index takes its text: text/plain (also when there is no Content-Type),
// text/html or message/rfc822, and not an attachment. Else "".
func indexedType(h message.Header) (string, map[string]string) {
	t, params, _ := h.ContentType()
	if t == "" {
		t = "text/plain"
	}
	if disp, _, _ := h.ContentDisposition(); disp == "attachment" {
		return "", nil
	}
	switch t {
	case "text/plain", "text/html", "message/rfc822":
		return t, params
	}
	return "", nil
}

// readableText makes a text part's decoded bytes valid UTF-8 (8-bit text
// without a charset is guessed) and strips HTML of its tags.
func readableText(data []byte, t string, params map[string]string) string {
	text := string(data)
	if !utf8.ValidString(text) {
		if _, ok := params["charset"]; !ok {
			text = guess8bit(data)
		} else {
			text = strings.ToValidUTF8(text, "\uFFFD")
		}
	}
	if t == "text/html" {
		text = stripTags(text)
	}
	return text
}

// bodyTextStream is bodyText for a message read from r rather than held in
// memory, through go-message's streaming reader. It gives the same text.
func bodyTextStream(r io.Reader) string {
	ent, _ := message.Read(r)
	if ent == nil {
		return ""
	}
	var b strings.Builder
	walkStream(ent, &b, 0)
	return cutText(b.String())
}

func walkStream(ent *message.Entity, b *strings.Builder, depth int) {
	if depth > 20 || b.Len() >= maxBodyText {
		return
	}
	if mr := ent.MultipartReader(); mr != nil {
		if t, _, _ := ent.Header.ContentType(); t != "multipart/alternative" {
			for {
				p, err := mr.NextPart()
				if err != nil {
					return
				}
				walkStream(p, b, depth+1)
			}
		}
		b.WriteString(chooseAlternative(func() (string, string, bool) {
			p, err := mr.NextPart()
			if err != nil {
				return "", "", false
			}
			var alt strings.Builder
			walkStream(p, &alt, depth+1)
			t, _, _ := p.Header.ContentType()
			return alt.String(), t, true
		}))
		return
	}
	t, params := indexedType(ent.Header)
	switch t {
	case "":
		return
	case "message/rfc822":
		if inner, _ := message.Read(ent.Body); inner != nil {
			b.WriteString(decodeText(inner.Header.Get("Subject")) + "\n")
			walkStream(inner, b, depth+1)
		}
		return
	}
	data, _ := io.ReadAll(io.LimitReader(ent.Body, maxBodyText))
	b.WriteString(readableText(data, t, params))
	b.WriteByte('\n')
}

// splitMultipart cuts a multipart body into its parts (RFC 2046 5.1.1). A
// delimiter is a line of "--" and the boundary, then optional spaces or
// tabs; the close delimiter has "--" after the boundary. The line break
// before a delimiter belongs to it, not to the part. The preamble and the
// epilogue are not parts; a body cut short ends its last part where it
// ends. Line breaks may be CRLF or LF, mixed.
func splitMultipart(body []byte, boundary string) [][]byte {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // where the current part's bytes begin; -1 in the preamble
	for pos := 0; pos <= len(body); {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		pos = i + 1
		if i > 0 && body[i-1] != '\n' {
			continue // not at the start of a line
		}
		rest := body[i+len(delim):]
		line, next := rest, len(body)
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			line, next = rest[:nl], i+len(delim)+nl+1
		}
		closing := bytes.HasPrefix(line, []byte("--"))
		if closing {
			line = line[2:]
		}
		if len(bytes.TrimRight(line, " \t\r")) > 0 {
			continue // a longer boundary that starts with this one
		}
		if start >= 0 {
			end := i
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[start:end])
		}
		if closing {
			return parts
		}
		start, pos = next, next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}

// chooseAlternative returns the text of one part of a multipart/alternative:
// the parts say the same thing (plain text and HTML, mostly), and indexing
// every one would only make the index larger. The plain text is preferred,
// as it reads without markup; else the last part that gives text (RFC 2046
// orders them from plainest to richest). next gives each part's text and
// media type in turn, and false after the last.
func chooseAlternative(next func() (text, mediaType string, ok bool)) string {
	var best string
	for {
		text, t, ok := next()
		if !ok {
			return best
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		best = text
		if t == "text/plain" || t == "" {
			return best
		}
	}
}

// stripTags removes HTML tags, scripts and styles, and decodes the common
// entities; good enough for an index.
func stripTags(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		for _, skip := range []string{"script", "style"} {
			if strings.HasPrefix(lower[i+1:], skip) {
				if k := strings.Index(lower[i:], "</"+skip); k >= 0 {
					i += k
				}
			}
		}
		k := strings.IndexByte(s[i:], '>')
		if k < 0 {
			break
		}
		i += k + 1
		b.WriteByte(' ')
	}
	return htmlEntities.Replace(b.String())
}

var htmlEntities = strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'")
