package backup

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/mailark/mailark/internal/archive"
)

// FuzzDescribe feeds any bytes to the header scanner and the index
// extraction: they must never panic, always give valid UTF-8, and keep every
// address header line byte-exact in AddrFields.
func FuzzDescribe(f *testing.F) {
	for _, s := range []string{
		"From: a@b\r\nTo: c@d\r\nSubject: =?ISO-2022-JP?B?GyRCMnE1RBsoQg==?=\r\n\r\nbody",
		"Subject: \x82\xa0\x82\xa2\r\n\r\n",
		"From: \"Suzuki, Ichiro\" <s@x>\n\nFrom body\n",
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhi\r\n--x--\r\n",
		"Content-Type: text/html; charset=unknown-8bit\r\n\r\n<script>x</script><p>会議</p>",
		"\x00\x00\r\n\r\n", "", ":\r\n :\r\n", "A: \r\n\t\r\n\r\n",
		// Multipart edge cases for the byte walker: LF breaks, transport
		// padding, a longer boundary sharing the prefix, no close, an empty
		// boundary, a base64 message/rfc822.
		"Content-Type: multipart/mixed; boundary=b\n\n--b \nContent-Type: text/plain\n\nx\n--bb\ny\n--b--\n",
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\r\nhalf",
		"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\nx\r\n----\r\n",
		"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogaW5uZXINCg0KYm9keQ==\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var e archive.Entry
		describe(&e, msg)
		for _, s := range []string{e.Subject, e.From, e.To, e.Cc, e.MessageID, e.Text.Subject, e.Text.Addresses, e.Text.Body} {
			if !utf8.ValidString(s) {
				t.Fatalf("describe gave invalid UTF-8 %q", s)
			}
		}
		for _, f := range scanHeader(msg) {
			if addrFieldNames[f.name] && !bytes.Contains(e.AddrFields, bytes.TrimRight(f.raw, "\r\n")) {
				t.Fatalf("AddrFields lost the %s line %q", f.name, f.raw)
			}
		}
	})
}
