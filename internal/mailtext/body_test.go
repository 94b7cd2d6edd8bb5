package mailtext

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
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
			body := BodyText([]byte("Subject: x\r\n" + c.msg))
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("indexed text %q lacks %q", body, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(body, w) {
					t.Errorf("indexed text %q holds %q", body, w)
				}
			}
			if n := strings.Count(body, "会議の件"); n > 1 {
				t.Errorf("indexed text %q holds the same words %d times", body, n)
			}
		})
	}
}

// TestSplitMultipart: parts are cut at delimiter lines only, CRLF or LF,
// with transport padding; a longer boundary sharing the prefix is content;
// the preamble and epilogue are dropped; a body cut short keeps its last
// part.
func TestSplitMultipart(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"crlf", "pre\r\n--b\r\nA: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue", []string{"A: 1\r\n\r\none", "\r\ntwo"}},
		{"lf", "--b\nx\n--b\ny\n--b--\n", []string{"x", "y"}},
		{"padding", "--b  \r\nx\r\n--b\t\r\ny\r\n--b-- \r\n", []string{"x", "y"}},
		{"longer boundary is content", "--b\r\nx\r\n--bb\r\nstill x\r\n--b--", []string{"x\r\n--bb\r\nstill x"}},
		{"not at line start", "--b\r\nx --b\r\n--b--", []string{"x --b"}},
		{"cut short", "--b\r\nx\r\n--b\r\nhalf a pa", []string{"x", "half a pa"}},
		{"no delimiter", "just text", nil},
		{"empty part", "--b\r\n--b\r\nx\r\n--b--", []string{"", "x"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := splitMultipart([]byte(c.body), "b")
			if len(got) != len(c.want) {
				t.Fatalf("got %d parts %q, want %q", len(got), got, c.want)
			}
			for i := range got {
				if string(got[i]) != c.want[i] {
					t.Errorf("part %d = %q, want %q", i, got[i], c.want[i])
				}
			}
		})
	}
	if got := splitMultipart([]byte("--\r\nx\r\n--\r\n"), ""); got != nil {
		t.Errorf("empty boundary gave parts %q", got)
	}
}

// TestBodyTextCut: text beyond MaxBodyText is cut at the start of a
// character, in memory and streamed alike, whatever the characters' width.
func TestBodyTextCut(t *testing.T) {
	for _, unit := range []string{"a", "é", "会", "😀", "ab会議"} {
		text := strings.Repeat(unit, MaxBodyText/len(unit)+10)
		msg := []byte("Content-Type: text/plain; charset=UTF-8\r\n\r\n" + text)
		got := BodyText(msg)
		if !utf8.ValidString(got) || len(got) > MaxBodyText || len(got) < MaxBodyText-utf8.UTFMax || !strings.HasPrefix(text, strings.TrimSuffix(got, "\n")) {
			t.Errorf("%q: cut to %d bytes, valid %v", unit, len(got), utf8.ValidString(got))
		}
		if s := BodyTextStream(bytes.NewReader(msg)); s != got {
			t.Errorf("%q: streamed text (%d bytes) differs from the text in memory (%d bytes)", unit, len(s), len(got))
		}
	}
}

// TestBodyTextForwarded: a forwarded message (message/rfc822) gives its
// subject and text, also when it is sent in base64.
func TestBodyTextForwarded(t *testing.T) {
	for _, msg := range []string{
		"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nforwarded body\r\n",
		"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogaW5uZXINCg0KZm9yd2FyZGVkIGJvZHkNCg==\r\n",
	} {
		got := BodyText([]byte(msg))
		if !strings.Contains(got, "inner\n") || !strings.Contains(got, "forwarded body") {
			t.Errorf("indexed text %q lacks the forwarded subject or body", got)
		}
		if s := BodyTextStream(strings.NewReader(msg)); s != got {
			t.Errorf("streamed %q, in memory %q", s, got)
		}
	}
}
