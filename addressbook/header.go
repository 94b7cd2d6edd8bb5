package addressbook

import (
	"bytes"

	"github.com/mailark/mailark/internal/mailtext"
)

// The address headers, in the order the extractor reads them.
const (
	hFrom = iota
	hSender
	hReplyTo
	hTo
	hCc
	hBcc
	numAddrHeaders
)

// fields is what the extractor reads of messages.addr_fields.
type fields struct {
	addr          [numAddrHeaders][][]byte // raw values (still folded), one per header line
	listID        bool
	listUnsub     bool
	precedence    []byte
	autoSubmitted []byte
}

func (f *fields) reset() {
	for i := range f.addr {
		f.addr[i] = f.addr[i][:0]
	}
	f.listID, f.listUnsub = false, false
	f.precedence, f.autoSubmitted = nil, nil
}

// parse splits raw header lines (CRLF or LF, folded or not) into fields
// (mailtext.Fields). Lines that are not "Name: value" are ignored; nothing
// here can fail.
func (f *fields) parse(b []byte) {
	f.reset()
	mailtext.Fields(b, f.add)
}

// addrHeaderNames are the address headers' names, by index (hFrom, ...).
var addrHeaderNames = [numAddrHeaders]string{"From", "Sender", "Reply-To", "To", "Cc", "Bcc"}

func (f *fields) add(name, value, _ []byte) {
	value = bytes.TrimLeft(value, " \t")
	for h, n := range addrHeaderNames {
		if eqFold(name, n) {
			f.addr[h] = append(f.addr[h], value)
			return
		}
	}
	switch {
	case eqFold(name, "List-Id"):
		f.listID = len(bytes.TrimSpace(value)) > 0
	case eqFold(name, "List-Unsubscribe"):
		f.listUnsub = len(bytes.TrimSpace(value)) > 0
	case eqFold(name, "Precedence"):
		f.precedence = bytes.TrimSpace(value)
	case eqFold(name, "Auto-Submitted"):
		f.autoSubmitted = bytes.TrimSpace(value)
	}
}

func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if d >= 'A' && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// automatedReason says why a message looks machine-sent, or "".
// X-Auto-Response-Suppress is not used: Outlook sets it on mail people write.
func (f *fields) automatedReason() string {
	switch {
	case f.listID:
		return "mailing list (List-Id)"
	case f.listUnsub:
		return "bulk mail (List-Unsubscribe)"
	}
	if p := bytes.ToLower(f.precedence); len(p) > 0 {
		switch string(bytes.Fields(p)[0]) {
		case "bulk", "list", "junk":
			return "bulk mail (Precedence: " + string(bytes.Fields(p)[0]) + ")"
		}
	}
	if a := bytes.ToLower(f.autoSubmitted); len(a) > 0 {
		// RFC 3834: anything but "no" (with optional parameters) is automatic.
		v := a
		if i := bytes.IndexByte(v, ';'); i >= 0 {
			v = v[:i]
		}
		if string(bytes.TrimSpace(v)) != "no" {
			return "sent automatically (Auto-Submitted)"
		}
	}
	return ""
}
