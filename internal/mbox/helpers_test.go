package mbox_test

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/mbox"
)

// The tests check the package against this plain, line-by-line model of
// the format in docs/archive.md.

var (
	quotedLine   = regexp.MustCompile(`^>*From `)
	unquotedLine = regexp.MustCompile(`^>+From `)
)

// refQuote gives each line matching ^>*From  one more '>'.
func refQuote(msg []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(msg, []byte("\n")) {
		if quotedLine.Match(line) {
			out = append(out, '>')
		}
		out = append(out, line...)
	}
	return out
}

// refUnquote removes one '>' from each line matching ^>+From .
func refUnquote(b []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if unquotedLine.Match(line) {
			line = line[1:]
		}
		out = append(out, line...)
	}
	return out
}

// refTime is the time a separator line holds for t.
func refTime(t time.Time) time.Time {
	t = t.UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}
	}
	return t.Truncate(time.Second)
}

func noFinalNewline(msg []byte) bool {
	return len(msg) > 0 && msg[len(msg)-1] != '\n'
}

// refEntry is the entry WriteMessage must write.
func refEntry(sep mbox.Separator, msg []byte) []byte {
	line := "From " + mbox.SenderToken(sep.Sender) + " " + refTime(sep.Time).Format("Mon Jan _2 15:04:05 2006")
	end := "\n"
	if noFinalNewline(msg) {
		line += " mailark-no-final-newline"
		end = "\n\n"
	}
	out := append([]byte(line+"\n"), refQuote(msg)...)
	return append(out, end...)
}

// written is what writeAll wrote for one message.
type written struct {
	sep    mbox.Separator
	msg    []byte
	offset int64
	length int64
}

// writeAll writes msgs into one file through a write buffer of bufSize
// bytes, checking each entry against refEntry and EntryLength.
func writeAll(tb testing.TB, msgs [][]byte, sender string, start time.Time, bufSize int) ([]byte, []written) {
	tb.Helper()
	var file bytes.Buffer
	var out []written
	buf := make([]byte, bufSize)
	for i, msg := range msgs {
		sep := mbox.Separator{Sender: sender, Time: start.Add(time.Duration(i) * time.Second)}
		off := int64(file.Len())
		n, err := mbox.WriteMessageBuf(&file, sep, bytes.NewReader(msg), int64(len(msg)), buf)
		if err != nil {
			tb.Fatalf("WriteMessage(message %d) error: %v", i, err)
		}
		got := file.Bytes()[off:]
		if want := refEntry(sep, msg); !bytes.Equal(got, want) {
			tb.Fatalf("WriteMessage(message %d %q) wrote\n%q\nwant\n%q", i, trim(msg), trim(got), trim(want))
		}
		if n != int64(len(got)) {
			tb.Fatalf("WriteMessage(message %d) = %d, wrote %d bytes", i, n, len(got))
		}
		var mem bytes.Buffer
		if m, err := mbox.WriteMessage(&mem, sep, mbox.Memory(msg), int64(len(msg))); err != nil || m != n || !bytes.Equal(mem.Bytes(), got) {
			tb.Fatalf("WriteMessage(Memory(message %d)) = %d, %v, wrote\n%q\nwant\n%q", i, m, err, trim(mem.Bytes()), trim(got))
		}
		if l, err := mbox.EntryLength(sep, bytes.NewReader(msg), int64(len(msg))); l != n || err != nil {
			tb.Fatalf("EntryLength(message %d) = %d, %v, want %d, nil", i, l, err, n)
		}
		checkEntryMessage(tb, got, msg)
		out = append(out, written{sep: sep, msg: msg, offset: off, length: n})
	}
	return file.Bytes(), out
}

// readEntry is what readAll read for one entry.
type readEntry struct {
	entry mbox.Entry
	body  []byte
	err   error // from reading Body
}

// readAll reads every entry of r, up to limit entries.
func readAll(tb testing.TB, r *mbox.Reader, limit int) ([]readEntry, error) {
	tb.Helper()
	var out []readEntry
	for range limit {
		e, err := r.Next()
		if err != nil {
			if e != nil {
				tb.Fatalf("Next() = %v, %v: an entry with an error", e, err)
			}
			return out, err
		}
		body, err := io.ReadAll(e.Body)
		if err == nil {
			// Once done, Body keeps saying so.
			if n, err2 := e.Body.Read(make([]byte, 1)); n != 0 || err2 != io.EOF {
				tb.Fatalf("Body.Read after EOF = %d, %v, want 0, EOF", n, err2)
			}
		}
		out = append(out, readEntry{entry: *e, body: body, err: err})
	}
	tb.Fatalf("more than %d entries", limit)
	return nil, nil
}

// checkRoundTrip reads file through r and checks it gives back ws exactly.
func checkRoundTrip(tb testing.TB, r *mbox.Reader, ws []written) {
	tb.Helper()
	got, err := readAll(tb, r, len(ws)+1)
	if err != io.EOF {
		tb.Fatalf("Next() error %v after %d entries, want io.EOF", err, len(got))
	}
	if len(got) != len(ws) {
		tb.Fatalf("read %d entries, want %d", len(got), len(ws))
	}
	for i, w := range ws {
		g := got[i]
		if g.err != nil {
			tb.Fatalf("entry %d: reading Body: %v", i, g.err)
		}
		if !bytes.Equal(g.body, w.msg) {
			tb.Fatalf("entry %d: Body = %q, want %q", i, trim(g.body), trim(w.msg))
		}
		e := g.entry
		if e.Offset != w.offset || e.Length != w.length {
			tb.Errorf("entry %d: Offset, Length = %d, %d, want %d, %d", i, e.Offset, e.Length, w.offset, w.length)
		}
		if want := mbox.SenderToken(w.sep.Sender); e.Sender != want {
			tb.Errorf("entry %d: Sender = %q, want %q", i, e.Sender, want)
		}
		if want := refTime(w.sep.Time); !e.Time.Equal(want) || e.Time.Location() != time.UTC {
			tb.Errorf("entry %d: Time = %v, want %v", i, e.Time, want)
		}
		if want := noFinalNewline(w.msg); e.NoFinalNewline != want {
			tb.Errorf("entry %d: NoFinalNewline = %v, want %v", i, e.NoFinalNewline, want)
		}
		if e.Truncated {
			tb.Errorf("entry %d: Truncated", i)
		}
	}
}

// trim shortens long byte strings in failure messages.
func trim(b []byte) []byte {
	if len(b) <= 200 {
		return b
	}
	return append(append(b[:100:100], "…"...), b[len(b)-100:]...)
}

// errReader returns data, then err.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

var errSource = errors.New("disk on fire")

// modelEntry is what modelRead gives for one entry.
type modelEntry struct {
	sender         string
	noFinalNewline bool
	offset, length int64
	truncated      bool
	body           []byte
}

// modelRead reads an mbox file the slow way, whole and line by line, by
// the rules Reader documents. It returns mbox.ErrNotMbox for a file that
// does not start with a separator line.
func modelRead(file []byte) ([]modelEntry, error) {
	lines := bytes.SplitAfter(file, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, nil
	}
	isSep := func(i int) bool { return bytes.HasPrefix(lines[i], []byte("From ")) }
	// isCutSep: the start of a separator line cut by the end of the file.
	isCutSep := func(i int) bool {
		return i == len(lines)-1 && !bytes.HasSuffix(lines[i], []byte("\n")) && bytes.HasPrefix([]byte("From "), lines[i])
	}
	if !isSep(0) && !isCutSep(0) {
		return nil, mbox.ErrNotMbox
	}
	var out []modelEntry
	var off int64
	for i := 0; i < len(lines); {
		sep := lines[i]
		line := bytes.TrimSuffix(sep, []byte("\n"))
		head := line[:min(len(line), mbox.SeparatorHeadMax)]
		sender, _, _ := bytes.Cut(head[min(len(head), 5):], []byte(" "))
		e := modelEntry{
			sender:         string(sender),
			noFinalNewline: bytes.HasSuffix(line, []byte(" mailark-no-final-newline")),
			offset:         off,
		}
		strip := 1
		if e.noFinalNewline {
			strip = 2
		}
		var region []byte
		j := i + 1
		for ; j < len(lines); j++ {
			if isSep(j) || isCutSep(j) && trailingNewlines(region) >= strip {
				break
			}
			region = append(region, lines[j]...)
		}
		n := min(trailingNewlines(region), strip)
		e.truncated = j == len(lines) && (len(line) == len(sep) || n < strip)
		e.body = refUnquote(region[:len(region)-n])
		e.length = int64(len(sep) + len(region))
		out = append(out, e)
		off += e.length
		i = j
	}
	return out, nil
}

func trailingNewlines(b []byte) int {
	return len(b) - len(bytes.TrimRight(b, "\n"))
}

// checkModel reads file with r and checks it against modelRead.
func checkModel(tb testing.TB, r *mbox.Reader, file []byte) []readEntry {
	tb.Helper()
	want, wantErr := modelRead(file)
	got, err := readAll(tb, r, len(file)+2)
	if wantErr != nil {
		if !errors.Is(err, wantErr) || len(got) != 0 {
			tb.Fatalf("read %d entries, then %v, want none and %v", len(got), err, wantErr)
		}
		return got
	}
	if err != io.EOF {
		tb.Fatalf("Next() error %v after %d entries, want io.EOF", err, len(got))
	}
	if len(got) != len(want) {
		tb.Fatalf("read %d entries, want %d", len(got), len(want))
	}
	var wantBodyErr error
	for i, w := range want {
		g := got[i]
		wantBodyErr = nil
		if w.truncated {
			wantBodyErr = mbox.ErrTruncated
		}
		e := g.entry
		if e.Sender != w.sender || e.NoFinalNewline != w.noFinalNewline || e.Offset != w.offset ||
			e.Length != w.length || e.Truncated != w.truncated || !bytes.Equal(g.body, w.body) || g.err != wantBodyErr {
			tb.Fatalf("entry %d = %q %v off %d len %d truncated %v body %q err %v,\nwant %q %v off %d len %d truncated %v body %q err %v",
				i, e.Sender, e.NoFinalNewline, e.Offset, e.Length, e.Truncated, trim(g.body), g.err,
				w.sender, w.noFinalNewline, w.offset, w.length, w.truncated, trim(w.body), wantBodyErr)
		}
	}
	return got
}

// checkEntryMessage: EntryMessage gives back msg from its whole entry, and
// from each first part of the entry a first part of msg (followed perhaps
// by the entry's final newlines), never another byte.
func checkEntryMessage(tb testing.TB, entry, msg []byte) {
	tb.Helper()
	if got, ok := mbox.EntryMessage(bytes.Clone(entry), true); !ok || !bytes.Equal(got, msg) {
		tb.Fatalf("EntryMessage(whole entry of %q) = %q, %v", trim(msg), trim(got), ok)
	}
	ending := []byte("\n")
	if noFinalNewline(msg) {
		ending = []byte("\n\n")
	}
	full := append(bytes.Clone(msg), ending...)
	step := max(1, len(entry)/200)
	for cut := 0; cut <= len(entry); cut += step {
		got, ok := mbox.EntryMessage(bytes.Clone(entry[:cut]), false)
		if !ok {
			if bytes.IndexByte(entry[:cut], '\n') >= 0 {
				tb.Fatalf("EntryMessage(first %d bytes of the entry of %q) = not an entry", cut, trim(msg))
			}
			continue
		}
		if !bytes.HasPrefix(full, got) {
			tb.Fatalf("EntryMessage(first %d bytes of the entry of %q) = %q, not a first part of the message", cut, trim(msg), trim(got))
		}
	}
}
