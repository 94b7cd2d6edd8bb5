package mbox_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/mbox"
)

// benchMessage is a 64 KiB message of 78-byte CRLF lines, a few of them
// "From " lines.
func benchMessage() []byte {
	var b strings.Builder
	b.WriteString("From: Taro <taro@example.jp>\r\nSubject: benchmark\r\n\r\n")
	for i := 0; b.Len() < 64<<10; i++ {
		if i%100 == 99 {
			b.WriteString("From the archive, line " + fmt.Sprint(i) + "\r\n")
			continue
		}
		b.WriteString(strings.Repeat("abcdefghij", 7) + "123456\r\n")
	}
	return []byte(b.String()[:64<<10])
}

func BenchmarkWriteMessage(b *testing.B) {
	msg := benchMessage()
	sep := mbox.Separator{Sender: "taro@example.jp", Time: start}
	src := bytes.NewReader(msg)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mbox.WriteMessage(io.Discard, sep, src, int64(len(msg))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteMemory is BenchmarkWriteMessage with the message in memory,
// read in place.
func BenchmarkWriteMemory(b *testing.B) {
	msg := benchMessage()
	sep := mbox.Separator{Sender: "taro@example.jp", Time: start}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mbox.WriteMessage(io.Discard, sep, mbox.Memory(msg), int64(len(msg))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	msg := benchMessage()
	var file bytes.Buffer
	for range 64 {
		if _, err := mbox.WriteMessage(&file, mbox.Separator{}, bytes.NewReader(msg), int64(len(msg))); err != nil {
			b.Fatal(err)
		}
	}
	src := bytes.NewReader(file.Bytes())
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(file.Len()))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(file.Bytes())
		r := mbox.NewReader(src)
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.CopyBuffer(io.Discard, e.Body, buf); err != nil {
				b.Fatal(err)
			}
		}
	}
}
