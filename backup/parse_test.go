package backup

import (
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// TestBodyTextAlternatives: of a multipart/alternative only one part goes
// into the index (the parts say the same thing), the plain text when it has
// any, else the richest part with text; other multiparts give every text
// part.
func TestBodyTextAlternatives(t *testing.T) {
	alt := func(parts ...string) string {
		s := "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
		for _, p := range parts {
			s += "--b\r\n" + p + "\r\n"
		}
		return s + "--b--\r\n"
	}
	plain := "Content-Type: text/plain; charset=UTF-8\r\n\r\n会議の件 plain words\r\n"
	html := "Content-Type: text/html; charset=UTF-8\r\n\r\n<p>会議の件 <b>html</b> words</p>\r\n"
	blank := "Content-Type: text/plain\r\n\r\n  \r\n"
	for _, c := range []struct {
		name, msg string
		want      []string
		not       []string
	}{
		{"plain and html", alt(plain, html), []string{"plain words"}, []string{"html"}},
		{"html first", alt(html, plain), []string{"plain words"}, []string{"html"}},
		{"blank plain", alt(blank, html), []string{"html", "words"}, nil},
		{"html only", alt(html), []string{"会議の件", "html"}, []string{"<p>"}},
		{"nested in mixed", "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n" + alt(plain, html) +
			"\r\n--m\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--m--\r\n", []string{"plain words", "second part"}, []string{"html"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e archive.Entry
			msg := []byte("Subject: x\r\n" + c.msg)
			describe(&e, msg)
			for _, w := range c.want {
				if !strings.Contains(e.Text.Body, w) {
					t.Errorf("indexed text %q lacks %q", e.Text.Body, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(e.Text.Body, w) {
					t.Errorf("indexed text %q holds %q", e.Text.Body, w)
				}
			}
			if n := strings.Count(e.Text.Body, "会議の件"); n > 1 {
				t.Errorf("indexed text %q holds the same words %d times", e.Text.Body, n)
			}
		})
	}
}
