package mailtext

import "bytes"

// MaxHeaderBytes bounds how much of a message Fields reads as its header.
const MaxHeaderBytes = 256 << 10

// Fields calls fn for each field of the header block at the start of msg:
// name as written, value after the colon (still folded, white space kept,
// without the final line break), and the whole field as on the wire (its
// lines and line breaks). Any bytes are accepted: CRLF or bare LF, 8-bit,
// NUL, very long lines. Lines that are not "name: value" (a name holding
// white space included) are skipped; the blank line ends the header, and so
// does MaxHeaderBytes. The slices point into msg.
func Fields(msg []byte, fn func(name, value, raw []byte)) {
	if len(msg) > MaxHeaderBytes {
		msg = msg[:MaxHeaderBytes]
	}
	for len(msg) > 0 {
		// A field runs to the end of a line not followed by space or tab.
		end := 0
		for {
			i := bytes.IndexByte(msg[end:], '\n')
			if i < 0 {
				end = len(msg)
				break
			}
			end += i + 1
			if end >= len(msg) || (msg[end] != ' ' && msg[end] != '\t') {
				break
			}
		}
		line := msg[:end]
		msg = msg[end:]
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			return // the blank line ends the header
		}
		colon := bytes.IndexByte(trimmed, ':')
		if colon <= 0 || bytes.ContainsAny(trimmed[:colon], " \t") {
			continue
		}
		fn(trimmed[:colon], trimmed[colon+1:], line)
	}
}
