package pop3

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// FuzzDotRoundTrip: any message, stuffed as RFC 1939 says (with the CRLF a
// server adds to a message not ending in one), reads back byte for byte
// and leaves the next answer on the wire; and any bytes at all, read as a
// multi-line body, never yield more than they hold.
func FuzzDotRoundTrip(f *testing.F) {
	for _, s := range []string{"", ".", "..", ".\r\n", "a\r\n.\r\n", "\r\n..\r\n", ".\r", "a\n.\n", "\r\r\n.", "x\r\n.\rx"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		want := msg
		if !bytes.HasSuffix(msg, []byte("\r\n")) {
			want = append(append([]byte(nil), msg...), '\r', '\n')
		}
		wire := append(stuff(want), "+OK next\r\n"...)
		br := bufio.NewReaderSize(bytes.NewReader(wire), 16)
		r := &dotReader{br: br, max: 1 << 30, done: func(error) {}}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q sent as %q read back as %q, %v", msg, wire, got, err)
		}
		if rest, _ := io.ReadAll(br); string(rest) != "+OK next\r\n" {
			t.Fatalf("%q: left %q on the wire", msg, rest)
		}
		r = &dotReader{br: bufio.NewReaderSize(bytes.NewReader(msg), 16), max: 1 << 30, done: func(error) {}}
		if got, _ := io.ReadAll(r); len(got) > len(msg) {
			t.Fatalf("%q read as %q: more than it holds", msg, got)
		}
	})
}
