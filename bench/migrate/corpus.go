package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mailark/mailark/bench/internal/corpus"
)

// The corpus: message i of n is made by its own seeded generator, so the
// same -n, -seed and -big give the same bytes. Sizes follow a real mailbox:
// text of 2–30 KB (log-uniform), a share with a 0.5–5 MB attachment (base64
// of random bytes, as compressed files look), and one of 25 MB.

type corpusMessage struct {
	folder string
	raw    []byte
	flags  []string
	date   time.Time
}

var tokyo = time.FixedZone("JST", 9*3600)

func generate(seed uint64, big float64, i, n int) corpusMessage {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	m := corpusMessage{folder: "INBOX"}
	switch x := r.Float64(); {
	case x < 0.10:
		m.folder = "Sent"
	case x < 0.17:
		m.folder = "Archive/2019"
	case x < 0.20:
		m.folder = "取引先"
	}
	m.date = time.Date(2016, 1, 1, 0, 0, 0, 0, tokyo).Add(time.Duration(float64(9*365*24*time.Hour) * float64(i) / float64(max(n, 1))))
	if r.Float64() < 0.8 {
		m.flags = append(m.flags, `\Seen`)
	}
	if r.Float64() < 0.1 {
		m.flags = append(m.flags, `\Answered`)
	}
	if r.Float64() < 0.05 {
		m.flags = append(m.flags, `\Flagged`)
	}
	attach := 0
	switch {
	case i == n/2:
		attach = 25 << 20 * 3 / 4
	case r.Float64() < big:
		attach = (512<<10 + r.IntN(4608<<10)) * 3 / 4
	}
	text := int(2048 * math.Pow(15, r.Float64()))
	var b strings.Builder
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.jp>\r\nTo: hanako@old-isp.example\r\n", i%97, i%97)
	fmt.Fprintf(&b, "Subject: Message %d of the bench corpus\r\nDate: %s\r\n", i, m.date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <bench-%d-%d@example.jp>\r\nMIME-Version: 1.0\r\n", seed, i)
	boundary := fmt.Sprintf("b%d", i)
	if attach > 0 {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n--%s\r\n", boundary, boundary)
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	words := []string{"invoice", "meeting", "schedule", "design", "draft", "review", "thanks", "tomorrow", "project", "estimate"}
	line := 0
	for b.Len() < text {
		w := words[r.IntN(len(words))]
		b.WriteString(w)
		line += len(w) + 1
		if line > 70 {
			b.WriteString("\r\n")
			line = 0
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString("\r\n")
	if attach > 0 {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"+
			"Content-Disposition: attachment; filename=\"file%d.bin\"\r\n\r\n", boundary, i)
		corpus.RandomBase64(&b, r, attach)
		b.WriteString("--" + boundary + "--\r\n")
	}
	m.raw = []byte(b.String())
	return m
}
