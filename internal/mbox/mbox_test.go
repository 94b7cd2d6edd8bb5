package mbox_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mailark/mailark/internal/mbox"
)

var start = time.Date(2024, 3, 5, 18, 4, 11, 0, time.FixedZone("JST", 9*3600))

// roundTripCases are messages that must come back byte for byte. Cases
// that depend on the buffer size are made for size.
func roundTripCases(size int) []struct {
	name string
	msg  []byte
} {
	s := func(parts ...string) []byte { return []byte(strings.Join(parts, "")) }
	n := func(c string, k int) string { return strings.Repeat(c, max(k, 0)) }
	cases := []struct {
		name string
		msg  []byte
	}{
		{"empty", nil},
		{"newline only", s("\n")},
		{"newlines only", s("\n\n\n")},
		{"no final newline", s("Subject: x\n\nbody")},
		{"one byte", s("x")},
		{"CR only", s("\r")},
		{"CRLF only", s("\r\n")},
		{"blank last line", s("a\n\n")},
		{"no final newline after blank line", s("a\n\nb")},
		{"From at start", s("From x\n")},
		{"From alone", s("From ")},
		{"From at start no final newline", s("From x")},
		{"From after blank line", s("a\n\nFrom here\n\n")},
		{"From at end no final newline", s("a\nFrom ")},
		{"quoted From", s(">From x\n")},
		{"twice quoted From", s(">>From x\n")},
		{"quoted From everywhere", s(">From a\n>>From b\nFrom c\n>>>>From d\n")},
		{"From without space", s("From\nFrom:x\nFromage\n>From\n>From\t\n")},
		{"from lower case", s("from x\n>from x\n")},
		{"gt only", s(">\n>>\n>>>")},
		{"gt then no From", s(">Fr\n>>From\n>>Frog \n")},
		{"gt at end", s("a\n>>>")},
		{"space before From", s(" From x\n")},
		{"CRLF", s("From: a@example.jp\r\nSubject: x\r\n\r\nFrom here\r\n>From there\r\n")},
		{"CRLF no final newline", s("a\r\nFrom x\r")},
		{"separator-like line CRLF", s("From x Mon Jan  1 00:00:00 2024\r\n")},
		{"bare CR", s("a\rFrom x\r>From y\rb\r")},
		{"NUL bytes", s("\x00From \x00\n\x00\n>\x00From \n", "From \x00")},
		{"8-bit junk", s("\xff\xfe\x80From \xc3\n\x1b[31m\xe3\x81\x82\n>From \xff\n\xa0")},
		{"marker in body", s("From x Mon Jan  1 00:00:00 2024 mailark-no-final-newline\n\n")},
		{"line of exactly buffer size", s(n("a", size-1), "\nFrom x\n")},
		{"line of buffer size no newline", s(n("a", size))},
		{"From across buffer end", s(n("a", size-3), "\nFrom x\n")},
		{"From at buffer start", s(n("a", size-1), "\n", "From x\n")},
		{"From right after buffer boundary", s(n("b", size), n("a", size-1), "\nFrom x\n")},
		{"long line then From", s(n("a", 3*size+7), "\nFrom x\n>From y")},
		{"From inside long line", s(n("a", size-2), "From ", n("a", size), "\n")},
		{"quote run across buffer end", s(n("a", size-4), "\n>>>>From x\n")},
		{"quote run longer than buffer", s(n(">", 2*size+3), "From x\n", n(">", size), "\n")},
		{"newlines across buffer end", s(n("a", size-2), "\n\n\n\nFrom x\n\n")},
	}
	for k := range 8 {
		// "From " cut at every place by the end of the first chunk.
		cases = append(cases, struct {
			name string
			msg  []byte
		}{fmt.Sprintf("From at buffer end minus %d", k), s(n("c", size-k-1), "\n>From ", "\nFrom ")})
	}
	return cases
}

// config is one way of writing and reading.
type config struct {
	name       string
	writeBuf   int
	readBuf    int
	wrapSource func(io.Reader) io.Reader
}

var configs = []config{
	{"default", mbox.BufferSize, mbox.BufferSize, nil},
	{"small buffers", 16, 16, nil},
	{"odd buffers half reads", 5, 17, iotest.HalfReader},
	{"one byte reads", 1, 16, iotest.OneByteReader},
	{"data with EOF", 7, 31, iotest.DataErrReader},
}

func TestRoundTrip(t *testing.T) {
	for _, c := range configs {
		sizes := map[int]bool{c.writeBuf: true, c.readBuf: true}
		for size := range sizes {
			for _, tc := range roundTripCases(size) {
				t.Run(fmt.Sprintf("%s/%d/%s", c.name, size, tc.name), func(t *testing.T) {
					// The message twice, so that it ends once at the next
					// separator and once at the end of the file.
					msgs := [][]byte{tc.msg, tc.msg, []byte("after\n")}
					file, ws := writeAll(t, msgs, "taro@example.jp", start, c.writeBuf)
					var src io.Reader = bytes.NewReader(file)
					if c.wrapSource != nil {
						src = c.wrapSource(src)
					}
					checkRoundTrip(t, mbox.NewReaderSize(src, c.readBuf), ws)
				})
			}
		}
	}
}

func TestManyMessages(t *testing.T) {
	var msgs [][]byte
	for i := range 2000 {
		var b strings.Builder
		for j := range i % 7 {
			switch (i + j) % 5 {
			case 0:
				b.WriteString("From line\r\n")
			case 1:
				b.WriteString(strings.Repeat(">", j) + "From \n")
			case 2:
				b.WriteString("\n")
			case 3:
				b.WriteString(strings.Repeat("x", i))
			default:
				b.WriteString("Subject: message " + fmt.Sprint(i) + "\r\n")
			}
		}
		msgs = append(msgs, []byte(b.String()))
	}
	file, ws := writeAll(t, msgs, "", start, mbox.BufferSize)
	checkRoundTrip(t, mbox.NewReader(bytes.NewReader(file)), ws)
	checkRoundTrip(t, mbox.NewReaderSize(bytes.NewReader(file), 16), ws)
}

func TestSeparatorLine(t *testing.T) {
	tests := []struct {
		name string
		sep  mbox.Separator
		msg  string
		want string
	}{
		{"docs example", mbox.Separator{Sender: "taro@example.jp", Time: start}, "x\n",
			"From taro@example.jp Tue Mar  5 09:04:11 2024\n"},
		{"two-digit day", mbox.Separator{Sender: "a@b", Time: time.Date(2023, 12, 25, 1, 2, 3, 999, time.UTC)}, "x\n",
			"From a@b Mon Dec 25 01:02:03 2023\n"},
		{"no sender", mbox.Separator{Time: start}, "",
			"From MAILER-DAEMON Tue Mar  5 09:04:11 2024\n"},
		{"no final newline", mbox.Separator{Sender: "a@b", Time: start}, "x",
			"From a@b Tue Mar  5 09:04:11 2024 mailark-no-final-newline\n"},
		{"spaces and controls in sender", mbox.Separator{Sender: "a b\tc\r\nd\x00\x7fé", Time: start}, "x\n",
			"From a_b_c__d____ Tue Mar  5 09:04:11 2024\n"},
		{"zero time", mbox.Separator{Sender: "a@b"}, "x\n",
			"From a@b Mon Jan  1 00:00:00 0001\n"},
		{"year 10000", mbox.Separator{Sender: "a@b", Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "x\n",
			"From a@b Mon Jan  1 00:00:00 0001\n"},
		{"year 0", mbox.Separator{Sender: "a@b", Time: time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)}, "x\n",
			"From a@b Mon Jan  1 00:00:00 0001\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if _, err := mbox.WriteMessage(&b, tc.sep, strings.NewReader(tc.msg), int64(len(tc.msg))); err != nil {
				t.Fatal(err)
			}
			line, _, _ := strings.Cut(b.String(), "\n")
			if line+"\n" != tc.want {
				t.Errorf("separator line = %q, want %q", line+"\n", tc.want)
			}
			e, err := mbox.NewReader(&b).Next()
			if err != nil {
				t.Fatalf("Next() error: %v", err)
			}
			if want := mbox.SenderToken(tc.sep.Sender); e.Sender != want {
				t.Errorf("Sender = %q, want %q", e.Sender, want)
			}
			if want := refTime(tc.sep.Time); !e.Time.Equal(want) {
				t.Errorf("Time = %v, want %v", e.Time, want)
			}
		})
	}
}

func TestSenderToken(t *testing.T) {
	long := strings.Repeat("a", mbox.MaxSenderBytes-1)
	tests := []struct {
		name, sender, want string
	}{
		{"empty", "", "MAILER-DAEMON"},
		{"address", "taro@example.jp", "taro@example.jp"},
		{"space", "Taro Yamada <t@x>", "Taro_Yamada_<t@x>"},
		{"controls", "\x00\t\r\n\x1f\x7f", "______"},
		{"non-ASCII", "\xff取引先@example.jp", "__________@example.jp"},
		{"only space", " ", "_"},
		{"at limit", long + "b", long + "b"},
		{"cut", long + "bc", long + "b"},
		{"cut non-ASCII", long + "あ", long + "_"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mbox.SenderToken(tc.sender); got != tc.want {
				t.Errorf("SenderToken(%q) = %q, want %q", tc.sender, got, tc.want)
			}
		})
	}
}

// failWriter takes n bytes, then fails.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, errSource
}

func TestWriteMessageErrors(t *testing.T) {
	msg := "From: a\n\nFrom x\nbody"
	full := int64(len(refEntry(mbox.Separator{}, []byte(msg))))
	t.Run("negative size", func(t *testing.T) {
		if n, err := mbox.WriteMessage(io.Discard, mbox.Separator{}, strings.NewReader(""), -1); n != 0 || err == nil {
			t.Errorf("WriteMessage() = %d, %v, want 0 and an error", n, err)
		}
	})
	t.Run("message shorter than size", func(t *testing.T) {
		for _, size := range []int64{int64(len(msg)) + 1, 1 << 20} {
			var b bytes.Buffer
			n, err := mbox.WriteMessage(&b, mbox.Separator{}, strings.NewReader(msg), size)
			if !errors.Is(err, io.ErrUnexpectedEOF) || n != int64(b.Len()) {
				t.Errorf("WriteMessage(size %d) = %d, %v, wrote %d, want io.ErrUnexpectedEOF", size, n, err, b.Len())
			}
		}
	})
	for cut := range full {
		t.Run(fmt.Sprintf("writer fails after %d bytes", cut), func(t *testing.T) {
			for _, bufSize := range []int{1, 4, mbox.BufferSize} {
				n, err := mbox.WriteMessageBuf(&failWriter{n: int(cut)}, mbox.Separator{}, strings.NewReader(msg), int64(len(msg)), make([]byte, bufSize))
				if n != cut || err != errSource {
					t.Errorf("WriteMessage() = %d, %v, want %d, %v", n, err, cut, errSource)
				}
			}
		})
	}
}

// A message in pieces is written exactly as the same bytes in one piece,
// wherever the pieces end: in the middle of "From ", of a run of '>'
// before it, or of a line ending. And Pieces reads as Memory does.
func TestPiecesWriteAsOneBuffer(t *testing.T) {
	sep := mbox.Separator{Sender: "taro@example.jp", Time: start}
	for _, tc := range roundTripCases(16) {
		for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 13, 16} {
			var ps mbox.Pieces
			for rest := tc.msg; len(rest) > 0; rest = rest[min(k, len(rest)):] {
				ps = append(ps, rest[:min(k, len(rest))])
			}
			var want, got bytes.Buffer
			if _, err := mbox.WriteMessage(&want, sep, mbox.Memory(tc.msg), int64(len(tc.msg))); err != nil {
				t.Fatal(err)
			}
			if _, err := mbox.WriteMessage(&got, sep, ps, int64(len(tc.msg))); err != nil {
				t.Fatalf("%s in pieces of %d: %v", tc.name, k, err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s in pieces of %d: written\n%q\nwant\n%q", tc.name, k, got.Bytes(), want.Bytes())
			}
			for off := 0; off <= len(tc.msg); off++ {
				for n := 0; off+n <= len(tc.msg)+1; n += 3 {
					a, b := make([]byte, n), make([]byte, n)
					na, ea := mbox.Memory(tc.msg).ReadAt(a, int64(off))
					nb, eb := ps.ReadAt(b, int64(off))
					if na != nb || (ea == nil) != (eb == nil) || !bytes.Equal(a[:na], b[:nb]) {
						t.Fatalf("%s in pieces of %d: ReadAt(%d bytes, %d) = %d, %v; Memory gives %d, %v", tc.name, k, n, off, nb, eb, na, ea)
					}
				}
			}
		}
	}
}
