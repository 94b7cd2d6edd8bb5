package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"golang.org/x/text/encoding/japanese"
)

// The corpus: N messages made from a seeded generator, so every run with the
// same -n and -seed seeds the same bytes. Sizes follow a real mailbox: most
// messages are 2–30 KB of text (log-uniform), some with a small attachment;
// 3% carry a 0.5–5 MB attachment; one carries 25 MB. Attachments are base64
// of random bytes (as compressed files look); text is words, wrapped at 72.

// folderShare says where messages go (the rest goes to INBOX).
var folderShare = []struct {
	name  string
	share float64
}{
	{"Sent", 0.10}, {"Archive/2019", 0.07}, {"取引先", 0.03},
}

const (
	bigShare      = 0.03     // messages with a 0.5–5 MB attachment
	hugeBytes     = 25 << 20 // the one huge message
	oddShare      = 0.002    // each kind of odd line ending
	crlfFileShare = 0.03     // stored with CRLF (appended by a client); the rest LF, as Dovecot's LDA stores
)

// corpusMessage is one generated message.
type corpusMessage struct {
	folder string
	raw    []byte
	flags  []string
	date   time.Time
}

// folderOf picks the folder of message i deterministically.
func folderOf(r *rand.Rand) string {
	x := r.Float64()
	for _, f := range folderShare {
		if x < f.share {
			return f.name
		}
		x -= f.share
	}
	return "INBOX"
}

// generate makes message i of n. Each message has its own generator, so
// messages can be made in any order.
func generate(seed uint64, i, n int) corpusMessage {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	m := corpusMessage{folder: folderOf(r)}
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	m.date = start.Add(time.Duration(float64(9*365*24*time.Hour) * float64(i) / float64(max(n, 1))))
	m.date = m.date.Add(time.Duration(r.IntN(3600)) * time.Second).In(tokyo)
	m.flags = pickFlags(r)

	var attach int // bytes of attachment before base64 (which adds a third)
	switch {
	case i == n/2:
		m.folder = "INBOX"
		attach = hugeBytes * 3 / 4
	case r.Float64() < bigShare:
		attach = (512<<10 + r.IntN(4608<<10)) * 3 / 4
	}
	target := int(2048 * math.Pow(15, r.Float64())) // 2–30 KB, log-uniform
	japaneseText := m.folder == "取引先" || r.Float64() < 0.05
	smallAttach := attach == 0 && r.Float64() < 0.2
	if smallAttach {
		attach = target / 2
	}
	textBytes := max(target-attach*4/3-1200, 400)

	var b bytes.Buffer
	writeHeader(&b, r, i, m, japaneseText)
	switch {
	case attach > 0:
		boundary := fmt.Sprintf("=_mailark_bench_%d_%08x", i, r.Uint32())
		fmt.Fprintf(&b, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"%s\"\n\n", boundary)
		b.WriteString("This is a multi-part message in MIME format.\n")
		fmt.Fprintf(&b, "\n--%s\n", boundary)
		writeTextPart(&b, r, textBytes, japaneseText)
		fmt.Fprintf(&b, "\n--%s\n", boundary)
		writeAttachment(&b, r, i, attach)
		fmt.Fprintf(&b, "\n--%s--\n", boundary)
	case r.Float64() < 0.3:
		boundary := fmt.Sprintf("=_mailark_alt_%d_%08x", i, r.Uint32())
		fmt.Fprintf(&b, "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"%s\"\n\n", boundary)
		fmt.Fprintf(&b, "--%s\n", boundary)
		text := words(r, textBytes/2, japaneseText)
		writeQP(&b, "text/plain; charset=UTF-8", text)
		fmt.Fprintf(&b, "\n--%s\n", boundary)
		writeQP(&b, "text/html; charset=UTF-8", htmlOf(text))
		fmt.Fprintf(&b, "\n--%s--\n", boundary)
	default:
		b.WriteString("MIME-Version: 1.0\n")
		writeTextPart(&b, r, textBytes, japaneseText)
	}
	m.raw = lineEndings(r, b.Bytes())
	return m
}

var tokyo = time.FixedZone("JST", 9*3600)

func pickFlags(r *rand.Rand) []string {
	var f []string
	if r.Float64() < 0.9 {
		f = append(f, `\Seen`)
	}
	if r.Float64() < 0.1 {
		f = append(f, `\Answered`)
	}
	if r.Float64() < 0.03 {
		f = append(f, `\Flagged`)
	}
	if r.Float64() < 0.02 {
		f = append(f, "$Forwarded")
	}
	return f
}

// lineEndings stores most messages with LF (Dovecot sends CRLF), a few
// with CRLF, and a few with a bare CR or a bare LF line, as real mail has.
func lineEndings(r *rand.Rand, lf []byte) []byte {
	x := r.Float64()
	switch {
	case x < oddShare: // a bare CR inside a line: "total\rcarried over"
		return insertAfterHeader(lf, "Totals as printed:\r    carried over\n")
	case x < 2*oddShare: // a CRLF file with one bare LF line
		crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
		return insertAfterHeader(crlf, "a line ending in a bare LF\n")
	case x < 2*oddShare+crlfFileShare:
		return bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
	}
	return lf
}

// insertAfterHeader puts s at the start of the body (after the first blank
// line of the whole message), in whatever line endings the message has.
func insertAfterHeader(msg []byte, s string) []byte {
	i := bytes.Index(msg, []byte("\n\n"))
	j := bytes.Index(msg, []byte("\r\n\r\n"))
	at := len(msg)
	switch {
	case j >= 0 && (i < 0 || j < i):
		at = j + 4
	case i >= 0:
		at = i + 2
	}
	out := make([]byte, 0, len(msg)+len(s))
	out = append(out, msg[:at]...)
	out = append(out, s...)
	return append(out, msg[at:]...)
}

var (
	firstNames = []string{"Taro", "Hanako", "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Yuki", "Kenji", "Grace", "Heidi"}
	lastNames  = []string{"Yamada", "Suzuki", "Smith", "Jones", "Tanaka", "Brown", "Sato", "Miller", "Ito", "Davis"}
	domains    = []string{"example.com", "example.net", "example.org", "old-isp.example", "example.co.jp"}
	jaNames    = []string{"山田 太郎", "鈴木 花子", "田中 健二", "佐藤 由紀"}
	subjects   = []string{"Quarterly report", "Re: meeting on Thursday", "Invoice %d", "Fwd: photos from the trip",
		"Your order %d has shipped", "Minutes of the board meeting", "Re: Re: budget draft", "Newsletter no. %d"}
	jaSubjects = []string{"会議の件", "請求書送付のお願い (%d)", "Re: 見積書について", "打ち合わせ日程のご相談", "出荷のお知らせ %d"}
)

func numbered(format string, n int) string {
	return strings.Replace(format, "%d", fmt.Sprint(n), 1)
}

func person(r *rand.Rand) (name, addr string) {
	f, l := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	return f + " " + l, strings.ToLower(f+"."+l) + "@" + domains[r.IntN(len(domains))]
}

func writeHeader(b *bytes.Buffer, r *rand.Rand, i int, m corpusMessage, japaneseText bool) {
	fromName, fromAddr := person(r)
	toName, toAddr := "Mailark Bench", "user@example.org"
	if m.folder == "Sent" {
		fromName, fromAddr, toName, toAddr = toName, toAddr, fromName, fromAddr
	}
	subject := numbered(subjects[r.IntN(len(subjects))], 1000+i)
	if japaneseText {
		fromName = jaNames[r.IntN(len(jaNames))]
		subject = numbered(jaSubjects[r.IntN(len(jaSubjects))], 1000+i)
	}
	date := m.date.Format(time.RFC1123Z)
	fmt.Fprintf(b, "Return-Path: <%s>\n", fromAddr)
	fmt.Fprintf(b, "Received: from mx%d.%s (mx%d.%s [192.0.2.%d])\n\tby imap.example.org with ESMTPS id %08X\n\tfor <%s>; %s\n",
		r.IntN(9), domains[r.IntN(len(domains))], r.IntN(9), domains[0], r.IntN(250)+1, r.Uint32(), toAddr, date)
	fmt.Fprintf(b, "Date: %s\n", date)
	fmt.Fprintf(b, "From: %s <%s>\n", encodeWord(fromName, japaneseText, r), fromAddr)
	fmt.Fprintf(b, "To: %s <%s>\n", encodeWord(toName, false, r), toAddr)
	if r.Float64() < 0.25 {
		n, a := person(r)
		fmt.Fprintf(b, "Cc: %s <%s>\n", n, a)
	}
	fmt.Fprintf(b, "Subject: %s\n", encodeWord(subject, japaneseText, r))
	fmt.Fprintf(b, "Message-ID: <%d.%08x@bench.mailark.example>\n", i, r.Uint32())
	if r.Float64() < 0.15 {
		fmt.Fprintf(b, "List-Id: <news.%s>\nList-Unsubscribe: <mailto:leave@%s>\n", domains[2], domains[2])
	}
}

// encodeWord writes Japanese text as ISO-2022-JP or UTF-8 encoded words, as
// Japanese mailers do.
func encodeWord(s string, japaneseText bool, r *rand.Rand) string {
	if !japaneseText {
		return s
	}
	if r.IntN(2) == 0 {
		if jis, err := japanese.ISO2022JP.NewEncoder().String(s); err == nil {
			return "=?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString([]byte(jis)) + "?="
		}
	}
	return mime.BEncoding.Encode("UTF-8", s)
}

func writeTextPart(b *bytes.Buffer, r *rand.Rand, n int, japaneseText bool) {
	text := words(r, n, japaneseText)
	if japaneseText && r.IntN(2) == 0 {
		if jis, err := japanese.ISO2022JP.NewEncoder().String(text); err == nil {
			b.WriteString("Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n")
			b.WriteString(jis)
			return
		}
	}
	b.WriteString("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n")
	b.WriteString(text)
}

func writeQP(b *bytes.Buffer, ctype, text string) {
	fmt.Fprintf(b, "Content-Type: %s\nContent-Transfer-Encoding: quoted-printable\n\n", ctype)
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write([]byte(text))
	w.Close()
	b.Write(bytes.ReplaceAll(qp.Bytes(), []byte("\r\n"), []byte("\n")))
}

func htmlOf(text string) string {
	var b strings.Builder
	b.WriteString("<html><body>\n")
	for _, p := range strings.Split(text, "\n\n") {
		b.WriteString("<p>" + strings.ReplaceAll(p, "\n", "<br>\n") + "</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func writeAttachment(b *bytes.Buffer, r *rand.Rand, i, n int) {
	kinds := []struct{ ctype, ext string }{{"application/pdf", "pdf"}, {"image/jpeg", "jpg"}, {"application/zip", "zip"}}
	k := kinds[r.IntN(len(kinds))]
	fmt.Fprintf(b, "Content-Type: %s; name=\"document-%d.%s\"\nContent-Transfer-Encoding: base64\n", k.ctype, i, k.ext)
	fmt.Fprintf(b, "Content-Disposition: attachment; filename=\"document-%d.%s\"\n\n", i, k.ext)
	data := make([]byte, n)
	for j := 0; j+8 <= n; j += 8 {
		v := r.Uint64()
		for k := range 8 {
			data[j+k] = byte(v >> (8 * k))
		}
	}
	enc := make([]byte, base64.StdEncoding.EncodedLen(n))
	base64.StdEncoding.Encode(enc, data)
	b.Grow(len(enc) + len(enc)/76 + 1)
	for len(enc) > 76 {
		b.Write(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.Write(enc)
	b.WriteByte('\n')
}
