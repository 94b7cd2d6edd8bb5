package testmail

import (
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
)

// Addr is one decoded address: the display name and the address as
// written (no IDNA conversion, no case folding).
type Addr struct {
	Name  string
	Email string
}

// Fixture is one test message.
type Fixture struct {
	// Name is short, unique and safe in a file name ("iso-2022-jp").
	Name string
	// Raw is the message as a server would send it.
	Raw []byte
	// Want holds, per header field ("From", "To", "Cc", "Reply-To"), the
	// addresses a correct decoder returns, groups flattened. A field that
	// is present with no address at all ("undisclosed-recipients:;") maps
	// to an empty, non-nil slice. Fields not in Want are not checked.
	Want map[string][]Addr
	// Subject is the decoded Subject a correct decoder returns.
	Subject string
	// Hard is set when go-message's mail.Header (AddressList, Subject), with
	// its charset package imported, does not return Want and Subject on its
	// own: Note says why and what Mailark must do.
	Hard bool
	Note string
}

// encode converts s to a legacy charset; nil means UTF-8. The fixtures'
// texts always fit, so failing is a bug here.
func encode(e encoding.Encoding, s string) string {
	if e == nil {
		return s
	}
	b, err := e.NewEncoder().String(s)
	if err != nil {
		panic(fmt.Sprintf("testmail: cannot encode %q: %v", s, err))
	}
	return b
}

// bw returns s as one RFC 2047 B encoded word in charset.
func bw(charset string, e encoding.Encoding, s string) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString([]byte(encode(e, s))) + "?="
}

// qw returns s as one RFC 2047 Q encoded word in charset, with only
// letters and digits literal, so it is safe in a phrase.
func qw(charset string, e encoding.Encoding, s string) string {
	var b strings.Builder
	b.WriteString("=?" + charset + "?Q?")
	for _, c := range []byte(encode(e, s)) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	b.WriteString("?=")
	return b.String()
}

// b64 encodes a body in base64 lines of 76 characters with CRLF.
func b64(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// crlf turns "\n" into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// mk joins header lines (CRLF added) and a body that already has CRLF.
func mk(header []string, body string) []byte {
	return []byte(strings.Join(header, "\r\n") + "\r\n\r\n" + body)
}

// std returns the header lines every fixture shares, around the fields
// given.
func std(name string, fields ...string) []string {
	h := []string{"Date: Mon, 10 Jun 2024 10:15:00 +0900"}
	h = append(h, fields...)
	return append(h, "Message-ID: <"+name+"@testmail.example>", "MIME-Version: 1.0")
}

func addrs(a ...Addr) []Addr { return a }
