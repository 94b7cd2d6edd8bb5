package pop3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"
)

func readBody(t *testing.T, wire string, oneByte bool, max int64) ([]byte, string, error) {
	t.Helper()
	var src io.Reader = strings.NewReader(wire)
	if oneByte {
		src = iotest.OneByteReader(src)
	}
	br := bufio.NewReaderSize(src, 16)
	finished := false
	r := &dotReader{br: br, max: max, done: func(error) { finished = true }}
	var out bytes.Buffer
	var rd io.Reader = r
	if oneByte {
		rd = iotest.OneByteReader(r)
	}
	_, err := io.Copy(&out, rd)
	if !finished {
		t.Errorf("done was not called")
	}
	rest, _ := io.ReadAll(br)
	return out.Bytes(), string(rest), err
}

func TestDotUnstuffing(t *testing.T) {
	long := strings.Repeat("x", 100000)
	tests := []struct {
		name, wire, want string
	}{
		{"plain", "Hello\r\nWorld\r\n.\r\nNEXT", "Hello\r\nWorld\r\n"},
		{"empty body", ".\r\nNEXT", ""},
		{"stuffed first line", "..leading\r\n.\r\nNEXT", ".leading\r\n"},
		{"a line of one dot", "a\r\n..\r\n.\r\nNEXT", "a\r\n.\r\n"},
		{"a line of two dots", "a\r\n...\r\n.\r\nNEXT", "a\r\n..\r\n"},
		{"dot inside a line", "a.b\r\n x.\r\n.\r\nNEXT", "a.b\r\n x.\r\n"},
		{"bare CR kept", "a\rb\r\r\n\r.x\r\n.\r\nNEXT", "a\rb\r\r\n\r.x\r\n"},
		{"bare LF is no line end", "a\n.\r\nb\n..c\r\n.\r\nNEXT", "a\n.\r\nb\n..c\r\n"},
		{"unstuffed dot line kept", ".x\r\n.\r\nNEXT", ".x\r\n"},
		{"dot CR without LF", ".\rx\r\n.\r\nNEXT", ".\rx\r\n"},
		{"dot CR CR LF", ".\r\r\n.\r\nNEXT", ".\r\r\n"},
		{"binary bytes", "\x00\xff\x1b[0m\r\n.\r\nNEXT", "\x00\xff\x1b[0m\r\n"},
		{"blank lines", "\r\n\r\n.\r\nNEXT", "\r\n\r\n"},
		{"long line", long + "\r\n.\r\nNEXT", long + "\r\n"},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				got, rest, err := readBody(t, tt.wire, oneByte, 1<<30)
				if err != nil || string(got) != tt.want {
					t.Errorf("body = %q, %v, want %q", got[:min(len(got), 80)], err, tt.want[:min(len(tt.want), 80)])
				}
				if rest != "NEXT" {
					t.Errorf("left on the wire %q, want %q (the body must stop at its end)", rest, "NEXT")
				}
			})
		}
	}
}

func TestDotReaderBroken(t *testing.T) {
	tests := []struct {
		name, wire string
		max        int64
		want       error
	}{
		{"cut inside a line", "abc", 1 << 20, io.ErrUnexpectedEOF},
		{"cut after a line", "abc\r\n", 1 << 20, io.ErrUnexpectedEOF},
		{"cut after the dot", "abc\r\n.", 1 << 20, io.ErrUnexpectedEOF},
		{"cut after dot CR", "abc\r\n.\r", 1 << 20, io.ErrUnexpectedEOF},
		{"longer than allowed", strings.Repeat("a\r\n", 100) + ".\r\n", 100, ErrTooLarge},
		{"endless", strings.Repeat("x", 1<<20), 1000, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readBody(t, tt.wire, false, tt.max)
			if !errors.Is(err, tt.want) && !strings.Contains(errString(err), tt.want.Error()) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestDotRoundTrip: any message that ends in CRLF, stuffed as a server
// must, comes back byte for byte, whatever the read sizes.
func TestDotRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte(".\r\na\x00")
	for i := 0; i < 3000; i++ {
		msg := make([]byte, rng.Intn(40))
		for j := range msg {
			msg[j] = alphabet[rng.Intn(len(alphabet))]
		}
		msg = append(msg, '\r', '\n')
		wire := stuff(msg)
		got, _, err := readBody(t, string(wire), i%2 == 0, 1<<20)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("message %q sent as %q read back as %q, %v", msg, wire, got, err)
		}
	}
}

// stuff is what RFC 1939 says a server sends (testimap.Stuff, repeated
// here: package pop3 does not import the test servers).
func stuff(msg []byte) []byte {
	var b bytes.Buffer
	start := true
	for i, c := range msg {
		if start && c == '.' {
			b.WriteByte('.')
		}
		b.WriteByte(c)
		start = c == '\n' && i > 0 && msg[i-1] == '\r'
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

func TestReadLineBounded(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 1<<20)+"\r\n"), 16)
	_, err := readLine(br, 512)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("readLine(endless) = %v, want a ProtocolError", err)
	}
	br = bufio.NewReaderSize(strings.NewReader("+OK fine\r\n+OK lf\n"), 16)
	if l, err := readLine(br, 512); l != "+OK fine" || err != nil {
		t.Errorf("readLine = %q, %v", l, err)
	}
	if l, err := readLine(br, 512); l != "+OK lf" || err != nil {
		t.Errorf("readLine = %q, %v", l, err)
	}
}
