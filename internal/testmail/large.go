package testmail

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
)

// LargeMinBytes is the smallest size Large can produce exactly.
const LargeMinBytes = 1024

// Large returns a valid multipart/mixed message of sizeBytes bytes (at
// least LargeMinBytes): a short text part and an application/octet-stream
// attachment of pseudo-random bytes in base64, padded so the total is
// exact. The same size always gives the same bytes. It builds the message
// in one buffer of the final size, so it suits sizes up to some tens of MB.
func Large(sizeBytes int) []byte {
	sizeBytes = max(sizeBytes, LargeMinBytes)
	const boundary = "large-boundary-7f3a9c"
	head := func(pad int) string {
		return "From: Taro Tanaka <taro.tanaka@example.co.jp>\r\n" +
			"To: Hanako Yamada <hanako@example.jp>\r\n" +
			fmt.Sprintf("Subject: Large message (%d bytes)\r\n", sizeBytes) +
			"Date: Mon, 10 Jun 2024 10:15:00 +0900\r\n" +
			fmt.Sprintf("Message-ID: <large-%d@testmail.example>\r\n", sizeBytes) +
			"MIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n" +
			"--" + boundary + "\r\n" +
			"Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
			"The drawings are attached.\r\n" + strings.Repeat(".", pad) + "\r\n" +
			"--" + boundary + "\r\n" +
			"Content-Type: application/octet-stream; name=\"drawings.bin\"\r\n" +
			"Content-Disposition: attachment; filename=\"drawings.bin\"\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n"
	}
	tail := "--" + boundary + "--\r\n"

	// Each full line of 76 base64 characters holds 57 bytes and takes 78
	// with its CRLF; a last short line holds the rest.
	encodedLen := func(n int) int {
		full, rest := n/57, n%57
		l := full * 78
		if rest > 0 {
			l += (rest+2)/3*4 + 2
		}
		return l
	}
	room := sizeBytes - len(head(0)) - len(tail)
	n := max(room*57/78-57, 0)
	for encodedLen(n+1) <= room {
		n++
	}
	pad := room - encodedLen(n)

	out := make([]byte, 0, sizeBytes)
	out = append(out, head(pad)...)
	r := rand.New(rand.NewPCG(uint64(sizeBytes), 0x6d61696c61726b))
	var chunk [57]byte
	var line [76]byte
	for left := n; left > 0; left -= 57 {
		k := min(left, 57)
		for i := 0; i < 57; i += 8 {
			var w [8]byte
			binary.LittleEndian.PutUint64(w[:], r.Uint64())
			copy(chunk[i:], w[:])
		}
		base64.StdEncoding.Encode(line[:], chunk[:k])
		out = append(out, line[:base64.StdEncoding.EncodedLen(k)]...)
		out = append(out, '\r', '\n')
	}
	return append(out, tail...)
}
