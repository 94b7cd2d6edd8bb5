// Package corpus generates the messages bench/pop3 and bench/verify seed
// into Dovecot: CRLF lines, sizes like a real mailbox (2–30 KB of text,
// log-uniform; 3% with a 0.5–5 MB attachment; message n/2 with a 25 MB one),
// the same messages for the same seed.
package corpus

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
)

// Message makes message i of n, addressed to to, drawing from r (seeded
// from seed and i by the caller, who may draw from it first).
func Message(r *rand.Rand, to string, seed uint64, i, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Person %d <p%d@example.jp>\r\nTo: %s\r\nSubject: Message %d\r\nMessage-ID: <%d.%d@bench.mailark>\r\n"+
		"Date: Mon, 2 Mar 2020 10:00:00 +0900\r\nMIME-Version: 1.0\r\n", i%97, i%97, to, i, i, seed)
	text := int(math.Exp(math.Log(2048) + r.Float64()*(math.Log(30*1024)-math.Log(2048))))
	attach := 0
	switch {
	case i == n/2:
		attach = 25 << 20
	case r.Float64() < 0.03:
		attach = 512<<10 + r.IntN(4608<<10)
	}
	if attach == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
		writeText(&b, r, text)
		return b.Bytes()
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	writeText(&b, r, text/4)
	b.WriteString("--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n")
	RandomBase64(&b, r, attach*3/4)
	b.WriteString("--b--\r\n")
	return b.Bytes()
}

// RandomBase64 writes n bytes drawn from r (as compressed files look) in
// base64, in lines of 76 characters each ended by CRLF.
func RandomBase64(w io.StringWriter, r *rand.Rand, n int) {
	data := make([]byte, n)
	for j := range data {
		data[j] = byte(r.Uint32())
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		w.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	w.WriteString(enc + "\r\n")
}

var words = strings.Fields(`the meeting next week invoice project draft please find attached thank you regards
	schedule report update review budget contract delivery estimate order confirm question answer`)

func writeText(b *bytes.Buffer, r *rand.Rand, size int) {
	line := 0
	for start := b.Len(); b.Len()-start < size; {
		w := words[r.IntN(len(words))]
		if line+len(w) > 72 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(w + " ")
		line += len(w) + 1
	}
	b.WriteString("\r\n")
}
