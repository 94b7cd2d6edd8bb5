package backup

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testmail"
)

// TestBodyTextMatchesStreaming: on every message of the demo account (text,
// HTML, alternatives, nested multiparts, attachments, forwarded messages,
// Japanese charsets) and every test fixture, with CRLF and with LF line
// breaks, the index text of a message in memory is what go-message's
// streaming reader gives, and a spooled message is described like one in
// memory.
func TestBodyTextMatchesStreaming(t *testing.T) {
	var msgs [][]byte
	for _, f := range demo.OldProvider().Folders {
		for _, m := range f.Messages {
			msgs = append(msgs, m.Raw)
		}
	}
	for _, f := range append(testmail.Charsets(), testmail.Broken()...) {
		msgs = append(msgs, f.Raw)
	}
	checked, withText := 0, 0
	for i, raw := range msgs {
		for _, msg := range [][]byte{raw, bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))} {
			got, want := bodyText(msg), bodyTextStream(bytes.NewReader(msg))
			if got != want {
				t.Fatalf("message %d: bodyText gave\n%q\nstreaming gave\n%q", i, trunc(got), trunc(want))
			}
			var inMemory, spooled archive.Entry
			describe(&inMemory, msg)
			describeSpooled(&spooled, bytes.NewReader(msg), int64(len(msg)))
			if !reflect.DeepEqual(inMemory, spooled) {
				t.Fatalf("message %d: described in memory as\n%+v\nspooled as\n%+v", i, inMemory, spooled)
			}
			checked++
			if strings.TrimSpace(got) != "" {
				withText++
			}
		}
	}
	if checked < 1000 || withText < checked*9/10 {
		t.Fatalf("checked %d messages, %d with text: the corpus is not what this test needs", checked, withText)
	}
}

func trunc(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
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

// TestBodyTextCut: text beyond maxBodyText is cut at the start of a
// character, in memory and streamed alike, whatever the characters' width.
func TestBodyTextCut(t *testing.T) {
	for _, unit := range []string{"a", "é", "会", "😀", "ab会議"} {
		text := strings.Repeat(unit, maxBodyText/len(unit)+10)
		msg := []byte("Content-Type: text/plain; charset=UTF-8\r\n\r\n" + text)
		got := bodyText(msg)
		if !utf8.ValidString(got) || len(got) > maxBodyText || len(got) < maxBodyText-utf8.UTFMax || !strings.HasPrefix(text, strings.TrimSuffix(got, "\n")) {
			t.Errorf("%q: cut to %d bytes, valid %v", unit, len(got), utf8.ValidString(got))
		}
		if s := bodyTextStream(bytes.NewReader(msg)); s != got {
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
		got := bodyText([]byte(msg))
		if !strings.Contains(got, "inner\n") || !strings.Contains(got, "forwarded body") {
			t.Errorf("indexed text %q lacks the forwarded subject or body", got)
		}
		if s := bodyTextStream(strings.NewReader(msg)); s != got {
			t.Errorf("streamed %q, in memory %q", s, got)
		}
	}
}
