package mbox_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mailark/mailark/internal/mbox"
)

// fuzzSetup picks buffer sizes and a way of reading from the fuzzer's mode
// byte, so that small inputs reach buffer boundaries and short reads.
func fuzzSetup(mode uint8) (writeBuf, readBuf int, wrap func(io.Reader) io.Reader) {
	writeBufs := []int{1, 5, 16, 17, 64, 3, 4096, mbox.BufferSize}
	readBufs := []int{16, 17, 20, 64, 100, 31, 4096, mbox.BufferSize}
	wraps := []func(io.Reader) io.Reader{
		func(r io.Reader) io.Reader { return r },
		iotest.OneByteReader,
		iotest.HalfReader,
		iotest.DataErrReader,
	}
	return writeBufs[mode&7], readBufs[(mode>>3)&7], wraps[mode>>6]
}

// FuzzMboxRoundTrip writes three messages into one file and reads them
// back: the bytes, the separator fields, Offset and Length must all be
// exact, and the file must be what the line-by-line model writes and reads.
func FuzzMboxRoundTrip(f *testing.F) {
	type seed struct {
		a, b, c string
		sender  string
		unix    int64
		mode    uint8
	}
	long := strings.Repeat("a", 15)
	seeds := []seed{
		{"", "", "", "", 0, 0},
		{"\n", "\n\n", "x", "taro@example.jp", 1709629451, 0x12},
		{"From x\n", ">From x\n", ">>From x\n", "a b", 1, 0x40},
		{"From", "From ", ">From", "", -1, 0x80},
		{"From:x\nFromage\n", "from x\n", " From x\n", "\x00\n", 253402300800, 0xc0},
		{"a\r\nFrom x\r\n\r\n", "a\r\nb\r", "\r\n", "MAILER-DAEMON", 1 << 40, 0x09},
		{"a\rFrom x\r", "\x00From \x00\n", "\xff\xfe\x80From \xc3\n", "\xff", 0, 0x1b},
		{long + "\nFrom x\n", long + "Fr\nFrom ", "\n" + long + "\n>>>>>>>>>>>>>>>>>>>From \n", "", 0, 0x02},
		{strings.Repeat(">", 40) + "From x", "a\n\nb", "a\n\n", "", 0, 0x03},
		{"x mailark-no-final-newline\n", "From a Mon Jan  1 00:00:00 2024 mailark-no-final-newline\n\n", "\n\nFrom \n\n", "x", 0, 0x2d},
	}
	for _, s := range seeds {
		f.Add([]byte(s.a), []byte(s.b), []byte(s.c), s.sender, s.unix, s.mode)
	}
	f.Fuzz(func(t *testing.T, a, b, c []byte, sender string, unix int64, mode uint8) {
		writeBuf, readBuf, wrap := fuzzSetup(mode)
		file, ws := writeAll(t, [][]byte{a, b, c}, sender, time.Unix(unix, 0), writeBuf)
		checkRoundTrip(t, mbox.NewReaderSize(wrap(bytes.NewReader(file)), readBuf), ws)
		checkModel(t, mbox.NewReaderSize(bytes.NewReader(file), readBuf), file)
	})
}

// FuzzMboxReader reads any bytes: no panic, no endless loop, and the
// entries the streaming Reader finds are the ones the model finds.
func FuzzMboxReader(f *testing.F) {
	seeds := []string{
		"",
		"From ",
		"Fro",
		"From a Mon Jan  1 00:00:00 2024\n",
		"From a Mon Jan  1 00:00:00 2024\n\n",
		"From a Mon Jan  1 00:00:00 2024 mailark-no-final-newline\nx\n\n",
		"From a Mon Jan  1 00:00:00 2024 mailark-no-final-newline\nx\n",
		"From a Mon Jan  1 00:00:00 2024 mailark-no-final-newline\n\nFrom b\n\n",
		"From a\n>From x\n>>From y\n>Fro\n>\n\nFrom b\nFrom c\n\nFr",
		"From a\r\nx\r\n\r\nFrom b\r\n",
		"From a\nx\n\nFrom",
		"From a\nx\nFro",
		"Subject: not an mbox\n\nFrom x\n",
		"\nFrom x\n",
		"From " + strings.Repeat("x", 1100) + " Mon Jan  1 00:00:00 2024 mailark-no-final-newline\nx\n\n",
		"From \x00\xff Tue Mar  5 09:04:11 2024\n\xff\n\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i*37))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		_, readBuf, wrap := fuzzSetup(mode)
		checkModel(t, mbox.NewReaderSize(wrap(bytes.NewReader(data)), readBuf), data)
	})
}
