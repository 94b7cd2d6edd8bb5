package main

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

var modifiedBase64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// decodeModifiedUTF7 decodes an IMAP mailbox name (RFC 3501 5.1.3) as
// mbsync 1.4 keeps it in Maildir directory names. A name that does not
// decode is returned as is.
func decodeModifiedUTF7(name string) string {
	s := name
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '-')
		if j < 0 {
			return name
		}
		enc := s[i+1 : i+j]
		s = s[i+j+1:]
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		raw, err := modifiedBase64.DecodeString(enc)
		if err != nil || len(raw)%2 != 0 {
			return name
		}
		units := make([]uint16, len(raw)/2)
		for k := range units {
			units[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		b.WriteString(string(utf16.Decode(units)))
	}
}
