package backup

import (
	"bytes"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailtext"
)

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

// scanHeader splits the header block at the start of msg into fields
// (see mailtext.Fields).
func scanHeader(msg []byte) []headerField {
	var fields []headerField
	mailtext.Fields(msg, func(name, value, raw []byte) {
		fields = append(fields, headerField{name: strings.ToLower(string(name)), raw: raw, value: value})
	})
	return fields
}

var unfolder = strings.NewReplacer("\r\n", "", "\n", "", "\r", "")

// unfold joins folded lines and trims.
func unfold(v []byte) string { return strings.TrimSpace(unfolder.Replace(string(v))) }

// describe fills the index fields of e from the message's bytes: msg is the
// message, or at least its first maxScanBytes (the header and the text
// parts come first; attachments are not read for the index). It never
// fails: broken mail gets what can be read of it.
func describe(e *archive.Entry, msg []byte) {
	describeHeader(e, msg)
	e.Text.Body = mailtext.BodyText(msg[:min(len(msg), mailtext.MaxScanBytes)])
}

// describeSpooled is describe for a message in a spool file: its header is
// read into memory, its text parts stream (see mailtext.BodyTextStream).
func describeSpooled(e *archive.Entry, f io.ReaderAt, size int64) {
	describeSpooledHeader(e, f, size)
	e.Text.Body = mailtext.BodyTextStream(io.NewSectionReader(f, 0, min(size, mailtext.MaxScanBytes)))
}

// describeSpooledHeader is describeHeader for a message in a spool file.
func describeSpooledHeader(e *archive.Entry, f io.ReaderAt, size int64) {
	head := make([]byte, min(size, mailtext.MaxHeaderBytes))
	n, _ := f.ReadAt(head, 0)
	describeHeader(e, head[:n])
}

// describeHeader fills every index field but the body text from the
// message's header, at the start of msg.
func describeHeader(e *archive.Entry, msg []byte) {
	fields := scanHeader(msg)
	var subject, from, to, cc, returnPath []byte
	var date, msgID string
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
			subject = f.value
		case "from":
			from = f.value
		case "to":
			to = f.value
		case "cc":
			cc = f.value
		case "date":
			date = unfold(f.value)
		case "message-id":
			msgID = unfold(f.value)
		case "return-path":
			returnPath = f.value
		}
	}
	// Decoded by the one decoder the address book and the windows use.
	e.Subject = mailtext.Text(subject)
	e.From = mailtext.AddressText(from)
	e.To = mailtext.AddressText(to)
	e.Cc = mailtext.AddressText(cc)
	e.MessageID = strings.Trim(strings.TrimSpace(msgID), "<>")
	if t, err := mail.ParseDate(date); err == nil {
		e.Date = t.Format(time.RFC3339)
	}
	e.AddrFields = addrRaw.Bytes()
	e.Sender = envelopeSender(returnPath, from)
	people = append(people, e.From, e.To, e.Cc)
	e.Text = archive.IndexText{
		Subject:   e.Subject,
		Addresses: strings.Join(people, " "),
	}
}

// envelopeSender is the address for the mbox "From " line: the
// Return-Path's, else the From's first. A Return-Path without an address
// (the null sender "<>" of a bounce) is kept as written.
func envelopeSender(returnPath, from []byte) string {
	if a, ok := mailtext.First(returnPath); ok {
		return a.Email
	}
	if t := mailtext.Text(returnPath); t != "" {
		return t
	}
	if a, ok := mailtext.First(from); ok {
		return a.Email
	}
	return mailtext.Text(from)
}
