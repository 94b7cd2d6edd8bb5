package mailtext_test

import (
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/mailtext"
)

const isoMessage = "From: =?ISO-2022-JP?B?GyRCO3NFRBsoQiAbJEIyVktSGyhC?= <hanako@example.jp>\r\n" +
	"Subject: =?ISO-2022-JP?B?GyRCMnFEajt+GyhC?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
	"--b1\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
	"\x1b$B2qDj$N7o$G$9!#\x1b(B\r\n" +
	"--b1\r\nContent-Type: application/pdf; name=\"mitsumori.pdf\"\r\nContent-Disposition: attachment; filename=\"mitsumori.pdf\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"

func TestForDisplay(t *testing.T) {
	m := mailtext.ForDisplay(strings.NewReader(isoMessage))
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
