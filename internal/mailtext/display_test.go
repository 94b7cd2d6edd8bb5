package mailtext_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/testmail"
)

func TestForDisplay(t *testing.T) {
	m := mailtext.ForDisplay(bytes.NewReader(testmail.WithAttachment()))
	if m.Body != "会定の件です。" {
		t.Errorf("ISO-2022-JP body = %q", m.Body)
	}
	if len(m.Attachments) != 1 || m.Attachments[0] != "mitsumori.pdf" {
		t.Errorf("attachments = %q", m.Attachments)
	}

	html := "Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{}</style></head><body><p>Hello&nbsp;<b>Taro</b></p><p>Bye</p></body></html>"
	m = mailtext.ForDisplay(strings.NewReader(html))
	if !m.HTMLOnly || m.Body != "Hello\u00a0Taro\n\nBye" && m.Body != "Hello\u00a0Taro\nBye" {
		t.Errorf("HTML body = %q (html only %v)", m.Body, m.HTMLOnly)
	}

	broken := "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nno end"
	m = mailtext.ForDisplay(strings.NewReader(broken))
	if m.Body == "" {
		t.Error("broken mail shows nothing")
	}
}
