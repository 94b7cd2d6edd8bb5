package mailtext

import (
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// ErrNoAttachment is returned by CopyAttachment when the message has fewer
// attachments than the index asked for.
var ErrNoAttachment = errors.New("the message has no such attachment")

// CopyAttachment writes the decoded content of the message's attachment
// number index (0-based, in the order ForDisplay lists them) to w,
// streaming, and returns its name as ForDisplay shows it. The message's
// bytes are only read.
func CopyAttachment(r io.Reader, index int, w io.Writer) (string, error) {
	mr, err := mail.CreateReader(r)
	if err != nil && mr == nil {
		return "", fmt.Errorf("read message: %w", err)
	}
	n := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", ErrNoAttachment
		}
		if err != nil {
			if message.IsUnknownCharset(err) || message.IsUnknownEncoding(err) {
				continue
			}
			return "", fmt.Errorf("read message: %w", err)
		}
		h, ok := p.Header.(*mail.AttachmentHeader)
		if !ok {
			continue
		}
		if n < index {
			n++
			continue
		}
		name, _ := h.Filename()
		if name == "" {
			name, _, _ = h.ContentType()
		}
		if _, err := io.Copy(w, p.Body); err != nil {
			return name, fmt.Errorf("attachment %s: %w", name, err)
		}
		return name, nil
	}
}
