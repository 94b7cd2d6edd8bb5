package mailtext

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// Shown is a message decoded for reading: the text body and the names of
// the attachments. Only for display; the archive's bytes are never changed.
type Shown struct {
	Body        string
	HTMLOnly    bool // the text came from an HTML part, tags removed
	Attachments []string
	Truncated   bool
	Broken      bool // the message is not well-formed MIME; Body is the raw text
}

// MaxShownText bounds the text put into the window.
const MaxShownText = 512 << 10

// ForDisplay decodes a message's bytes for the reading pane: the first
// text/plain part, else the first text/html part as text (HTMLText), and the
// attachments' names. Text is decoded like the index's (readableText).
// Broken mail gives the best readable result, never an error the person
// cannot act on.
func ForDisplay(r io.Reader) Shown {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil && len(raw) == 0 {
		return Shown{Broken: true}
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && mr == nil {
		return rawFallback(raw)
	}
	var out Shown
	var plain, htmlText string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if message.IsUnknownCharset(err) || message.IsUnknownEncoding(err) {
				continue
			}
			out.Broken = true
			break
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := h.ContentType()
			b, _ := io.ReadAll(io.LimitReader(p.Body, MaxShownText+1))
			switch {
			case ct == "text/plain" && plain == "":
				plain = readableText(b, ct)
			case ct == "text/html" && htmlText == "":
				htmlText = readableText(b, ct)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			if name == "" {
				ct, _, _ := h.ContentType()
				name = ct
			}
			out.Attachments = append(out.Attachments, name)
		}
	}
	switch {
	case plain != "":
		out.Body = plain
	case htmlText != "":
		out.Body, out.HTMLOnly = htmlText, true
	case out.Broken:
		return rawFallback(raw)
	}
	out.Body = strings.ReplaceAll(out.Body, "\r\n", "\n")
	if len(out.Body) > MaxShownText {
		out.Body, out.Truncated = strings.ToValidUTF8(out.Body[:MaxShownText], ""), true
	}
	return out
}

func rawFallback(raw []byte) Shown {
	s := Guess(raw)
	if len(s) > MaxShownText {
		return Shown{Body: strings.ToValidUTF8(s[:MaxShownText], ""), Truncated: true, Broken: true}
	}
	return Shown{Body: strings.ReplaceAll(s, "\r\n", "\n"), Broken: true}
}
