package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/emersion/go-message/mail"
)

// composeDraft renders the templates and writes one message: UTF-8 text,
// quoted-printable (mostly ASCII) or base64 (mostly not), RFC 2047 encoded
// subject and names, Date, MIME-Version and a Message-ID derived from the
// recipients and the text, so the same draft composed again is recognised.
func composeDraft(tmpls []*template.Template, data announceData, from AnnounceRecipient, to, bcc []AnnounceRecipient, now time.Time) (AnnounceDraft, error) {
	d := AnnounceDraft{To: to, Bcc: bcc}
	subject, body, err := announceRender(tmpls, data)
	if err != nil {
		return d, err
	}
	d.Subject, d.Body = subject, body
	d.MessageID = draftID(from.Email, to, bcc, subject, body)

	// go-message writes the field set last first: set them bottom up.
	var h mail.Header
	h.Set("Content-Transfer-Encoding", transferEncoding(body))
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("MIME-Version", "1.0")
	h.SetMessageID(d.MessageID)
	h.SetSubject(subject)
	if len(bcc) > 0 {
		h.SetAddressList("Bcc", mailAddrs(bcc))
	}
	h.SetAddressList("To", mailAddrs(to))
	h.SetAddressList("From", mailAddrs([]AnnounceRecipient{from}))
	h.SetDate(now)
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return d, err
	}
	if _, err := io.WriteString(w, strings.ReplaceAll(body, "\n", "\r\n")); err != nil {
		return d, err
	}
	if err := w.Close(); err != nil {
		return d, err
	}
	d.Raw = buf.Bytes()
	return d, nil
}

func mailAddrs(rs []AnnounceRecipient) []*mail.Address {
	out := make([]*mail.Address, len(rs))
	for i, r := range rs {
		out[i] = &mail.Address{Name: r.Name, Address: r.Email}
	}
	return out
}

// transferEncoding is base64 for text that is mostly not ASCII (Japanese),
// where quoted-printable would triple its size, and quoted-printable for
// the rest, which stays readable.
func transferEncoding(body string) string {
	nonASCII := 0
	for i := 0; i < len(body); i++ {
		if body[i] >= 0x80 {
			nonASCII++
		}
	}
	if nonASCII*5 > len(body) {
		return "base64"
	}
	return "quoted-printable"
}

// draftID is "mailark-announce-HASH@DOMAIN" (without <>), DOMAIN the new
// address's.
func draftID(from string, to, bcc []AnnounceRecipient, subject, body string) string {
	h := sha256.New()
	for _, part := range []string{from, subject, body} {
		h.Write([]byte(part + "\x00"))
	}
	for _, r := range append(append([]AnnounceRecipient(nil), to...), bcc...) {
		h.Write([]byte(strings.ToLower(r.Email) + "\x00" + r.Name + "\x00"))
	}
	domain := "mailark.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "mailark-announce-" + hex.EncodeToString(h.Sum(nil))[:24] + "@" + domain
}
