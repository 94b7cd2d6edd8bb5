package mailtext

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// The text of a message's MIME parts, for the search index.

// MaxScanBytes bounds how far into a message the index looks for text:
// past it are attachments.
const MaxScanBytes = 4 << 20

// MaxBodyText bounds the text kept per message for the index.
const MaxBodyText = 256 << 10

// BodyText returns the decoded text of a message's text parts, HTML without
// its tags, for the index. Broken MIME yields what could be read.
//
// The MIME structure is walked on the bytes in memory: a multipart body is
// cut at its boundary lines with one search per part, and only text parts
// are decoded (go-message decodes them). go-message's multipart reader
// scans every attachment for the boundary through a 4 KiB window instead:
// it was half the CPU time of parsing. That reader is still used for
// spooled messages (BodyTextStream), which are not held in memory.
func BodyText(msg []byte) string {
	var b strings.Builder
	walkText(msg, &b, 0)
	return cutText(b.String())
}

// cutText bounds the indexed text to MaxBodyText. Every piece written is
// valid UTF-8, so the cut goes back to the start of a character.
func cutText(s string) string {
	if len(s) <= MaxBodyText {
		return s
	}
	cut := MaxBodyText
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
	if depth > 20 || b.Len() >= MaxBodyText {
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
	t := indexedType(h)
	switch t {
	case "":
	case "message/rfc822":
		inner, ok := decodedBody(h, body, MaxScanBytes)
		if !ok {
			break
		}
		if ih, _, ok := readEntity(inner); ok {
			b.WriteString(Text([]byte(ih.Get("Subject"))) + "\n")
			walkText(inner, b, depth+1)
		}
	default:
		if data, ok := decodedBody(h, body, MaxBodyText); ok {
			b.WriteString(readableText(data, t))
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
func indexedType(h message.Header) string {
	t, _, _ := h.ContentType()
	if t == "" {
		t = "text/plain"
	}
	if disp, _, _ := h.ContentDisposition(); disp == "attachment" {
		return ""
	}
	switch t {
	case "text/plain", "text/html", "message/rfc822":
		return t
	}
	return ""
}

// readableText makes a text part's decoded bytes valid UTF-8 (8-bit text in
// no charset or an unknown one is guessed, see Guess) and turns HTML into
// text (HTMLText).
func readableText(data []byte, t string) string {
	text := string(data)
	if !utf8.ValidString(text) {
		text = Guess(data)
	}
	if t == "text/html" {
		text = HTMLText(text)
	}
	return text
}

// BodyTextStream is BodyText for a message read from r rather than held in
// memory, through go-message's streaming reader. It gives the same text.
func BodyTextStream(r io.Reader) string {
	ent, _ := message.Read(r)
	if ent == nil {
		return ""
	}
	var b strings.Builder
	walkStream(ent, &b, 0)
	return cutText(b.String())
}

func walkStream(ent *message.Entity, b *strings.Builder, depth int) {
	if depth > 20 || b.Len() >= MaxBodyText {
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
	t := indexedType(ent.Header)
	switch t {
	case "":
		return
	case "message/rfc822":
		if inner, _ := message.Read(ent.Body); inner != nil {
			b.WriteString(Text([]byte(inner.Header.Get("Subject"))) + "\n")
			walkStream(inner, b, depth+1)
		}
		return
	}
	data, _ := io.ReadAll(io.LimitReader(ent.Body, MaxBodyText))
	b.WriteString(readableText(data, t))
	b.WriteByte('\n')
}
