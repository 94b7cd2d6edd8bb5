package mbox

import (
	"bytes"
	"time"
)

// asctime is the date form of the separator line, in UTC.
const asctime = "Mon Jan _2 15:04:05 2006"

// noFinalNewlineField ends the separator line of a message whose last byte
// is not '\n'.
const noFinalNewlineField = " mailark-no-final-newline"

// MaxSenderBytes is the longest sender token written on a separator line.
// RFC 5321 limits a path to 256 octets; longer senders are cut.
const MaxSenderBytes = 256

// Separator describes the "From " line before a message.
type Separator struct {
	// Sender is the envelope sender; "" means MAILER-DAEMON. It is written
	// as SenderToken(Sender).
	Sender string
	// Time is written in UTC in asctime form, to the second. A time
	// outside the years 1 to 9999 is written as the zero time
	// ("Mon Jan  1 00:00:00 0001").
	Time time.Time
}

// SenderToken returns the sender as WriteMessage writes it, and so as
// Reader gives it back: "MAILER-DAEMON" for "", cut to its first
// MaxSenderBytes bytes, with each byte that is not printable ASCII (space,
// control characters, DEL, and every byte of a non-ASCII character)
// replaced by '_'. Spaces would split the token; non-ASCII bytes make
// Python's mailbox.mbox fail on the line (it decodes it as ASCII).
func SenderToken(sender string) string {
	return string(appendSenderToken(nil, sender))
}

func appendSenderToken(b []byte, sender string) []byte {
	if sender == "" {
		return append(b, "MAILER-DAEMON"...)
	}
	if len(sender) > MaxSenderBytes {
		sender = sender[:MaxSenderBytes]
	}
	for i := 0; i < len(sender); i++ {
		c := sender[i]
		if c <= ' ' || c >= 0x7f {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// appendLine appends the separator line, with its '\n'.
func (s Separator) appendLine(b []byte, noFinalNewline bool) []byte {
	b = append(b, "From "...)
	b = appendSenderToken(b, s.Sender)
	b = append(b, ' ')
	t := s.Time.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		t = time.Time{}
	}
	b = t.AppendFormat(b, asctime)
	if noFinalNewline {
		b = append(b, noFinalNewlineField...)
	}
	return append(b, '\n')
}

// parseSeparator reads a separator line without its '\n'. head is the
// line, which begins with "From " (or a part of it, at the end of a cut
// file). When the line was too long to keep whole, long is true, head holds
// its first bytes and tail its last.
func parseSeparator(head, tail []byte, long bool) (sender string, t time.Time, noFinalNewline bool) {
	rest := head[min(len(head), len(fromBytes)):] // head is short only when cut by the end of the file
	var date []byte
	if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
		sender = string(rest[:sp])
		date = rest[sp+1:]
	} else {
		sender = string(rest)
	}
	if long {
		date = tail
	}
	end := head
	if long {
		end = tail
	}
	if bytes.HasSuffix(end, []byte(noFinalNewlineField)) {
		noFinalNewline = true
		if len(date) >= len(noFinalNewlineField) {
			date = date[:len(date)-len(noFinalNewlineField)]
		} else {
			date = nil
		}
	}
	date = bytes.TrimSuffix(date, []byte("\r"))
	return sender, parseDate(date, long), noFinalNewline
}

// parseDate reads an asctime date. Other writers add fields after it (a
// time zone, "remote from HOST"), so the first 24 bytes are tried too. Of
// a line too long to keep whole only the last 24 bytes are tried.
func parseDate(date []byte, long bool) time.Time {
	n := len(asctime)
	if long {
		if len(date) < n {
			return time.Time{}
		}
		date = date[len(date)-n:]
	}
	if t, err := time.Parse(asctime, string(date)); err == nil {
		return t
	}
	if len(date) > n {
		if t, err := time.Parse(asctime, string(date[:n])); err == nil {
			return t
		}
	}
	return time.Time{}
}
