package mailtext

import (
	"html"
	"strings"
)

// HTMLText turns an HTML body into readable text, for the index and the
// reading pane alike: scripts, styles and the head are dropped, a line
// break stands for each break and block end (br, p, div, tr, li,
// headings), a space for each table cell, other tags vanish, character
// references are decoded, and lines are trimmed with at most one blank line
// between paragraphs. It is no renderer: good enough to read and to search.
func HTMLText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	lower := asciiLower(s) // same length as s: indexes agree
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		name := tagName(lower[i+1:])
		switch name {
		case "script", "style", "head":
			if k := strings.Index(lower[i:], "</"+name); k >= 0 {
				i += k + 2 // then skip the closing tag below
			}
		}
		k := strings.IndexByte(s[i:], '>')
		if k < 0 {
			break
		}
		i += k + 1
		switch name {
		case "br", "/p", "/div", "/tr", "/li", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "/table", "/blockquote":
			b.WriteByte('\n')
		case "td", "th":
			b.WriteByte(' ')
		}
	}
	return tidyLines(html.UnescapeString(b.String()))
}

// tagName returns the lower-case name of the tag that s starts with (after
// its '<'), with a leading '/' for a closing tag.
func tagName(s string) string {
	end := 0
	for end < len(s) && end < 16 {
		c := s[end]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' && end == 0 {
			end++
			continue
		}
		break
	}
	return s[:end]
}

// tidyLines trims each line and keeps at most one blank line in a row.
func tidyLines(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank > 0 {
				b.WriteByte('\n')
			}
		}
		blank = 0
		b.WriteString(line)
	}
	return b.String()
}
