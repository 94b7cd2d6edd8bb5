package mailtext

import (
	"bytes"
	"strings"
)

// splitMultipart cuts a multipart body into its parts (RFC 2046 5.1.1). A
// delimiter is a line of "--" and the boundary, then optional spaces or
// tabs; the close delimiter has "--" after the boundary. The line break
// before a delimiter belongs to it, not to the part. The preamble and the
// epilogue are not parts; a body cut short ends its last part where it
// ends. Line breaks may be CRLF or LF, mixed.
func splitMultipart(body []byte, boundary string) [][]byte {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // where the current part's bytes begin; -1 in the preamble
	for pos := 0; pos <= len(body); {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		pos = i + 1
		if i > 0 && body[i-1] != '\n' {
			continue // not at the start of a line
		}
		rest := body[i+len(delim):]
		line, next := rest, len(body)
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			line, next = rest[:nl], i+len(delim)+nl+1
		}
		closing := bytes.HasPrefix(line, []byte("--"))
		if closing {
			line = line[2:]
		}
		if len(bytes.TrimRight(line, " \t\r")) > 0 {
			continue // a longer boundary that starts with this one
		}
		if start >= 0 {
			end := i
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[start:end])
		}
		if closing {
			return parts
		}
		start, pos = next, next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}

// chooseAlternative returns the text of one part of a multipart/alternative:
// the parts say the same thing (plain text and HTML, mostly), and indexing
// every one would only make the index larger. The plain text is preferred,
// as it reads without markup; else the last part that gives text (RFC 2046
// orders them from plainest to richest). next gives each part's text and
// media type in turn, and false after the last.
func chooseAlternative(next func() (text, mediaType string, ok bool)) string {
	var best string
	for {
		text, t, ok := next()
		if !ok {
			return best
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		best = text
		if t == "text/plain" || t == "" {
			return best
		}
	}
}
