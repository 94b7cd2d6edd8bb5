package app

import (
	"bytes"
	"errors"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	_ "github.com/mailark/mailark/internal/charsets" // every charset label real mail uses
)

// shownMessage is a message decoded for reading: the text body and the
// names of the attachments. Only for display; the archive's bytes are
// never changed.
type shownMessage struct {
	Body        string
	HTMLOnly    bool // the text came from an HTML part, tags removed
	Attachments []string
	Truncated   bool
	Broken      bool // the message is not well-formed MIME; Body is the raw text
}

// maxShownText bounds the text put into the window.
const maxShownText = 512 << 10

// readForDisplay decodes a message's bytes. Broken mail gives the best
// readable result, never an error the person cannot act on.
func readForDisplay(r io.Reader) shownMessage {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil && len(raw) == 0 {
		return shownMessage{Broken: true}
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && mr == nil {
		return rawFallback(raw)
	}
	var out shownMessage
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
			b, _ := io.ReadAll(io.LimitReader(p.Body, maxShownText+1))
			switch {
			case ct == "text/plain" && plain == "":
				plain = string(b)
			case ct == "text/html" && htmlText == "":
				htmlText = string(b)
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
		out.Body, out.HTMLOnly = stripHTML(htmlText), true
	case out.Broken:
		return rawFallback(raw)
	}
	out.Body = strings.ReplaceAll(out.Body, "\r\n", "\n")
	if len(out.Body) > maxShownText {
		out.Body, out.Truncated = strings.ToValidUTF8(out.Body[:maxShownText], ""), true
	}
	return out
}

func rawFallback(raw []byte) shownMessage {
	s := strings.ToValidUTF8(string(raw), "\uFFFD")
	if len(s) > maxShownText {
		return shownMessage{Body: strings.ToValidUTF8(s[:maxShownText], ""), Truncated: true, Broken: true}
	}
	return shownMessage{Body: strings.ReplaceAll(s, "\r\n", "\n"), Broken: true}
}

var (
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)>`)
	htmlBreak = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// stripHTML turns an HTML body into readable text.
func stripHTML(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
